// Keyset-paged reading of the timeline (same filters as the Timeline view) so exports never hold it in memory.
import type { Db } from '../case/db.ts';
import { decodeFields, FIELDS_COLUMNS } from '../case/fields.ts';
import { pageIds, smallResult } from '../case/timeline-plan.ts';
import { keyedIdPages, sortedPageIds } from '../case/sort-read.ts';
import { ensureQueryFunctions, timelineWhere, timeSorted } from '../case/timeline-where.ts';
import type { FieldValue } from '../../shared/types.ts';
import type { TimelineQuery } from '../../shared/api.ts';

export interface ExportEventRow {
  id: number; ts: number; tsDesc: string; source: string; host: string | null; message: string; fields: Record<string, FieldValue>;
  ip: string | null; status: number | null; method: string | null; url: string | null; userAgent: string | null;
  line: number | null; record: number | null; offset: number | null; manual: number;
  relPath: string | null; starred: number | null; note: string | null; tags: string | null;
}

const PAGE_ROWS = 5000;

const EXPORT_COLUMNS = `e.id, e.ts, e.ts_desc AS tsDesc, e.source, e.host,
      e.message, ${FIELDS_COLUMNS('e')}, e.ip, e.status, e.method, e.url, e.user_agent AS userAgent, e.line, e.record, e.offset, e.manual,
      f.rel_path AS relPath, m.starred, m.note, (SELECT group_concat(tag, char(31)) FROM event_tags t WHERE t.event_id = e.id) AS tags`;
const EXPORT_JOINS = 'LEFT JOIN files f ON f.id = e.file_id LEFT JOIN event_marks m ON m.event_id = e.id';

type RawExportRow = Omit<ExportEventRow, 'fields'> & { fields?: string | null };
const toExportRow = (row: RawExportRow): ExportEventRow => ({ ...row, fields: decodeFields(row) });

/** Rows of id pages in the order given (column sorts and small results): each page's ids, then their rows. */
async function* pagesOfIds(db: Db, nextIds: (offset: number, limit: number) => number[], q: TimelineQuery): AsyncGenerator<ExportEventRow[]> {
  let offset = q.offset ?? 0;
  let left = q.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const page = nextIds(offset, Math.min(PAGE_ROWS, left));
    if (!page.length) return;
    yield rowsOfIds(db, page);
    offset += page.length;
    left -= page.length;
    if (page.length < PAGE_ROWS) return;
  }
}

/** The export rows of these ids, in this order. */
function rowsOfIds(db: Db, ids: number[]): ExportEventRow[] {
  const rows = db.prepare(`SELECT ${EXPORT_COLUMNS} FROM events e ${EXPORT_JOINS} WHERE e.id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as RawExportRow[];
  const pos = new Map(ids.map((id, i) => [id, i]));
  return rows.map(toExportRow).sort((a, b) => pos.get(a.id)! - pos.get(b.id)!);
}

/** Rows of the id pages a sort index yields, up to `limit` rows. */
async function* pagesOfKeyed(db: Db, pages: Generator<number[]>, limit = Number.POSITIVE_INFINITY): AsyncGenerator<ExportEventRow[]> {
  let left = limit;
  for (const page of pages) {
    const ids = page.slice(0, left);
    left -= ids.length;
    if (ids.length) yield rowsOfIds(db, ids);
    if (left <= 0) return;
  }
}

/**
 * Every matching event in (ts, id) order, one keyset page at a time. Each page is read with .iterate() and the
 * caller may await between pages, so the connection is never left busy across an await (the service keeps serving).
 */
export async function* iterateTimelinePages(db: Db, q: TimelineQuery): AsyncGenerator<ExportEventRow[]> {
  ensureQueryFunctions(db);
  if (!timeSorted(q)) {
    const keyed = keyedIdPages(db, q, PAGE_ROWS, q.offset ?? 0);
    yield* keyed ? pagesOfKeyed(db, keyed, q.limit) : pagesOfIds(db, (offset, limit) => sortedPageIds(db, q, limit, offset), q);
    return;
  }
  const desc = (q.sort?.dir ?? q.order) === 'desc';
  const { sql, params } = timelineWhere(q);
  const dir = desc ? 'DESC' : 'ASC';
  const small = smallResult(db, q, { sql, params }, dir);
  if (small) { yield* pagesOfIds(db, (offset, limit) => pageIds(small, dir, q.after, offset, limit), q); return; }
  // The inner query filters and pages over events alone (timelineWhere uses bare column names).
  const select = (keyset: string) => db.prepare<unknown[]>(`SELECT ${EXPORT_COLUMNS}
    FROM (SELECT * FROM events WHERE (${sql}) ${keyset} ORDER BY ts ${dir}, id ${dir} LIMIT ${PAGE_ROWS}) e
    ${EXPORT_JOINS} ORDER BY e.ts ${dir}, e.id ${dir}`);
  // Two statements: a row-value range `(ts, id) > (?, ?)` lets SQLite seek the events_ts index for every later page.
  const first = select('');
  const next = select(`AND (ts, id) ${desc ? '<' : '>'} (?, ?)`);
  let after = q.after ?? null;
  let skip = q.offset ?? 0;
  let left = q.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const page: ExportEventRow[] = [];
    const rows = after ? next.iterate(...params, after.ts, after.id) : first.iterate(...params);
    for (const row of rows as IterableIterator<RawExportRow>) page.push(toExportRow(row));
    const from = Math.min(skip, page.length);
    skip -= from;
    const take = page.slice(from, from + Math.min(left, page.length - from));
    left -= take.length;
    if (take.length) yield take;
    if (page.length < PAGE_ROWS) return;
    const last = page[page.length - 1];
    after = { ts: last.ts, id: last.id };
  }
}
