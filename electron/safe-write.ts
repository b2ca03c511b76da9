// Writes an output file so that the final name holds either the old file or the complete new one: the bytes go to
// a temporary file beside it, are flushed to disk, and only then renamed over the final name.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';

function tempBeside(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${crypto.randomBytes(4).toString('hex')}.partial`);
}

/** After a rename, the folder entry itself is flushed too (POSIX); Windows cannot open a folder for that. */
async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await fs.promises.open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

/** One output in progress: write to `stream`, then commit() or abort(). `target` is a real path (see write-target.ts). */
export class AtomicOutput {
  private done = false;
  private failure: Error | null = null;
  /** Rejects when a write fails (disk full): a writer waiting for 'drain' upstream must not wait forever. */
  readonly failed: Promise<never>;
  private constructor(readonly target: string, private readonly temp: string, readonly stream: fs.WriteStream) {
    // A failed write is kept for commit() to throw; unheard, it would end the process.
    this.failed = new Promise<never>((_, reject) => stream.on('error', (e) => { this.failure ??= e; reject(e); }));
    this.failed.catch(() => undefined);
  }

  static async create(target: string): Promise<AtomicOutput> {
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const temp = tempBeside(target);
    // 'wx': a fresh file, never an existing one or a link planted under the temporary name; flush: fsync before close.
    const stream = fs.createWriteStream(temp, { flags: 'wx', flush: true });
    const out = new AtomicOutput(target, temp, stream);
    await Promise.race([once(stream, 'ready'), once(stream, 'close')]);
    if (out.failure) { await out.abort(); throw out.failure; }
    return out;
  }

  /** Ends the stream (flushed to disk on close), renames it over the target; resolves with the bytes written. */
  async commit(): Promise<number> {
    try {
      if (this.failure) throw this.failure;
      if (!this.stream.closed) {
        const closed = once(this.stream, 'close');
        this.stream.end();
        await closed;
      }
      if (this.failure) throw this.failure;
      await fs.promises.rename(this.temp, this.target);
      this.done = true;
      await syncFolder(path.dirname(this.target));
      return this.stream.bytesWritten;
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /** Drops the temporary file; whatever was at the target stays as it was. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    if (!this.stream.closed) {
      const closed = once(this.stream, 'close').catch(() => undefined);
      this.stream.destroy();
      await closed;
    }
    await fs.promises.rm(this.temp, { force: true });
  }
}

/** Writes a whole buffer or string through a temporary file, fsync and rename. */
export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<number> {
  const out = await AtomicOutput.create(target);
  try {
    out.stream.write(data);
  } catch (e) {
    await out.abort();
    throw e;
  }
  return out.commit();
}
