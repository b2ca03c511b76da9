// Web shells: every web-facing file (script extensions, or anything under a known web root) is scanned with YARA
// (bundled rules + analyst packs); server-side script inside aspnet_client (which ships only client files) is a
// heuristic hit on its own; a write time inside the attack window is added as a reason, never a finding alone.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../case/db.ts';
import type { IngestWarning } from '../../shared/types.ts';
import { microsToIso, isoToMicros } from '../../shared/types.ts';
import { extOf, isExchangeWebFolder, isUnder, isWebCandidate, SCRIPT_EXTENSIONS } from './paths.ts';
import { listFiles, writtenAt } from './rows.ts';
import type { FileInfo } from './rows.ts';
import type { RuleSet } from './rules.ts';
import { isKnownGood } from './baseline.ts';
import type { Baseline } from './baseline.ts';
import { yaraEngine } from './yara.ts';
import { buildProbe } from './yara-prefilter.ts';
import { BATCH_BYTES, scanItems } from './yara-batch.ts';
import type { ScanItem } from './yara-batch.ts';
import type { YaraMatch } from './yara.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';
import { openEvidenceSync, type EvidencePath } from '../ingest/evidence-open.ts';
import { evidencePath } from '../ingest/walk.ts';

/** Files larger than this are not read for YARA (web shells are small; the WASM heap is finite). */
export const YARA_SIZE_CAP = 16 * 1024 * 1024;
/** HAFNIUM's first known activity (Volexity: 2021-01-06) minus slack, to the end of the mass exploitation. */
const RECENT_FROM = isoToMicros('2020-12-01T00:00:00Z');
const RECENT_TO = isoToMicros('2021-04-30T00:00:00Z');

export interface ScanInput { db: Db; rules: RuleSet; bundledRules: Set<string>; evidenceRoots: Map<number, string>;
  warn: (w: IngestWarning) => void; signal?: AbortSignal; baseline?: Baseline }
export interface ScanOutput {
  findings: PendingFinding[]; filesScanned: number; contentsScanned: number;
  /** Web files that could not be read for the scan (kept in the case: the scan did not cover them). */
  unreadable: Array<{ file: string; message: string }>;
}

/** Reads at most `cap` bytes of an evidence file, read-only; null (and a warning) when it cannot be read. */
export function readCapped(abs: EvidencePath, cap: number): Buffer | null {
  const fd = openEvidenceSync(abs);
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, cap));
    let done = 0;
    while (done < buf.length) {
      const n = fs.readSync(fd, buf, done, buf.length - done, done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  } finally {
    fs.closeSync(fd);
  }
}

export function heuristicReasons(f: Pick<FileInfo, 'origPath' | 'btime' | 'mtime'>): { strong: string[]; weak: string[] } {
  const strong: string[] = [];
  const weak: string[] = [];
  const script = SCRIPT_EXTENSIONS.includes(extOf(f.origPath));
  if (script && isUnder(f.origPath, '\\inetpub\\wwwroot\\aspnet_client')) {
    strong.push('server-side script in aspnet_client (a folder that only holds client-side files)');
  }
  const t = writtenAt(f);
  if (t !== null && t >= RECENT_FROM && t < RECENT_TO && (isExchangeWebFolder(f.origPath) || isUnder(f.origPath, '\\inetpub\\wwwroot'))) {
    weak.push(`written ${microsToIso(t).slice(0, 10)}, inside the Dec 2020 – Apr 2021 attack window, in a web folder`);
  }
  return { strong, weak };
}

/** The bytes to scan, or null (with a warning, and a note of the gap) when the file cannot or may not be read. */
function readForScan(input: ScanInput, f: FileInfo, unreadable: ScanOutput['unreadable']): Uint8Array | null {
  // A file over the cap is a documented limit (warned); one that cannot be read is a gap in the case.
  const skip = (message: string, gap = true): null => {
    input.warn({ file: f.relPath, message });
    if (gap) unreadable.push({ file: f.relPath, message });
    return null;
  };
  const root = input.evidenceRoots.get(f.sourceId);
  if (!root) return skip(`not scanned by YARA: no evidence folder known for source ${f.sourceId}`);
  if (f.size > YARA_SIZE_CAP) return skip(`not scanned by YARA: ${f.size} bytes exceeds the ${YARA_SIZE_CAP}-byte cap`, false);
  try {
    return readCapped(evidencePath(root, f.relPath, f.relPathBytes), YARA_SIZE_CAP);
  } catch (e) {
    return skip(`not scanned by YARA: ${(e as Error).message}`);
  }
}

