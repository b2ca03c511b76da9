// Reads evidence bytes for display: the raw line behind an event, and size-capped file previews. Read-only.
import path from 'node:path';
import type { FilePreview, FileRow } from '../shared/api.ts';
import type { EvidenceRef } from '../shared/types.ts';
import type { Db } from './case/db.ts';
import { NotRegularFileError, openEvidence } from './ingest/evidence-open.ts';
import { evidencePath } from './ingest/walk.ts';
import { detectBom, type TextEncoding } from './ingest/lines.ts';
import { readEvtxRecordXml } from './ingest/sources/evtx/index.ts';

const RAW_CAP = 64 * 1024;

function safeJoin(root: string, rel: string): string | null {
  const abs = path.resolve(root, rel);
  return abs.startsWith(path.resolve(root) + path.sep) ? abs : null;
}

/** Text after its byte-order mark, in the encoding the mark names (UTF-8 without one). */
function decode(buf: Buffer): string {
  const { encoding, bomLength } = detectBom(buf);
  return new TextDecoder(encoding).decode(buf.subarray(bomLength));
}

/** Where the line starting at chunk[0] ends: its LF code unit (lines start on a code-unit boundary), or the chunk end. */
function lineEnd(chunk: Buffer, encoding: TextEncoding): number {
  if (encoding === 'utf-8') {
    const i = chunk.indexOf(0x0a);
    return i < 0 ? chunk.length : i;
  }
  const le = encoding === 'utf-16le';
  for (let i = 0; i + 1 < chunk.length; i += 2) {
    if (le ? chunk[i] === 0x0a && chunk[i + 1] === 0 : chunk[i] === 0 && chunk[i + 1] === 0x0a) return i;
  }
  return chunk.length - (chunk.length % 2);
}

/** The physical line at ref.offset (text logs) or the record as XML (EVTX), size-capped; null when not reachable. */
/** The exact name bytes of a manifest row whose name is not valid UTF-8 (null for every other file). */
export function relBytesOf(db: Db, rel: string): Buffer | null {
  return (db.prepare('SELECT rel_path_bytes AS b FROM files WHERE rel_path = ? AND rel_path_bytes IS NOT NULL LIMIT 1').get(rel) as { b: Buffer } | undefined)?.b ?? null;
}

export async function readRawEvidence(root: string, ref: EvidenceRef, relBytes: Buffer | null = null): Promise<string | null> {
  if (ref.offset === undefined) return null;
  const abs = relBytes ? evidencePath(root, ref.file, relBytes) : safeJoin(root, ref.file);
  if (!abs) return null;
  if (ref.record !== undefined) {
    try {
      const xml = await readEvtxRecordXml(abs, ref.offset);
      return xml.length > RAW_CAP ? xml.slice(0, RAW_CAP) + '\n…(truncated)' : xml;
    } catch (e) {
      return `(record ${ref.record} at offset ${ref.offset} could not be rendered: ${(e as Error).message})`;
    }
  }
  try {
    const fh = await openEvidence(abs);
    try {
      // The line's encoding is the file's: a UTF-16 log has its byte-order mark only at the start.
      const head = Buffer.alloc(4);
      const { bytesRead: headBytes } = await fh.read(head, 0, 4, 0);
      const { encoding } = detectBom(head.subarray(0, headBytes));
      const buf = Buffer.alloc(RAW_CAP);
      const { bytesRead } = await fh.read(buf, 0, RAW_CAP, ref.offset);
      const chunk = buf.subarray(0, bytesRead);
      const end = lineEnd(chunk, encoding);
      return new TextDecoder(encoding).decode(chunk.subarray(0, end)).replace(/\r$/, '');
    } finally { await fh.close(); }
  } catch {
    return null;
  }
}

/** Shown as hex: a NUL in the first 8 KiB of anything not marked as UTF-16. */
function looksBinary(buf: Buffer): boolean {
  return !detectBom(buf).encoding.startsWith('utf-16') && buf.subarray(0, 8192).includes(0);
}

function hexDump(buf: Buffer): string {
  const lines: string[] = [];
  for (let i = 0; i < buf.length; i += 16) {
    const slice = buf.subarray(i, i + 16);
    const hex = [...slice].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const asc = [...slice].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${i.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${asc}`);
  }
  return lines.join('\n');
}

interface StoredMatch { rule: string; identifier: string; offset: number; length: number }

/** YARA string matches the web-shell check recorded for a file: details.matches = [{rule, strings: [{identifier, offset, length}]}]. */
function storedMatches(db: Db, fileId: number): StoredMatch[] {
  const out: StoredMatch[] = [];
  const rows = db.prepare('SELECT details FROM findings WHERE file_id = ? AND details IS NOT NULL').all(fileId) as Array<{ details: string }>;
  for (const r of rows) {
    const d = JSON.parse(r.details) as { matches?: Array<{ rule: string; strings?: Array<Omit<StoredMatch, 'rule'>> }> };
    for (const m of d.matches ?? []) {
      for (const x of m.strings ?? []) if (typeof x.offset === 'number' && typeof x.length === 'number') out.push({ rule: m.rule, identifier: x.identifier, offset: x.offset, length: x.length });
    }
  }
  return out;
}

export async function previewEvidenceFile(db: Db, f: FileRow & { root: string }, maxBytes = 256 * 1024): Promise<FilePreview> {
  const cap = Math.max(1, Math.min(maxBytes, 4 * 1024 * 1024));
  const base: FilePreview = { fileId: f.id, relPath: f.relPath, size: f.size, text: null, truncated: f.size > cap, hex: null, highlights: [] };
  const bytes = relBytesOf(db, f.relPath);
  const abs = bytes ? evidencePath(f.root, f.relPath, bytes) : safeJoin(f.root, f.relPath);
  if (!abs) return base;
  let buf: Buffer;
  try {
    const fh = await openEvidence(abs);
    try {
      const b = Buffer.alloc(Math.min(cap, f.size || cap));
      const { bytesRead } = await fh.read(b, 0, b.length, 0);
      buf = b.subarray(0, bytesRead);
    } finally { await fh.close(); }
  } catch (e) {
    // The evidence changed under the case (409): not the server's fault.
    if (e instanceof NotRegularFileError) throw Object.assign(new Error(`cannot preview ${f.relPath}: ${e.message}`), { status: 409 });
    throw new Error(`cannot read evidence file ${f.relPath} (${(e as NodeJS.ErrnoException).code}) — is the evidence folder still at ${f.root}?`);
  }
  if (looksBinary(buf)) return { ...base, hex: hexDump(buf.subarray(0, 4096)) };
  const { encoding, bomLength: bom } = detectBom(buf);
  const text = decode(buf);
  const highlights: FilePreview['highlights'] = [];
  for (const m of storedMatches(db, f.id)) {
    if (encoding !== 'utf-8' || m.offset + m.length > buf.length) continue;
    // Byte offsets → character offsets in the decoded text.
    const start = new TextDecoder().decode(buf.subarray(bom, m.offset)).length;
    const end = start + new TextDecoder().decode(buf.subarray(m.offset, m.offset + m.length)).length;
    highlights.push({ start, end, rule: m.rule, identifier: m.identifier });
  }
  highlights.sort((a, b) => a.start - b.start);
  return { ...base, text, highlights };
}
