// Pre-aggregated event counts per minute and source: histograms and totals over millions of events without a scan.
import type { TimelineQuery } from '../../shared/api.ts';
import type { Db } from './db.ts';
import { recoveredBuckets, recoveredInRange } from './recovered.ts';

export const MINUTE = 60_000_000;

export function rebuildEventMinutes(db: Db): void {
  db.transaction(() => {
    db.exec('DELETE FROM event_minutes');
    db.exec(`INSERT INTO event_minutes (minute, source, n) SELECT ts / ${MINUTE} - (ts < 0 AND ts % ${MINUTE} != 0), source, count(*) FROM event_rows GROUP BY 1, 2`);
  }).immediate();
}

/** Events per source, from the per-minute table (no scan of the events). */
export function countBySource(db: Db): Array<{ source: string; n: number }> {
  return db.prepare('SELECT source, sum(n) AS n FROM event_minutes GROUP BY source HAVING sum(n) > 0 ORDER BY n DESC').all() as Array<{ source: string; n: number }>;
}

/** True when a query filters on nothing but time and source (and perhaps hides recovered records, which are few and
 * taken off the counts), so the minute table can answer it. */
export function minuteAnswerable(q: TimelineQuery): boolean {
  // A list of what the table CAN answer, so a filter added later is never silently ignored by the counts.
  return Object.entries(q).every(([k, v]) => MINUTE_KEYS.has(k) || v === undefined || v === null || v === '' || v === false ||
    (Array.isArray(v) && v.length === 0) || (k === 'recovered' && v !== 'only'));
}

/** Query keys the per-minute table answers (time, source) or that do not narrow the result (order, paging). */
const MINUTE_KEYS = new Set<string>(['from', 'to', 'sources', 'sort', 'order', 'after', 'offset', 'limit', 'buckets']);

function sourceSql(q: TimelineQuery): { sql: string; params: unknown[] } {
  if (!q.sources?.length) return { sql: '', params: [] };
  return { sql: ` AND source IN (${q.sources.map(() => '?').join(',')})`, params: [...q.sources] };
}

/** Exact count for a time/source-only query: whole minutes from the table, the partial minutes at each end by index. */
export function fastCount(db: Db, q: TimelineQuery): number {
  const src = sourceSql(q);
  const from = q.from ?? -Infinity;
  const to = q.to ?? Infinity;
  const firstFull = Number.isFinite(from) ? Math.ceil(from / MINUTE) : -Number.MAX_SAFE_INTEGER;
  const lastFull = Number.isFinite(to) ? Math.floor(to / MINUTE) - 1 : Number.MAX_SAFE_INTEGER;
  let n = 0;
  if (firstFull <= lastFull) {
    const sums = minuteSums(db, q.sources);
    n += sums.between(sums.first(firstFull), sums.last(lastFull));
    const edge = (lo: number, hi: number): number => (lo < hi
      ? (db.prepare(`SELECT count(*) AS n FROM events WHERE ts >= ? AND ts < ?${src.sql}`).get(lo, hi, ...src.params) as { n: number }).n : 0);
    if (Number.isFinite(from)) n += edge(from, firstFull * MINUTE);
    if (Number.isFinite(to)) n += edge((lastFull + 1) * MINUTE, to);
  } else {
    n = (db.prepare(`SELECT count(*) AS n FROM events WHERE ts >= ? AND ts < ?${src.sql}`).get(from, to, ...src.params) as { n: number }).n;
  }
  return q.recovered === 'exclude' ? n - recoveredInRange(db, q) : n;
}

/**
 * The minute table of a set of sources as sorted minutes and running totals, read once per change of the case (a
 * count or a seek is then a binary search, not a sum over every minute of a 10M-event case).
 */
export class MinuteSums {
  constructor(readonly minutes: Float64Array, readonly upto: Float64Array) {}
  /** Index of the first minute ≥ m. */
  first(m: number): number { return this.bound((i) => this.minutes[i] >= m); }
  /** Index of the last minute ≤ m (−1 when none). */
  last(m: number): number { return this.bound((i) => this.minutes[i] > m) - 1; }
  /** Events in the minutes of indexes i…j. */
  between(i: number, j: number): number { return j < i ? 0 : this.upto[j] - (i > 0 ? this.upto[i - 1] : 0); }
  /** The first index in [0, length] at which `past` (false, then true) holds. */
  bound(past: (i: number) => boolean): number {
    let lo = 0;
    let hi = this.minutes.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (past(mid)) hi = mid; else lo = mid + 1; }
    return lo;
  }
}

const sumsCache = new WeakMap<Db, { stamp: string; bySources: Map<string, MinuteSums> }>();

/** Changes whenever this connection or another one changed the case. */
const changeStamp = (db: Db): string =>
  Object.values(db.prepare('SELECT data_version, total_changes() FROM pragma_data_version').raw().get() as unknown[]).join(':');

export function minuteSums(db: Db, sources: readonly string[] | undefined): MinuteSums {
  const stamp = changeStamp(db);
  let c = sumsCache.get(db);
  if (!c || c.stamp !== stamp) { c = { stamp, bySources: new Map() }; sumsCache.set(db, c); }
  const key = JSON.stringify([...sources ?? []].sort());
  let sums = c.bySources.get(key);
  if (!sums) {
    const src = sourceSql({ sources: sources ? ([...sources] as TimelineQuery['sources']) : undefined });
    const rows = db.prepare(`SELECT minute, sum(n) FROM event_minutes WHERE 1${src.sql} GROUP BY minute ORDER BY minute`).raw().all(...src.params) as Array<[number, number]>;
    const minutes = new Float64Array(rows.length);
    const upto = new Float64Array(rows.length);
    rows.forEach(([m, n], i) => { minutes[i] = m; upto[i] = (i ? upto[i - 1] : 0) + n; });
    sums = new MinuteSums(minutes, upto);
    c.bySources.set(key, sums);
  }
  return sums;
}

/** Histogram buckets from the minute table; bucket width is a whole number of minutes. */
export function minuteHistogram(db: Db, q: TimelineQuery, from: number, bucketMicros: number, n: number): number[] {
  const sums = minuteSums(db, q.sources);
  // Bucket b holds the minutes that start in [from + b·width, from + (b+1)·width).
  const minuteOf = (t: number): number => Math.ceil(t / MINUTE);
  const counts = Array.from({ length: n }, (_, b) =>
    sums.between(sums.first(minuteOf(from + b * bucketMicros)), sums.last(minuteOf(from + (b + 1) * bucketMicros) - 1)));
  if (q.recovered === 'exclude') recoveredBuckets(db, q, from, bucketMicros, n).forEach((c, i) => { counts[i] -= c; });
  return counts;
}

/** First and last event time for a time/source-only query, from the ts index. */
export function span(db: Db, q: TimelineQuery): { lo: number | null; hi: number | null } {
  const src = sourceSql(q);
  if (!src.sql) {
    const lo = db.prepare('SELECT ts FROM events ORDER BY ts LIMIT 1').get() as { ts: number } | undefined;
    const hi = db.prepare('SELECT ts FROM events ORDER BY ts DESC LIMIT 1').get() as { ts: number } | undefined;
    return { lo: lo?.ts ?? null, hi: hi?.ts ?? null };
  }
  return db.prepare(`SELECT min(ts) AS lo, max(ts) AS hi FROM events WHERE 1${src.sql}`).get(...src.params) as { lo: number | null; hi: number | null };
}
