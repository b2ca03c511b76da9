// The WHERE and ORDER BY of a timeline query: filters, column filters, the search syntax (search.ts) compiled to SQL
// with FTS5 for the words, and sorting by any column. Bare column names: callers select FROM events directly.
import type { ColumnFilter, TimelineQuery, TimelineSort } from '../../shared/api.ts';
import type { Db } from './db.ts';
import { fieldSql } from './fields.ts';
import { contained, ftsPrefilter, regexLiterals, whole, wildcardLiterals, type Literal } from './fts-prefilter.ts';
import { recoveredWhere } from './recovered.ts';
import { likeContains, parseSearch, SearchError, textOnly, toFts, wildcardLike, type SearchNode } from './search.ts';

export interface Sql { sql: string; params: unknown[] }

const TAGS_SQL = `(SELECT group_concat(tag, ', ') FROM event_tags t WHERE t.event_id = events.id)`;
const NOTE_SQL = `(SELECT note FROM event_marks m WHERE m.event_id = events.id)`;
const FILE_SQL = `(SELECT rel_path FROM files f WHERE f.id = events.file_id)`;

/** Names an analyst may use for the columns lifted out of the fields (case-insensitive), and the raw field names behind them. */
const COLUMNS: Record<string, string> = {
  ip: 'ip', 'c-ip': 'ip', clientipaddress: 'ip', status: 'status', 'sc-status': 'status', httpstatus: 'status',
  method: 'method', 'cs-method': 'method', url: 'url', 'cs-uri-stem': 'url', urlstem: 'url',
  source: 'source', host: 'host', tsdesc: 'ts_desc', desc: 'ts_desc', what: 'ts_desc', useragent: 'user_agent', ua: 'user_agent',
  message: 'message', msg: 'message', tag: TAGS_SQL, tags: TAGS_SQL, note: NOTE_SQL, file: FILE_SQL, id: 'id',
};

/** SQL for a column or any field of the event (bound by name through fields.ts). */
export function fieldExpr(field: string): Sql {
  const col = COLUMNS[field.toLowerCase()];
  if (col) return { sql: col, params: [] };
  return fieldSql(field, '');
}

/** Columns SQLite already sorts through an index of the case (time, source, IP, id). */
const NATIVE_SORT = new Set(['ts', 'source', 'ip', 'id']);

/**
 * The name a sort key table is kept under for this sort field, or null when none is needed (an indexed column) or
 * none can be kept (tags and notes change as the analyst works: their few events are sorted directly). Aliases share
 * one name (Status, sc-status → status); any other field is `field:<name>`, spelt as the case spells it.
 */
export function sortKeyName(field: string): string | null {
  const f = field.toLowerCase();
  if (f === 'time') return null;
  const col = COLUMNS[f];
  if (col === undefined) return `field:${field}`;
  if (NATIVE_SORT.has(col) || col === TAGS_SQL || col === NOTE_SQL) return null;
  return Object.keys(COLUMNS).find((k) => COLUMNS[k] === col)!;
}

/** The SQL of a sort key table's name (the inverse of sortKeyName). */
export const sortKeyExpr = (name: string): Sql => (name.startsWith('field:') ? fieldSql(name.slice(6), '') : fieldExpr(name));

/** True for names that are columns of every event (not per-source fields). */
export const isColumnName = (field: string): boolean => field.toLowerCase() in COLUMNS;

// Regexes compiled once per pattern; the SQL function is registered on each connection that runs a query.
const regexCache = new Map<string, RegExp>();
const withRegexp = new WeakSet<Db>();

function compileRegex(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    try { re = new RegExp(pattern, 'iu'); } catch (e) {
      throw new SearchError(`column filter: "${pattern}" is not a valid regular expression (${(e as Error).message.replace(/^Invalid regular expression: /, '')})`);
    }
    if (regexCache.size > 200) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re;
}

/** Registers regexp(pattern, value) on a connection (SQLite has the operator but no implementation). */
export function ensureQueryFunctions(db: Db): void {
  if (withRegexp.has(db)) return;
  db.function('regexp', { deterministic: true }, (pattern: unknown, value: unknown) =>
    (value === null || value === undefined ? 0 : compileRegex(String(pattern)).test(String(value)) ? 1 : 0));
  withRegexp.add(db);
}

/** The full-text prefilter of a filter on `field` whose matches hold `literals` (null when the index cannot bound it). */
export function prefilterOf(field: string, literals: readonly Literal[], sources: readonly string[] | undefined): Sql | null {
  const col = COLUMNS[field.toLowerCase()];
  return col === undefined || /^\w+$/.test(col) ? ftsPrefilter(col ?? null, field, literals, sources) : null;
}

