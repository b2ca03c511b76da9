// Reading a column-sorted result through the column's sort index (sort-index.ts): a page by offset for the grid, every
// page by keyset for exports. Each key is checked against the filter by its event; a filter with few matches of its
// own is sorted directly instead (timeline-plan.ts).
import type { TimelineQuery } from '../../shared/api.ts';
import type { Db } from './db.ts';
import { EMPTY_KEY, keyTable, sortPlan, type SortPlan } from './sort-index.ts';
import { smallResult } from './timeline-plan.ts';
import { columnSortedIds, directionOf, timelineWhere } from './timeline-where.ts';

/** True when the filter's own index bounds the result to a few matches: those are sorted directly, index or not. */
const fewMatches = (db: Db, q: TimelineQuery): boolean => smallResult(db, q, timelineWhere(q), 'ASC') !== null;

/** What a column-sorted page needs: the sort index of its column built first ('build'), or nothing more. */
export function columnSortPlan(db: Db, q: TimelineQuery): SortPlan {
  const plan = sortPlan(db, q.sort!.field);
  return plan.kind === 'native' || fewMatches(db, q) ? { kind: 'native' } : plan;
}

/**
 * Ids of one page of a column-sorted result, in the order of a plain ORDER BY column, ts, id (empty values last, in
 * time order): read from the column's sort index when it is ready, else sorted by SQLite (the whole result).
 */
export function sortedPageIds(db: Db, q: TimelineQuery, limit: number, offset: number): number[] {
  const plan = columnSortPlan(db, q);
  return plan.kind === 'ready' ? keyedIds(db, q, plan, limit, offset) : columnSortedIds(db, q, limit, offset);
}

/** A page read in key order from the index; each key is checked against the filter by its event (none when unfiltered). */
function keyedIds(db: Db, q: TimelineQuery, plan: { id: number; valued: number }, limit: number, offset: number): number[] {
  const where = timelineWhere(q);
  const dir = directionOf(q);
  const t = keyTable(plan.id);
  const filtered = where.sql !== '1';
  const check = filtered ? ` AND EXISTS (SELECT 1 FROM events WHERE events.id = sk_id AND (${where.sql}))` : '';
  const valued = db.prepare(`SELECT sk_id FROM ${t} WHERE sk_key < ${EMPTY_KEY}${check} ORDER BY sk_key ${dir}, sk_ts ${dir}, sk_id ${dir} LIMIT ? OFFSET ?`)
    .pluck().all(...where.params, limit, offset) as number[];
  if (valued.length === limit) return valued;
  const withValue = valued.length ? offset + valued.length : !filtered ? plan.valued
    : db.prepare(`SELECT count(*) FROM ${t} WHERE sk_key < ${EMPTY_KEY}${check}`).pluck().get(...where.params) as number;
  const empty = db.prepare(`SELECT sk_id FROM ${t} WHERE sk_key = ${EMPTY_KEY}${check} ORDER BY sk_ts ${dir}, sk_id ${dir} LIMIT ? OFFSET ?`)
    .pluck().all(...where.params, limit - valued.length, Math.max(0, offset - withValue)) as number[];
  return [...valued, ...empty];
}

/**
 * Every id of a column-sorted result in order, `pageRows` at a time, by keyset over the sort index (an export stays
 * linear however long), from `offset`; null when the column's index is not ready.
 */
export function keyedIdPages(db: Db, q: TimelineQuery, pageRows: number, offset = 0): Generator<number[]> | null {
  const plan = columnSortPlan(db, q);
  return plan.kind === 'ready' ? keyedPages(db, q, plan.id, pageRows, offset) : null;
}

function* keyedPages(db: Db, q: TimelineQuery, id: number, pageRows: number, offset: number): Generator<number[]> {
  const where = timelineWhere(q);
  const dir = directionOf(q);
  const cmp = dir === 'DESC' ? '<' : '>';
  const t = keyTable(id);
  const check = where.sql !== '1' ? ` AND EXISTS (SELECT 1 FROM events WHERE events.id = sk_id AND (${where.sql}))` : '';
  // Values first, then the empty ones in time order; each part resumes after the last (key, ts, id) read.
  const parts = [
    { range: `sk_key < ${EMPTY_KEY}`, order: `sk_key ${dir}, sk_ts ${dir}, sk_id ${dir}`, keyset: `(sk_key, sk_ts, sk_id) ${cmp} (?, ?, ?)`, of: (r: unknown[]) => r },
    { range: `sk_key = ${EMPTY_KEY}`, order: `sk_ts ${dir}, sk_id ${dir}`, keyset: `(sk_ts, sk_id) ${cmp} (?, ?)`, of: (r: unknown[]) => r.slice(1) },
  ];
  let skip = offset;
  for (const p of parts) {
    const first = db.prepare(`SELECT sk_key, sk_ts, sk_id FROM ${t} WHERE ${p.range}${check} ORDER BY ${p.order} LIMIT ? OFFSET ?`).raw();
    const next = db.prepare(`SELECT sk_key, sk_ts, sk_id FROM ${t} WHERE ${p.range} AND ${p.keyset}${check} ORDER BY ${p.order} LIMIT ?`).raw();
    let last: unknown[] | null = null;
    for (;;) {
      const rows = (last ? next.all(...p.of(last), ...where.params, pageRows) : first.all(...where.params, pageRows, skip)) as unknown[][];
      if (!last) skip = rows.length ? 0 : Math.max(0, skip - countPart(db, t, p.range, check, where.params));
      if (rows.length) yield rows.map((r) => r[2] as number);
      if (rows.length < pageRows) break;
      last = rows[rows.length - 1];
    }
  }
}

const countPart = (db: Db, t: string, range: string, check: string, params: unknown[]): number =>
  db.prepare(`SELECT count(*) FROM ${t} WHERE ${range}${check}`).pluck().get(...params) as number;
