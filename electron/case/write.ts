// Write-side query functions over a case db: files, events (+FTS), warnings, findings, audit.
// One writer per case: the ingest and the service call these from one connection.
import type { Db } from './db.ts';
import type { FieldValue, FileKind, Finding, IngestWarning, TimelineEvent } from '../../shared/types.ts';
import { isoToMicros } from '../../shared/types.ts';

export const nowIso = (): string => new Date().toISOString();

export interface FileRecord {
  sourceId: number;
  relPath: string;
  origPath: string;
  size: number;
  mtime: number | null;
  atime: number | null;
  ctime: number | null;
  btime: number | null;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  kind: FileKind;
  parser: string | null;
}

/** Inserts or replaces the manifest row of a file; returns its id. State goes back to 'pending'. */
export function upsertFile(db: Db, f: FileRecord): number {
  const row = db.prepare(`
    INSERT INTO files (source_id, rel_path, orig_path, size, mtime, atime, ctime, btime, md5, sha1, sha256, kind, parser, state, events)
    VALUES (@sourceId, @relPath, @origPath, @size, @mtime, @atime, @ctime, @btime, @md5, @sha1, @sha256, @kind, @parser, 'pending', 0)
    ON CONFLICT (source_id, rel_path) DO UPDATE SET
      orig_path = excluded.orig_path, size = excluded.size, mtime = excluded.mtime, atime = excluded.atime,
      ctime = excluded.ctime, btime = excluded.btime, md5 = excluded.md5, sha1 = excluded.sha1, sha256 = excluded.sha256,
      kind = excluded.kind, parser = excluded.parser, state = 'pending', events = 0, indexed_at = NULL
    RETURNING id`).get(f) as { id: number };
  return row.id;
}

export function markFileDone(db: Db, fileId: number, events: number): void {
  db.prepare(`UPDATE files SET state = 'done', events = ?, indexed_at = ? WHERE id = ?`).run(events, nowIso(), fileId);
}

/** Removes every event (and its FTS entry, marks, tags) and warning that came from a file. */
export function deleteFileEvents(db: Db, fileId: number): void {
  db.prepare('DELETE FROM events_fts WHERE rowid IN (SELECT id FROM events WHERE file_id = ?)').run(fileId);
  db.prepare('DELETE FROM event_tags WHERE event_id IN (SELECT id FROM events WHERE file_id = ?)').run(fileId);
  db.prepare('DELETE FROM event_marks WHERE event_id IN (SELECT id FROM events WHERE file_id = ?)').run(fileId);
  db.prepare('DELETE FROM events WHERE file_id = ?').run(fileId);
  db.prepare('DELETE FROM warnings WHERE file_id = ?').run(fileId);
}

const pick = (fields: Record<string, FieldValue>, names: readonly string[]): FieldValue => {
  for (const n of names) {
    const v = fields[n];
    if (v !== undefined && v !== null && v !== '' && v !== '-') return v;
  }
  return null;
};

const IP_FIELDS = ['c-ip', 'ClientIpAddress', 'ClientIp', 'data.IpAddress', 'data.SourceIp', 'data.SourceAddress', 'ip'];
const STATUS_FIELDS = ['sc-status', 'HttpStatus', 'status'];
const METHOD_FIELDS = ['cs-method', 'Method', 'method'];
const URL_FIELDS = ['cs-uri-stem', 'UrlStem', 'url'];
const UA_FIELDS = ['cs(User-Agent)', 'UserAgent', 'userAgent'];

/** Values lifted out of an event's fields into indexed columns for filtering and correlation. */
export function liftedColumns(e: TimelineEvent): { ip: string | null; status: number | null; method: string | null; url: string | null; userAgent: string | null } {
  const ip = pick(e.fields, IP_FIELDS);
  const status = pick(e.fields, STATUS_FIELDS);
  const method = pick(e.fields, METHOD_FIELDS);
  const url = pick(e.fields, URL_FIELDS);
  const ua = pick(e.fields, UA_FIELDS);
  const statusNum = status === null ? null : Number(status);
  return {
    ip: ip === null ? null : String(ip),
    status: statusNum !== null && Number.isFinite(statusNum) ? statusNum : null,
    method: method === null ? null : String(method),
    url: url === null ? null : String(url),
    userAgent: ua === null ? null : String(ua),
  };
}

/**
 * An event flattened for the insert statement; built where the event is parsed (a worker), so the writer thread
 * only binds values. Order: ts, tsDesc, source, host, message, fieldsJson, ip, status, method, url, userAgent,
 * line, record, offset, ftsFields.
 */
