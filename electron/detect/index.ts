// runDetections: every check over the case, run after each index. Idempotent: old findings, IOC-list and rule-pack
// records are replaced in one transaction by this run's.
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '../case/db.ts';
import { insertFinding, nowIso } from '../case/write.ts';
import type { IngestWarning } from '../../shared/types.ts';
import { CVE_CHECKS } from './cve-registry.ts';
import { checkTunnelRequests } from './tunnel-requests.ts';
import { checkLogShellUse } from './log-shells.ts';
import { checkDefender } from './antivirus.ts';
import { checkMailboxChanges } from './mailbox-changes.ts';
import { checkW3wpChildren } from './process-children.ts';
import { checkHafniumRequests } from './iis-patterns.ts';
import { matchDomains } from './ioc-domain.ts';
import { scanWebshells } from './webshell.ts';
import { loadRuleSet, formatRuleError } from './rules.ts';
import type { RuleSet } from './rules.ts';
import { loadIocFile, matchEvents, matchFileHashes, matchFilePaths } from './ioc.ts';
import type { IocList } from './ioc.ts';
import { checkBaseline, loadBaselines } from './baseline.ts';
import { checkSuspiciousFiles } from './suspicious-files.ts';
import { correlateFindings } from './correlate.ts';
import { recordDetectionRun } from './completeness.ts';
import { checkSigma, formatSigmaError, type SigmaCheck } from './sigma/index.ts';
import { listFiles } from './rows.ts';
import type { DetectOptions, DetectSummary, PendingFinding, RunMemo } from './types.ts';

export type { DetectOptions, DetectSummary } from './types.ts';

/** The repository's resources/ folder (rules/ and iocs/ inside); packaged builds pass opts.resourcesDir. */
export const DEFAULT_RESOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../resources');

export const bundledRuleDir = (resources: string): string => path.join(resources, 'rules');
export const bundledIocFiles = (resources: string): string[] => [path.join(resources, 'iocs', 'mstic-exchange-march2021.json')];
export const bundledSigmaDir = (resources: string): string => path.join(resources, 'sigma');

/** Sigma rules left out of a run are warnings with file:line; past this many, one line says how many more. */
const MAX_SIGMA_WARNINGS = 200;

export async function runDetections(db: Db, opts: DetectOptions): Promise<DetectSummary> {
  const started = Date.now();
  const startedAt = nowIso();
  const warn = opts.warn ?? ((w: IngestWarning) => void w);
  const resources = opts.resourcesDir ?? DEFAULT_RESOURCES;

  const bundled = await loadRuleSet([bundledRuleDir(resources)]);
  const rules = await loadRuleSet([bundledRuleDir(resources), ...(opts.ruleDirs ?? [])]);
  for (const e of rules.errors) warn({ file: e.file, line: e.line || undefined, message: `rule file skipped: ${formatRuleError(e)}` });
  const lists = [...new Set([...bundledIocFiles(resources), ...(opts.iocFiles ?? [])].map((f) => path.resolve(f)))]
    .map((f) => loadIocFile(f, warn)).filter((l): l is IocList => l !== null);
  const { baseline } = loadBaselines(opts.baselines ?? [], warn);

  const files = listFiles(db);
  const memo: RunMemo = new Map();
  const base: PendingFinding[] = [...CVE_CHECKS.flatMap((c) => c.run(db, memo)), ...checkHafniumRequests(db), ...checkTunnelRequests(db)];
  const scan = await scanWebshells({ db, rules, bundledRules: new Set(bundled.rules), evidenceRoots: opts.evidenceRoots, warn, signal: opts.signal, baseline, onProgress: opts.onScanProgress });
  base.push(...scan.findings, ...checkW3wpChildren(db));
  base.push(...matchFileHashes(files, lists), ...matchFilePaths(files, lists, baseline), ...matchEvents(db, lists), ...matchDomains(db, lists));
  base.push(...checkSuspiciousFiles(files, opts.evidenceRoots), ...checkBaseline(files, baseline), ...checkDefender(db, files), ...checkMailboxChanges(db));
  const sigma = await checkSigma(db, [bundledSigmaDir(resources), ...(opts.sigmaDirs ?? [])], opts.signal);
  warnSigma(sigma, warn);
  base.push(...sigma.findings);
  // After every check that finds a shell file or tunnel: a page they found gets no second finding.
  base.push(...checkLogShellUse(db, base));
  const found = correlateFindings(db, base, files, memo);

  const cancelled = !!opts.signal?.aborted;
  if (!cancelled) writeResults(db, found, lists, rules, sigma, { startedAt, unreadable: scan.unreadable });
  const byCheck: Record<string, number> = {};
  for (const p of found) byCheck[p.finding.check] = (byCheck[p.finding.check] ?? 0) + 1;
  return {
    findings: found.length, byCheck, filesScanned: scan.filesScanned, iocLists: lists.length,
    indicators: lists.reduce((n, l) => n + l.indicators.length, 0), rulePacks: rules.files.length, rules: rules.rules.length,
    sigmaRules: sigma.set.rules.length, sigmaSkipped: sigma.set.errors.length,
    sigmaRegexNotUnicode: sigma.set.rules.filter((r) => r.regexNotUnicode.length > 0).length,
    seconds: (Date.now() - started) / 1000, cancelled,
  };
}

