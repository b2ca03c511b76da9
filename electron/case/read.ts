// Read-side query functions over a case db: timeline, histogram, events, files, warnings, tags.
import type {
  EventRow, FilePage, FileQuery, FileRow, Histogram, TagInfo, TimelinePage, TimelineQuery, WarningRow,
} from '../../shared/api.ts';
import type { FieldValue, FileKind, SourceId } from '../../shared/types.ts';
import picomatch from 'picomatch';
import type { Db } from './db.ts';
import { decodeFields, FIELDS_COLUMNS, fieldSpelling } from './fields.ts';
import { markFindings } from './finding-marks.ts';
import { fastCount, minuteAnswerable, minuteHistogram, MINUTE, span } from './minutes.ts';
import { recoveredColumn } from './recovered.ts';
import { pageIds, smallResult } from './timeline-plan.ts';
import { seekByMinute } from './timeline-seek.ts';
import { columnSortPlan, sortedPageIds } from './sort-read.ts';
import { directionOf, ensureQueryFunctions, fieldNamesOf, timelineWhere, timeSorted } from './timeline-where.ts';

export { timelineWhere } from './timeline-where.ts';

const TOTAL_CAP = 1_000_000;

interface RawEventRow {
  id: number; ts: number; ts_desc: string; source: string; host: string | null; message: string; ip: string | null;
  status: number | null; file_id: number | null; line: number | null; record: number | null; offset: number | null;
  manual: number; rel_path: string | null; starred: number | null; note: string | null; tags: string | null; fields?: string;
  recovered: 'slack' | 'damaged chunk' | null;
}

const EVENT_COLUMNS = `e.id, e.ts, e.ts_desc, e.source, e.host, e.message, e.ip, e.status, e.file_id, e.line, e.record, e.offset,
  e.manual, f.rel_path, m.starred, m.note, (SELECT group_concat(tag, char(31)) FROM event_tags t WHERE t.event_id = e.id) AS tags,
  ${recoveredColumn('e')} AS recovered`;
const EVENT_JOINS = 'LEFT JOIN files f ON f.id = e.file_id LEFT JOIN event_marks m ON m.event_id = e.id';

function toEventRow(r: RawEventRow): EventRow {
  const ref: EventRow['ref'] = { file: r.rel_path ?? (r.manual ? '(manual)' : '') };
  if (r.line !== null) ref.line = r.line;
  if (r.record !== null) ref.record = r.record;
  if (r.offset !== null) ref.offset = r.offset;
  return {
    id: r.id, ts: r.ts, tsDesc: r.ts_desc, source: r.source as SourceId, host: r.host, message: r.message, ip: r.ip,
    status: r.status, ref, starred: r.starred === 1, tags: r.tags ? r.tags.split('\x1f').sort() : [], note: r.note,
    manual: r.manual === 1, ...(r.recovered ? { recovered: r.recovered } : {}),
  };
}

/** The page's rows in time order: keyset after (ts, id), or an offset (sought through the minute table when it can). */
function timeSortedRows(db: Db, q: TimelineQuery, limit: number): RawEventRow[] {
  const dir = directionOf(q);
  let query = q;
  let offset = q.after ? 0 : q.offset ?? 0;
  const sought = offset ? seekByMinute(db, q, offset) : null;
  if (sought) ({ query, offset } = sought);
  const where = timelineWhere(query);
  const small = smallResult(db, query, where, dir);
  if (small) return rowsInOrder(db, pageIds(small, dir, q.after, offset, limit));
  let sql = where.sql;
  const params = [...where.params];
  if (q.after) {
    sql += dir === 'DESC' ? ' AND (ts, id) < (?, ?)' : ' AND (ts, id) > (?, ?)';
    params.push(q.after.ts, q.after.id);
  }
  return db.prepare(`SELECT ${EVENT_COLUMNS} FROM (SELECT * FROM events WHERE ${sql} ORDER BY ts ${dir}, id ${dir} LIMIT ? OFFSET ?) e ${EVENT_JOINS} ORDER BY e.ts ${dir}, e.id ${dir}`)
    .all(...params, limit, offset) as RawEventRow[];
}

