// Encoded events on their way from a parse worker to the case writer: one byte buffer per batch (transferred, not
// copied, between threads) plus the layouts first used in it. The writer binds the packed values and the full-text
// columns straight from the buffer, so the one thread that writes SQLite does as little as possible per event.
import { JsonbWriter } from './jsonb.ts';
import type { LayoutSpec } from './field-layout.ts';

/** A layout as the batch announces it: `id` is the encoder's own number for it. */
export interface LayoutDef { id: number; spec: LayoutSpec }

export interface EventBatch {
  buf: Uint8Array;
  rows: number;
  /** Layouts used by rows of this batch that were not announced in an earlier batch of the same encoder. */
  layouts: LayoutDef[];
}

const NULL_LEN = 0xffffffff;

/** One encoded event, as the encoder hands it over. */
export interface RowHead {
  ts: number; status: number | null; line: number | null; record: number | null; offset: number | null;
  layout: number; msgTpl: number; source: string; tsDesc: string; host: string | null; ip: string | null;
  method: string | null; url: string | null; ua: string | null;
}

/** Appends events to a batch: the fixed part, then the packed values (written in place), then the message texts. */
export class BatchWriter extends JsonbWriter {
  rows = 0;
  layouts: LayoutDef[] = [];
  private valsAt = -1;

  private f64(n: number | null): void {
    this.room(8);
    this.buf.writeDoubleLE(n ?? NaN, this.pos);
    this.pos += 8;
  }

  private u32(n: number, at = this.pos): void {
    this.room(4);
    this.buf.writeUInt32LE(n, at);
    if (at === this.pos) this.pos += 4;
  }

  private str(s: string | null): void {
    if (s === null) { this.u32(NULL_LEN); return; }
    const end = s.length < 64 ? this.ascii(s, this.pos + 4) : -1;
    if (end >= 0) {
      this.buf.writeUInt32LE(s.length, this.pos);
      this.pos = end;
      return;
    }
    this.room(s.length * 3 + 4);
    const len = this.buf.write(s, this.pos + 4, 'utf8');
    this.buf.writeUInt32LE(len, this.pos);
    this.pos += 4 + len;
  }

  /** Starts a row; the packed values follow (JSONB calls), then endRow with the message texts. */
  beginRow(h: RowHead): void {
    this.f64(h.ts); this.f64(h.status); this.f64(h.line); this.f64(h.record); this.f64(h.offset);
    this.u32(h.layout);
    this.room(1);
    this.buf[this.pos++] = h.msgTpl;
    this.str(h.source); this.str(h.tsDesc); this.str(h.host); this.str(h.ip); this.str(h.method); this.str(h.url); this.str(h.ua);
    this.valsAt = this.pos;
    this.u32(0);
  }

  endRow(message: string, extras: string): void {
    this.buf.writeUInt32LE(this.pos - this.valsAt - 4, this.valsAt);
    this.str(message);
    this.str(extras);
    this.rows++;
  }

  get bytes(): number {
    return this.pos;
  }

  /** The batch so far (its own copy of the bytes); the writer starts afresh. */
  finish(): EventBatch {
    const bytes = this.take();
    const b: EventBatch = { buf: new Uint8Array(bytes.buffer, 0, bytes.length), rows: this.rows, layouts: this.layouts };
    this.reset();
    this.rows = 0;
    this.layouts = [];
    return b;
  }
}

/** Longest string compared byte by byte with the previous row's before decoding (longer ones are decoded). */
const SAME_BYTES_MAX = 256;

function sameBytes(b: Buffer, x: number, y: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (b[x + i] !== b[y + i]) return false;
  return true;
}

/** Reads the rows of a batch one by one; strings decoded only when asked for. */
export class BatchReader {
  private readonly b: Buffer;
  private pos = 0;
  private row = 0;
  ts = 0; status: number | null = null; line: number | null = null; record: number | null = null; offset: number | null = null;
  layout = 0; msgTpl = 0;
  source = ''; tsDesc = ''; host: string | null = null; ip: string | null = null; method: string | null = null;
  url: string | null = null; ua: string | null = null;
  /** Packed values (a view into the batch), or null for an event without fields. */
  vals: Buffer | null = null;
  /** The message and the extra index text, as UTF-8 views into the batch. */
  message!: Buffer;
  extras!: Buffer;

  constructor(readonly batch: EventBatch) {
    this.b = Buffer.from(batch.buf.buffer, batch.buf.byteOffset, batch.buf.byteLength);
  }

  private f64(): number | null {
    const v = this.b.readDoubleLE(this.pos);
    this.pos += 8;
    return Number.isNaN(v) ? null : v;
  }

  private span(): Buffer | null {
    const len = this.b.readUInt32LE(this.pos);
    this.pos += 4;
    if (len === NULL_LEN) return null;
    const s = this.b.subarray(this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  // Per string column: where its last value was and that value (a log repeats its source, host, method… row after row).
  private readonly lastAt = [-1, -1, -1, -1, -1, -1, -1];
  private readonly lastLen = [0, 0, 0, 0, 0, 0, 0];
  private readonly lastStr: (string | null)[] = [null, null, null, null, null, null, null];

  /**
   * String column `col` of this row: the previous row's string when the bytes are the same, else decoded in place.
   * Saves the writer thread most of its string decoding and the garbage it leaves.
   */
  private str(col: number): string | null {
    const b = this.b;
    const len = b.readUInt32LE(this.pos);
    this.pos += 4;
    if (len === NULL_LEN) return null;
    const at = this.pos;
    this.pos += len;
    const prev = this.lastAt[col];
    if (prev >= 0 && this.lastLen[col] === len && len <= SAME_BYTES_MAX && sameBytes(b, prev, at, len)) return this.lastStr[col];
    const s = b.toString('utf8', at, at + len);
    this.lastAt[col] = at;
    this.lastLen[col] = len;
    this.lastStr[col] = s;
    return s;
  }

  next(): boolean {
    if (this.row >= this.batch.rows) return false;
    this.row++;
    this.ts = this.f64()!; this.status = this.f64(); this.line = this.f64(); this.record = this.f64(); this.offset = this.f64();
    this.layout = this.b.readUInt32LE(this.pos);
    this.msgTpl = this.b[this.pos + 4];
    this.pos += 5;
    this.source = this.str(0)!; this.tsDesc = this.str(1)!; this.host = this.str(2); this.ip = this.str(3); this.method = this.str(4);
    this.url = this.str(5); this.ua = this.str(6);
    const vals = this.span()!;
    this.vals = vals.length ? vals : null;
    this.message = this.span()!;
    this.extras = this.span()!;
    return true;
  }
}
