// Reads one evidence file once: the same chunks feed the three hashers, the classifier and the file's parser.
import fs from 'node:fs/promises';
import type { FileKind, IngestWarning, ParseOutcome, TimelineEvent } from '../../shared/types.ts';
import { BatchWriter, type EventBatch } from '../case/event-batch.ts';
import { EventEncoder } from '../case/event-encoder.ts';
import { classify } from './classify.ts';
import { NotRegularFileError, openEvidence } from './evidence-open.ts';
import { MultiHasher, type FileHashes } from './hash.ts';
import { parserFor } from './sources/index.ts';
import { EVENT_RUNS, type EventRuns } from './sources/util.ts';

const CHUNK = 1 << 20;
/** A batch goes to the writer at this many events or bytes, whichever comes first. */
const BATCH_ROWS = 4096;
const BATCH_BYTES = 2 << 20;
const LOG_NAME = /\.(log|txt|csv)$/i;

export interface ParseFileSink {
  batch(batch: EventBatch): Promise<void> | void;
  warn(w: IngestWarning): void;
  progress(bytes: number): void;
}

export interface ParseFileResult {
  kind: FileKind;
  parser: string | null;
  hashes: FileHashes | null;
  bytes: number;
  events: number;
  error: string | null;
  /** What the parser says it made of the file (EVTX: records read, recovered, unreadable), when it says. */
  outcome?: ParseOutcome;
}

/** Pulls chunks from an open file, hashing each one; the parser sees an iterator whose early return does not stop the read. */
class ChunkSource {
  readonly hasher = new MultiHasher();
  private ended = false;
  private pending: Uint8Array | null = null;
  private read = 0;
  /** limit: the size the open file had; a file that grows while it is read is read (and hashed) only that far. */
  constructor(private readonly fh: fs.FileHandle, private readonly onBytes: (n: number) => void, private readonly limit: number) {}

  /** Reads (and hashes) the first chunk for classification; the parser still receives it first. */
  async head(): Promise<Uint8Array> {
    const r = await this.next();
    if (r.done) return new Uint8Array(0);
    this.pending = r.value;
    return r.value;
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    if (this.pending) {
      const c = this.pending;
      this.pending = null;
      return { done: false, value: c };
    }
    if (this.ended) return { done: true, value: undefined };
    const chunk = await readChunk(this.fh, Math.min(CHUNK, this.limit - this.read));
    if (!chunk) { this.ended = true; return { done: true, value: undefined }; }
    this.read += chunk.length;
    this.hasher.update(chunk);
    this.onBytes(chunk.length);
    return { done: false, value: chunk };
  }

  iterable(): AsyncIterable<Uint8Array> {
    return { [Symbol.asyncIterator]: () => ({ next: () => this.next(), return: async () => ({ done: true, value: undefined }) }) };
  }

  async drain(): Promise<void> {
    this.pending = null;
    while (!(await this.next()).done) { /* hashing the rest */ }
  }
}

async function readChunk(fh: fs.FileHandle, max: number): Promise<Uint8Array | null> {
  if (max <= 0) return null;
  const buf = Buffer.allocUnsafe(max);
  const { bytesRead } = await fh.read(buf, 0, max, null);
  return bytesRead === 0 ? null : buf.subarray(0, bytesRead);
}

/** Hands each event to `take` (a run at a time when the parser offers runs), awaiting only the batches it sends. */
async function eachEvent(parsed: EventRuns, take: (ev: TimelineEvent) => Promise<void> | void, signal?: AbortSignal): Promise<void> {
  const runs = parsed[EVENT_RUNS];
  if (!runs) {
    for await (const ev of parsed) {
      const sent = take(ev);
      if (sent) await sent;
      if (signal?.aborted) return;
    }
    return;
  }
  for await (const run of runs()) {
    for (const ev of run) {
      const sent = take(ev);
      if (sent) await sent;
      if (signal?.aborted) return;
    }
  }
}

type Stat = { size: number; mtime: number };
const statOf = async (fh: fs.FileHandle): Promise<Stat> => {
  const st = await fh.stat({ bigint: true });
  return { size: Number(st.size), mtime: Number(st.mtimeNs / 1000n) };
};