/** Bytes read per round of scanning (bounds memory; each round is probed in BATCH_BYTES batches). */
const ROUND_BYTES = 4 * BATCH_BYTES;

/** YARA matches per file id, for the files that need a scan (one per distinct content, none known-good). */
async function yaraMatches(input: ScanInput, files: FileInfo[], unreadable: ScanOutput['unreadable']): Promise<{ byId: Map<number, YaraMatch[]>; scanned: Map<string, number> }> {
  const byId = new Map<number, YaraMatch[]>();
  const scanned = new Map<string, number>();
  if (!input.rules.source) return { byId, scanned };
  const probe = buildProbe(input.rules.source);
  const todo = files.filter((f) => {
    if (input.baseline && isKnownGood(input.baseline, f)) return false;
    if (f.sha256 && scanned.has(f.sha256)) return false;
    if (f.sha256) scanned.set(f.sha256, f.id);
    return true;
  });
  let round: ScanItem[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    for (const [k, m] of await scanItems(yaraEngine(), round, input.rules.source, probe)) byId.set(k, m);
    round = [];
    size = 0;
  };
  for (const f of todo) {
    if (input.signal?.aborted) break;
    const bytes = readForScan(input, f, unreadable);
    if (!bytes) continue;
    round.push({ key: f.id, bytes });
    size += bytes.length;
    if (size >= ROUND_BYTES) await flush();
  }
  await flush();
  return { byId, scanned };
}

export async function scanWebshells(input: ScanInput): Promise<ScanOutput> {
  const candidates = listFiles(input.db).filter((f) => isWebCandidate(f.origPath) || f.kind === 'web-script');
  // libyara-wasm pays a rule compile per call: identical contents are scanned once, stock files not at all, and
  // files no gating string touches are ruled out by one probe call per batch.
  const unreadable: ScanOutput['unreadable'] = [];
  const { byId, scanned } = await yaraMatches(input, candidates, unreadable);
  const findings: PendingFinding[] = [];
  for (const f of candidates) {
    const first = f.sha256 ? scanned.get(f.sha256) : undefined;
    const matches = byId.get(first ?? f.id) ?? [];
    const { strong, weak } = heuristicReasons(f);
    if (!matches.length && !strong.length) continue;
    findings.push(webshellFinding(f, matches, strong, weak, input.bundledRules));
  }
  return { findings, filesScanned: candidates.length, contentsScanned: scanned.size, unreadable };
}

export function webshellFinding(f: FileInfo, matches: YaraMatch[], strong: string[], weak: string[], bundled: Set<string>): PendingFinding {
  const rules = matches.map((m) => m.rule);
  const ours = matches.filter((m) => bundled.has(m.rule)).map((m) => m.rule);
  const severity = ours.length ? 'critical' : matches.length ? 'high' : 'medium';
  const [confidence, confidenceReason] = ours.length
    ? ['confirmed' as const, `matched Loupe's web-shell rule ${ours.join(', ')}, written against real shells and tested on stock Exchange pages`]
    : matches.length
      ? ['likely' as const, `matched the analyst's rule ${rules.join(', ')}`]
      : ['review' as const, `no YARA rule matched; flagged by placement only (${strong.join('; ')})`];
  const reasons = [...rules.map((r) => `YARA rule ${r}`), ...strong, ...weak];
  const t = writtenAt(f);
  return {
    finding: {
      check: CHECK.webshell,
      severity,
      confidence,
      confidenceReason,
      title: `Web shell ${matches.length ? '' : 'suspected '}at ${f.origPath}${rules.length ? ` (${rules.join(', ')})` : ''}`,
      path: f.origPath,
      time: t === null ? null : microsToIso(t),
      sha256: f.sha256,
      evidence: [{ file: f.relPath }],
    },
    details: { kind: 'file', rules, reasons, matches: matches.map((m) => ({ rule: m.rule, meta: m.meta, strings: m.strings.slice(0, 50) })) },
    fileId: f.id,
  };
}
