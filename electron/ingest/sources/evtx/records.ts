// Finds the records of an EVTX byte stream: chunk by chunk, the live record chain as Windows walks it, then anything
// record-shaped left in the rest of the chunk (slack past the free-space offset, or a chunk whose header is gone),
// marked as recovered. Damage never stops the walk: it becomes a note with an offset, and the next chunk is read.
import { newChunkCtx, parseFragment, type ChunkCtx } from './binxml.ts';
import { ByteReader } from './bytes.ts';
import {
  CHUNK_HEADER_SIZE, CHUNK_SIZE, FILE_HEADER_SIZE, RECORD_HEADER_SIZE, chainRecordAt, isAllZero, isChunkHeader,
  isFileHeader, readChunkHeader, readFileHeader, recordAt, u64Number, type RecordSlice,
} from './layout.ts';
import { resolveNodes, type Elem } from './resolve.ts';
import { EvtxFormatError, byteSource } from './values.ts';

export type EvtxWarn = (offset: number, message: string) => void;

/** How a record was found when it is not part of the chunk's live record chain. */
export type Recovered = 'slack' | 'damaged chunk';

export interface RecordSpot extends RecordSlice {
  /** Null for a live record (on the chain Windows reads); otherwise where it was recovered from. */
  recovered: Recovered | null;
}

export interface ChunkNote { at: number; message: string }

/** The records of one chunk, in chunk order, and what was wrong with the chunk (`at` is a chunk offset). */
export interface ChunkLayout { spots: RecordSpot[]; notes: ChunkNote[] }

/**
 * Where the records of one chunk are. The live chain starts after the chunk header and follows record sizes up to
 * the free-space offset (stopping at the header's last record id or at the first thing that is not a record), exactly
 * as Windows and the Rust `evtx` crate read it. The rest of the chunk is then scanned for complete records (signature,
 * size and trailing size copy): past the free-space offset they are `slack`; before it (the chain broke) or in a chunk
 * without a usable header they are `damaged chunk`.
 */
export function locateRecords(bytes: Uint8Array, view: DataView): ChunkLayout {
  const notes: ChunkNote[] = [];
  const spots: RecordSpot[] = [];
  const header = isChunkHeader(bytes) ? readChunkHeader(bytes) : null;
  for (const p of header?.problems ?? []) notes.push({ at: 0, message: p });
  const free = header?.free ?? null;
  let pos = CHUNK_HEADER_SIZE;
  if (header && free !== null) {
    while (pos + RECORD_HEADER_SIZE <= free) {
      const size = chainRecordAt(bytes, view, pos);
      if (!size) break;
      spots.push({ pos, size, recovered: null });
      pos += size;
      if (u64Number(view, pos - size + 8) === header.lastNumber) break;
    }
    if (pos + RECORD_HEADER_SIZE <= free && !isAllZero(bytes, pos, free)) {
      notes.push({ at: pos, message: `record chain broken at chunk offset ${pos} (no record header there): records further on are marked recovered` });
    }
  }
  const found = scanForRecords(bytes, view, (pos + 7) & ~7, free, spots);
  if (!header && found > 0) notes.push({ at: 0, message: `chunk signature missing: ${found} record${found === 1 ? '' : 's'} found by scanning it, marked recovered` });
  else if (!header) notes.push({ at: 0, message: 'chunk signature missing and no record found in it' });
  return { spots, notes };
}

/** Appends every complete record in [from, end of chunk) to `spots`; returns how many were found. */
function scanForRecords(bytes: Uint8Array, view: DataView, from: number, free: number | null, spots: RecordSpot[]): number {
  let n = 0;
  for (let p = from; p + RECORD_HEADER_SIZE <= bytes.length;) {
    const size = view.getUint32(p, true) === 0x2a2a ? recordAt(bytes, view, p) : 0;
    if (!size) { p += 8; continue; }
    spots.push({ pos: p, size, recovered: free !== null && p >= free ? 'slack' : 'damaged chunk' });
    n++;
    p += size;
  }
  return n;
}

/** One chunk of the input: its bytes (a fresh array) and its file offset. */
export interface EvtxChunk { bytes: Uint8Array; base: number; index: number }

/**
 * The 64 KiB chunks of an EVTX byte stream, after the file header (checked and warned about). Chunks beyond the
 * header's count are read (dirty files); all-zero chunks are skipped; a stream that starts with a chunk is read as
 * bare chunks (carved data). Memory stays at about one chunk.
 */
