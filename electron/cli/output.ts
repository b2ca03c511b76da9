// Where the CLI writes: stdout for results, stderr for messages. A reader that goes away (`| head`) is not an error:
// output stops quietly and listings end early. Writes wait for the stream, so memory stays flat however much is printed.
import { displayText } from '../../shared/display.ts';

/** Errors that mean the reader is gone (closed pipe, closed descriptor). */
const GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END', 'EBADF', 'ECONNRESET']);
export const isReaderGone = (e: unknown): boolean => GONE.has((e as NodeJS.ErrnoException | null)?.code ?? '');

export class Output {
  /** True once the reader has gone away; listings check it and stop. */
  closed = false;

  constructor(private readonly stream: NodeJS.WriteStream) {
    // Without a listener a closed pipe would be an unhandled 'error' event (a stack trace).
    stream.on('error', (e) => {
      if (isReaderGone(e)) this.closed = true;
    });
  }

  /** Writes and waits until the stream has taken the text (backpressure); false once the reader has gone. */
  write(text: string): Promise<boolean> {
    if (this.closed || !text) return Promise.resolve(!this.closed);
    return new Promise((resolve) => {
      try {
        this.stream.write(text, (e) => {
          if (e && isReaderGone(e)) this.closed = true;
          resolve(!this.closed);
        });
      } catch (e) {
        if (!isReaderGone(e)) throw e;
        this.closed = true;
        resolve(false);
      }
    });
  }

  /** Our own text or JSON, written exactly. */
  line(s: string): Promise<boolean> { return this.write(s + '\n'); }

  /**
   * One human-readable line that may carry evidence text (names, log lines, titles): it cannot move the cursor, erase
   * a line or start a new one; control characters show as \x1b, bidi overrides as ⟨U+202E⟩.
   */
  say(s: string): Promise<boolean> { return this.write(displayText(s) + '\n'); }
}

export type ListFormat = 'text' | 'json' | 'jsonl';

export interface RowWriter<T> {
  /** One row as a line of text (no newline), or several lines of our own (each escaped on its own). */
  text: (row: T) => string | string[];
  /** One row as the object printed by --json / --jsonl. */
  json: (row: T) => unknown;
}

/**
 * Prints every row of every page: text lines, one JSON array (one element per line), or JSON Lines. Returns the
 * number of rows printed; stops early (without error) when the reader goes away.
 */
export async function printRows<T>(out: Output, format: ListFormat, pages: AsyncIterable<T[]>, w: RowWriter<T>): Promise<number> {
  let n = 0;
  if (format === 'json' && !(await out.write('['))) return 0;
  for await (const page of pages) {
    let chunk = '';
    for (const row of page) {
      if (format === 'text') for (const line of [w.text(row)].flat()) chunk += displayText(line) + '\n';
      else chunk += (format === 'json' ? (n ? ',\n' : '\n') : '') + JSON.stringify(w.json(row)) + (format === 'jsonl' ? '\n' : '');
      n++;
    }
    if (!(await out.write(chunk))) return n;
  }
  if (format === 'json') await out.write(n ? '\n]\n' : ']\n');
  return n;
}

/** An array as one page, for listings that the service returns whole. */
export async function* onePage<T>(rows: T[]): AsyncGenerator<T[]> {
  if (rows.length) yield rows;
}
