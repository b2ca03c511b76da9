// Log coverage: the oldest and newest event per log folder, so "no hits" can say whether the logs even reach back
// to the attack window. EVTX files are listed one by one (each is its own channel).
import type { Db } from '../case/db.ts';
import type { LogCoverage } from '../../shared/api.ts';
import type { FileKind, Micros } from '../../shared/types.ts';
import { isoToMicros } from '../../shared/types.ts';
import { plausibleLogTimes } from '../case/log-spans.ts';

export { plausibleLogTimes } from '../case/log-spans.ts';

export const LOG_KINDS: readonly FileKind[] = ['iis-log', 'httpproxy-log', 'ecp-server-log', 'oab-generator-log', 'evtx'];

/** The window a log must span to clear a CVE check: the whole of 2021-01-01 … 2021-03-31 (UTC). */
export const WINDOW_START: Micros = isoToMicros('2021-01-01T00:00:00Z');
export const WINDOW_END: Micros = isoToMicros('2021-03-31T00:00:00Z');
/** The ProxyLogon wave's window (Volexity saw the first exploitation on 2021-01-06; mass exploitation ran through March). */
export const PROXYLOGON_WINDOW = { from: WINDOW_START, to: WINDOW_END, label: 'Jan–Mar 2021' };
/** A log whose first entry falls on the first day still counts (rotation happens during the day). */
const START_SLACK: Micros = 24 * 3600 * 1_000_000;

/** Whether logs spanning oldest … newest cover a window (the ProxyLogon one unless given). */
export function coversWindow(oldest: Micros | null, newest: Micros | null, window: { from: Micros; to: Micros } = PROXYLOGON_WINDOW): boolean {
  return oldest !== null && newest !== null && oldest < window.from + START_SLACK && newest >= window.to;
}

const folderOf = (rel: string, kind: string): string =>
  kind === 'evtx' ? rel : rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '.';

/** One log file's first and last entry, under the folder its coverage is counted in. */
export interface FileSpan { folder: string; kind: FileKind; oldest: Micros | null; newest: Micros | null }

/**
 * Per log file: its folder and its first and last log entry, as the writers recorded them on the manifest (a file's own
 * times, when it was copied say, do not count; see case/log-spans.ts).
 */
export function computeFileSpans(db: Db): FileSpan[] {
  const kinds = LOG_KINDS.map(() => '?').join(',');
  const rows = db.prepare(`SELECT rel_path AS rel, kind, log_first AS oldest, log_last AS newest FROM files WHERE kind IN (${kinds}) ORDER BY rel_path`)
    .all(...LOG_KINDS) as Array<{ rel: string; kind: FileKind; oldest: number | null; newest: number | null }>;
  return rows.map((r) => ({ folder: folderOf(r.rel, r.kind), kind: r.kind, oldest: r.oldest, newest: r.newest }));
}

/** Exchange servers log every day (health probes at least): a longer silence inside a window is a hole in the copy. */
export const MAX_GAP: Micros = 2 * 24 * 3600 * 1_000_000;

/** The first stretch inside the window no file covers for longer than MAX_GAP, or null (spans must already reach both ends). */
export function gapIn(spans: Array<{ oldest: Micros | null; newest: Micros | null }>, window: { from: Micros; to: Micros }): { from: Micros; to: Micros } | null {
  const list = spans.filter((x): x is { oldest: Micros; newest: Micros } => x.oldest !== null && x.newest !== null)
    .filter((x) => x.newest >= window.from && x.oldest <= window.to).sort((a, b) => a.oldest - b.oldest);
  let reached = window.from;
  for (const x of list) {
    if (x.oldest - reached > MAX_GAP) return { from: reached, to: x.oldest };
    reached = Math.max(reached, x.newest);
  }
  return window.to - reached > MAX_GAP ? { from: reached, to: window.to } : null;
}

/** Coverage comes from the log entries themselves: a file's own times (when it was copied, say) say nothing about it. */
export function computeLogCoverage(db: Db, spans: FileSpan[] = computeFileSpans(db)): LogCoverage[] {
  const byFolder = new Map<string, LogCoverage>();
  for (const r of spans) {
    const folder = r.folder;
    const c = byFolder.get(folder) ?? { folder, kind: r.kind, files: 0, oldest: null, newest: null, coversMarch2021: false };
    c.files++;
    if (r.oldest !== null && (c.oldest === null || r.oldest < c.oldest)) c.oldest = r.oldest;
    if (r.newest !== null && (c.newest === null || r.newest > c.newest)) c.newest = r.newest;
    byFolder.set(folder, c);
  }
  const out = [...byFolder.values()];
  for (const c of out) c.coversMarch2021 = coversWindow(c.oldest, c.newest);
  return out;
}

/** Oldest/newest over the folders a check reads (null when none was collected). */
export function spanOf(list: LogCoverage[]): { oldest: Micros | null; newest: Micros | null; folders: number } {
  let oldest: Micros | null = null;
  let newest: Micros | null = null;
  for (const c of list) {
    if (c.oldest !== null && (oldest === null || c.oldest < oldest)) oldest = c.oldest;
    if (c.newest !== null && (newest === null || c.newest > newest)) newest = c.newest;
  }
  return { oldest, newest, folders: list.length };
}

/** The sources whose times are log entries (file-system times of the collected copy and bodyfile history are not). */
export const LOG_SOURCES = ['iis', 'httpproxy', 'ecp-server', 'oab-generator', 'access-log', 'evtx'];

/**
 * First and last log entry: two indexed (source, ts) seeks per source. min() and max() in one statement would read
 * every entry of the source instead (SQLite seeks only for a lone min or max): 5 s on every open at 5M events.
 */
export function logPeriod(db: Db): { first: Micros | null; last: Micros | null } {
  let first: Micros | null = null;
  let last: Micros | null = null;
  const { from, to } = plausibleLogTimes();
  const lo = db.prepare('SELECT min(ts) FROM event_rows WHERE source = ? AND ts BETWEEN ? AND ?').pluck();
  const hi = db.prepare('SELECT max(ts) FROM event_rows WHERE source = ? AND ts BETWEEN ? AND ?').pluck();
  for (const src of LOG_SOURCES) {
    const a = lo.get(src, from, to) as number | null;
    const b = hi.get(src, from, to) as number | null;
    if (a !== null && (first === null || a < first)) first = a;
    if (b !== null && (last === null || b > last)) last = b;
  }
  return { first, last };
}