/** The rows of these ids, in this order. */
function rowsInOrder(db: Db, ids: number[]): RawEventRow[] {
  if (!ids.length) return [];
  const rows = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events e ${EVENT_JOINS} WHERE e.id IN (SELECT value FROM json_each(?))`)
    .all(JSON.stringify(ids)) as RawEventRow[];
  const pos = new Map(ids.map((id, i) => [id, i]));
  return rows.sort((a, b) => pos.get(a.id)! - pos.get(b.id)!);
}

/** The page's rows sorted by a column: the ids in order first (offset paging), then their rows. */
const columnSortedRows = (db: Db, q: TimelineQuery, limit: number): RawEventRow[] => rowsInOrder(db, sortedPageIds(db, q, limit, q.offset ?? 0));

/** How a column sort is answered: 'sort' sorts the whole result when the column's sort index is not ready (a read-only
 * case, the CLI); 'defer' answers in time order and says so (the service then builds the index). */
export interface TimelineReadOptions { unindexedSort?: 'sort' | 'defer' }

/** For a column sort whose index must be built first (when deferring): the field and progress; else null. */
function deferredSort(db: Db, q: TimelineQuery, opts: TimelineReadOptions): { field: string; progress: number } | null {
  if (opts.unindexedSort !== 'defer' || timeSorted(q)) return null;
  const plan = columnSortPlan(db, q);
  return plan.kind === 'build' ? { field: plan.name, progress: plan.progress ?? 0 } : null;
}

function countMatching(db: Db, q: TimelineQuery): number | null {
  if (minuteAnswerable(q)) return fastCount(db, q);
  const where = timelineWhere(q);
  // A few matches read through the filter's own index are counted as read (SQLite might count by walking the case).
  const small = smallResult(db, q, where, 'ASC');
  if (small) return small.length;
  const c = db.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE ${where.sql} LIMIT ${TOTAL_CAP + 1})`).get(...where.params) as { n: number };
  return c.n > TOTAL_CAP ? null : c.n;
}

export function queryTimeline(db: Db, q: TimelineQuery, opts: TimelineReadOptions = {}): TimelinePage {
  ensureQueryFunctions(db);
  const limit = Math.max(1, Math.min(q.limit ?? 200, 5000));
  const sorted = timeSorted(q);
  const building = deferredSort(db, q, opts);
  // While the sort index builds, the same offsets page through the result in time order.
  const rows = sorted ? timeSortedRows(db, q, limit)
    : building ? timeSortedRows(db, { ...q, sort: undefined, order: 'asc' }, limit) : columnSortedRows(db, q, limit);
  const total = !q.after && !q.offset ? countMatching(db, q) : null;
  const last = rows[rows.length - 1];
  const hints = total === 0 ? emptyResultHints(db, q) : [];
  return {
    rows: markFindings(db, rows.map(toEventRow)), total,
    next: sorted && rows.length === limit && last ? { ts: last.ts, id: last.id } : null,
    ...(hints.length ? { hints } : {}),
    ...(building ? { sortIndex: building } : {}),
  };
}

/** An empty result from a field no event has says so (field names are case-sensitive: EventID, not eventid). */
function emptyResultHints(db: Db, q: TimelineQuery): string[] {
  const hints: string[] = [];
  for (const name of fieldNamesOf(q)) {
    const spelt = fieldSpelling(db, name);
    if (spelt === null) hints.push(`no event in this case has a field named "${name}"`);
    else if (spelt !== name) hints.push(`no event has a field "${name}"; field names are case-sensitive: did you mean ${spelt}?`);
  }
  return hints;
}

export function histogram(db: Db, q: TimelineQuery & { buckets?: number }): Histogram {
  ensureQueryFunctions(db);
  const where = timelineWhere(q);
  const fast = minuteAnswerable(q);
  const sp = fast ? span(db, q) : db.prepare(`SELECT min(ts) AS lo, max(ts) AS hi FROM events WHERE ${where.sql}`).get(...where.params) as { lo: number | null; hi: number | null };
  let from = q.from ?? sp.lo ?? 0;
  const to = q.to ?? (sp.hi !== null ? sp.hi + 1 : from + 1);
  const n = Math.max(1, Math.min(q.buckets ?? 100, 2000));
  let bucketMicros = Math.max(1, Math.ceil((to - from) / n));
  if (fast && bucketMicros >= MINUTE) {
    // Whole-minute buckets aligned on minutes, answered from the per-minute table.
    from = Math.floor(from / MINUTE) * MINUTE;
    bucketMicros = Math.ceil((to - from) / n / MINUTE) * MINUTE;
    const counts = minuteHistogram(db, q, from, bucketMicros, n);
    return { from, to, bucketMicros, buckets: counts.map((count, i) => ({ start: from + i * bucketMicros, count })) };
  }
  const rows = db.prepare(`SELECT CAST((ts - ?) / ? AS INTEGER) AS b, count(*) AS c FROM events WHERE ${where.sql} AND ts >= ? AND ts < ? GROUP BY b`)
    .all(from, bucketMicros, ...where.params, from, to) as Array<{ b: number; c: number }>;
  const buckets = Array.from({ length: n }, (_, i) => ({ start: from + i * bucketMicros, count: 0 }));
  for (const r of rows) if (r.b >= 0 && r.b < n) buckets[r.b].count += r.c;
  return { from, to, bucketMicros, buckets };
}

