// Reads one evidence file once: the same chunks feed the three hashers, the classifier and the file's parser.
import fs from 'node:fs/promises';
import type { FileKind, IngestWarning, ParseOutcome } from '../../shared/types.ts';
import { eventToRow, type EventRowTuple } from '../case/write.ts';
import { classify } from './classify.ts';
import { openEvidence } from './evidence-open.ts';
import { MultiHasher, type FileHashes } from './hash.ts';
import { parserFor } from './sources/index.ts';

const CHUNK = 1 << 20;
const BATCH = 2000;
const LOG_NAME = /\.(log|txt|csv)$/i;

export interface ParseFileSink {
  rows(rows: EventRowTuple[]): Promise<void> | void;
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
  constructor(private readonly fh: fs.FileHandle, private readonly onBytes: (n: number) => void) {}

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
    const chunk = await readChunk(this.fh);
    if (!chunk) { this.ended = true; return { done: true, value: undefined }; }
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

async function readChunk(fh: fs.FileHandle): Promise<Uint8Array | null> {
  const buf = Buffer.allocUnsafe(CHUNK);
  const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
  return bytesRead === 0 ? null : buf.subarray(0, bytesRead);
}

export async function parseFile(task: { abs: string; rel: string; host?: string }, sink: ParseFileSink, signal?: AbortSignal): Promise<ParseFileResult> {
  let fh: fs.FileHandle;
  try {
    fh = await openEvidence(task.abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    sink.warn({ file: task.rel, message: `file not readable (${code}): not hashed or parsed — run as a user that can read it` });
    return { kind: 'other', parser: null, hashes: null, bytes: 0, events: 0, error: code };
  }
  let bytes = 0;
  let events = 0;
  try {
    const src = new ChunkSource(fh, (n) => { bytes += n; sink.progress(n); });
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
      let batch: EventRowTuple[] = [];
      try {
        const ctx = {
          warn: (w: Omit<IngestWarning, 'file'> & { file?: string }) => sink.warn({ ...w, file: w.file ?? task.rel }),
          signal,
          outcome: (o: ParseOutcome) => { outcome = o; },
        };
        for await (const ev of entry.parse({ rel: task.rel, chunks: src.iterable(), host: task.host }, ctx)) {
          batch.push(eventToRow(ev));
          events++;
          if (batch.length >= BATCH) { await sink.rows(batch); batch = []; }
          if (signal?.aborted) break;
        }
      } catch (e) {
        error = (e as Error).message ?? String(e);
        sink.warn({ file: task.rel, offset: bytes, message: `${entry.id} parser stopped: ${error} — events before this point are kept` });
      }
      if (batch.length) await sink.rows(batch);
    }
    if (signal?.aborted) return { kind, parser: entry?.id ?? null, hashes: null, bytes, events, error: 'cancelled' };
    await src.drain();
    return { kind, parser: entry?.id ?? null, hashes: src.hasher.digest(), bytes, events, error, ...(outcome ? { outcome } : {}) };
  } catch (e) {
    const msg = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    sink.warn({ file: task.rel, offset: bytes, message: `read error (${msg}): file only partly indexed` });
    return { kind: 'other', parser: null, hashes: null, bytes, events, error: msg };
  } finally {
    await fh.close();
  }
}
