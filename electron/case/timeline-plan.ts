// How a time-sorted page is read. By default SQLite walks the time index in order and stops after a page: right for a
// broad filter, but with a rare one (a few IPs, a rare word) and statistics that make the filter look broad it walks
// the whole case to fill the page (2.8 s CPU for a 500-row export at 1M events). A hint (`ORDER BY +ts`) is not enough:
// with such statistics SQLite then scans the table. So when the filter has an index of its own, its matches are read
// through that index by name, and if they are few they are sorted here.
import type { TimelineQuery } from '../../shared/api.ts';
import type { Db } from './db.ts';
import { parseSearch, textOnly, toFts, type SearchNode } from './search.ts';
import { keyTable, sortPlan } from './sort-index.ts';
import { whole, wildcardLiterals } from './fts-prefilter.ts';
import { columnLiterals, fieldExpr, prefilterOf, sortKeyName, type Sql } from './timeline-where.ts';

/** Up to this many matches, reading them by the filter's index and sorting beats walking the time index. */
export const SMALL_RESULT = 20_000;

/** True when the whole result must pass through an index other than time: FTS words AND-ed at the top, or an IP, file,
 * tag or star filter. Only then is reading the matches bounded by the filter's own index. */
export function filterHasIndex(q: TimelineQuery): boolean {
  if (q.ips?.length || q.fileId !== undefined || q.tags?.length || q.starredOnly) return true;
  if (fieldFiltersPrefiltered(q)) return true;
  if (!q.text) return false;
  const tree = parseSearch(q.text);
  return tree !== null && ftsDriven(tree, q.sources);
}

/** A term FTS5 answers alone, or a field:value term read through its full-text prefilter (fts-prefilter.ts). */
const ftsTerm = (n: SearchNode, sources: readonly string[] | undefined): boolean =>
  (textOnly(n) && toFts(n) !== null) || (n.k === 'field' && prefilterOf(n.field, wildcardLiterals(n.value), sources) !== null);

const ftsDriven = (n: SearchNode, sources: readonly string[] | undefined): boolean =>
  ftsTerm(n, sources) || (n.k === 'and' && n.items.some((x) => ftsTerm(x, sources)));

/** True when a column filter or an exact field value (--where) is read through the full-text index. */
function fieldFiltersPrefiltered(q: TimelineQuery): boolean {
  return (q.columns ?? []).some((c) => prefilterOf(c.field, columnLiterals(c), q.sources) !== null)
    || (q.fieldEquals ?? []).some((f) => prefilterOf(f.field, [whole(f.value)], q.sources) !== null);
}

/**
 * A column filter `equals` that an index can answer: the IP column (events_ip), or a column whose sort index is ready
 * (its key table holds every value). The ids it reads are a superset (a number is also looked up as text): the whole
 * filter is checked after.
 */
function columnDriver(db: Db, q: TimelineQuery): Sql | null {
  for (const c of q.columns ?? []) {
    if (c.op !== 'equals') continue;
    if (sortKeyName(c.field) === null && fieldExpr(c.field).sql === 'ip') return { sql: 'SELECT id FROM event_rows INDEXED BY events_ip WHERE ip = ?', params: [c.value] };
    const plan = sortPlan(db, c.field);
    if (plan.kind !== 'ready') continue;
    const n = Number(c.value);
    const vals: unknown[] = c.value.trim() !== '' && Number.isFinite(n) ? [c.value, n] : [c.value];
    return { sql: `SELECT sk_id FROM ${keyTable(plan.id)} WHERE sk_key IN (${vals.map(() => '?').join(',')})`, params: vals };
  }
  return null;
}

/** Ids an indexed filter allows, read through its index by name (statistics cannot turn it into a scan); null for FTS. */
function driverIds(db: Db, q: TimelineQuery, cap: number): number[] | null {
  const marks = (sql: string, ...p: unknown[]): number[] => db.prepare(`${sql} LIMIT ${cap}`).pluck().all(...p) as number[];
  const list = (v: unknown[]): string => v.map(() => '?').join(',');
  if (q.ips?.length) return marks(`SELECT id FROM event_rows INDEXED BY events_ip WHERE ip IN (${list(q.ips)})`, ...q.ips);
  if (q.fileId !== undefined) return marks('SELECT id FROM event_rows INDEXED BY events_file WHERE file_id = ?', q.fileId);
  if (q.tags?.length) return marks(`SELECT DISTINCT event_id FROM event_tags WHERE tag IN (${list(q.tags)})`, ...q.tags);
  if (q.starredOnly) return marks('SELECT event_id FROM event_marks WHERE starred = 1');
  const col = columnDriver(db, q);
  return col ? marks(col.sql, ...col.params) : null;
}

/** [ts, id] of every match in (ts, id) order in `dir`, when the filter has an index and matches at most SMALL_RESULT; else null. */
export function smallResult(db: Db, q: TimelineQuery, where: Sql, dir: 'ASC' | 'DESC'): Array<[number, number]> | null {
  if (!filterHasIndex(q) && !columnDriver(db, q)) return null;
  const ids = driverIds(db, q, SMALL_RESULT + 1);
  if (ids && ids.length > SMALL_RESULT) return null;
  // Candidates from the driver are checked against the whole filter by id; FTS words drive the lookup themselves.
  const rows = (ids
    ? db.prepare(`SELECT ts, id FROM events WHERE id IN (SELECT value FROM json_each(?)) AND ${where.sql}`).raw().all(JSON.stringify(ids), ...where.params)
    : db.prepare(`SELECT ts, id FROM events WHERE ${where.sql} LIMIT ${SMALL_RESULT + 1}`).raw().all(...where.params)) as Array<[number, number]>;
  if (rows.length > SMALL_RESULT) return null;
  rows.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return dir === 'DESC' ? rows.reverse() : rows;
}

/** The ids of a page of a sorted small result: after a keyset (ts, id) or from an offset. */
export function pageIds(rows: Array<[number, number]>, dir: 'ASC' | 'DESC', after: { ts: number; id: number } | null | undefined, offset: number, limit: number): number[] {
  let start = offset;
  if (after) {
    const past = dir === 'DESC'
      ? ([ts, id]: [number, number]) => ts < after.ts || (ts === after.ts && id < after.id)
      : ([ts, id]: [number, number]) => ts > after.ts || (ts === after.ts && id > after.id);
    const i = rows.findIndex(past);
    start = (i < 0 ? rows.length : i) + offset;
  }
  return rows.slice(start, start + limit).map((r) => r[1]);
}
