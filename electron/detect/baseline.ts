// Known-good baselines (CSS-Exchange `SHA256,build,\relative\path`, relative to the Exchange install folder):
// a web file in an Exchange web folder whose path is not in the baseline, or whose hash differs, is an unknown file.
import fs from 'node:fs';
import type { IngestWarning } from '../../shared/types.ts';
import { extOf, exchangeRelative, isExchangeWebFolder, WEB_EXTENSIONS } from './paths.ts';
import type { FileInfo } from './rows.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';
import { microsToIso } from '../../shared/types.ts';
import { writtenAt } from './rows.ts';

/** Lower-case EP-relative path → known-good SHA-256 values (lower-case), over every loaded baseline. */
export type Baseline = Map<string, Set<string>>;

export function parseBaseline(text: string, file: string, into: Baseline, warn: (w: IngestWarning) => void): number {
  let n = 0;
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const m = /^([0-9A-Fa-f]{64}),([^,]*),(\\.+)$/.exec(line.trim());
    if (!m) { warn({ file, line: i + 1, message: 'not a baseline line (expected SHA256,build,\\relative\\path) — skipped' }); return; }
    const key = m[3].toLowerCase();
    const set = into.get(key) ?? new Set<string>();
    set.add(m[1].toLowerCase());
    into.set(key, set);
    n++;
  });
  return n;
}

export function loadBaselines(files: string[], warn: (w: IngestWarning) => void): { baseline: Baseline; lines: number } {
  const baseline: Baseline = new Map();
  let lines = 0;
  for (const f of files) {
    try {
      lines += parseBaseline(fs.readFileSync(f, 'utf8'), f, baseline, warn);
    } catch (e) {
      warn({ file: f, message: `baseline not readable (${(e as NodeJS.ErrnoException).code ?? e}) — skipped` });
    }
  }
  return { baseline, lines };
}

/** True when the file is a stock Exchange file: its EP-relative path is in the baseline with this very hash. */
export function isKnownGood(baseline: Baseline, f: Pick<FileInfo, 'origPath' | 'sha256'>): boolean {
  const rel = exchangeRelative(f.origPath);
  const hashes = rel ? baseline.get(rel.toLowerCase()) : undefined;
  return !!hashes && !!f.sha256 && hashes.has(f.sha256.toLowerCase());
}

export function checkBaseline(files: FileInfo[], baseline: Baseline): PendingFinding[] {
  if (!baseline.size) return [];
  const out: PendingFinding[] = [];
  for (const f of files) {
    if (!isExchangeWebFolder(f.origPath) || !WEB_EXTENSIONS.includes(extOf(f.origPath))) continue;
    if (isKnownGood(baseline, f)) continue;
    const rel = exchangeRelative(f.origPath) ?? '';
    const known = baseline.has(rel.toLowerCase());
    const t = writtenAt(f);
    out.push({
      finding: {
        check: CHECK.baseline,
        severity: 'low',
        title: known ? `Exchange file differs from the known-good baseline: ${f.origPath}` : `File not in the known-good Exchange baseline: ${f.origPath}`,
        path: f.origPath,
        time: t === null ? null : microsToIso(t),
        sha256: f.sha256,
        evidence: [{ file: f.relPath }],
      },
      details: { relative: rel, reason: known ? 'hash-mismatch' : 'not-in-baseline' },
      fileId: f.id,
    });
  }
  return out;
}
