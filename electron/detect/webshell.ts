// Web shells: every web-facing file (script extensions, or anything under a known web root) is scanned with YARA
// (bundled rules + analyst packs); server-side script inside aspnet_client (which ships only client files) is a
// heuristic hit on its own; a write time inside the attack window is added as a reason, never a finding alone.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../case/db.ts';
import type { IngestWarning } from '../../shared/types.ts';
import { microsToIso, isoToMicros } from '../../shared/types.ts';
import { familyLabel, isMultiTool } from '../../shared/webshell-family.ts';
import { extOf, isExchangeWebFolder, isUnder, isWebCandidate, SCRIPT_EXTENSIONS } from './paths.ts';
import { listFiles, writtenAt } from './rows.ts';
import type { FileInfo } from './rows.ts';
import type { RuleSet } from './rules.ts';
import { isKnownGood } from './baseline.ts';
import type { Baseline } from './baseline.ts';
import type { ScanItem, YaraMatch } from './yara.ts';
import { openScanner } from './yara-scan.ts';
import type { YaraCli } from './yara-cli.ts';
import { planWindows, mergeWindowMatches, describeScanned } from './yara-windows.ts';
import type { Window } from './yara-windows.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';
import { openEvidenceSync, type EvidencePath } from '../ingest/evidence-open.ts';
import { evidencePath } from '../ingest/walk.ts';

/** Files larger than this are scanned in windows of this size (yara-windows.ts), never whole (the WASM heap is finite). */
export const YARA_SIZE_CAP = 16 * 1024 * 1024;
/** HAFNIUM's first known activity (Volexity: 2021-01-06) minus slack, to the end of the mass exploitation. */
const RECENT_FROM = isoToMicros('2020-12-01T00:00:00Z');
const RECENT_TO = isoToMicros('2021-04-30T00:00:00Z');

export interface ScanProgress { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number; engine?: string | null }
export interface ScanInput { db: Db; rules: RuleSet; bundledRules: Set<string>; evidenceRoots: Map<number, string>;
  warn: (w: IngestWarning) => void; signal?: AbortSignal; baseline?: Baseline;
  /** Called as files are decided: at most every `progressMs` (default PROGRESS_MS) within a round, and after each round. */
  onProgress?: (p: ScanProgress) => void;
  progressMs?: number;
  /** Force an engine: null = libyara-wasm; undefined = a yara command line when one is found. */
  cli?: YaraCli | null;
  /** Rounds with fewer files left open by the triage stay in libyara-wasm (yara-scan.ts CLI_MIN_FILES). */
  cliMinFiles?: number }
export interface ScanOutput {
  findings: PendingFinding[]; filesScanned: number; contentsScanned: number; engine: string | null;
  /** Web files that could not be read for the scan (kept in the case: the scan did not cover them). */
  unreadable: Array<{ file: string; message: string }>;
}

/** Reads at most `length` bytes of an evidence file from `start`, read-only (a shorter file gives fewer bytes). */
export function readRange(abs: EvidencePath, start: number, length: number): Buffer {
  const fd = openEvidenceSync(abs);
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.max(0, Math.min(length, size - start)));
    let done = 0;
    while (done < buf.length) {
      const n = fs.readSync(fd, buf, done, buf.length - done, start + done);
      if (n === 0) break;
      done += n;
    }
    return buf.subarray(0, done);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads at most `cap` bytes of an evidence file, read-only. */
export const readCapped = (abs: EvidencePath, cap: number): Buffer => readRange(abs, 0, cap);

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

/** The windows of a file to scan (one, or several for a file above the cap), or null (with a warning, and a note of
 *  the gap) when no evidence folder is known for it. */
function windowsForScan(input: ScanInput, f: FileInfo, unreadable: ScanOutput['unreadable']): { abs: EvidencePath; windows: Window[] } | null {
  const root = input.evidenceRoots.get(f.sourceId);
  if (!root) {
    gap(input, f, `not scanned by YARA: no evidence folder known for source ${f.sourceId}`, unreadable);
    return null;
  }
  return { abs: evidencePath(root, f.relPath, f.relPathBytes), windows: planWindows(f.size, YARA_SIZE_CAP) };
}

