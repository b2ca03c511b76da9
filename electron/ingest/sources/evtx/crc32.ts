// CRC-32 (IEEE 802.3, reflected 0xEDB88320), as used by EVTX file, chunk and record checksums.
// Every chunk's records are checksummed, so this is on the hot path: Node's native zlib.crc32 (Node ≥ 20.15) when
// present, else a slicing-by-4 table version.
import zlib from 'node:zlib';

type NativeCrc = (data: Uint8Array, value?: number) => number;
const native = (zlib as unknown as { crc32?: NativeCrc }).crc32;

const TABLES = buildTables();

function buildTables(): Uint32Array[] {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c >>> 0;
  }
  const tables = [t0];
  for (let k = 1; k < 4; k++) {
    const prev = tables[k - 1];
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (prev[n] >>> 8) ^ t0[prev[n] & 0xff];
    tables.push(t);
  }
  return tables;
}

/** Continues a CRC over bytes[start, end); pass the previous result as `crc` to chain ranges. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  if (native) return native(bytes.subarray(start, end), crc);
  return crc32Js(bytes, start, end, crc);
}

export function crc32Js(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  const [t0, t1, t2, t3] = TABLES;
  let c = ~crc;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c = t3[c & 0xff] ^ t2[(c >>> 8) & 0xff] ^ t1[(c >>> 16) & 0xff] ^ t0[c >>> 24];
  }
  for (; i < end; i++) c = t0[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
