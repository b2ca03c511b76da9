// Each file's first and last log entry (files.log_first / files.log_last), kept by the writers as they insert events,
// so log coverage ("do the logs reach back to the attack window?") is read from the manifest instead of from a pass
// over every event (6–15 s at 5M events, on every open of the verdicts). File-system times never count: they say when
// the evidence was copied, not what the log covers.
import type { Db } from './db.ts';

/** Log entries are not older than this: an older time is a record's zero or garbage time (FILETIME 0 is 1601-01-01). */
export const PLAUSIBLE_FROM = Date.UTC(1990, 0, 1) * 1000;

/**
 * The times a log entry can have been written at (1990 up to two days from now). Outside them a record's time is zero
 * or garbage — a real Windows 10 HelloForBusiness log holds a record of 1601-01-01 — and counting it would stretch the
 * log's span over years it does not cover: a check would call a window covered that no entry is in.
 */
export function plausibleLogTimes(): { from: number; to: number } {
  return { from: PLAUSIBLE_FROM, to: (Date.now() + 2 * 86_400_000) * 1000 };
}

/** First and last plausible log time per file among the events written since the last flush. */
export class FileSpans {
  private readonly spans = new Map<number, [number, number]>();
  private readonly bounds = plausibleLogTimes();

  /** Takes one batch's span of a file (lo > hi: none). */
  add(fileId: number | null, lo: number, hi: number): void {
    if (fileId === null || lo > hi) return;
    const s = this.spans.get(fileId);
    if (!s) { this.spans.set(fileId, [lo, hi]); return; }
    if (lo < s[0]) s[0] = lo;
    if (hi > s[1]) s[1] = hi;
  }

  /** Whether a time of a source counts towards its file's span. */
  counts(ts: number, source: string): boolean {
    return ts >= this.bounds.from && ts <= this.bounds.to && source !== 'filesystem';
  }

  clear(): void {
    this.spans.clear();
  }

  /** Widens the files' stored spans by what was gathered (call in the rows' transaction). */
  flush(db: Db): void {
    if (!this.spans.size) return;
    const up = db.prepare('UPDATE files SET log_first = min(coalesce(log_first, ?), ?), log_last = max(coalesce(log_last, ?), ?) WHERE id = ?');
    for (const [id, [lo, hi]] of this.spans) up.run(lo, lo, hi, hi, id);
    this.spans.clear();
  }
}

/** Sets every file's span from its events (cases written before the writers kept them). */
export function backfillFileSpans(db: Db): void {
  const { from, to } = plausibleLogTimes();
  db.prepare(`UPDATE files SET log_first = s.lo, log_last = s.hi FROM (
      SELECT file_id, min(ts) AS lo, max(ts) AS hi FROM event_rows
      WHERE file_id IS NOT NULL AND source != 'filesystem' AND ts BETWEEN ? AND ? GROUP BY file_id) AS s
    WHERE s.file_id = files.id`).run(from, to);
}