export function getEventRow(db: Db, id: number): (EventRow & { fields: Record<string, FieldValue>; fileId: number | null; sourceRoot: string | null }) | null {
  const r = db.prepare(`SELECT ${EVENT_COLUMNS}, ${FIELDS_COLUMNS('e')}, s.root AS source_root FROM events e ${EVENT_JOINS}
    LEFT JOIN evidence_sources s ON s.id = f.source_id WHERE e.id = ?`).get(id) as (RawEventRow & { source_root: string | null }) | undefined;
  if (!r) return null;
  return { ...markFindings(db, [toEventRow(r)])[0], fields: decodeFields(r), fileId: r.file_id, sourceRoot: r.source_root };
}

/** The event behind an evidence ref: by file and line (text logs), record (EVTX) or offset; else the file's first event. */
export function findEventByRef(db: Db, ref: { file: string; line?: number; record?: number; offset?: number }): EventRow | null {
  const files = db.prepare('SELECT id FROM files WHERE rel_path = ? ORDER BY id').all(ref.file) as Array<{ id: number }>;
  for (const f of files) {
    const [cond, val] = ref.line !== undefined ? ['e.line = ?', ref.line] : ref.record !== undefined ? ['e.record = ?', ref.record]
      : ref.offset !== undefined ? ['e.offset = ?', ref.offset] : ['1', null];
    const r = db.prepare(`SELECT ${EVENT_COLUMNS} FROM events e ${EVENT_JOINS} WHERE e.file_id = ? AND ${cond} ORDER BY e.ts, e.id LIMIT 1`)
      .get(...(val === null ? [f.id] : [f.id, val])) as RawEventRow | undefined;
    if (r) return markFindings(db, [toEventRow(r)])[0];
  }
  return null;
}

export function countHosts(db: Db): Array<{ host: string; count: number }> {
  return db.prepare('SELECT host, count(*) AS count FROM events WHERE host IS NOT NULL GROUP BY host ORDER BY count DESC').all() as Array<{ host: string; count: number }>;
}

/** Every tag in use or given a colour, with its count and colour. */
export function listTags(db: Db): TagInfo[] {
  return db.prepare(`SELECT tag, sum(n) AS count, max(color) AS color FROM (
      SELECT tag, count(*) AS n, NULL AS color FROM event_tags GROUP BY tag UNION ALL SELECT tag, 0, color FROM tag_colors)
    GROUP BY tag ORDER BY count DESC, tag`).all() as TagInfo[];
}

interface RawFileRow {
  id: number; source_id: number; rel_path: string; orig_path: string; size: number; mtime: number | null; atime: number | null;
  ctime: number | null; btime: number | null; md5: string | null; sha1: string | null; sha256: string | null; kind: string;
  events: number; flagged: number; ioc: number;
  /** file_outcomes (migration 5), null when the file has none. */
  o_read?: number | null; o_recovered?: number | null; o_unreadable?: number | null;
}

/** A LIKE that every path matching the glob also matches (a coarse prefilter; glob_match decides). */
function globToLike(glob: string): string {
  return glob.replace(/[%_\\]/g, (c) => '\\' + c).replace(/\*\*\/?/g, '%').replace(/\*/g, '%').replace(/\?/g, '_');
}

const globCache = new Map<string, (p: string) => boolean>();
const withGlob = new WeakSet<Db>();

/** glob_match(glob, path): the usual rules (`*` and `?` within one folder, `**` any depth, also none), any case. */
function ensureGlobFunction(db: Db): void {
  if (withGlob.has(db)) return;
  db.function('glob_match', { deterministic: true }, (glob: unknown, p: unknown) => {
    if (typeof p !== 'string') return 0;
    let m = globCache.get(String(glob));
    if (!m) {
      m = picomatch(String(glob), { nocase: true, dot: true });
      if (globCache.size > 100) globCache.clear();
      globCache.set(String(glob), m);
    }
    return m(p) ? 1 : 0;
  });
  withGlob.add(db);
}

