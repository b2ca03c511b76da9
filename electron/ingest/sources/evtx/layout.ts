// Fixed layout of an EVTX file: 4 KiB file header, then 64 KiB chunks, each a 512-byte header and records.
import { crc32 } from './crc32.ts';

export const FILE_HEADER_SIZE = 4096;
export const CHUNK_SIZE = 65536;
export const CHUNK_HEADER_SIZE = 512;
export const RECORD_HEADER_SIZE = 24;
/** Smallest possible record: header, an empty fragment, and the trailing size copy. */
export const MIN_RECORD_SIZE = 32;
export const RECORD_SIGNATURE = 0x00002a2a;

const FILE_MAGIC = [0x45, 0x6c, 0x66, 0x46, 0x69, 0x6c, 0x65, 0x00]; // "ElfFile\0"
const CHUNK_MAGIC = [0x45, 0x6c, 0x66, 0x43, 0x68, 0x6e, 0x6b, 0x00]; // "ElfChnk\0"

function startsWith(b: Uint8Array, magic: number[], at = 0): boolean {
  if (b.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (b[at + i] !== magic[i]) return false;
  return true;
}

export const isFileHeader = (b: Uint8Array): boolean => startsWith(b, FILE_MAGIC);
export const isChunkHeader = (b: Uint8Array): boolean => startsWith(b, CHUNK_MAGIC);

export function isAllZero(b: Uint8Array, start = 0, end = b.length): boolean {
  let i = start;
  // Word-at-a-time over the aligned middle: empty preallocated chunks are common and 64 KiB each.
  const first = Math.min(end, (start + 3) & ~3);
  for (; i < first; i++) if (b[i] !== 0) return false;
  if ((b.byteOffset & 3) === 0 && end - i >= 4) {
    const words = new Uint32Array(b.buffer, b.byteOffset + i, (end - i) >> 2);
    for (let w = 0; w < words.length; w++) if (words[w] !== 0) return false;
    i += words.length * 4;
  }
  for (; i < end; i++) if (b[i] !== 0) return false;
  return true;
}

export interface FileHeader {
  chunkCount: number;
  nextRecordId: bigint;
  major: number;
  minor: number;
  flags: number;
  /** Problems found (bad CRC, odd sizes); empty when the header is sound. */
  problems: string[];
}

/** Decodes and checks the 4 KiB file header (signature already checked). */
export function readFileHeader(b: Uint8Array): FileHeader {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const problems: string[] = [];
  if (b.length < 128) return { chunkCount: 0, nextRecordId: 0n, major: 0, minor: 0, flags: 0, problems: ['file header truncated'] };
  const h: FileHeader = {
    chunkCount: v.getUint16(42, true),
    nextRecordId: v.getBigUint64(24, true),
    minor: v.getUint16(36, true),
    major: v.getUint16(38, true),
    flags: v.getUint32(120, true),
    problems,
  };
  const stored = v.getUint32(124, true);
  const actual = crc32(b, 0, 120);
  if (stored !== actual) problems.push(`file header CRC mismatch (stored 0x${stored.toString(16)}, computed 0x${actual.toString(16)})`);
  if (h.major !== 3) problems.push(`unexpected format version ${h.major}.${h.minor}`);
  if (v.getUint32(32, true) !== 128 || v.getUint16(40, true) !== FILE_HEADER_SIZE) problems.push('unexpected header or block size');
  return h;
}

export interface ChunkHeader {
  /** End of the records area (free-space offset), clamped to the chunk. */
  recordsEnd: number;
  problems: string[];
}

/** Checks a chunk's header CRC and records CRC; `recordsEnd` says how far records may be read. */
export function readChunkHeader(b: Uint8Array): ChunkHeader {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const problems: string[] = [];
  const storedHeader = v.getUint32(124, true);
  const header = crc32(b, 128, CHUNK_HEADER_SIZE, crc32(b, 0, 120));
  const free = v.getUint32(48, true);
  if (storedHeader !== header) {
    // The free-space offset cannot be trusted either: read up to the end of the chunk instead.
    problems.push(`chunk header CRC mismatch (stored 0x${storedHeader.toString(16)}, computed 0x${header.toString(16)}); scanning the whole chunk`);
    return { recordsEnd: b.length, problems };
  }
  if (free < CHUNK_HEADER_SIZE || free > CHUNK_SIZE) {
    problems.push(`chunk free-space offset ${free} is out of range; scanning the whole chunk`);
    return { recordsEnd: b.length, problems };
  }
  if (free > b.length) {
    problems.push(`chunk truncated: ${b.length} of ${CHUNK_SIZE} bytes present`);
    return { recordsEnd: b.length, problems };
  }
  const storedData = v.getUint32(52, true);
  const data = crc32(b, CHUNK_HEADER_SIZE, free);
  if (storedData !== data) problems.push(`chunk records CRC mismatch (stored 0x${storedData.toString(16)}, computed 0x${data.toString(16)})`);
  return { recordsEnd: free, problems };
}

export interface RecordSlice {
  /** Offset of the record in the chunk. */
  pos: number;
  size: number;
  number: bigint;
  written: bigint;
}

/** Whether a sane record header (signature, size, trailing size copy) starts at `pos`. */
export function recordAt(b: Uint8Array, v: DataView, pos: number): RecordSlice | null {
  if (pos + RECORD_HEADER_SIZE > b.length || v.getUint32(pos, true) !== RECORD_SIGNATURE) return null;
  const size = v.getUint32(pos + 4, true);
  if (size < MIN_RECORD_SIZE || size % 8 !== 0 || pos + size > b.length) return null;
  if (v.getUint32(pos + size - 4, true) !== size) return null;
  return { pos, size, number: v.getBigUint64(pos + 8, true), written: v.getBigUint64(pos + 16, true) };
}
