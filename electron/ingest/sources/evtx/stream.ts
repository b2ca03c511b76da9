// The event stream of one EVTX file, as an async iterator written out by hand: events are handed out of a per-chunk
// buffer with one resolved promise each (an async generator's yield costs about three times as much, which showed at
// tens of thousands of records a second).
import type { TimelineEvent } from '../../../../shared/types.ts';
import type { ParseContext, SourceInput } from '../types.ts';
import { decodeChunk } from './chunk.ts';
import { EvtxFileTally } from './file.ts';
import { evtxChunks, type EvtxChunk, type EvtxWarn } from './records.ts';
import type { TemplateCache } from './templates.ts';
import { printable } from './values.ts';

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

export class EvtxEventStream implements AsyncIterator<TimelineEvent> {
  private readonly warn: EvtxWarn;
  private readonly chunks: AsyncGenerator<EvtxChunk>;
  private readonly tally = new EvtxFileTally();
  private buffer: TimelineEvent[] = [];
  private at = 0;
  private finished = false;

  constructor(private readonly input: SourceInput, private readonly ctx: ParseContext, private readonly templates: TemplateCache) {
    this.warn = (offset, message) => ctx.warn({ offset, message: `evtx: ${printable(message, 400)}` });
    this.chunks = evtxChunks(input.chunks, this.warn, ctx.signal);
  }

  next(): Promise<IteratorResult<TimelineEvent>> {
    if (this.at < this.buffer.length) return Promise.resolve({ value: this.buffer[this.at++], done: false });
    return this.refill();
  }

  async return(): Promise<IteratorResult<TimelineEvent>> {
    this.finished = true;
    this.buffer = [];
    await this.chunks.return(undefined);
    return DONE;
  }

  /** Decodes chunks until there are events to hand out, then the file's recovered records and outcome, then done. */
  private async refill(): Promise<IteratorResult<TimelineEvent>> {
    while (!this.finished) {
      const r = await this.chunks.next();
      if (r.done) { this.finish(); break; }
      const decoded = decodeChunk(r.value.bytes, r.value.base, this.input.rel, this.input.host, this.templates);
      for (const n of decoded.notes) this.warn(n.offset, n.message);
      const live = this.tally.add(decoded);
      const spilled = this.tally.overflow();
      this.fill(spilled.length ? [...live, ...spilled] : live);
      if (this.buffer.length) return { value: this.buffer[this.at++], done: false };
    }
    return this.at < this.buffer.length ? { value: this.buffer[this.at++], done: false } : DONE;
  }

  private fill(events: TimelineEvent[]): void {
    this.buffer = events;
    this.at = 0;
  }

  private finish(): void {
    this.finished = true;
    if (this.ctx.signal?.aborted) { this.fill([]); return; }
    this.fill(this.tally.finish());
    const w = this.tally.unreadableWarning();
    if (w) this.warn(w.offset, w.message);
    this.ctx.outcome?.(this.tally.outcome());
  }
}
