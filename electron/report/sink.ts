// Output files written through a stream with backpressure (a writer awaits 'drain' instead of buffering everything),
// into a temporary file that replaces the final name only once it is complete and on disk.
import { once } from 'node:events';
import { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { AtomicOutput } from '../safe-write.ts';

export interface Sink {
  /** Writes records (strings for text sinks, arrays of cells for CSV sinks), then waits while the stream is full. */
  write(...records: unknown[]): Promise<void>;
  /** Ends the stream, puts the file in place and resolves with the bytes written. */
  close(): Promise<number>;
  /** Drops what was written: the final name keeps whatever it held before. */
  abort(): Promise<void>;
}

/** Writes a batch (bounded by the caller: one page), then honours backpressure once for the batch. */
async function writeWithBackpressure(stream: Writable, records: unknown[], failed: Promise<never>): Promise<void> {
  let ok = true;
  for (const r of records) ok = stream.write(r);
  if (!ok) await Promise.race([once(stream, 'drain'), failed]);
}

export async function textSink(outPath: string): Promise<Sink> {
  const out = await AtomicOutput.create(outPath);
  return {
    write: (...records) => writeWithBackpressure(out.stream, records.length === 1 ? records : [records.join('')], out.failed),
    close: () => out.commit(),
    abort: () => out.abort(),
  };
}

/** Cells a spreadsheet would run as a formula (OWASP CSV injection: = + - @ TAB CR at the start). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** OWASP's neutralisation: a leading apostrophe makes Excel and Timeline Explorer show the cell as text. */
export const neutraliseCell = (v: string): string => (FORMULA_START.test(v) ? `'${v}` : v);

export interface CsvOptions {
  /** Keep cells exactly as they are (no apostrophe before a leading = + - @ TAB CR). */
  rawCells?: boolean;
}

export async function csvSink(outPath: string, header: string[], opts: CsvOptions = {}): Promise<Sink> {
  const out = await AtomicOutput.create(outPath);
  const csv = stringify({
    header: true, columns: header, record_delimiter: 'windows',
    // A bare CR or LF inside a cell is quoted too (csv-stringify only quotes the full CRLF delimiter by itself).
    quoted_match: /[\r\n]/,
    cast: { boolean: (b) => (b ? 'true' : 'false'), ...(opts.rawCells ? {} : { string: neutraliseCell }) },
  });
  // The file stream stays open when the CSV ends: commit() ends it, flushes it and renames it.
  csv.pipe(out.stream, { end: false });
  const ended = once(csv, 'end');
  ended.catch(() => undefined);
  return {
    write: (...records) => writeWithBackpressure(csv, records, out.failed),
    close: async () => { csv.end(); await Promise.race([ended, out.failed]); return out.commit(); },
    abort: async () => { csv.destroy(); await out.abort(); },
  };
}