type Resolving = PendingFinding & { resolve?: (ids: Map<PendingFinding, number>) => void };

/**
 * Replaces the previous run's findings and inventory records with this run's, and records the run, atomically (a kill
 * before the commit leaves the previous run's findings and record, which then read as stale).
 */
function writeResults(db: Db, found: Resolving[], lists: IocList[], rules: RuleSet, sigma: SigmaCheck,
  run: { startedAt: string; unreadable: Array<{ file: string; message: string }> }): void {
  db.transaction(() => {
    db.prepare('DELETE FROM findings').run();
    db.prepare('DELETE FROM ioc_lists').run();
    db.prepare('DELETE FROM rule_packs').run();
    // Findings that point at others (stories → their mail findings) are written last, once those have ids.
    const ids = new Map<PendingFinding, number>();
    for (const p of found.filter((x) => !x.resolve)) ids.set(p, insertFinding(db, p.finding, { details: p.details, fileId: p.fileId ?? null }));
    for (const p of found.filter((x) => x.resolve)) {
      p.resolve!(ids);
      insertFinding(db, p.finding, { details: p.details, fileId: p.fileId ?? null });
    }
    recordDetectionRun(db, { startedAt: run.startedAt, finishedAt: nowIso(), unreadable: run.unreadable });
    const at = nowIso();
    const insList = db.prepare('INSERT INTO ioc_lists (name, path, sha256, format, count, added_at) VALUES (?, ?, ?, ?, ?, ?)');
    for (const l of lists) insList.run(l.name, l.path, l.sha256, l.format, l.indicators.length, at);
    const insPack = db.prepare('INSERT INTO rule_packs (name, path, sha256, rules, added_at) VALUES (?, ?, ?, ?, ?)');
    for (const f of rules.files) insPack.run(path.basename(f.path), f.path, f.sha256, f.rules.length, at);
    for (const p of sigmaPacks(sigma)) insPack.run(p.name, p.path, p.sha256, p.rules, at);
  }).immediate();
}

/** One rule-pack record per Sigma folder: `Sigma: <folder>`, digest over its files' digests, rules loaded. */
function sigmaPacks(sigma: SigmaCheck): Array<{ name: string; path: string; sha256: string; rules: number }> {
  const byDir = new Map<string, typeof sigma.set.files>();
  for (const f of sigma.set.files) byDir.set(f.dir, [...(byDir.get(f.dir) ?? []), f]);
  return [...byDir].map(([dir, files]) => ({
    name: `Sigma: ${path.basename(dir)}`, path: `sigma:${dir}`,
    sha256: crypto.createHash('sha256').update(files.map((f) => `${f.path}\t${f.sha256}\n`).join('')).digest('hex'),
    rules: files.reduce((n, f) => n + f.rules, 0),
  }));
}

function warnSigma(sigma: SigmaCheck, warn: (w: IngestWarning) => void): void {
  for (const e of sigma.set.errors.slice(0, MAX_SIGMA_WARNINGS)) warn({ file: e.file, line: e.line || undefined, message: `Sigma rule skipped: ${formatSigmaError(e)}` });
  const more = sigma.set.errors.length - MAX_SIGMA_WARNINGS;
  if (more > 0) warn({ file: '(sigma)', message: `${more} further Sigma rules were skipped (${sigma.set.errors.length} in total)` });
  // loaded, but not as Hayabusa/Chainsaw read them: say which, so a miss on non-ASCII text is understood
  const notUnicode = sigma.set.rules.filter((r) => r.regexNotUnicode.length > 0);
  for (const r of notUnicode.slice(0, MAX_SIGMA_WARNINGS)) warn({ file: r.file, line: r.line || undefined, message: `Sigma rule runs without Unicode regex semantics (a pattern is invalid with the u flag): ${r.regexNotUnicode[0].slice(0, 200)}` });
}
