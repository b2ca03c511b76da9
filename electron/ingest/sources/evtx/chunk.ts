// One 64 KiB chunk → its timeline events: live records in chain order, recovered ones (marked) apart, and what could
// not be read. Pure and synchronous, so a chunk can be decoded anywhere (the parser's thread or a worker).
import type { TimelineEvent } from '../../../../shared/types.ts';
import { newChunkCtx, type ChunkCtx } from './binxml.ts';
import { recordToEvent } from './event.ts';
import { FastReader } from './fast.ts';
import { RECORD_HEADER_SIZE } from './layout.ts';
import { locateRecords, resolveRecord, type Recovered, type RecordSpot } from './records.ts';
import type { Elem } from './resolve.ts';
import type { TemplateCache } from './templates.ts';
import { EvtxFormatError, byteSource, garbled } from './values.ts';
import { PackedEvent } from '../packed.ts';
import { recoveredNames } from './names.ts';

/** Identity of a record copy: record number, written time (FILETIME ticks, as a double) and size. */
export interface RecordKey { number: number; time: number; size: number }

export interface HeldRecord extends RecordKey { how: Recovered; event: TimelineEvent }

export interface DecodedChunk {
  live: TimelineEvent[];
  /** Keys of the live records, three numbers each (number, time, size): recovered copies of them are dropped. */
  liveKeys: number[];
  recovered: HeldRecord[];
  /** Live records that could not be decoded: file offset and why. */
  unreadable: Array<{ offset: number; message: string }>;
  /** Record-shaped bytes outside the chain that did not decode (overwritten or from a former use of the chunk). */
  recoveredUnreadable: number;
  /** Problems with the chunk itself, at file offsets. */
  notes: Array<{ offset: number; message: string }>;
}

/** The record header's number and written time (FILETIME ticks), as doubles. */
const headerNumber = (v: DataView, pos: number): number => v.getUint32(pos + 12, true) * 0x100000000 + v.getUint32(pos + 8, true);
const headerTime = (v: DataView, pos: number): number => v.getUint32(pos + 20, true) * 0x100000000 + v.getUint32(pos + 16, true);

function keyOf(c: ChunkCtx, s: RecordSpot): RecordKey {
  const v = c.src.view;
  return { number: headerNumber(v, s.pos), time: headerTime(v, s.pos), size: s.size };
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

/** Whether every element and attribute name in the tree decoded cleanly. */
function cleanNames(e: Elem): boolean {
  if (garbled(e.name) || e.attrs.some(([k]) => garbled(k))) return false;
  for (const ch of e.children) if (typeof ch !== 'string' && !cleanNames(ch)) return false;
  return true;
}

/** The event of a record: the fast path, else the general one. `recovered`: names that the general path reads from
 * elsewhere in the chunk may have been overwritten since the record was written, so they must decode cleanly. */
function decodeRecord(c: ChunkCtx, fast: FastReader, s: RecordSpot, base: number, file: string, host?: string): PackedEvent {
  // What the fast path cannot decode (its template, a value it reads) the general path cannot either: its error stands.
  const e = fast.event(s, base, file, host);
  if (e) return e;
  const v = c.src.view;
  const event = resolveRecord(c, s);
  if (s.recovered && !cleanNames(event)) throw new EvtxFormatError('garbled element names (overwritten since)');
  const rec = { offset: base + s.pos, size: s.size, number: v.getBigUint64(s.pos + 8, true), written: v.getBigUint64(s.pos + 16, true), recovered: s.recovered, event };
  return recordToEvent(rec, file, host);
}

/** The event marked as recovered from slack or a damaged chunk (its `recovered` field). */
function markRecovered(e: PackedEvent, how: Recovered): PackedEvent {
  const m = new PackedEvent(e.ts, e.tsDesc, e.source, e.message, e.ref, recoveredNames(e.names), [...e.values, how], 0);
  m.host = e.host;
  return m;
}

/** Whether a record found outside the chain reads like an event: names it refers to elsewhere in the chunk may have
 * been overwritten since, which shows as garbled names or a missing provider or event id. */
function plausible(e: PackedEvent): boolean {
  const [id, provider, channel, computer] = e.values; // names.ts: EventID, Provider, Channel, Computer first
  if (typeof id !== 'number' || typeof provider !== 'string' || !provider) return false;
  for (const v of [provider, channel, computer]) if (typeof v === 'string' && garbled(v)) return false;
  return !e.names.some(garbled);
}

/** The fast-path reader, reused chunk after chunk (its arrays were a few percent of a parse when made per chunk). */
let reader: FastReader | null = null;

/** Decodes one chunk read from file offset `base` (`templates`: the file's templates so far, reused when identical). */
export function decodeChunk(bytes: Uint8Array, base: number, file: string, host?: string, templates: TemplateCache | null = null): DecodedChunk {
  const c = newChunkCtx(byteSource(bytes), templates);
  const fast = reader ? reader.reset(c) : (reader = new FastReader(c)); // chunks are decoded one at a time, synchronously
  const { spots, notes } = locateRecords(bytes, c.src.view);
  const out: DecodedChunk = {
    live: [], liveKeys: [], recovered: [], unreadable: [], recoveredUnreadable: 0,
    notes: notes.map((n) => ({ offset: base + n.at, message: n.message })),
  };
  for (const s of spots) {
    if (s.recovered === null) {
      try {
        out.live.push(decodeRecord(c, fast, s, base, file, host));
        out.liveKeys.push(headerNumber(c.src.view, s.pos), headerTime(c.src.view, s.pos), s.size); // no object per live record
      } catch (e) {
        out.unreadable.push({ offset: base + s.pos, message: (e as Error).message });
      }
      continue;
    }
    try {
      const e = templateStillThere(c, s) ? decodeRecord(c, fast, s, base, file, host) : null;
      if (e && plausible(e)) out.recovered.push({ ...keyOf(c, s), how: s.recovered, event: markRecovered(e, s.recovered) });
      else out.recoveredUnreadable++;
    } catch {
      out.recoveredUnreadable++;
    }
  }
  return out;
}