export type EventRowTuple = [
  number, string, string, string | null, string, string, string | null, number | null, string | null, string | null,
  string | null, number | null, number | null, number | null, string | null,
];

// Absent values ('-' in IIS, empty CSV cells) are not stored: they are most of the bytes of a typical row.
const dropNull = (_k: string, v: unknown): unknown => (v === null ? undefined : v);

export function eventToRow(e: TimelineEvent): EventRowTuple {
  const l = liftedColumns(e);
  return [
    e.ts, e.tsDesc, e.source, e.host ?? null, e.message, JSON.stringify(e.fields, dropNull), l.ip, l.status, l.method, l.url,
    l.userAgent, e.ref.line ?? null, e.ref.record ?? null, e.ref.offset ?? null, ftsFieldsText(e.fields, e.message),
  ];
}

/** Prepared statements for bulk event inserts; call inside a transaction. */
export class EventInserter {
  private readonly ins;
  private readonly fts;
  constructor(db: Db) {
    this.ins = db.prepare(`INSERT INTO events (ts, ts_desc, source, host, message, fields, ip, status, method, url, user_agent, line, record, offset, file_id, manual)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.fts = db.prepare('INSERT INTO events_fts(rowid, message, fields) VALUES (?, ?, ?)');
  }

  insert(e: TimelineEvent, fileId: number | null, manual = false): number {
    return this.insertRow(eventToRow(e), fileId, manual);
  }

  insertRow(r: EventRowTuple, fileId: number | null, manual = false): number {
    const info = this.ins.run(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], fileId, manual ? 1 : 0);
    const id = Number(info.lastInsertRowid);
    this.fts.run(id, r[4], r[14]);
    return id;
  }
}

/**
 * The FTS "fields" column: field values that the message does not already carry. Numbers are left out (time filters
 * and exact field filters serve them better); this keeps the index small and the writer fast.
 */
export function ftsFieldsText(fields: Record<string, FieldValue>, message = ''): string | null {
  const parts: string[] = [];
  for (const v of Object.values(fields)) {
    if (v === null || v === undefined || typeof v === 'number') continue;
    if (v.length < 2 || carriesWords(message, v) || /^\d+$/.test(v)) continue;
    parts.push(v);
  }
  return parts.length ? parts.join(' ') : null;
}

/** A word character of the FTS tokenizer (unicode61 with `-` and `_`); half a surrogate pair counts as one too. */
const WORD_RE = /[\p{L}\p{N}\p{Co}_-]/u;
const isWord = (c: string): boolean => WORD_RE.test(c) || (c >= '\uD800' && c <= '\uDFFF');

/**
 * True when `text` holds `v` with the same word boundaries, so indexing `text` indexes every word of `v`. A bare
 * substring is not enough: `ftp.exe` inside `renamed-ftp.exe` would leave the word `ftp` out of the index.
 */
export function carriesWords(text: string, v: string): boolean {
  const leftWord = isWord(v[0]);
  const rightWord = isWord(v[v.length - 1]);
  for (let i = text.indexOf(v); i >= 0; i = text.indexOf(v, i + 1)) {
    const before = i > 0 ? text[i - 1] : '';
    const after = text[i + v.length] ?? '';
    if ((!leftWord || !before || !isWord(before)) && (!rightWord || !after || !isWord(after))) return true;
  }
  return false;
}

export function insertWarning(db: Db, w: IngestWarning, fileId: number | null): void {
  db.prepare('INSERT INTO warnings (file, file_id, line, offset, message, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(w.file, fileId, w.line ?? null, w.offset ?? null, w.message, nowIso());
}

export function insertFinding(db: Db, f: Finding, extra: { details?: Record<string, unknown>; fileId?: number | null } = {}): number {
  const info = db.prepare(`INSERT INTO findings (check_id, severity, title, path, time, sha256, evidence, details, file_id, created_at,
      confidence, confidence_reason)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    f.check, f.severity, f.title, f.path, f.time === null ? null : isoToMicros(f.time), f.sha256,
    JSON.stringify(f.evidence), extra.details ? JSON.stringify(extra.details) : null, extra.fileId ?? null, nowIso(),
    f.confidence ?? null, f.confidenceReason ?? null,
  );
  return Number(info.lastInsertRowid);
}

export function audit(db: Db, action: string, details: Record<string, unknown>, user = currentUser()): void {
  db.prepare('INSERT INTO audit (at, user, action, details) VALUES (?, ?, ?, ?)').run(nowIso(), user, action, JSON.stringify(details));
}

export function currentUser(): string {
  return process.env.LOUPE_USER || process.env.USER || process.env.USERNAME || 'analyst';
}