export function listFiles(db: Db, q: FileQuery): FilePage {
  const w: string[] = [];
  const p: unknown[] = [];
  if (q.glob) {
    ensureGlobFunction(db);
    const glob = q.glob.replace(/\\/g, '/');
    // A glob without a folder part (`*.aspx`) matches the name in any folder, as in a file search box.
    const g = glob.includes('/') ? glob : `**/${glob}`;
    const like = globToLike(g);
    w.push(`((rel_path LIKE ? ESCAPE '\\' AND glob_match(?, rel_path)) OR (replace(orig_path, '\\', '/') LIKE ? ESCAPE '\\' AND glob_match(?, replace(orig_path, '\\', '/'))))`);
    p.push(like, g, like, g);
  }
  if (q.text) { w.push('(rel_path LIKE ? OR orig_path LIKE ?)'); p.push(`%${q.text}%`, `%${q.text}%`); }
  if (q.hash) {
    const h = q.hash.trim().toLowerCase();
    w.push('(md5 = ? OR sha1 = ? OR sha256 = ?)');
    p.push(h, h, h);
  }
  if (q.kinds?.length) { w.push(`kind IN (${q.kinds.map(() => '?').join(',')})`); p.push(...q.kinds); }
  const flaggedSql = `EXISTS (SELECT 1 FROM findings x WHERE x.file_id = files.id)`;
  const iocSql = `EXISTS (SELECT 1 FROM findings x WHERE x.file_id = files.id AND x.check_id LIKE 'ioc.%')`;
  if (q.flaggedOnly) w.push(flaggedSql);
  const where = w.length ? w.join(' AND ') : '1';
  const limit = Math.max(1, Math.min(q.limit ?? 500, 5000));
  const after = q.after ? { sql: ' AND (rel_path, id) > (?, ?)', params: [q.after.relPath, q.after.id] } : { sql: '', params: [] };
  const rows = db.prepare(`SELECT id, source_id, rel_path, orig_path, size, mtime, atime, ctime, btime, md5, sha1, sha256, kind, events,
      ${flaggedSql} AS flagged, ${iocSql} AS ioc, o.read AS o_read, o.recovered AS o_recovered, o.unreadable AS o_unreadable
      FROM files LEFT JOIN file_outcomes o ON o.file_id = files.id WHERE ${where}${after.sql} ORDER BY rel_path, id LIMIT ? OFFSET ?`)
    .all(...p, ...after.params, limit, q.after ? 0 : q.offset ?? 0) as RawFileRow[];
  const total = (db.prepare(`SELECT count(*) AS n FROM files WHERE ${where}`).get(...p) as { n: number }).n;
  return { rows: rows.map(toFileRow), total };
}

export function toFileRow(r: RawFileRow): FileRow {
  return {
    id: r.id, sourceId: r.source_id, relPath: r.rel_path, origPath: r.orig_path, size: r.size, mtime: r.mtime, atime: r.atime,
    ctime: r.ctime, btime: r.btime, md5: r.md5, sha1: r.sha1, sha256: r.sha256, kind: r.kind as FileKind, events: r.events,
    flagged: r.flagged === 1, iocMatch: r.ioc === 1,
    ...(r.o_read === null || r.o_read === undefined ? {} : { outcome: { read: r.o_read, recovered: r.o_recovered ?? 0, unreadable: r.o_unreadable ?? 0 } }),
  };
}

export function getFileWithRoot(db: Db, id: number): (FileRow & { root: string }) | null {
  const r = db.prepare(`SELECT f.*, s.root, 0 AS flagged, 0 AS ioc FROM files f JOIN evidence_sources s ON s.id = f.source_id WHERE f.id = ?`).get(id) as (RawFileRow & { root: string }) | undefined;
  return r ? { ...toFileRow(r), root: r.root } : null;
}

export function listWarnings(db: Db, q: { offset?: number; limit?: number; afterId?: number }): { rows: WarningRow[]; total: number } {
  const limit = Math.max(1, Math.min(q.limit ?? 500, 5000));
  const rows = db.prepare('SELECT id, file, line, offset, message, created_at FROM warnings WHERE id > ? ORDER BY id LIMIT ? OFFSET ?')
    .all(q.afterId ?? -1, limit, q.afterId !== undefined ? 0 : q.offset ?? 0) as Array<{ id: number; file: string; line: number | null; offset: number | null; message: string; created_at: string }>;
  const total = (db.prepare('SELECT count(*) AS n FROM warnings').get() as { n: number }).n;
  return {
    rows: rows.map((r) => ({
      id: r.id, file: r.file, message: r.message, createdAt: r.created_at,
      ...(r.line !== null ? { line: r.line } : {}), ...(r.offset !== null ? { offset: r.offset } : {}),
    })),
    total,
  };
}
