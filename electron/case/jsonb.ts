// SQLite's JSONB encoding (https://sqlite.org/jsonb.html), the form in which an event's field values are stored:
// written here by the parse workers, read back here by decodeFields, and read by SQLite's own JSON functions in SQL
// (fieldSql). Only what the packed values need: scalars, one flat array, and one level of nested arrays.
import type { FieldValue } from '../../shared/types.ts';

export const JB = {
  NULL: 0, TRUE: 1, FALSE: 2, INT: 3, INT5: 4, FLOAT: 5, FLOAT5: 6, TEXT: 7, TEXTJ: 8, TEXT5: 9, TEXTRAW: 10, ARRAY: 11, OBJECT: 12,
} as const;

/** Strings at least this long are copied by Buffer.write (one native call beats a loop). */
const LONG = 64;

/** Header bytes for a payload of `len` bytes. */
const headerSize = (len: number): number => (len <= 11 ? 1 : len <= 0xff ? 2 : len <= 0xffff ? 3 : 5);

/** Appends JSONB elements to a growable buffer; arrays are opened and closed around their elements. */
export class JsonbWriter {
  buf: Buffer;
  pos = 0;
  private readonly open: number[] = [];

  constructor(size = 4096) {
    this.buf = Buffer.allocUnsafe(size);
  }

  reset(): void {
    this.pos = 0;
    this.open.length = 0;
  }

  /** The bytes written so far, in a buffer of their own (transferable to another thread). */
  take(): Buffer {
    const out = Buffer.from(new ArrayBuffer(this.pos));
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  /** Makes room for `n` more bytes; returns the write position. */
  protected room(n: number): number {
    if (this.pos + n > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n + 64));
      this.buf.copy(next, 0, 0, this.pos);
      this.buf = next;
    }
    return this.pos;
  }

  private header(type: number, len: number, at = this.pos): number {
    const b = this.buf;
    if (len <= 11) { b[at] = (len << 4) | type; return 1; }
    if (len <= 0xff) { b[at] = 0xc0 | type; b[at + 1] = len; return 2; }
    if (len <= 0xffff) { b[at] = 0xd0 | type; b.writeUInt16BE(len, at + 1); return 3; }
    b[at] = 0xe0 | type; b.writeUInt32BE(len, at + 1); return 5;
  }

  tag(type: typeof JB.NULL | typeof JB.TRUE | typeof JB.FALSE): void {
    this.room(1);
    this.buf[this.pos++] = type;
  }

  string(s: string): void {
    const at = this.pos;
    if (s.length < LONG) {
      const n = this.ascii(s, at + headerSize(s.length));
      if (n >= 0) {
        this.header(JB.TEXTRAW, s.length, at);
        this.pos = n;
        return;
      }
    }
    // Long or not ASCII: one call into Buffer, header sized for the worst case and moved down if smaller.
    const most = headerSize(s.length * 3);
    this.room(most + s.length * 3);
    const len = this.buf.write(s, at + most, 'utf8');
    const h = headerSize(len);
    if (h !== most) this.buf.copyWithin(at + h, at + most, at + most + len);
    this.header(JB.TEXTRAW, len, at);
    this.pos = at + h + len;
  }

  /** The text of `s` from `from` to `to`, the same bytes as string(s.slice(from, to)), short ASCII copied without the slice. */
  stringIn(s: string, from: number, to: number): void {
    const len = to - from;
    if (len < LONG) {
      const at = this.pos;
      const h = headerSize(len);
      this.room(h + len);
      const b = this.buf;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(from + i);
        if (c >= 0x80) break;
        b[at + h + i] = c;
      }
      if (i === len) {
        this.header(JB.TEXTRAW, len, at);
        this.pos = at + h + len;
        return;
      }
    }
    this.string(s.slice(from, to));
  }

  /**
   * Copies an ASCII string to `at` with a plain loop (far cheaper than a call into Buffer for the short strings of
   * log fields); returns the position after it, or -1 when the string is not ASCII (nothing is then kept).
   */
  protected ascii(s: string, at: number): number {
    const n = s.length;
    this.room(at - this.pos + n);
    const b = this.buf;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return -1;
      b[at + i] = c;
    }
    return at + n;
  }

  /**
   * An array of `n` text elements cut from `s` (template runs: ASCII only), `spans` holding their start and end pairs;
   * the same bytes as beginArray, string() of each slice, endArray, without making the slices.
   */
  asciiSlices(s: string, spans: Int32Array, n: number): void {
    let len = 0;
    for (let k = 0; k < n; k++) { const l = spans[2 * k + 1] - spans[2 * k]; len += headerSize(l) + l; }
    let at = this.room(headerSize(len) + len);
    at += this.header(JB.ARRAY, len, at);
    const b = this.buf;
    for (let k = 0; k < n; k++) {
      const from = spans[2 * k];
      const to = spans[2 * k + 1];
      at += this.header(JB.TEXTRAW, to - from, at);
      for (let i = from; i < to; i++) b[at++] = s.charCodeAt(i);
    }
    this.pos = at;
  }

  /** A number, in the text form JSON.parse and Number() read back to the same value (-0 and NaN included). */
  number(n: number): void {
    if (n >= 0 && n <= 0x7fffffff && (n | 0) === n && !Object.is(n, -0)) { this.smallInt(n); return; }
    let type: number = JB.INT;
    let text: string;
    if (!Number.isFinite(n)) { type = JB.FLOAT5; text = String(n); }
    else if (Number.isInteger(n) && Math.abs(n) < 1e21) text = Object.is(n, -0) ? '-0' : String(n);
    else { type = JB.FLOAT; text = String(n); }
    this.pos = this.ascii(text, this.pos + this.header(type, text.length, this.room(text.length + 2)));
  }

  /** A non-negative 31-bit integer: digits written directly. */
  private smallInt(n: number): void {
    let digits = 1;
    for (let x = n; x >= 10; x = (x / 10) | 0) digits++;
    const at = this.room(digits + 2);
    const h = this.header(JB.INT, digits, at);
    const b = this.buf;
    for (let i = at + h + digits - 1, x = n; i >= at + h; i--, x = (x / 10) | 0) b[i] = 48 + (x % 10);
    this.pos = at + h + digits;
  }

  value(v: FieldValue): void {
    if (v === null || v === undefined) this.tag(JB.NULL);
    else if (typeof v === 'number') this.number(v);
    else this.string(String(v));
  }

  /** Opens an array; its header is sized when it is closed. */
  beginArray(): void {
    this.room(3);
    this.open.push(this.pos);
    this.pos += 3;
  }

  endArray(): void {
    const start = this.open.pop()!;
    const len = this.pos - start - 3;
    const h = headerSize(len);
    if (h !== 3) {
      this.room(2);
      this.buf.copyWithin(start + h, start + 3, this.pos);
      this.pos += h - 3;
    }
    this.header(JB.ARRAY, len, start);
  }
}

