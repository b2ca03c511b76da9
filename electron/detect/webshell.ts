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
import type { YaraMatch } from './yara.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

/** Files larger than this are not read for YARA (web shells are small; the WASM heap is finite). */
export const YARA_SIZE_CAP = 16 * 1024 * 1024;
/** HAFNIUM's first known activity (Volexity: 2021-01-06) minus slack, to the end of the mass exploitation. */
const RECENT_FROM = isoToMicros('2020-12-01T00:00:00Z');
const RECENT_TO = isoToMicros('2021-04-30T00:00:00Z');

export interface ScanInput { db: Db; rules: RuleSet; bundledRules: Set<string>; evidenceRoots: Map<number, string>;
  warn: (w: IngestWarning) => void; signal?: AbortSignal; baseline?: Baseline }
export interface ScanOutput { findings: PendingFinding[]; filesScanned: number; yaraCalls: number }

/** Reads at most `cap` bytes of an evidence file, read-only; null (and a warning) when it cannot be read. */
export function readCapped(abs: string, cap: number): Buffer | null {
  const fd = fs.openSync(abs, 'r');
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

async function scanFile(input: ScanInput, f: FileInfo): Promise<YaraMatch[] | null> {
  const root = input.evidenceRoots.get(f.sourceId);
  if (!root) return null;
  if (f.size > YARA_SIZE_CAP) {
    input.warn({ file: f.relPath, message: `not scanned by YARA: ${f.size} bytes exceeds the ${YARA_SIZE_CAP}-byte cap` });
    return null;
  }
  try {
    const bytes = readCapped(path.join(root, f.relPath), YARA_SIZE_CAP);
    return bytes ? (await yaraEngine().run(bytes, input.rules.source)).matches : null;
  } catch (e) {
    input.warn({ file: f.relPath, message: `not scanned by YARA: ${(e as Error).message}` });
    return null;
  }
}

export async function scanWebshells(input: ScanInput): Promise<ScanOutput> {
  const candidates = listFiles(input.db).filter((f) => isWebCandidate(f.origPath) || f.kind === 'web-script');
  const findings: PendingFinding[] = [];
  // libyara-wasm pays a rule compile per call: identical contents are scanned once, stock files not at all.
  const byHash = new Map<string, YaraMatch[]>();
  let filesScanned = 0;
  let yaraCalls = 0;
  for (const f of candidates) {
    if (input.signal?.aborted) break;
    filesScanned++;
    let matches: YaraMatch[] = [];
    if (input.rules.source && !(input.baseline && isKnownGood(input.baseline, f))) {
      const known = f.sha256 ? byHash.get(f.sha256) : undefined;
      if (known) matches = known;
      else {
        yaraCalls++;
        matches = (await scanFile(input, f)) ?? [];
        if (f.sha256) byHash.set(f.sha256, matches);
      }
    }
    const { strong, weak } = heuristicReasons(f);
    if (!matches.length && !strong.length) continue;
    findings.push(webshellFinding(f, matches, strong, weak, input.bundledRules));
  }
  return { findings, filesScanned, yaraCalls };
}

export function webshellFinding(f: FileInfo, matches: YaraMatch[], strong: string[], weak: string[], bundled: Set<string>): PendingFinding {
  const rules = matches.map((m) => m.rule);
  const severity = matches.some((m) => bundled.has(m.rule)) ? 'critical' : matches.length ? 'high' : 'medium';
  const reasons = [...rules.map((r) => `YARA rule ${r}`), ...strong, ...weak];
  const t = writtenAt(f);
  return {
    finding: {
      check: CHECK.webshell,
      severity,
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
