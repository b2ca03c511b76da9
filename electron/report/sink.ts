// Output files written through a stream with backpressure: a writer awaits 'drain' instead of buffering everything.
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';

export interface Sink {
  /** Writes one record (a string for text sinks, an array of cells for CSV sinks), waiting when the stream is full. */
  write(record: unknown): Promise<void>;
  /** Ends the stream and resolves with the bytes written once the file is flushed. */
  close(): Promise<number>;
}

async function writeWithBackpressure(stream: Writable, record: unknown): Promise<void> {
  if (!stream.write(record)) await once(stream, 'drain');
}

function fileStream(outPath: string): fs.WriteStream {
  fs.mkdirSync(path.dirname(path.resolve(outPath)), { recursive: true });
  return fs.createWriteStream(outPath);
}

export function textSink(outPath: string): Sink {
  const out = fileStream(outPath);
  const done = once(out, 'finish');
  return {
    write: (record) => writeWithBackpressure(out, record),
    close: async () => { out.end(); await done; return out.bytesWritten; },
  };
}

export function csvSink(outPath: string, header: string[]): Sink {
  const out = fileStream(outPath);
  const csv = stringify({ header: true, columns: header, record_delimiter: 'windows', cast: { boolean: (b) => (b ? 'true' : 'false') } });
  const done = pipeline(csv, out);
  return {
    write: (record) => writeWithBackpressure(csv, record),
    close: async () => { csv.end(); await done; return out.bytesWritten; },
  };
}
