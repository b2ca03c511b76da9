// One 64 KiB chunk → its timeline events: live records in chain order, recovered ones (marked) apart, and what could
// not be read. Pure and synchronous, so a chunk can be decoded anywhere (the parser's thread or a worker).
import type { TimelineEvent } from '../../../../shared/types.ts';
import { newChunkCtx, type ChunkCtx } from './binxml.ts';
import { recordToEvent } from './event.ts';
import { FastReader } from './fast.ts';
import { RECORD_HEADER_SIZE } from './layout.ts';
import { locateRecords, resolveRecord, type Recovered, type RecordSpot } from './records.ts';
import type { TemplateCache } from './templates.ts';
import { byteSource } from './values.ts';

/** Identity of a record copy: record number, written time (two u32 halves) and size. */
export interface RecordKey { number: number; hi: number; lo: number; size: number }

export interface HeldRecord extends RecordKey { event: TimelineEvent }

export interface DecodedChunk {
  live: TimelineEvent[];
  /** Keys of the live records (recovered copies of them are dropped at the end of the file). */
  liveKeys: RecordKey[];
  recovered: HeldRecord[];
  /** Live records that could not be decoded: file offset and why. */
  unreadable: Array<{ offset: number; message: string }>;
  /** Record-shaped bytes outside the chain that did not decode (overwritten or from a former use of the chunk). */
  recoveredUnreadable: number;
  /** Problems with the chunk itself, at file offsets. */
  notes: Array<{ offset: number; message: string }>;
}

function keyOf(c: ChunkCtx, s: RecordSpot): RecordKey {
  const v = c.src.view;
  return { number: v.getUint32(s.pos + 12, true) * 0x100000000 + v.getUint32(s.pos + 8, true), hi: v.getUint32(s.pos + 20, true), lo: v.getUint32(s.pos + 16, true), size: s.size };
}

/** Whether a record outside the chain refers to the template it was written with: its instance names the template by
 * the first 4 bytes of its GUID, which must still be the ones at the offset it points to (else the chunk was reused). */
function templateStillThere(c: ChunkCtx, s: RecordSpot): boolean {
  const { bytes: b, view: v } = c.src;
  let p = s.pos + RECORD_HEADER_SIZE;
  if (b[p] === 0x0f) p += 4;
  if (b[p] !== 0x0c) return true;
  const defOff = v.getUint32(p + 6, true);
  return defOff + 8 <= b.length && v.getUint32(defOff + 4, true) === v.getUint32(p + 2, true);
}

function decodeRecord(c: ChunkCtx, fast: FastReader, s: RecordSpot, base: number, file: string, host?: string): TimelineEvent {
  // What the fast path cannot decode (its template, a value it reads) the general path cannot either: its error stands.
  const e = fast.event(s, base, file, host);
  if (e) return e;
  const v = c.src.view;
  const rec = {
    offset: base + s.pos, size: s.size, number: v.getBigUint64(s.pos + 8, true), written: v.getBigUint64(s.pos + 16, true),
    recovered: s.recovered, event: resolveRecord(c, s),
  };
  return recordToEvent(rec, file, host);
}

function markRecovered(e: TimelineEvent, how: Recovered): TimelineEvent {
  e.fields.recovered = how;
  return e;
}

/** Decodes one chunk read from file offset `base` (`templates`: the file's templates so far, reused when identical). */
export function decodeChunk(bytes: Uint8Array, base: number, file: string, host?: string, templates: TemplateCache | null = null): DecodedChunk {
  const c = newChunkCtx(byteSource(bytes), templates);
  const fast = new FastReader(c);
  const { spots, notes } = locateRecords(bytes, c.src.view);
  const out: DecodedChunk = {
    live: [], liveKeys: [], recovered: [], unreadable: [], recoveredUnreadable: 0,
    notes: notes.map((n) => ({ offset: base + n.at, message: n.message })),
  };
  for (const s of spots) {
    if (s.recovered === null) {
      try {
        out.live.push(decodeRecord(c, fast, s, base, file, host));
        out.liveKeys.push(keyOf(c, s));
      } catch (e) {
        out.unreadable.push({ offset: base + s.pos, message: (e as Error).message });
      }
      continue;
    }
    try {
      if (!templateStillThere(c, s)) { out.recoveredUnreadable++; continue; }
      out.recovered.push({ ...keyOf(c, s), event: markRecovered(decodeRecord(c, fast, s, base, file, host), s.recovered) });
    } catch {
      out.recoveredUnreadable++;
    }
  }
  return out;
}
