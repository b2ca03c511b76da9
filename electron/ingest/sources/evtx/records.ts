// Walks an EVTX byte stream chunk by chunk and yields each record resolved to an element tree.
// Damage never stops the walk: it becomes a warning with a file offset, and the next record or chunk is tried.
import { newChunkCtx, parseFragment, type ChunkCtx } from './binxml.ts';
import { ByteReader } from './bytes.ts';
import {
  CHUNK_HEADER_SIZE, CHUNK_SIZE, FILE_HEADER_SIZE, RECORD_HEADER_SIZE, isAllZero, isChunkHeader, isFileHeader,
  readChunkHeader, readFileHeader, recordAt, type RecordSlice,
} from './layout.ts';
import { resolveNodes, type Elem } from './resolve.ts';
import { byteSource } from './values.ts';

export type EvtxWarn = (offset: number, message: string) => void;

export interface EvtxRecord {
  /** Byte offset of the record in the file. */
  offset: number;
  /** Size of the record in bytes. */
  size: number;
  /** Record number from the binary record header (not always the rendered EventRecordID). */
  number: bigint;
  /** FILETIME ticks from the record header. */
  written: bigint;
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
  if (!event) throw new Error('record holds no XML element');
  return event;
}

/** Yields every readable record of one chunk; `base` is the chunk's file offset. */
export function* chunkRecords(bytes: Uint8Array, base: number, warn: EvtxWarn): Generator<EvtxRecord> {
  const c = newChunkCtx(byteSource(bytes));
  const { view } = c.src;
  let end = bytes.length;
  if (isChunkHeader(bytes)) {
    const h = readChunkHeader(bytes);
    for (const p of h.problems) warn(base, p);
    end = h.recordsEnd;
  } else {
    warn(base, 'chunk signature missing; scanning the chunk for records');
  }
  let pos = CHUNK_HEADER_SIZE;
  while (pos + RECORD_HEADER_SIZE <= end) {
    const slice = recordAt(bytes, view, pos);
    if (!slice) {
      const next = resync(bytes, view, pos + 8, end);
      if (next < 0 && isAllZero(bytes, pos, end)) break;
      warn(base + pos, next < 0 ? 'damaged record; no further record in this chunk' : `damaged record; skipped ${next - pos} bytes`);
      if (next < 0) break;
      pos = next;
      continue;
    }
    try {
      yield { offset: base + pos, size: slice.size, number: slice.number, written: slice.written, event: resolveRecord(c, slice) };
    } catch (e) {
      warn(base + pos, `record ${slice.number} unreadable: ${(e as Error).message}`);
    }
    pos += slice.size;
  }
}

/** Next 8-aligned position in [from, end) holding a sane record header, or -1. */
function resync(bytes: Uint8Array, view: DataView, from: number, end: number): number {
  for (let p = from; p + RECORD_HEADER_SIZE <= end; p += 8) if (recordAt(bytes, view, p)) return p;
  return -1;
}

/** Every record of an EVTX byte stream, in file order. Memory stays at about one chunk. */
export async function* readEvtxRecords(
  chunks: AsyncIterable<Uint8Array>, warn: EvtxWarn, signal?: AbortSignal,
): AsyncGenerator<EvtxRecord> {
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
        yield* chunkRecords(bytes, offset, warn);
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
