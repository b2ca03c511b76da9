// Streaming line reader for text logs: byte chunks in, batches of decoded physical lines out.
// Handles LF/CRLF, UTF-8 (with or without BOM, invalid bytes → U+FFFD), UTF-16LE/BE with BOM, NUL bytes and
// over-long lines, without ever holding more than one line (≤ maxLineBytes) plus one chunk in memory.
import type { IngestWarning } from '../../shared/types.ts';

export interface TextLine {
  /** Decoded line without its line ending (and without NUL characters). */
  text: string;
  /** 1-based physical line number. */
  line: number;
  /** Byte offset of the line start in the file (line 1 starts after a BOM, if any). */
  offset: number;
}

export interface ReadLinesOptions {
  /** A line longer than this (in bytes) is skipped with one warning. Default 1 MiB. */
  maxLineBytes?: number;
}

export type LineWarn = (w: Omit<IngestWarning, 'file'>) => void;

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

const DEFAULT_MAX_LINE = 1024 * 1024;
const LF = 0x0a;

/** Detects the encoding from a byte-order mark; returns the encoding and the BOM length. */
export function detectBom(head: Uint8Array): { encoding: TextEncoding; bomLength: number } {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  return { encoding: 'utf-8', bomLength: 0 };
}

const utf16beDecoder = new TextDecoder('utf-16be', { ignoreBOM: true });

function decode(buf: Buffer, start: number, end: number, enc: TextEncoding): string {
  if (enc === 'utf-8') return buf.toString('utf8', start, end);
  if (enc === 'utf-16le') return buf.toString('utf16le', start, end);
  return utf16beDecoder.decode(buf.subarray(start, end));
}

/** Index of the next line feed at or after `from` (for UTF-16: start of the aligned LF code unit), or -1. */
function findLf(buf: Buffer, from: number, enc: TextEncoding, bufBase: number): number {
  if (enc === 'utf-8') return buf.indexOf(LF, from);
  // code units sit at even absolute offsets (the 2-byte BOM is at 0)
  for (let i = buf.indexOf(LF, from); i >= 0; i = buf.indexOf(LF, i + 1)) {
    const odd = ((bufBase + i) & 1) === 1;
    if (enc === 'utf-16le' && !odd && buf[i + 1] === 0) return i;
    if (enc === 'utf-16be' && odd && buf[i - 1] === 0) return i - 1;
  }
  return -1;
}