/** A file the scan could not cover: warned, and kept in the case as a gap. */
function gap(input: ScanInput, f: FileInfo, message: string, unreadable: ScanOutput['unreadable']): void {
  input.warn({ file: f.relPath, message });
  unreadable.push({ file: f.relPath, message });
}

/** Bytes read per round of scanning (bounds memory; a round is one command-line run with that engine). */
const ROUND_BYTES = 32 * 1024 * 1024;
/** Within a round, progress is reported at most this often (ms). */
export const PROGRESS_MS = 1000;

interface Scanned { byId: Map<number, YaraMatch[]>; scanned: Map<string, number>; windows: Map<number, Window[]>; engine: string | null }

/** YARA matches per file id, for the files that need a scan (one per distinct content, none known-good). */
async function yaraMatches(input: ScanInput, files: FileInfo[], unreadable: ScanOutput['unreadable']): Promise<Scanned> {
  const out: Scanned = { byId: new Map(), scanned: new Map(), windows: new Map(), engine: null };
  if (!input.rules.source) return out;
  const todo = files.filter((f) => {
    if (input.baseline && isKnownGood(input.baseline, f)) return false;
    if (f.sha256 && out.scanned.has(f.sha256)) return false;
    if (f.sha256) out.scanned.set(f.sha256, f.id);
    return true;
  });
  const scanner = await openScanner(input.rules.source, { cli: input.cli, cliMinFiles: input.cliMinFiles, onFallback: (m) => input.warn({ file: '(YARA)', message: m }) });
  out.engine = scanner.engine;
  const progress: ScanProgress = { filesDone: 0, filesTotal: todo.length, bytesDone: 0, bytesTotal: todo.reduce((n, f) => n + f.size, 0), engine: scanner.engine };
  input.onProgress?.({ ...progress });
  let round: ScanItem[] = [];
  const owner = new Map<number, { fileId: number; window: Window }>();
  let size = 0;
  // Progress counts a file (its own size: windows overlap) once its last window is decided, and is reported at most
  // every PROGRESS_MS within a round, so a long round (large files, many open pages) still shows movement.
  const windowsLeft = new Map<number, { left: number; size: number }>();
  let lastReport = performance.now();
  const fileDone = (size: number): void => { progress.filesDone++; progress.bytesDone += size; };
  const report = (force: boolean): void => {
    if (!force && performance.now() - lastReport < (input.progressMs ?? PROGRESS_MS)) return;
    lastReport = performance.now();
    input.onProgress?.({ ...progress });
  };
  const onDone = (keys: number[]): void => {
    for (const key of keys) {
      const o = owner.get(key);
      const w = o && windowsLeft.get(o.fileId);
      if (!w || --w.left > 0) continue;
      windowsLeft.delete((o as { fileId: number }).fileId);
      fileDone(w.size);
    }
    report(false);
  };
  const flush = async (): Promise<void> => {
    const found = await scanner.scan(round, onDone);
    for (const [key, matches] of found) {
      const o = owner.get(key);
      if (o) out.byId.set(o.fileId, mergeWindowMatches(out.byId.get(o.fileId) ?? [], matches, o.window.start));
    }
    report(true);
    round = [];
    owner.clear();
    size = 0;
  };
  try {
    for (const f of todo) {
      if (input.signal?.aborted) break;
      const plan = windowsForScan(input, f, unreadable);
      if (!plan) { fileDone(f.size); continue; }
      if (plan.windows.length > 1) out.windows.set(f.id, plan.windows);
      const left = { left: plan.windows.length, size: f.size };
      windowsLeft.set(f.id, left);
      for (const [i, w] of plan.windows.entries()) {
        let bytes: Uint8Array;
        try {
          bytes = readRange(plan.abs, w.start, w.end - w.start);
        } catch (e) {
          gap(input, f, `not scanned by YARA: ${(e as Error).message}`, unreadable);
          // The windows never queued will not be decided: the file is done once those already queued are.
          left.left -= plan.windows.length - i;
          if (left.left <= 0) { windowsLeft.delete(f.id); fileDone(f.size); }
          break;
        }
        const key = round.length;
        round.push({ key, bytes });
        owner.set(key, { fileId: f.id, window: w });
        size += bytes.length;
        if (size >= ROUND_BYTES) await flush();
      }
    }
    await flush();
  } finally {
    scanner.close();
  }
  return out;
}