/** A read position over one JSONB value. */
export class JsonbReader {
  pos: number;
  constructor(readonly buf: Buffer, pos = 0) {
    this.pos = pos;
  }

  /** Reads an element header: its type and payload size; the position moves to the payload. */
  head(): { type: number; len: number } {
    const b = this.buf;
    const first = b[this.pos];
    const type = first & 0x0f;
    const sz = first >> 4;
    if (sz <= 11) { this.pos += 1; return { type, len: sz }; }
    if (sz === 12) { const len = b[this.pos + 1]; this.pos += 2; return { type, len }; }
    if (sz === 13) { const len = b.readUInt16BE(this.pos + 1); this.pos += 3; return { type, len }; }
    if (sz === 14) { const len = b.readUInt32BE(this.pos + 1); this.pos += 5; return { type, len }; }
    const len = Number(b.readBigUInt64BE(this.pos + 1)); this.pos += 9; return { type, len };
  }

  /** The scalar at the payload of a header just read (strings unescaped, numbers as numbers). */
  scalar(type: number, len: number): FieldValue | boolean {
    const b = this.buf;
    const at = this.pos;
    this.pos += len;
    switch (type) {
      case JB.NULL: return null;
      case JB.TRUE: return true;
      case JB.FALSE: return false;
      case JB.INT: case JB.FLOAT: case JB.FLOAT5: return Number(b.toString('latin1', at, at + len));
      case JB.INT5: return json5Int(b.toString('latin1', at, at + len));
      case JB.TEXT: case JB.TEXTRAW: return b.toString('utf8', at, at + len);
      case JB.TEXTJ: case JB.TEXT5: return JSON.parse(`"${b.toString('utf8', at, at + len)}"`) as string;
      default: throw new Error(`JSONB element of type ${type} where a scalar was expected`);
    }
  }
}

/** A JSON5 integer (`+12`, `-0x1F`): never written by Loupe, read for completeness. */
function json5Int(t: string): number {
  const neg = t.startsWith('-');
  const n = Number(t.replace(/^[+-]/, ''));
  return neg ? -n : n;
}
