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

const ZEROS = new Uint8Array(CHUNK_SIZE);

/** Whether b[start, end) is all zero bytes (empty preallocated chunks are common: compared natively). */
export function isAllZero(b: Uint8Array, start = 0, end = b.length): boolean {
  for (let at = start; at < end; at += ZEROS.length) {
    const n = Math.min(ZEROS.length, end - at);
    if (Buffer.compare(b.subarray(at, at + n), ZEROS.subarray(0, n)) !== 0) return false;
  }
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
  /** Free-space offset: the live record chain ends there. Null when it is not usable (then nothing in the chunk is live). */
  free: number | null;
  /** Last event record identifier the header claims: the chain walk stops after the record carrying it. */
  lastNumber: number;
  /** Problems found (bad CRCs, odd offsets); empty when the header is sound. */
  problems: string[];
}

/** Reads a chunk header (signature already checked) and checks its CRCs. A bad header CRC is reported but the
 * free-space offset is still used when it is in range, as Windows and the reference parsers do. */
export function readChunkHeader(b: Uint8Array): ChunkHeader {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const problems: string[] = [];
  const storedHeader = v.getUint32(124, true);
  const header = crc32(b, 128, CHUNK_HEADER_SIZE, crc32(b, 0, 120));
  if (storedHeader !== header) problems.push(`chunk header CRC mismatch (stored 0x${storedHeader.toString(16)}, computed 0x${header.toString(16)})`);
  const lastNumber = u64Number(v, 32);
  const free = v.getUint32(48, true);
  if (free < CHUNK_HEADER_SIZE || free > CHUNK_SIZE) {
    problems.push(`chunk free-space offset ${free} is out of range: every record found in this chunk is marked recovered`);
    return { free: null, lastNumber, problems };
  }
  if (free > b.length) {
    problems.push(`chunk truncated: ${b.length} of ${CHUNK_SIZE} bytes present`);
    return { free: b.length, lastNumber, problems };
  }
  const storedData = v.getUint32(52, true);
  const data = crc32(b, CHUNK_HEADER_SIZE, free);
  if (storedData !== data) problems.push(`chunk records CRC mismatch (stored 0x${storedData.toString(16)}, computed 0x${data.toString(16)})`);
  return { free, lastNumber, problems };
}

/** A u64 as a Number (exact below 2^53: record numbers and ids). */
export function u64Number(v: DataView, at: number): number {
  return v.getUint32(at + 4, true) * 0x100000000 + v.getUint32(at, true);
}

export interface RecordSlice {
  /** Offset of the record in the chunk. */
  pos: number;
  size: number;
}

/** Size of the record whose header starts at `pos` as the chain walk reads it (signature and a size that fits the
 * chunk; the trailing size copy is not required, as Windows does not check it), or 0 when there is none. */
export function chainRecordAt(b: Uint8Array, v: DataView, pos: number): number {
  if (pos + RECORD_HEADER_SIZE > b.length || v.getUint32(pos, true) !== RECORD_SIGNATURE) return 0;
  const size = v.getUint32(pos + 4, true);
  return size >= MIN_RECORD_SIZE && pos + size <= b.length ? size : 0;
}

/** Size of a complete record at `pos` (signature, sane size and the trailing size copy), or 0: what a scan of slack
 * space accepts, where a stray "**" is not enough. */
export function recordAt(b: Uint8Array, v: DataView, pos: number): number {
  const size = chainRecordAt(b, v, pos);
  return size && size % 8 === 0 && v.getUint32(pos + size - 4, true) === size ? size : 0;
}
