// Write-side query functions over a case db: files, events (see event-store.ts), warnings, findings, audit.
// One writer per case: the ingest and the service call these from one connection.
import type { Db } from './db.ts';
import type { FieldValue, FileKind, Finding, IngestWarning, TimelineEvent } from '../../shared/types.ts';
import { isoToMicros } from '../../shared/types.ts';
import { BatchWriter } from './event-batch.ts';
import { EventEncoder } from './event-encoder.ts';
import { deleteEventsOfFile, EventStore } from './event-store.ts';
import { LIFT_FIELDS } from './field-layout.ts';

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

/** Removes every event (and its FTS entry, marks, tags, minute counts) and warning that came from a file. */
export function deleteFileEvents(db: Db, fileId: number): void {
  deleteEventsOfFile(db, fileId);
  db.prepare('DELETE FROM warnings WHERE file_id = ?').run(fileId);
}

const pick = (fields: Record<string, FieldValue>, names: readonly string[]): FieldValue => {
  for (const n of names) {
    const v = fields[n];
    if (v !== undefined && v !== null && v !== '' && v !== '-') return v;
  }
  return null;
};

/** Values lifted out of an event's fields into indexed columns for filtering and correlation. */
export function liftedColumns(e: TimelineEvent): { ip: string | null; status: number | null; method: string | null; url: string | null; userAgent: string | null } {
  const ip = pick(e.fields, LIFT_FIELDS.ip);
  const status = pick(e.fields, LIFT_FIELDS.status);
  const method = pick(e.fields, LIFT_FIELDS.method);
  const url = pick(e.fields, LIFT_FIELDS.url);
  const ua = pick(e.fields, LIFT_FIELDS.ua);
  const statusNum = status === null ? null : Number(status);
  return {
    ip: ip === null ? null : String(ip),
    status: statusNum !== null && Number.isFinite(statusNum) ? statusNum : null,
    method: method === null ? null : String(method),
    url: url === null ? null : String(url),
    userAgent: ua === null ? null : String(ua),
  };
}

/** Writes single events (manual events, tests) through the same encoder and store as the bulk ingest. */
export class EventInserter {
  private readonly store: EventStore;
  constructor(db: Db) {
    this.store = new EventStore(db);
  }

  /** Inserts one event (call inside a transaction); returns its id. */
  insert(e: TimelineEvent, fileId: number | null, manual = false): number {
    return this.insertMany([e], fileId, manual);
  }

  /** Inserts events in one batch (call inside a transaction); returns the id of the first. */
  insertMany(events: readonly TimelineEvent[], fileId: number | null, manual = false): number {
    const w = new BatchWriter(1024);
    const enc = new EventEncoder(w);
    for (const e of events) enc.push(e);
    enc.flush();
    const id = this.store.insert(w.finish(), 0, fileId, manual);
    this.store.finish();
    this.store.endScope(0);
    return id;
  }
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