function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** Re-chunks so the first chunk holds at least 4 bytes (enough to see any BOM), unless the input is shorter. */
async function* withHead(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Buffer> {
  let head: Buffer[] = [];
  let headLen = 0;
  for await (const c of chunks) {
    if (c.byteLength === 0) continue;
    if (headLen < 4) {
      head.push(asBuffer(c));
      headLen += c.byteLength;
      if (headLen < 4) continue;
      yield head.length === 1 ? head[0] : Buffer.concat(head);
      head = [];
      continue;
    }
    yield asBuffer(c);
  }
  if (headLen > 0 && headLen < 4) yield Buffer.concat(head);
}

/** State of one file being split into lines. */
class LineSplitter {
  private encoding: TextEncoding = 'utf-8';
  private unit = 1;
  private started = false;
  private pending: Buffer | null = null;
  /** Absolute offset of the first byte of `pending` (or of the next chunk when nothing is pending). */
  private base = 0;
  private lineNo = 1;
  private skipping = false;
  private nulWarned = false;

  constructor(private readonly max: number, private readonly warn: LineWarn) {}

  /** Splits one chunk; returns the complete lines it finished. */
  push(chunk: Buffer): TextLine[] {
    let start = 0;
    if (!this.started) {
      this.started = true;
      const { encoding, bomLength } = detectBom(chunk);
      this.encoding = encoding;
      this.unit = encoding === 'utf-8' ? 1 : 2;
      start = bomLength;
      this.base = 0;
    }
    const out: TextLine[] = [];
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    // bufBase: absolute offset of buf[0]
    const bufBase = this.base;
    if (this.skipping) {
      const lf = findLf(buf, start, this.encoding, bufBase);
      if (lf < 0) {
        this.skipRest(buf, bufBase);
        return out;
      }
      this.skipping = false;
      this.lineNo++;
      start = lf + this.unit;
    }
    let pos = start;
    for (let lf = findLf(buf, pos, this.encoding, bufBase); lf >= 0; lf = findLf(buf, pos, this.encoding, bufBase)) {
      this.emit(buf, pos, lf, bufBase, out);
      pos = lf + this.unit;
      this.lineNo++;
    }
    this.base = bufBase + pos;
    if (buf.length - pos > this.max) {
      this.warnTooLong(bufBase + pos);
      this.skipping = true;
      this.skipRest(buf, bufBase);
    } else if (pos < buf.length) {
      // copy: the caller may reuse its chunk buffers
      this.pending = Buffer.from(buf.subarray(pos));
    }
    return out;
  }

  /** Drops the buffer while skipping a long line, keeping a UTF-16 code unit's first byte that may start the LF. */
  private skipRest(buf: Buffer, bufBase: number): void {
    const keep = Math.min(this.unit - 1, buf.length);
    this.pending = keep > 0 ? Buffer.from(buf.subarray(buf.length - keep)) : null;
    this.base = bufBase + buf.length - keep;
  }

  /** Flushes a last line that had no line ending. */
  end(): TextLine[] {
    const out: TextLine[] = [];
    if (this.pending && !this.skipping) this.emit(this.pending, 0, this.pending.length, this.base, out);
    this.pending = null;
    return out;
  }

  private emit(buf: Buffer, start: number, end: number, bufBase: number, out: TextLine[]): void {
    const offset = bufBase + start;
    if (end - start > this.max) {
      this.warnTooLong(offset);
      return;
    }
    // UTF-8: a CR before the LF is left out of the bytes decoded (no second string per CRLF line); one byte 13 is always a CR
    const cut = this.unit === 1 && end > start && buf[end - 1] === 13 ? end - 1 : end;
    let text = decode(buf, start, cut, this.encoding);
    if (cut === end && text.length > 0 && text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    if (text.includes('\0')) {
      // exact byte offset: for UTF-8 from the bytes (replacement characters change lengths), for UTF-16 by code units
      const at = this.unit === 1 ? bufBase + buf.indexOf(0, start) : offset + text.indexOf('\0') * 2;
      text = this.dropNuls(text, at);
    }
    out.push({ text, line: this.lineNo, offset });
  }

  private dropNuls(text: string, at: number): string {
    if (!this.nulWarned) {
      this.nulWarned = true;
      this.warn({ line: this.lineNo, offset: at, message: `binary content: NUL byte at offset ${at} (line ${this.lineNo}); NUL bytes are dropped from lines` });
    }
    return text.replaceAll('\0', '');
  }

  private warnTooLong(offset: number): void {
    this.warn({ line: this.lineNo, offset, message: `line ${this.lineNo} at offset ${offset} is longer than ${this.max} bytes; skipped` });
  }
}

/** Yields the lines of a text file in batches (one batch per input chunk, possibly empty batches omitted). */
export async function* readLineBatches(
  chunks: AsyncIterable<Uint8Array>,
  opts: ReadLinesOptions = {},
  onWarn: LineWarn = () => {},
): AsyncIterable<TextLine[]> {
  const splitter = new LineSplitter(opts.maxLineBytes ?? DEFAULT_MAX_LINE, onWarn);
  for await (const chunk of withHead(chunks)) {
    const batch = splitter.push(chunk);
    if (batch.length > 0) yield batch;
  }
  const last = splitter.end();
  if (last.length > 0) yield last;
}

/** Yields the lines of a text file one by one. */
export async function* readLines(
  chunks: AsyncIterable<Uint8Array>,
  opts: ReadLinesOptions = {},
  onWarn: LineWarn = () => {},
): AsyncIterable<TextLine> {
  for await (const batch of readLineBatches(chunks, opts, onWarn)) yield* batch;
}