export async function* evtxChunks(chunks: AsyncIterable<Uint8Array>, warn: EvtxWarn, signal?: AbortSignal): AsyncGenerator<EvtxChunk> {
  const reader = new ByteReader(chunks);
  try {
    const first = await reader.read(FILE_HEADER_SIZE);
    if (first.length === 0) { warn(0, 'empty file'); return; }
    let chunkCount = Infinity;
    let offset = FILE_HEADER_SIZE;
    let pending: Uint8Array | null = null;
    if (isFileHeader(first)) {
      const h = readFileHeader(first);
      for (const p of h.problems) warn(0, p);
      if (h.problems.length === 0) chunkCount = h.chunkCount;
    } else if (isChunkHeader(first)) {
      warn(0, 'no file header: reading the input as bare chunks (carved data?)');
      offset = 0;
      pending = first;
    } else {
      warn(0, 'file header signature "ElfFile" missing; looking for chunks anyway');
    }
    for (let index = 0; ; index++) {
      if (signal?.aborted) return;
      const bytes: Uint8Array = pending ? await withRest(reader, pending) : await reader.read(CHUNK_SIZE);
      pending = null;
      if (bytes.length === 0) {
        if (Number.isFinite(chunkCount) && index < chunkCount) warn(offset, `file ends after ${index} of ${chunkCount} chunks`);
        return;
      }
      if (bytes.length < CHUNK_HEADER_SIZE || (!isChunkHeader(bytes) && isAllZero(bytes))) {
        if (!isAllZero(bytes)) warn(offset, `chunk ${index} truncated to ${bytes.length} bytes`);
        else if (Number.isFinite(chunkCount) && index < chunkCount) warn(offset, `chunk ${index} is empty (all zero) but the header counts ${chunkCount} chunks`);
      } else {
        yield { bytes, base: offset, index };
      }
      offset += bytes.length;
    }
  } finally {
    await reader.close();
  }
}

async function withRest(reader: ByteReader, head: Uint8Array): Promise<Uint8Array> {
  const rest = await reader.read(CHUNK_SIZE - head.length);
  const out = new Uint8Array(head.length + rest.length);
  out.set(head);
  out.set(rest, head.length);
  return out;
}

export interface EvtxRecord {
  /** Byte offset of the record in the file. */
  offset: number;
  /** Size of the record in bytes. */
  size: number;
  /** Record number from the binary record header (not always the rendered EventRecordID). */
  number: bigint;
  /** FILETIME ticks from the record header. */
  written: bigint;
  /** Null for a live record; where it was recovered from otherwise. */
  recovered: Recovered | null;
  /** The resolved <Event> element. */
  event: Elem;
}

/** Parses the record `slice` of a chunk into its <Event> element (throws EvtxFormatError on bad binary XML). */
export function resolveRecord(c: ChunkCtx, slice: RecordSlice): Elem {
  const start = slice.pos + RECORD_HEADER_SIZE;
  c.work = 0;
  const { nodes } = parseFragment(c, start, slice.pos + slice.size - 4, 0);
  const out: (Elem | string)[] = [];
  resolveNodes(c, nodes, [], out, 0);
  const event = out.find((n): n is Elem => typeof n !== 'string');
  if (!event) throw new EvtxFormatError('record holds no XML element');
  return event;
}

/**
 * Every record of an EVTX byte stream resolved to its element tree, in file order, live and recovered alike (the
 * XML view and the reference tests read this; the timeline uses parseEvtx). Unreadable records are warned about.
 */
export async function* readEvtxRecords(
  chunks: AsyncIterable<Uint8Array>, warn: EvtxWarn, signal?: AbortSignal,
): AsyncGenerator<EvtxRecord> {
  for await (const { bytes, base } of evtxChunks(chunks, warn, signal)) {
    const c = newChunkCtx(byteSource(bytes));
    const { spots, notes } = locateRecords(bytes, c.src.view);
    for (const n of notes) warn(base + n.at, n.message);
    for (const s of spots) {
      const v = c.src.view;
      try {
        yield {
          offset: base + s.pos, size: s.size, number: v.getBigUint64(s.pos + 8, true), written: v.getBigUint64(s.pos + 16, true),
          recovered: s.recovered, event: resolveRecord(c, s),
        };
      } catch (e) {
        warn(base + s.pos, `record at chunk offset ${s.pos} unreadable: ${(e as Error).message}`);
      }
    }
  }
}
