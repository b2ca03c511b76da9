// Substitution values of EVTX binary XML: decoding each value type into the text the XML would show.
// Formats follow libevtx's evtxexport (hex ints zero-padded, GUIDs braced upper case, binary as upper-case hex),
// except FILETIME, which is printed as Windows does (7 fractional digits).

/** Bad binary XML in the input. Thrown for every unreadable record and slack fragment, so it skips the stack trace
 * (which says nothing about the input and costs more than decoding a record). */
export class EvtxFormatError extends Error {
  constructor(message: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** Value type codes (MS-EVEN6 / libfwevt); OR-ed with ARRAY_FLAG for arrays. */
export const VT = {
  NULL: 0x00, STRING: 0x01, ANSI: 0x02, INT8: 0x03, UINT8: 0x04, INT16: 0x05, UINT16: 0x06, INT32: 0x07,
  UINT32: 0x08, INT64: 0x09, UINT64: 0x0a, REAL32: 0x0b, REAL64: 0x0c, BOOL: 0x0d, BINARY: 0x0e, GUID: 0x0f,
  SIZET: 0x10, FILETIME: 0x11, SYSTEMTIME: 0x12, SID: 0x13, HEX32: 0x14, HEX64: 0x15, EVT_HANDLE: 0x20,
  BINXML: 0x21, EVT_XML: 0x23,
} as const;
export const ARRAY_FLAG = 0x80;

/** Seconds between 1601-01-01 and 1970-01-01. */
const EPOCH_DIFF_TICKS = 116444736000000000n;

/** The bytes of one chunk plus views to read them fast. */
export interface ByteSource {
  bytes: Uint8Array;
  view: DataView;
  text: Buffer;
}

export function byteSource(bytes: Uint8Array): ByteSource {
  return {
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  };
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text from the input made safe to show in a message: control characters and lone surrogates escaped, length capped. */
export function printable(s: string, max = 80): string {
  const cut = s.length > max ? s.slice(0, max) + '…' : s;
  return cut.replace(CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Whether a decoded name or value holds characters no real event has (control characters, lone surrogates, U+FFFD). */
export const garbled = (s: string): boolean => /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

export function need(src: ByteSource, pos: number, len: number, what: string): void {
  if (pos < 0 || len < 0 || pos + len > src.bytes.length) {
    throw new EvtxFormatError(`${what} at ${pos} (+${len}) runs past the end of its data`);
  }
}

/** UTF-16LE text without trailing NULs. */
export function utf16(src: ByteSource, pos: number, byteLen: number): string {
  let end = pos + (byteLen & ~1);
  while (end > pos && src.bytes[end - 1] === 0 && src.bytes[end - 2] === 0) end -= 2;
  if (end <= pos) return '';
  return hasUcs2Slice ? (src.text as Ucs2Buffer).ucs2Slice(pos, end) : src.text.toString('utf16le', pos, end);
}

// Buffer's own UTF-16 slicer, without toString's encoding dispatch (most values are short: the dispatch showed).
interface Ucs2Buffer extends Buffer { ucs2Slice(start: number, end: number): string }
const hasUcs2Slice = typeof (Buffer.prototype as Partial<Ucs2Buffer>).ucs2Slice === 'function';

function ansi(src: ByteSource, pos: number, len: number): string {
  let end = pos + len;
  while (end > pos && src.bytes[end - 1] === 0) end--;
  return src.text.toString('latin1', pos, end);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase());

function hexBytes(src: ByteSource, pos: number, len: number): string {
  if (len > 16) return src.text.toString('hex', pos, pos + len).toUpperCase(); // binary data runs to hundreds of bytes
  let s = '';
  for (let i = pos; i < pos + len; i++) s += HEX[src.bytes[i]];
  return s;
}

/** `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`: the first three groups little-endian, the rest in byte order. */
function guid(src: ByteSource, pos: number): string {
  const b = src.bytes;
  return '{' + HEX[b[pos + 3]] + HEX[b[pos + 2]] + HEX[b[pos + 1]] + HEX[b[pos]] + '-' + HEX[b[pos + 5]] + HEX[b[pos + 4]] + '-'
    + HEX[b[pos + 7]] + HEX[b[pos + 6]] + '-' + HEX[b[pos + 8]] + HEX[b[pos + 9]] + '-' + hexBytes(src, pos + 10, 6) + '}';
}

const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** `0x` and the little-endian integer of `len` bytes at `pos` in lower-case hex, zero-padded (HexInt32/64, SizeT). */
function hexLittleEndian(src: ByteSource, pos: number, len: number): string {
  let s = '0x';
  for (let i = pos + len - 1; i >= pos; i--) s += hex[src.bytes[i]];
  return s;
}

function sid(src: ByteSource, pos: number, len: number): string {
  if (len < 8) throw new EvtxFormatError(`SID at ${pos} is ${len} bytes`);
  const count = src.bytes[pos + 1];
  if (8 + 4 * count > len) throw new EvtxFormatError(`SID at ${pos} claims ${count} sub-authorities in ${len} bytes`);
  let authority = 0;
  for (let i = 2; i < 8; i++) authority = authority * 256 + src.bytes[pos + i];
  let s = `S-${src.bytes[pos]}-${authority}`;
  for (let i = 0; i < count; i++) s += '-' + src.view.getUint32(pos + 8 + 4 * i, true);
  return s;
}

/** FILETIME ticks → microseconds since the Unix epoch (the 7th fractional digit is truncated). */
export function filetimeMicros(ticks: bigint): number {
  const t = ticks - EPOCH_DIFF_TICKS;
  return Number(t >= 0n ? t / 10n : (t - 9n) / 10n);
}

/** FILETIME from two u32 halves → microseconds since the Unix epoch (floor), in exact Number arithmetic. */
export function filetimeMicrosParts(hi: number, lo: number): number {
  if (hi >= 0x40000000) return filetimeMicros((BigInt(hi) << 32n) | BigInt(lo));
  // ticks/10 = hi·429496729.6 + lo/10 = (hi·429496)·1000 + hi·729 + (hi·6 + lo)/10, each term exact below 2^53.
  return (hi * 429496 - 11644473600000) * 1000 + hi * 729 + Math.floor((hi * 6 + lo) / 10);
}

/** FILETIME from two u32 halves → ISO text; exact Number arithmetic while the high half is below 2^30 (till year 2700),
 * and no Date object (a value type common in event data). */
function filetimeIsoParts(hi: number, lo: number): string {
  if (hi >= 0x40000000) return filetimeIso((BigInt(hi) << 32n) | BigInt(lo));
  // hi·2^32 = hi·429·10^7 + hi·4967296, so ticks = 10^7·(hi·429) + rest with rest exact below 2^53.
  const rest = hi * 4967296 + lo;
  const frac = rest % 10000000;
  const seconds = hi * 429 + (rest - frac) / 10000000; // since 1601-01-01
  const days = Math.floor(seconds / 86400);
  if (days >= DAYS_1601_TO_10000) return filetimeIso((BigInt(hi) << 32n) | BigInt(lo)); // as Date prints years past 9999
  const s = seconds - days * 86400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  return `${civilDate(days - DAYS_1601_TO_1970)}T${TWO[h]}:${TWO[m]}:${TWO[s - h * 3600 - m * 60]}.${fraction7(frac)}Z`;
}

/** Days from 1601-01-01 to 1970-01-01. */
const DAYS_1601_TO_1970 = 134774;
/** Days from 1601-01-01 to 10000-01-01. */
const DAYS_1601_TO_10000 = DAYS_1601_TO_1970 + 2932897;

/** 0–9999999 as seven digits. */
function fraction7(n: number): string {
  const hi = Math.floor(n / 100000);
  const rest = n - hi * 100000;
  const mid = Math.floor(rest / 1000);
  const lo = rest - mid * 1000;
  return TWO[hi] + TWO[mid] + (lo < 10 ? '00' + lo : lo < 100 ? '0' + lo : String(lo));
}

/** `YYYY-MM-DD` of a day count since 1970-01-01, proleptic Gregorian (H. Hinnant's civil_from_days), as Date prints it
 * for years 0–9999. */
export function civilDate(days: number): string {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${year < 1000 ? String(year).padStart(4, '0') : year}-${TWO[month]}-${TWO[d]}`;
}

/** FILETIME ticks → `YYYY-MM-DDTHH:MM:SS.fffffffZ` (Windows' own rendering). */
export function filetimeIso(ticks: bigint): string {
  const t = ticks - EPOCH_DIFF_TICKS;
  const sec = t >= 0n ? t / 10000000n : (t - 9999999n) / 10000000n;
  const frac = t - sec * 10000000n;
  const d = new Date(Number(sec) * 1000);
  if (Number.isNaN(d.getTime())) return `FILETIME(${ticks})`;
  return d.toISOString().slice(0, 19) + '.' + frac.toString().padStart(7, '0') + 'Z';
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Two digits of 0–99 (most date parts), else the number padded as String.padStart would. */
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const pad2 = (n: number): string => (n < 100 ? TWO[n] : String(n));

function systemtime(src: ByteSource, pos: number): string {
  const v = src.view;
  return `${pad(v.getUint16(pos, true), 4)}-${pad2(v.getUint16(pos + 2, true))}-${pad2(v.getUint16(pos + 6, true))}T`
    + `${pad2(v.getUint16(pos + 8, true))}:${pad2(v.getUint16(pos + 10, true))}:${pad2(v.getUint16(pos + 12, true))}.${pad(v.getUint16(pos + 14, true), 3)}Z`;
}

const FIXED_SIZE: Record<number, number> = {
  [VT.INT8]: 1, [VT.UINT8]: 1, [VT.INT16]: 2, [VT.UINT16]: 2, [VT.INT32]: 4, [VT.UINT32]: 4, [VT.INT64]: 8,
  [VT.UINT64]: 8, [VT.REAL32]: 4, [VT.REAL64]: 8, [VT.BOOL]: 4, [VT.GUID]: 16, [VT.FILETIME]: 8,
  [VT.SYSTEMTIME]: 16, [VT.HEX32]: 4, [VT.HEX64]: 8,
};

/** Text of one scalar value of `type` occupying bytes [pos, pos+len). */
export function scalarText(src: ByteSource, type: number, pos: number, len: number): string {
  const v = src.view;
  const fixed = FIXED_SIZE[type];
  if (fixed !== undefined && len < fixed) throw new EvtxFormatError(`value of type 0x${type.toString(16)} at ${pos} is ${len} bytes`);
  switch (type) {
    case VT.NULL: return '';
    case VT.STRING: return utf16(src, pos, len);
    case VT.ANSI: return ansi(src, pos, len);
    case VT.INT8: return String(v.getInt8(pos));
    case VT.UINT8: return String(v.getUint8(pos));
    case VT.INT16: return String(v.getInt16(pos, true));
    case VT.UINT16: return String(v.getUint16(pos, true));
    case VT.INT32: return String(v.getInt32(pos, true));
    case VT.UINT32: return String(v.getUint32(pos, true));
    case VT.INT64: return v.getBigInt64(pos, true).toString();
    case VT.UINT64: return v.getBigUint64(pos, true).toString();
    case VT.REAL32: return String(v.getFloat32(pos, true));
    case VT.REAL64: return String(v.getFloat64(pos, true));
    case VT.BOOL: return v.getUint32(pos, true) ? 'true' : 'false';
    case VT.BINARY: return hexBytes(src, pos, len);
    case VT.GUID: return guid(src, pos);
    case VT.SIZET: return hexLittleEndian(src, pos, len >= 8 ? 8 : 4);
    case VT.FILETIME: return filetimeIsoParts(v.getUint32(pos + 4, true), v.getUint32(pos, true));
    case VT.SYSTEMTIME: return systemtime(src, pos);
    case VT.SID: return sid(src, pos, len);
    case VT.HEX32: return hexLittleEndian(src, pos, 4);
    case VT.HEX64: return hexLittleEndian(src, pos, 8);
    default: return hexBytes(src, pos, len);
  }
}

/** Items of an array value (type has ARRAY_FLAG): strings split at NULs, fixed-size types split by size. */
export function arrayItems(src: ByteSource, type: number, pos: number, len: number): string[] {
  const base = type & ~ARRAY_FLAG;
  if (base === VT.STRING) {
    const text = src.text.toString('utf16le', pos, pos + (len & ~1));
    const items = text.split('\u0000');
    if (items.length > 1 && items[items.length - 1] === '') items.pop();
    return items;
  }
  if (base === VT.ANSI) {
    const items = src.text.toString('latin1', pos, pos + len).split('\u0000');
    if (items.length > 1 && items[items.length - 1] === '') items.pop();
    return items;
  }
  if (base === VT.SID) return sidItems(src, pos, len);
  const size = base === VT.SIZET ? (len % 8 === 0 ? 8 : 4) : FIXED_SIZE[base];
  if (!size) return [scalarText(src, base, pos, len)];
  const out: string[] = [];
  for (let p = pos; p + size <= pos + len; p += size) out.push(scalarText(src, base, p, size));
  return out;
}

function sidItems(src: ByteSource, pos: number, len: number): string[] {
  const out: string[] = [];
  for (let p = pos; p + 8 <= pos + len;) {
    const size = 8 + 4 * src.bytes[p + 1];
    out.push(sid(src, p, Math.min(size, pos + len - p)));
    p += size;
  }
  return out;
}
