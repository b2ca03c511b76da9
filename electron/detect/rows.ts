// Read helpers over the case: events and files as the checks need them, each with its evidence ref.
import type { Db } from '../case/db.ts';
import { decodeFields, FIELDS_COLUMNS, FieldSelection, FieldsReader, PACKED_COLUMNS, type PackedRow } from '../case/fields.ts';
import type { EvidenceRef, FieldValue, Micros } from '../../shared/types.ts';
import type { FileRow } from '../../shared/api.ts';

export interface EventHit {
  id: number;
  ts: Micros;
  source: string;
  message: string;
  fields: Record<string, FieldValue>;
  ip: string | null;
  status: number | null;
  method: string | null;
  url: string | null;
  userAgent: string | null;
  ref: EvidenceRef;
}

interface RawEvent {
  id: number; ts: number; source: string; message: string; ip: string | null; status: number | null;
  method: string | null; url: string | null; user_agent: string | null; rel_path: string | null; line: number | null;
  record: number | null; offset: number | null;
}

export const EVENT_COLUMNS = `e.id, e.ts, e.source, e.message, ${FIELDS_COLUMNS('e')}, e.ip, e.status, e.method, e.url, e.user_agent,
  f.rel_path, e.line, e.record, e.offset`;
export const EVENT_FROM = 'events e LEFT JOIN files f ON f.id = e.file_id';
/**
 * EVENT_COLUMNS with the fields packed (for a FieldsReader, which reads each layout once) and without the message: a
 * web log's message is built from its fields in SQL, which costs more than the rest of the row; read when asked for.
 */
const SCAN_COLUMNS = `e.id, e.ts, e.source, ${PACKED_COLUMNS('e')}, e.ip, e.status, e.method, e.url, e.user_agent,
  f.rel_path, e.line, e.record, e.offset`;

export function refOf(r: { rel_path: string | null; line: number | null; record: number | null; offset: number | null }): EvidenceRef {
  const ref: EvidenceRef = { file: r.rel_path ?? '(manual)' };
  if (r.line !== null) ref.line = r.line;
  if (r.record !== null) ref.record = r.record;
  if (r.line === null && r.record === null && r.offset !== null) ref.offset = r.offset;
  return ref;
}

function toHit(r: RawEvent, fields: Record<string, FieldValue> = decodeFields(r)): EventHit {
  return {
    id: r.id, ts: r.ts, source: r.source, message: r.message, fields, ip: r.ip,
    status: r.status, method: r.method, url: r.url, userAgent: r.user_agent, ref: refOf(r),
  };
}

/** An FTS5 phrase of the words of a text as the index tokenizes them (`"owa auth logon aspx"`), '' when it has none. */
export function ftsPhrase(text: string): string {
  const words = text.toLowerCase().split(/[^\p{L}\p{N}_-]+/u).filter(Boolean).join(' ');
  return words ? `"${words.replace(/"/g, '""')}"` : '';
}

/**
 * A condition over `e` that keeps only events whose indexed text holds these words in this order (a phrase over the
 * FTS5 index). It only narrows a scan: the exact test must still follow. Every string field value is in the index
 * (in the message or in its fields column), so no true match is lost, and a full scan of millions of rows is avoided.
 */
export function ftsHas(...texts: string[]): { sql: string; params: string[] } {
  const phrases = texts.map(ftsPhrase).filter(Boolean);
  if (!phrases.length) return { sql: '1', params: [] };
  const query = phrases.join(' OR ');
  return { sql: 'e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)', params: [query] };
}

