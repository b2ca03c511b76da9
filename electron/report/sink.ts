// Output files written through a stream with backpressure: a writer awaits 'drain' instead of buffering everything.
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';

export interface Sink {
  /** Writes records (strings for text sinks, arrays of cells for CSV sinks), then waits while the stream is full. */
  write(...records: unknown[]): Promise<void>;
  /** Ends the stream and resolves with the bytes written once the file is flushed. */
  close(): Promise<number>;
}

/** Writes a batch (bounded by the caller: one page), then honours backpressure once for the batch. */
async function writeWithBackpressure(stream: Writable, records: unknown[]): Promise<void> {
  let ok = true;
  for (const r of records) ok = stream.write(r);
  if (!ok) await once(stream, 'drain');
}

function fileStream(outPath: string): fs.WriteStream {
  fs.mkdirSync(path.dirname(path.resolve(outPath)), { recursive: true });
  return fs.createWriteStream(outPath);
}

export function textSink(outPath: string): Sink {
  const out = fileStream(outPath);
  const done = once(out, 'finish');
  return {
    write: (...records) => writeWithBackpressure(out, records.length === 1 ? records : [records.join('')]),
    close: async () => { out.end(); await done; return out.bytesWritten; },
  };
}

export function csvSink(outPath: string, header: string[]): Sink {
  const out = fileStream(outPath);
  const csv = stringify({ header: true, columns: header, record_delimiter: 'windows', cast: { boolean: (b) => (b ? 'true' : 'false') } });
  const done = pipeline(csv, out);
  return {
    write: (...records) => writeWithBackpressure(csv, records),
    close: async () => { csv.end(); await done; return out.bytesWritten; },
  };
}
