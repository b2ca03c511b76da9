// Finds the log line or record behind an evidence ref: the stored event first, the evidence file (read-only) second.
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../case/db.ts';
import type { EvidenceRef } from '../../shared/types.ts';
import { decodeFields, FIELDS_COLUMNS } from '../case/fields.ts';
import type { Quote } from './model-types.ts';
import { openEvidenceSync, type EvidencePath } from '../ingest/evidence-open.ts';
import { evidencePath } from '../ingest/walk.ts';

const MAX_QUOTE_CHARS = 4000;
const MAX_SCAN_BYTES = 256 * 1024 * 1024;

interface EventHit { id: number; ts: number; message: string; fields?: string | null; line: number | null; record: number | null }

type Position = { column: 'line' | 'record' | 'offset'; value: number };

function positionOf(ref: EvidenceRef): Position | null {
  if (typeof ref.line === 'number') return { column: 'line', value: ref.line };
  if (typeof ref.record === 'number') return { column: 'record', value: ref.record };
  if (typeof ref.offset === 'number') return { column: 'offset', value: ref.offset };
  return null;
}

export class RefQuoter {
  private readonly filesByPath;
  private readonly rootsById = new Map<number, string>();

  constructor(private readonly db: Db) {
    this.filesByPath = db.prepare('SELECT id, source_id AS sourceId, rel_path_bytes AS bytes FROM files WHERE rel_path = ?');
    for (const r of db.prepare('SELECT id, root FROM evidence_sources').all() as Array<{ id: number; root: string }>) {
      this.rootsById.set(r.id, r.root);
    }
  }

  /** The quote for a ref, or null when the ref names a whole file (nothing to quote). */
  quote(ref: EvidenceRef): Quote | null {
    const pos = positionOf(ref);
    if (!pos) return null;
    const files = this.filesByPath.all(ref.file) as Array<{ id: number; sourceId: number; bytes: Buffer | null }>;
    for (const f of files) {
      const hit = this.findEvent(f.id, pos);
      if (hit) return { ref, from: 'event', ts: hit.ts, text: clip(hit.message), fields: decodeFields(hit) };
    }
    if (pos.column === 'line') {
      for (const f of files) {
        const root = this.rootsById.get(f.sourceId);
        const text = root ? readLine(evidencePath(root, ref.file, f.bytes), pos.value) : null;
        if (text !== null) return { ref, from: 'file', ts: null, text: clip(text), fields: null };
      }
    }
    return { ref, from: 'missing', ts: null, text: `${pos.column} ${pos.value} is not in the case (file not indexed or no longer readable)`, fields: null };
  }

  /**
   * A line is found through the (file_id, line) index. Records and offsets have none, but events of one file are
   * written in file order, so ids rise with them: a binary search over the file's events, which that index keeps in
   * id order when they have no line (EVTX), then a plain scan. Each step is one index seek: at 5M events a scan per
   * quote made the report take 30 s.
   */
  private findEvent(fileId: number, pos: Position): EventHit | null {
    const col = pos.column;
    const cols = `id, ts, message, ${FIELDS_COLUMNS('')}, line, record, offset`;
    if (col === 'line') return (this.db.prepare(`SELECT ${cols} FROM events WHERE file_id = ? AND line = ? LIMIT 1`).get(fileId, pos.value) as EventHit | undefined) ?? null;
    const lo0 = this.db.prepare('SELECT min(id) FROM event_rows WHERE file_id = ? AND line IS NULL').pluck().get(fileId) as number | null;
    const hi0 = this.db.prepare('SELECT max(id) FROM event_rows WHERE file_id = ? AND line IS NULL').pluck().get(fileId) as number | null;
    if (lo0 !== null && hi0 !== null) {
      const at = this.db.prepare(`SELECT ${cols} FROM events WHERE file_id = ? AND line IS NULL AND id >= ? ORDER BY id LIMIT 1`);
      let lo = lo0;
      let hi = hi0;
      for (let i = 0; i < 64 && lo <= hi; i++) {
        const mid = Math.floor((lo + hi) / 2);
        const row = at.get(fileId, mid) as (EventHit & { offset: number | null }) | undefined;
        if (!row || row.id > hi) { hi = mid - 1; continue; }
        const v = row[col];
        if (v === pos.value) return row;
        if (v === null) break;
        if (v < pos.value) lo = row.id + 1;
        else hi = mid - 1;
      }
    }
    return (this.db.prepare(`SELECT ${cols} FROM events WHERE file_id = ? AND ${col} = ? LIMIT 1`).get(fileId, pos.value) as EventHit | undefined) ?? null;
  }
}

function clip(s: string): string {
  return s.length > MAX_QUOTE_CHARS ? `${s.slice(0, MAX_QUOTE_CHARS)} … [${s.length - MAX_QUOTE_CHARS} more characters]` : s;
}

/** Physical line `n` (1-based) of a text file, read-only and in chunks; null when absent or unreadable. */
export function readLine(file: EvidencePath, n: number): string | null {
  let fd: number;
  try { fd = openEvidenceSync(file); } catch { return null; }
  try {
    const buf = Buffer.alloc(64 * 1024);
    let line = 1;
    let pos = 0;
    const parts: Buffer[] = [];
    let kept = 0;
    while (pos < MAX_SCAN_BYTES) {
      const got = fs.readSync(fd, buf, 0, buf.length, pos);
      if (got === 0) break;
      let start = 0;
      for (let i = 0; i < got; i++) {
        if (buf[i] !== 0x0a) continue;
        if (line === n) { parts.push(Buffer.from(buf.subarray(start, i))); return decodeLine(parts); }
        line++;
        start = i + 1;
      }
      if (line === n && kept < MAX_QUOTE_CHARS * 4) { parts.push(Buffer.from(buf.subarray(start, got))); kept += got - start; }
      pos += got;
    }
    return line === n && parts.length ? decodeLine(parts) : null;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

function decodeLine(parts: Buffer[]): string {
  return Buffer.concat(parts).toString('utf8').replace(/^\uFEFF/, '').replace(/\r$/, '');
}