export async function scanWebshells(input: ScanInput): Promise<ScanOutput> {
  const candidates = listFiles(input.db).filter((f) => isWebCandidate(f.origPath) || f.kind === 'web-script');
  // libyara-wasm pays a rule compile per call: identical contents are scanned once, stock files not at all, and
  // files no gating string touches are ruled out by one probe call per batch.
  const unreadable: ScanOutput['unreadable'] = [];
  const { byId, scanned, windows, engine } = await yaraMatches(input, candidates, unreadable);
  const findings: PendingFinding[] = [];
  for (const f of candidates) {
    const first = f.sha256 ? scanned.get(f.sha256) : undefined;
    const matches = byId.get(first ?? f.id) ?? [];
    const { strong, weak } = heuristicReasons(f);
    if (!matches.length && !strong.length) continue;
    const win = windows.get(first ?? f.id);
    findings.push(webshellFinding(f, matches, strong, weak, input.bundledRules, win ? describeScanned(f.size, win) : null));
  }
  return { findings, filesScanned: candidates.length, contentsScanned: scanned.size, engine, unreadable };
}


/** Family names from the rules' `family` meta: a multi-tool family first, then the most frequent (the bundled rules all carry one). */
export function familiesOf(matches: YaraMatch[]): string[] {
  const n = new Map<string, number>();
  for (const m of matches) if (m.meta.family) n.set(m.meta.family, (n.get(m.meta.family) ?? 0) + 1);
  return [...n].sort((a, b) => Number(isMultiTool(b[0])) - Number(isMultiTool(a[0])) || b[1] - a[1]).map(([k]) => k);
}

export function webshellFinding(f: FileInfo, matches: YaraMatch[], strong: string[], weak: string[], bundled: Set<string>, scannedPart: string | null = null): PendingFinding {
  const rules = matches.map((m) => m.rule);
  const families = familiesOf(matches);
  const ours = matches.filter((m) => bundled.has(m.rule)).map((m) => m.rule);
  const severity = ours.length ? 'critical' : matches.length ? 'high' : 'medium';
  const [confidence, confidenceReason] = ours.length
    ? ['confirmed' as const, `matched Loupe's web-shell rule ${ours.join(', ')}, written against real shells and tested on stock Exchange pages`]
    : matches.length
      ? ['likely' as const, `matched the analyst's rule ${rules.join(', ')}`]
      : ['review' as const, `no YARA rule matched; flagged by placement only (${strong.join('; ')})`];
  const reasons = [...rules.map((r) => `YARA rule ${r}`), ...strong, ...weak, ...(scannedPart ? [scannedPart] : [])];
  const t = writtenAt(f);
  return {
    finding: {
      check: CHECK.webshell,
      severity,
      confidence,
      confidenceReason,
      title: `Web shell ${matches.length ? '' : 'suspected '}at ${f.origPath}${families.length ? ` — ${familyLabel(families)}` : ''}${rules.length ? ` (${rules.join(', ')})` : ''}`,
      path: f.origPath,
      time: t === null ? null : microsToIso(t),
      sha256: f.sha256,
      evidence: [{ file: f.relPath }],
    },
    details: { kind: 'file', rules, families, heuristics: strong, scanned: scannedPart ?? 'whole file', reasons, matches: matches.map((m) => ({ rule: m.rule, meta: m.meta, strings: m.strings.slice(0, 50) })) },
    fileId: f.id,
  };
}
