// A streaming reader of the JSON objects in a file, whatever its layout: one JSON array of objects (written on one
// line of any length, or pretty-printed), JSON lines, or objects simply written one after the other. It scans bytes
// (every structural character is ASCII, so UTF-8 text never confuses it), holds one object at a time, and reports
// each object's 1-based line and byte offset. A broken object becomes a warning; reading goes on at the next one.
import type { Warn } from '../util.ts';

export interface JsonObjectAt { value: Record<string, unknown>; line: number; offset: number }

/** An object larger than this is skipped with a warning (one detection is a few kB). */
const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

const LF = 0x0a, QUOTE = 0x22, BACKSLASH = 0x5c, OPEN = 0x7b, CLOSE = 0x7d, OPEN_ARR = 0x5b, CLOSE_ARR = 0x5d;
const SEPARATORS = new Set([0x20, 0x09, 0x0d, LF, 0x2c, OPEN_ARR, CLOSE_ARR]);

/** Scanner state across chunks. */
class Splitter {
  depth = 0;
  inString = false;
  escaped = false;
  line = 1;
  offset = 0;
  start: { line: number; offset: number } | null = null;
  parts: Uint8Array[] = [];
  size = 0;
  oversized = false;
  junk: { line: number; offset: number } | null = null;

  constructor(private readonly warn: Warn) {}

  /** The objects completed in this chunk. */
  push(chunk: Uint8Array): JsonObjectAt[] {
    const out: JsonObjectAt[] = [];
    let from = this.depth > 0 ? 0 : -1;
    for (let i = 0; i < chunk.length; i++, this.offset++) {
      const b = chunk[i];
      if (this.depth === 0) {
        if (b === OPEN) { this.open(); from = i; this.depth = 1; } else if (!SEPARATORS.has(b)) this.junk ??= { line: this.line, offset: this.offset };
        else if (b === LF || b === OPEN_ARR || b === CLOSE_ARR) this.flushJunk();
      } else if (this.inString) {
        if (b === LF) { this.broken(); from = -1; } // JSON strings hold no raw line break: a cut line, resync on the next
        else if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
      } else if (b === QUOTE) this.inString = true;
      else if (b === OPEN) this.depth++;
      else if (b === CLOSE && --this.depth === 0) {
        this.keep(chunk.subarray(from, i + 1));
        const o = this.close();
        if (o) out.push(o);
        from = -1;
      }
      if (b === LF) this.line++;
    }
    if (this.depth > 0 && from >= 0) this.keep(chunk.subarray(from));
    return out;
  }

  end(): void {
    this.flushJunk();
    if (this.start) this.warn({ ...this.start, message: 'JSON object not closed at end of file (truncated?); object skipped' });
  }

  private open(): void {
    this.flushJunk();
    this.start = { line: this.line, offset: this.offset };
    this.parts = []; this.size = 0; this.oversized = false;
  }

  private keep(bytes: Uint8Array): void {
    if (this.oversized) return;
    this.size += bytes.length;
    if (this.size > MAX_OBJECT_BYTES) { this.oversized = true; this.parts = []; return; }
    this.parts.push(Uint8Array.from(bytes));
  }

  private close(): JsonObjectAt | null {
    const at = this.start!;
    this.start = null;
    this.inString = false; this.escaped = false;
    if (this.oversized) { this.warn({ ...at, message: `JSON object larger than ${MAX_OBJECT_BYTES} bytes; object skipped` }); return null; }
    const text = Buffer.concat(this.parts).toString('utf8');
    this.parts = [];
    try {
      return { value: JSON.parse(text) as Record<string, unknown>, ...at };
    } catch (e) {
      this.warn({ ...at, message: `not valid JSON (${(e as Error).message}); object skipped` });
      return null;
    }
  }

  private broken(): void {
    this.warn({ ...this.start!, message: 'JSON object broken by a line break inside a string (a cut line?); object skipped' });
    this.start = null; this.parts = []; this.depth = 0; this.inString = false; this.escaped = false;
  }

  private flushJunk(): void {
    if (this.junk) this.warn({ ...this.junk, message: 'text outside any JSON object; skipped' });
    this.junk = null;
  }
}

/** The top-level objects of a JSON file (those inside a top-level array count as top-level). */
export async function* jsonObjects(chunks: AsyncIterable<Uint8Array>, warn: Warn): AsyncIterable<JsonObjectAt[]> {
  const s = new Splitter(warn);
  let first = true;
  for await (let chunk of chunks) {
    if (first && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) { chunk = chunk.subarray(3); s.offset = 3; }
    first = false;
    const batch = s.push(chunk);
    if (batch.length) yield batch;
  }
  s.end();
}
