// Random access into a time-sorted result: the row at position N (a scrollbar over the whole result) and the position
// of an event or a time (go-to-time, links). Time/source-only queries are answered from the per-minute table, so
// jumping anywhere in a 10M-event case reads one minute of events, not millions of index entries.
import type { TimelineQuery } from '../../shared/api.ts';
import type { Db } from './db.ts';
import { fastCount, minuteAnswerable, minuteSums, MINUTE } from './minutes.ts';
import { directionOf, timelineWhere } from './timeline-where.ts';

/** The first minute (in the query's direction) at which the running count passes `offset`; null past the end. */
function minuteAt(db: Db, q: TimelineQuery, offset: number, desc: boolean): number | null {
  const sums = minuteSums(db, q.sources);
  const lo = q.from !== undefined ? sums.first(Math.floor(q.from / MINUTE)) : 0;
  const hi = q.to !== undefined ? sums.last(Math.floor((q.to - 1) / MINUTE)) : sums.minutes.length - 1;
  if (hi < lo) return null;
  // Edge minutes cut by from/to are counted whole: the running count can only overshoot, so the exact count
  // before the chosen minute never exceeds `offset`.
  const i = desc
    ? sums.bound((k) => k > hi || (k >= lo && sums.between(k, hi) <= offset)) - 1
    : sums.bound((k) => k >= lo && (k > hi || sums.between(lo, k) > offset));
  return i >= lo && i <= hi ? sums.minutes[i] : null;
}

/**
 * For a time-sorted query at a large offset: a narrower query (starting at a minute boundary) and the offset left
 * within it, such that its rows from that offset are the original's rows from `offset`. Null when the minute table
 * cannot answer (the caller then uses a plain OFFSET).
 */
export function seekByMinute(db: Db, q: TimelineQuery, offset: number): { query: TimelineQuery; offset: number } | null {
  if (!minuteAnswerable(q) || offset < 1000) return null;
  const desc = directionOf(q) === 'DESC';
  const m = minuteAt(db, q, offset, desc);
  if (m === null) return null;
  if (!desc) {
    const start = Math.max(m * MINUTE, q.from ?? -Infinity);
    const before = fastCount(db, { ...q, to: start });
    return { query: { ...q, from: start }, offset: offset - before };
  }
  const end = Math.min((m + 1) * MINUTE, q.to ?? Infinity);
  const before = fastCount(db, { ...q, from: end });
  return { query: { ...q, to: end }, offset: offset - before };
}

/** How many rows of a time-sorted query come before the event (ts, id); with id 0 (or MAX for desc), before a time. */
export function timelineIndex(db: Db, q: TimelineQuery, at: { ts: number; id: number }): number {
  const desc = directionOf(q) === 'DESC';
  if (minuteAnswerable(q)) {
    const whole = desc ? fastCount(db, { ...q, from: at.ts + 1 }) : fastCount(db, { ...q, to: at.ts });
    const src = q.sources?.length ? ` AND source IN (${q.sources.map(() => '?').join(',')})` : '';
    const inRange = (q.from === undefined || at.ts >= q.from) && (q.to === undefined || at.ts < q.to);
    const same = inRange ? (db.prepare(`SELECT count(*) AS n FROM events WHERE ts = ? AND id ${desc ? '>' : '<'} ?${src}`)
      .get(at.ts, at.id, ...(q.sources ?? [])) as { n: number }).n : 0;
    return whole + same;
  }
  const w = timelineWhere(q);
  return (db.prepare(`SELECT count(*) AS n FROM events WHERE (${w.sql}) AND (ts, id) ${desc ? '>' : '<'} (?, ?)`)
    .get(...w.params, at.ts, at.id) as { n: number }).n;
}
