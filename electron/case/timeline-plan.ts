// How a time-sorted page is read. By default SQLite walks the time index in order and stops after a page: right for a
// broad filter, but a rare one (a few IPs, a rare word) makes it walk the whole case to fill the page (2.8 s CPU for a
// 500-row export at 1M events). When the filter has an index of its own and matches few events, the ORDER BY is
// written `+ts` so SQLite cannot use the time index: it finds the few rows by the filter's index and sorts them.
import type { TimelineQuery } from '../../shared/api.ts';
import type { Db } from './db.ts';
import { parseSearch, textOnly, toFts, type SearchNode } from './search.ts';
import type { Sql } from './timeline-where.ts';

/** Up to this many matches, finding them by the filter's index and sorting beats walking the time index. */
export const SMALL_RESULT = 50_000;

/** True when the whole result must pass through an index other than time: FTS words AND-ed at the top, or an IP, file,
 * tag or star filter. Only then is counting the matches cheap enough to decide on. */
export function filterHasIndex(q: TimelineQuery): boolean {
  if (q.ips?.length || q.fileId !== undefined || q.tags?.length || q.starredOnly) return true;
  if (!q.text) return false;
  const tree = parseSearch(q.text);
  return tree !== null && ftsDriven(tree);
}

const ftsDriven = (n: SearchNode): boolean =>
  (textOnly(n) && toFts(n) !== null) || (n.k === 'and' && n.items.some((x) => textOnly(x) && toFts(x) !== null));

/** Matching events, counted up to `cap` + 1 (no ORDER BY: SQLite drives by the filter's own index). */
export function countUpTo(db: Db, where: Sql, cap: number): number {
  return (db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE ${where.sql} LIMIT ${cap + 1})`).get(...where.params) as { n: number }).n;
}

export interface TimeOrder {
  /** ORDER BY of the inner query over events. */
  order: string;
  /** The keyset condition after (ts, id), two parameters. */
  after: string;
}

/**
 * The ORDER BY and keyset condition of a time-sorted query. `knownCount` (the result's size, when the caller has it)
 * saves the count; null means more than it counts.
 */
export function timeOrder(db: Db, q: TimelineQuery, where: Sql, dir: 'ASC' | 'DESC', knownCount?: number | null): TimeOrder {
  const cmp = dir === 'DESC' ? '<' : '>';
  const count = (): number => (knownCount === undefined ? countUpTo(db, where, SMALL_RESULT) : knownCount ?? Infinity);
  const small = filterHasIndex(q) && count() <= SMALL_RESULT;
  // `+ts` is not a column reference for the planner: neither the ORDER BY nor the keyset range can use events_ts.
  return small
    ? { order: `+ts ${dir}, +id ${dir}`, after: `(+ts, +id) ${cmp} (?, ?)` }
    : { order: `ts ${dir}, id ${dir}`, after: `(ts, id) ${cmp} (?, ?)` };
}
