// Files above the YARA size cap (a web shell padded past it, a huge log in a web folder) are scanned in overlapping
// windows of the cap's size instead of being skipped; matches are merged back per file with file offsets, and the
// finding says which bytes were scanned. A match longer than the overlap that straddles two windows can be missed,
// and `filesize` in a rule is the window's size: the finding says so.
import type { YaraMatch } from './yara.ts';

export interface Window { start: number; end: number }

/** Overlap between consecutive windows (a shell's code is far shorter). */
export const WINDOW_OVERLAP = 1024 * 1024;
/** Past this many bytes only the head and the tail are scanned (bounds time on multi-gigabyte files). */
export const MAX_WINDOWED_BYTES = 256 * 1024 * 1024;

/** The windows covering a file of `size` bytes: one window when it fits, else overlapping windows (head + tail past the maximum). */
export function planWindows(size: number, cap: number): Window[] {
  if (size <= cap) return [{ start: 0, end: size }];
  const step = cap - WINDOW_OVERLAP;
  const out: Window[] = [];
  const headEnd = size > MAX_WINDOWED_BYTES ? MAX_WINDOWED_BYTES - cap : size;
  for (let s = 0; s < headEnd; s += step) {
    out.push({ start: s, end: Math.min(size, s + cap) });
    if (s + cap >= size) return out;
  }
  out.push({ start: size - cap, end: size });
  return out;
}

/** Adds a window's matches to a file's, shifting string offsets to file offsets; one entry per rule. */
export function mergeWindowMatches(into: YaraMatch[], found: YaraMatch[], start: number): YaraMatch[] {
  for (const m of found) {
    const strings = m.strings.map((s) => ({ ...s, offset: s.offset + start }));
    const have = into.find((x) => x.rule === m.rule);
    if (!have) { into.push({ ...m, strings }); continue; }
    const seen = new Set(have.strings.map((s) => `${s.identifier}@${s.offset}`));
    have.strings.push(...strings.filter((s) => !seen.has(`${s.identifier}@${s.offset}`)));
  }
  return into;
}

const mib = (n: number): string => `${(n / 1048576).toFixed(1)} MiB`;

/** What part of a large file was scanned, for the finding. */
export function describeScanned(size: number, windows: Window[]): string {
  const covered = windows.reduce((n, w, i) => n + (w.end - Math.max(w.start, i ? windows[i - 1].end : 0)), 0);
  const whole = covered >= size;
  return `file of ${mib(size)} scanned in ${windows.length} overlapping windows of ≤ ${mib(windows[0].end - windows[0].start)} ` +
    (whole ? '(every byte)' : `(bytes 0–${windows[windows.length - 2].end} and the last ${mib(windows[windows.length - 1].end - windows[windows.length - 1].start)}; ${mib(size - covered)} in between not scanned)`) +
    '; rules see each window as a file of that size';
}