/** The exact test, after the prefilter's candidate ids when there is one (same result, read through events_fts). */
function prefiltered(field: string, literals: readonly Literal[], sources: readonly string[] | undefined, exact: Sql): Sql {
  const pre = prefilterOf(field, literals, sources);
  return pre ? { sql: `(${pre.sql} AND ${exact.sql})`, params: [...pre.params, ...exact.params] } : exact;
}

/** What every match of a column filter holds (nothing for `not`). */
export function columnLiterals(f: ColumnFilter): Literal[] {
  switch (f.op) {
    case 'contains': return [contained(f.value)];
    case 'equals': return [whole(f.value)];
    case 'regex': return regexLiterals(f.value);
    case 'not': return [];
  }
}

function columnFilterSql(f: ColumnFilter, sources: readonly string[] | undefined): Sql {
  const e = fieldExpr(f.field);
  const text = `CAST(${e.sql} AS TEXT)`;
  const exact = (): Sql => {
    switch (f.op) {
      case 'contains': return { sql: `${text} LIKE ? ESCAPE '\\'`, params: [...e.params, likeContains(f.value)] };
      case 'equals': return { sql: `${text} = ?`, params: [...e.params, f.value] };
      case 'not': return { sql: `(${e.sql} IS NULL OR ${text} NOT LIKE ? ESCAPE '\\')`, params: [...e.params, ...e.params, likeContains(f.value)] };
      case 'regex': compileRegex(f.value); return { sql: `regexp(?, ${text})`, params: [f.value, ...e.params] };
    }
  };
  return prefiltered(f.field, columnLiterals(f), sources, exact());
}

// Notes and tags as one text per event: searched with LIKE (analysts write few; FTS covers the evidence text).
const ANNOTATIONS = `(SELECT event_id, group_concat(txt, ' ') AS txt FROM (SELECT event_id, note AS txt FROM event_marks WHERE note IS NOT NULL
  UNION ALL SELECT event_id, tag FROM event_tags) GROUP BY event_id)`;

function annotationLike(n: SearchNode, params: unknown[]): string {
  switch (n.k) {
    case 'term': params.push(likeContains(n.text)); return `a.txt LIKE ? ESCAPE '\\'`;
    case 'not': return `NOT (${annotationLike(n.item, params)})`;
    case 'and': case 'or': return `(${n.items.map((x) => annotationLike(x, params)).join(n.k === 'and' ? ' AND ' : ' OR ')})`;
    case 'field': return '0';
  }
}

/** A field:value term: `*` wildcards, case-insensitive; numbers compare as text so status:404 and EventID:4688 work. */
function fieldTermSql(field: string, value: string, sources: readonly string[] | undefined): Sql {
  const e = fieldExpr(field);
  return prefiltered(field, wildcardLiterals(value), sources, { sql: `CAST(${e.sql} AS TEXT) LIKE ? ESCAPE '\\'`, params: [...e.params, wildcardLike(value)] });
}

function compileNode(n: SearchNode, sources: readonly string[] | undefined): Sql {
  if (textOnly(n)) {
    const fts = toFts(n);
    if (fts !== null) {
      const params: unknown[] = [fts];
      const like = annotationLike(n, params);
      // One IN over a compound subquery: FTS5 drives, and annotated events are added by their note/tag text.
      return { sql: `id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ? UNION SELECT a.event_id FROM ${ANNOTATIONS} a WHERE ${like})`, params };
    }
  }
  switch (n.k) {
    case 'field': return fieldTermSql(n.field, n.value, sources);
    case 'not': { const s = compileNode(n.item, sources); return { sql: `NOT (${s.sql})`, params: s.params }; }
    case 'term': throw new Error('unreachable: a term is always FTS-expressible');
    case 'and': case 'or': {
      // Words joined by AND go to FTS5 as one expression; the rest is combined in SQL.
      const words = n.k === 'and' ? n.items.filter(textOnly) : [];
      const rest = n.k === 'and' ? n.items.filter((x) => !textOnly(x)) : n.items;
      const parts: Sql[] = [];
      if (words.length) {
        const grouped: SearchNode = words.length === 1 ? words[0] : { k: 'and', items: words };
        parts.push(toFts(grouped) !== null ? compileNode(grouped, sources) : { sql: words.map((w) => `(${compileNode(w, sources).sql})`).join(' AND '), params: words.flatMap((w) => compileNode(w, sources).params) });
      }
      for (const x of rest) parts.push(compileNode(x, sources));
      return { sql: `(${parts.map((p) => p.sql).join(n.k === 'and' ? ' AND ' : ' OR ')})`, params: parts.flatMap((p) => p.params) };
    }
  }
}

/** The search text as SQL (null when empty), over events of `sources` (all when none). Throws SearchError for a malformed query. */
export function searchSql(text: string, sources?: readonly string[]): Sql | null {
  const tree = parseSearch(text);
  return tree ? compileNode(tree, sources) : null;
}