/** A file written to while Loupe listed and read it: say what was hashed, so nobody mistakes it for the file now. */
function changedWhileRead(listed: Partial<Stat>, opened: Stat, after: Stat, hashed: number): string | null {
  const moved = [listed.size, opened.size, after.size].some((n) => n !== undefined && n !== hashed)
    || [listed.mtime, after.mtime].some((t) => t !== undefined && t !== opened.mtime);
  if (!moved) return null;
  return `file changed while it was read (listed ${listed.size ?? '?'} bytes, ${after.size} bytes now; modified time ${listed.mtime === after.mtime ? 'unchanged' : 'changed'}): `
    + `the hash and events cover the first ${hashed} bytes, and the manifest records that size`;
}

export async function parseFile(task: { abs: string | Uint8Array; rel: string; host?: string; size?: number; mtime?: number }, sink: ParseFileSink, signal?: AbortSignal): Promise<ParseFileResult> {
  let fh: fs.FileHandle;
  try {
    fh = await openEvidence(typeof task.abs === 'string' ? task.abs : Buffer.from(task.abs));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    const why = e instanceof NotRegularFileError ? e.message : `file not readable (${code}): not hashed or parsed — run as a user that can read it`;
    sink.warn({ file: task.rel, message: why });
    return { kind: 'other', parser: null, hashes: null, bytes: 0, events: 0, error: code };
  }
  let bytes = 0;
  let events = 0;
  try {
    const opened = await statOf(fh);
    const src = new ChunkSource(fh, (n) => { bytes += n; sink.progress(n); }, opened.size);
    const head = await src.head();
    const kind = classify(task.rel, head);
    if (kind === 'binary' && LOG_NAME.test(task.rel)) {
      const nul = head.indexOf(0);
      sink.warn({ file: task.rel, offset: Math.max(0, nul), message: `named like a log but holds binary data (NUL byte at offset ${nul}): hashed, not parsed` });
    }
    const entry = parserFor(kind);
    let error: string | null = null;
    let outcome: ParseOutcome | undefined;
    if (entry) {
      const out = new BatchWriter(BATCH_BYTES + (64 << 10));
      const encoder = new EventEncoder(out);
      try {
        const ctx = {
          warn: (w: Omit<IngestWarning, 'file'> & { file?: string }) => sink.warn({ ...w, file: w.file ?? task.rel }),
          signal,
          outcome: (o: ParseOutcome) => { outcome = o; },
        };
        /** Encodes one event; a full batch goes out (awaited: the worker's flow control). */
        const take = (ev: TimelineEvent): Promise<void> | void => {
          encoder.push(ev);
          events++;
          if (out.rows >= BATCH_ROWS || out.bytes >= BATCH_BYTES) return sink.batch(out.finish());
        };
        await eachEvent(entry.parse({ rel: task.rel, chunks: src.iterable(), host: task.host }, ctx), take, signal);
      } catch (e) {
        error = (e as Error).message ?? String(e);
        sink.warn({ file: task.rel, offset: bytes, message: `${entry.id} parser stopped: ${error} — events before this point are kept` });
      }
      encoder.flush();
      if (out.rows) await sink.batch(out.finish());
    }
    if (signal?.aborted) return { kind, parser: entry?.id ?? null, hashes: null, bytes, events, error: 'cancelled' };
    await src.drain();
    const changed = changedWhileRead({ size: task.size, mtime: task.mtime }, opened, await statOf(fh), bytes);
    if (changed) sink.warn({ file: task.rel, offset: bytes, message: changed });
    return { kind, parser: entry?.id ?? null, hashes: src.hasher.digest(), bytes, events, error, ...(outcome ? { outcome } : {}) };
  } catch (e) {
    const msg = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    sink.warn({ file: task.rel, offset: bytes, message: `read error (${msg}): file only partly indexed` });
    return { kind: 'other', parser: null, hashes: null, bytes, events, error: msg };
  } finally {
    await fh.close();
  }
}
