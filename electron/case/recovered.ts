// Records recovered from EVTX slack or damaged chunks: the mark on their events (event_recovered), the timeline filter
// that shows, hides or isolates them, and what each parsed file yielded (file_outcomes). Migration 005.
import type { RecoveredFilter, TimelineQuery } from '../../shared/api.ts';
import type { ParseOutcome } from '../../shared/types.ts';
import type { Db } from './db.ts';
import { fieldSql } from './fields.ts';

export type RecoveredHow = 'slack' | 'damaged chunk';

/** Stores what a parser made of a file; marks its recovered events (their ids lie in [firstId, lastId], this run's rows). */
export function saveFileOutcome(db: Db, fileId: number, o: ParseOutcome, firstId: number | null, lastId: number | null): void {
  db.prepare(`INSERT INTO file_outcomes (file_id, read, recovered, unreadable, details) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (file_id) DO UPDATE SET read = excluded.read, recovered = excluded.recovered, unreadable = excluded.unreadable, details = excluded.details`)
    .run(fileId, o.read, o.recovered, o.unreadable, JSON.stringify(o.details ?? {}));
  if (o.recovered > 0 && firstId !== null && lastId !== null) markRecovered(db, fileId, firstId, lastId);
}

/** Copies the parser's `recovered` field of the file's events into the mark the timeline filters on. The id range keeps
 * this a short scan even while a bulk load has the secondary indexes dropped. */
function markRecovered(db: Db, fileId: number, firstId: number, lastId: number): void {
  const f = fieldSql('recovered');
  db.prepare(`INSERT OR REPLACE INTO event_recovered (event_id, how)
    SELECT e.id, ${f.sql} FROM events e WHERE e.id BETWEEN ? AND ? AND e.file_id = ? AND ${f.sql} IN ('slack', 'damaged chunk')`)
    .run(...f.params, firstId, lastId, fileId, ...f.params);
}

/** The filter's WHERE clause on events (`id` is the event id column), or null when nothing is filtered. */
export function recoveredWhere(q: Pick<TimelineQuery, 'recovered'>, id = 'id'): string | null {
  const mode: RecoveredFilter = q.recovered ?? 'include';
  if (mode === 'exclude') return `${id} NOT IN (SELECT event_id FROM event_recovered)`;
  if (mode === 'only') return `${id} IN (SELECT event_id FROM event_recovered)`;
  return null;
}

/** SQL of an event's mark (NULL for a live record), for the row columns. */
export const recoveredColumn = (alias = 'e'): string => `(SELECT how FROM event_recovered r WHERE r.event_id = ${alias}.id)`;

/** Time and source conditions of a minute-answerable query, on the events aliased `e`. */
function rangeSql(q: TimelineQuery): { sql: string; params: unknown[] } {
  const w: string[] = [];
  const params: unknown[] = [];
  if (q.from !== undefined) { w.push('e.ts >= ?'); params.push(q.from); }
  if (q.to !== undefined) { w.push('e.ts < ?'); params.push(q.to); }
  if (q.sources?.length) { w.push(`e.source IN (${q.sources.map(() => '?').join(',')})`); params.push(...q.sources); }
  return { sql: w.length ? w.join(' AND ') : '1', params };
}

/** Recovered events a time/source-only query matches (to take from the per-minute counts when they are hidden). */
export function recoveredInRange(db: Db, q: TimelineQuery): number {
  const r = rangeSql(q);
  return (db.prepare(`SELECT count(*) AS n FROM event_recovered x JOIN events e ON e.id = x.event_id WHERE ${r.sql}`).get(...r.params) as { n: number }).n;
}

/** Recovered events per histogram bucket (same buckets as minuteHistogram). */
export function recoveredBuckets(db: Db, q: TimelineQuery, from: number, bucketMicros: number, n: number): number[] {
  const r = rangeSql(q);
  const counts = new Array<number>(n).fill(0);
  const rows = db.prepare(`SELECT CAST((e.ts - ?) / ? AS INTEGER) AS b, count(*) AS c FROM event_recovered x JOIN events e ON e.id = x.event_id
    WHERE ${r.sql} AND e.ts >= ? GROUP BY b`).all(from, bucketMicros, ...r.params, from) as Array<{ b: number; c: number }>;
  for (const row of rows) if (row.b >= 0 && row.b < n) counts[row.b] += row.c;
  return counts;
}

export interface FileOutcomeRow extends ParseOutcome { file: string }

export interface OutcomeTotals { files: number; read: number; recovered: number; unreadable: number; bySlack: number; byDamagedChunk: number }

/** Totals over every file with a recorded outcome, and the files that have recovered or unreadable records (worst first). */
export function parseOutcomes(db: Db, limit = 50): { totals: OutcomeTotals; files: FileOutcomeRow[]; more: number } {
  const t = db.prepare(`SELECT count(*) AS files, coalesce(sum(read), 0) AS read, coalesce(sum(recovered), 0) AS recovered,
    coalesce(sum(unreadable), 0) AS unreadable FROM file_outcomes`).get() as Omit<OutcomeTotals, 'bySlack' | 'byDamagedChunk'>;
  const by = db.prepare('SELECT how, count(*) AS n FROM event_recovered GROUP BY how').all() as Array<{ how: RecoveredHow; n: number }>;
  const totals: OutcomeTotals = { ...t, bySlack: by.find((b) => b.how === 'slack')?.n ?? 0, byDamagedChunk: by.find((b) => b.how === 'damaged chunk')?.n ?? 0 };
  const rows = db.prepare(`SELECT f.rel_path AS file, o.read, o.recovered, o.unreadable, o.details FROM file_outcomes o JOIN files f ON f.id = o.file_id
    WHERE o.recovered > 0 OR o.unreadable > 0 ORDER BY o.unreadable + o.recovered DESC, f.rel_path LIMIT ?`).all(limit + 1) as Array<FileOutcomeRow & { details: string }>;
  const files = rows.slice(0, limit).map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, number> }));
  const more = rows.length > limit ? (db.prepare('SELECT count(*) AS n FROM file_outcomes WHERE recovered > 0 OR unreadable > 0').get() as { n: number }).n - limit : 0;
  return { totals, files, more };
}