/** Events matching a SQL condition over `e` (events) and `f` (files), in time order (the first `limit` when given). */
export function queryEvents(db: Db, where: string, params: unknown[] = [], limit?: number): EventHit[] {
  const cap = limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(limit))}`;
  const rows = db.prepare(`SELECT ${EVENT_COLUMNS} FROM ${EVENT_FROM} WHERE ${where} ORDER BY e.ts, e.id${cap}`).all(...params) as RawEvent[];
  return rows.map((r) => toHit(r));
}

/**
 * The events matching a SQL condition whose `values` (SQL expressions over `e`, such as a field's fieldSql) pass `keep`,
 * in time order, read whole: the rows left out are never read nor decoded (the 2 GB corpus: 8,170 ServerInfo~ requests,
 * 16 of them forged ones).
 */
export function eventsWithValues(db: Db, where: string, params: unknown[], values: Array<{ sql: string; params: unknown[] }>, keep: (v: unknown[]) => boolean): EventHit[] {
  const cols = values.map((v, i) => `${v.sql} AS v${i}`).join(', ');
  const rows = db.prepare(`SELECT e.id AS id, ${cols} FROM ${EVENT_FROM} WHERE ${where} ORDER BY e.ts, e.id`).raw()
    .all(...values.flatMap((v) => v.params), ...params) as unknown[][];
  const ids = rows.filter((r) => keep(r.slice(1))).map((r) => r[0] as number);
  return ids.length ? queryEvents(db, 'e.id IN (SELECT value FROM json_each(?))', [JSON.stringify(ids)]) : [];
}

/**
 * The events matching a SQL condition that pass `keep`, in time order, read one row at a time (memory holds the kept
 * ones only): `keep` sees each event with only the fields named in `only` decoded; a kept event is decoded whole
 * unless `whole` is false (a caller that needs no other field).
 */
export function* keptEvents(db: Db, where: string, params: unknown[], only: FieldSelection, keep: (h: EventHit) => boolean, whole = true): Generator<EventHit> {
  const reader = new FieldsReader(db);
  const messageOf = db.prepare('SELECT message FROM events WHERE id = ?').pluck();
  // Sorted as ids, then read one by one: sorting whole rows (packed fields included) spilled hundreds of MB through
  // SQLite's sorter on a 2 GB case (ProxyNotShell's 356k `autodiscover` requests: 7.4 s CPU and +126 MB RSS more).
  const ids = db.prepare(`SELECT e.id FROM ${EVENT_FROM} WHERE ${where} ORDER BY e.ts, e.id`).pluck().iterate(...params) as IterableIterator<number>;
  const rowOf = db.prepare(`SELECT ${SCAN_COLUMNS} FROM ${EVENT_FROM} WHERE e.id = ?`);
  for (const id of ids) {
    const r = rowOf.get(id) as ScannedEvent;
    const light = scannedHit(r, reader.read(r, only), messageOf);
    if (keep(light)) yield whole ? scannedHit(r, reader.read(r), messageOf) : light;
  }
}

type ScannedEvent = Omit<RawEvent, 'message'> & PackedRow;

/** A scanned row as an EventHit whose message is read (once) when first asked for. */
function scannedHit(r: ScannedEvent, fields: Record<string, FieldValue>, messageOf: { get(id: number): unknown }): EventHit {
  let message: string | undefined;
  return {
    id: r.id, ts: r.ts, source: r.source, get message() { return (message ??= messageOf.get(r.id) as string); }, fields, ip: r.ip,
    status: r.status, method: r.method, url: r.url, userAgent: r.user_agent, ref: refOf(r),
  };
}

const NO_FIELDS = new FieldSelection([]);

/**
 * Events matching a SQL condition, in time order (the first `limit` when given), with only the fields named in `only`
 * decoded (none by default): for checks that keep many events but read few of their fields.
 */
export function lightEvents(db: Db, where: string, params: unknown[], only: FieldSelection = NO_FIELDS, limit = Infinity): EventHit[] {
  const out: EventHit[] = [];
  if (limit <= 0) return out;
  for (const h of keptEvents(db, where, params, only, () => true, false)) {
    out.push(h);
    if (out.length >= limit) break;
  }
  return out;
}

/** A string field, '' when absent. */
export function str(fields: Record<string, FieldValue>, name: string): string {
  const v = fields[name];
  return v === null || v === undefined ? '' : String(v);
}

/** The manifest columns the checks read (a subset of the API's FileRow). */
export type FileInfo = Pick<FileRow, 'id' | 'sourceId' | 'relPath' | 'origPath' | 'size' | 'mtime' | 'btime' | 'md5' | 'sha1' | 'sha256' | 'kind'>
  & { /** Exact name bytes when the name is not valid UTF-8 (see ingest/walk.ts). */ relPathBytes?: Buffer | null };

/** Every file in the manifest (optionally filtered by a SQL condition over `files`). */
export function listFiles(db: Db, where = '1', params: unknown[] = []): FileInfo[] {
  return db.prepare(`SELECT id, source_id AS sourceId, rel_path AS relPath, rel_path_bytes AS relPathBytes, orig_path AS origPath, size, mtime, btime,
      lower(md5) AS md5, lower(sha1) AS sha1, lower(sha256) AS sha256, kind FROM files WHERE ${where} ORDER BY id`)
    .all(...params) as FileInfo[];
}

/**
 * The time a file was written. The evidence is a copy: its birth time is when the triage tool copied it, while KAPE
 * and robocopy keep the original modification time. So modification time first, birth time only as a last resort.
 */
export function writtenAt(f: Pick<FileInfo, 'btime' | 'mtime'>): Micros | null {
  return f.mtime ?? f.btime;
}
