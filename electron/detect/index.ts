// runDetections: every check over the case, run after each index. Idempotent: old findings, IOC-list and rule-pack
// records are replaced in one transaction by this run's.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '../case/db.ts';
import { insertFinding, nowIso } from '../case/write.ts';
import type { IngestWarning } from '../../shared/types.ts';
import { checkCve202126855 } from './cve-2021-26855.ts';
import { checkCve202126857 } from './cve-2021-26857.ts';
import { checkCve202126858 } from './cve-2021-26858.ts';
import { checkCve202127065 } from './cve-2021-27065.ts';
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
import { buildStory } from './correlate.ts';
import { listFiles } from './rows.ts';
import type { DetectOptions, DetectSummary, PendingFinding } from './types.ts';

export type { DetectOptions, DetectSummary } from './types.ts';

/** The repository's resources/ folder (rules/ and iocs/ inside); packaged builds pass opts.resourcesDir. */
export const DEFAULT_RESOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../resources');

export const bundledRuleDir = (resources: string): string => path.join(resources, 'rules');
export const bundledIocFiles = (resources: string): string[] => [path.join(resources, 'iocs', 'mstic-exchange-march2021.json')];

export async function runDetections(db: Db, opts: DetectOptions): Promise<DetectSummary> {
  const started = Date.now();
  const warn = opts.warn ?? ((w: IngestWarning) => void w);
  const resources = opts.resourcesDir ?? DEFAULT_RESOURCES;

  const bundled = await loadRuleSet([bundledRuleDir(resources)]);
  const rules = await loadRuleSet([bundledRuleDir(resources), ...(opts.ruleDirs ?? [])]);
  for (const e of rules.errors) warn({ file: e.file, line: e.line || undefined, message: `rule file skipped: ${formatRuleError(e)}` });
  const lists = [...new Set([...bundledIocFiles(resources), ...(opts.iocFiles ?? [])].map((f) => path.resolve(f)))]
    .map((f) => loadIocFile(f, warn)).filter((l): l is IocList => l !== null);
  const { baseline } = loadBaselines(opts.baselines ?? [], warn);

  const files = listFiles(db);
  const found: PendingFinding[] = [
    ...checkCve202126855(db), ...checkCve202126857(db), ...checkCve202126858(db), ...checkCve202127065(db),
    ...checkHafniumRequests(db),
  ];
  const scan = await scanWebshells({ db, rules, bundledRules: new Set(bundled.rules), evidenceRoots: opts.evidenceRoots, warn, signal: opts.signal, baseline, onProgress: opts.onScanProgress });
  found.push(...scan.findings, ...checkW3wpChildren(db));
  found.push(...matchFileHashes(files, lists), ...matchFilePaths(files, lists, baseline), ...matchEvents(db, lists), ...matchDomains(db, lists));
  found.push(...checkSuspiciousFiles(files, opts.evidenceRoots), ...checkBaseline(files, baseline));
  const { story } = buildStory(db, found);
  if (story) found.push(story);

  const cancelled = !!opts.signal?.aborted;
  if (!cancelled) writeResults(db, found, lists, rules);
  const byCheck: Record<string, number> = {};
  for (const p of found) byCheck[p.finding.check] = (byCheck[p.finding.check] ?? 0) + 1;
  return {
    findings: found.length, byCheck, filesScanned: scan.filesScanned, iocLists: lists.length,
    indicators: lists.reduce((n, l) => n + l.indicators.length, 0), rulePacks: rules.files.length, rules: rules.rules.length,
    seconds: (Date.now() - started) / 1000, cancelled,
  };
}

/** Replaces the previous run's findings and inventory records with this run's, atomically. */
function writeResults(db: Db, found: PendingFinding[], lists: IocList[], rules: RuleSet): void {
  db.transaction(() => {
    db.prepare('DELETE FROM findings').run();
    db.prepare('DELETE FROM ioc_lists').run();
    db.prepare('DELETE FROM rule_packs').run();
    for (const p of found) insertFinding(db, p.finding, { details: p.details, fileId: p.fileId ?? null });
    const at = nowIso();
    const insList = db.prepare('INSERT INTO ioc_lists (name, path, sha256, format, count, added_at) VALUES (?, ?, ?, ?, ?, ?)');
    for (const l of lists) insList.run(l.name, l.path, l.sha256, l.format, l.indicators.length, at);
    const insPack = db.prepare('INSERT INTO rule_packs (name, path, sha256, rules, added_at) VALUES (?, ?, ?, ?, ?)');
    for (const f of rules.files) insPack.run(path.basename(f.path), f.path, f.sha256, f.rules.length, at);
  })();
}