/** Field names used by field:value terms and column filters (to explain an empty result). */
export function fieldNamesOf(q: TimelineQuery): string[] {
  const names = new Set<string>();
  const walk = (n: SearchNode | null): void => {
    if (!n) return;
    if (n.k === 'field') names.add(n.field);
    else if (n.k === 'not') walk(n.item);
    else if (n.k === 'and' || n.k === 'or') n.items.forEach(walk);
  };
  if (q.text) walk(parseSearch(q.text));
  for (const c of q.columns ?? []) names.add(c.field);
  return [...names].filter((f) => !isColumnName(f));
}

export function timelineWhere(q: TimelineQuery): Sql {
  const w: string[] = [];
  const p: unknown[] = [];
  const inList = (col: string, vals: unknown[] | undefined): void => {
    if (!vals || vals.length === 0) return;
    w.push(`${col} IN (${vals.map(() => '?').join(',')})`);
    p.push(...vals);
  };
  const add = (s: Sql | null): void => { if (s) { w.push(s.sql); p.push(...s.params); } };
  if (q.from !== undefined) { w.push('ts >= ?'); p.push(q.from); }
  if (q.to !== undefined) { w.push('ts < ?'); p.push(q.to); }
  inList('source', q.sources);
  inList('host', q.hosts);
  inList('ip', q.ips);
  inList('status', q.statuses);
  if (q.fileId !== undefined) { w.push('file_id = ?'); p.push(q.fileId); }
  if (q.tags?.length) {
    w.push(`id IN (SELECT event_id FROM event_tags WHERE tag IN (${q.tags.map(() => '?').join(',')}))`);
    p.push(...q.tags);
  }
  if (q.starredOnly) w.push('id IN (SELECT event_id FROM event_marks WHERE starred = 1)');
  for (const f of q.fieldEquals ?? []) {
    const e = fieldExpr(f.field);
    add(prefiltered(f.field, [whole(f.value)], q.sources, { sql: `CAST(${e.sql} AS TEXT) = ?`, params: [...e.params, f.value] }));
  }
  for (const f of q.fieldNotEquals ?? []) {
    const e = fieldExpr(f.field);
    add({ sql: `(${e.sql} IS NULL OR CAST(${e.sql} AS TEXT) != ?)`, params: [...e.params, ...e.params, f.value] });
  }
  for (const c of q.columns ?? []) add(columnFilterSql(c, q.sources));
  if (q.text) add(searchSql(q.text, q.sources));
  const recovered = recoveredWhere(q);
  if (recovered) w.push(recovered);
  return { sql: w.length ? w.join(' AND ') : '1', params: p };
}

/** True when the result is in time order (the default), so keyset paging on (ts, id) applies. */
export const timeSorted = (q: TimelineQuery): boolean => !q.sort || q.sort.field === 'ts' || q.sort.field === 'time';

/** The direction of a query: the sort's, else `order`. */
export const directionOf = (q: TimelineQuery): 'ASC' | 'DESC' =>
  ((q.sort && !timeSorted(q) ? q.sort.dir : q.sort?.dir ?? q.order) === 'desc' ? 'DESC' : 'ASC');

/** The sort column as SQL, and the ORDER BY of the rows that have a value (time then id break ties). */
export function sortParts(q: TimelineQuery): { expr: Sql; order: string; timeOrder: string } {
  const dir = directionOf(q);
  const expr = fieldExpr((q.sort as TimelineSort).field);
  return { expr, order: `${expr.sql} ${dir}, ts ${dir}, id ${dir}`, timeOrder: `ts ${dir}, id ${dir}` };
}

/**
 * Ids of one page of a column-sorted result: events with a value first (an index on the column serves it, e.g.
 * events_ip for IP), then those without, in time order, so empty values come last in both directions.
 */
export function columnSortedIds(db: Db, q: TimelineQuery, limit: number, offset: number): number[] {
  const where = timelineWhere(q);
  const { expr, order, timeOrder } = sortParts(q);
  const valued = db.prepare(`SELECT id FROM events WHERE (${where.sql}) AND ${expr.sql} IS NOT NULL ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...where.params, ...expr.params, ...expr.params, limit, offset) as Array<{ id: number }>;
  if (valued.length === limit) return valued.map((r) => r.id);
  const withValue = valued.length ? offset + valued.length
    : (db.prepare(`SELECT count(*) AS n FROM events WHERE (${where.sql}) AND ${expr.sql} IS NOT NULL`).get(...where.params, ...expr.params) as { n: number }).n;
  const empty = db.prepare(`SELECT id FROM events WHERE (${where.sql}) AND ${expr.sql} IS NULL ORDER BY ${timeOrder} LIMIT ? OFFSET ?`)
    .all(...where.params, ...expr.params, limit - valued.length, Math.max(0, offset - withValue)) as Array<{ id: number }>;
  return [...valued, ...empty].map((r) => r.id);
}
