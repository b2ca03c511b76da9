// Small helpers shared by the text-log parsers: capped warnings, cancellation, fast UTC time parsing.
import type { FieldValue, IngestWarning, TimelineEvent } from '../../../shared/types.ts';
import { readLineBatches, type TextLine } from '../lines.ts';
import type { ParseContext, SourceInput } from './types.ts';

export type Warn = (w: Omit<IngestWarning, 'file'>) => void;

/** Per-file warning budget: a garbage file must not flood the case with one warning per line. */
export const MAX_WARNINGS_PER_FILE = 100;

/** Wraps ctx.warn so at most `max` warnings are recorded for one file, then one summary at the end. */
export function cappedWarn(ctx: ParseContext, max = MAX_WARNINGS_PER_FILE): { warn: Warn; finish(): void } {
  let count = 0;
  return {
    warn(w) {
      count++;
      if (count <= max) ctx.warn(w);
    },
    finish() {
      if (count > max) ctx.warn({ message: `${count - max} further warnings for this file were suppressed (${count} in total)` });
    },
  };
}

export function throwIfAborted(ctx: ParseContext): void {
  if (ctx.signal?.aborted) throw ctx.signal.reason ?? new Error('aborted');
}

function digits(s: string, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return v;
}

/** A run of 1–15 ASCII digits as its number; NaN for anything else (Number() reads it then). */
function digitsIn(s: string, from: number, to: number): number {
  if (to - from > 15) return NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/** A numeric column's value from `s` between `from` and `to`: the number, or the text when Number() reads none from it. */
export function numberIn(s: string, from: number, to: number): FieldValue {
  const n = digitsIn(s, from, to);
  if (!Number.isNaN(n)) return n;
  const raw = s.slice(from, to);
  const m = Number(raw);
  return Number.isFinite(m) ? m : raw;
}

const dayCache = new Map<string, number>();

/** `YYYY-MM-DD` → ms since epoch at 00:00 UTC, NaN when malformed. Cached: log files repeat the same few dates. */
export function utcDayMs(date: string): number {
  const hit = dayCache.get(date);
  if (hit !== undefined) return hit;
  let ms = NaN;
  if (date.length === 10 && date.charCodeAt(4) === 45 && date.charCodeAt(7) === 45) {
    const y = digits(date, 0, 4), m = digits(date, 5, 2), d = digits(date, 8, 2);
    if (m >= 1 && m <= 12 && d >= 1 && d <= 31) ms = Date.UTC(y, m - 1, d);
  }
  if (dayCache.size > 10000) dayCache.clear();
  dayCache.set(date, ms);
  return ms;
}

/** `HH:MM:SS[.fffffff]` → microseconds since midnight, NaN when malformed. */
export function timeOfDayMicros(time: string, from = 0): number {
  if (time.length < from + 8 || time.charCodeAt(from + 2) !== 58 || time.charCodeAt(from + 5) !== 58) return NaN;
  const h = digits(time, from, 2), mi = digits(time, from + 3, 2), s = digits(time, from + 6, 2);
  if (!(h <= 23 && mi <= 59 && s <= 60)) return NaN;
  let us = ((h * 60 + mi) * 60 + s) * 1e6;
  if (time.length > from + 8 && time.charCodeAt(from + 8) === 46) {
    let frac = 0, scale = 1e5, i = from + 9;
    for (; i < time.length; i++) {
      const d = time.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      if (scale >= 1) { frac += d * scale; scale /= 10; }
    }
    us += Math.floor(frac);
    if (i !== time.length && time.charCodeAt(i) !== 90) return NaN;
  } else if (time.length > from + 8 && !(time.length === from + 9 && time.charCodeAt(from + 8) === 90)) {
    return NaN;
  }
  return us;
}

/** The date part of the last ISO time read, and its day: consecutive lines share it (no slice per line). */
let lastIsoDate = '';
let lastIsoDay = NaN;

/** `YYYY-MM-DDTHH:MM:SS[.fffffff][Z]` (UTC) → microseconds; NaN when malformed. */
export function isoUtcMicros(s: string): number {
  if (s.length < 19 || (s.charCodeAt(10) !== 84 && s.charCodeAt(10) !== 32)) return NaN;
  if (!s.startsWith(lastIsoDate) || lastIsoDate.length !== 10) { lastIsoDate = s.slice(0, 10); lastIsoDay = utcDayMs(lastIsoDate); }
  const day = lastIsoDay;
  const tod = timeOfDayMicros(s, 11);
  return day * 1000 + tod;
}

/** What a line-oriented format supplies: a handler per line and an optional flush at end of file. */
export interface LineHandler {
  line(l: TextLine): TimelineEvent | TimelineEvent[] | null;
  end?(): TimelineEvent | null;
}

/** A parser's events, which it may also hand over a run at a time (parse-file takes them so: no await per event). */
export const EVENT_RUNS = Symbol('loupe.eventRuns');
export type EventRuns = AsyncIterable<TimelineEvent> & { [EVENT_RUNS]?: () => AsyncIterable<TimelineEvent[]> };

/** Events per run at most (a run is made from one chunk of lines; this bounds how many are alive at once). */
const RUN_EVENTS = 256;

/** Runs a line-oriented format over one input: line reading, capped warnings and cancellation in one place. */
export function parseLinesWith(input: SourceInput, ctx: ParseContext, makeHandler: (warn: Warn) => LineHandler): EventRuns {
  const runs = (): AsyncIterable<TimelineEvent[]> => lineEventRuns(input, ctx, makeHandler);
  return {
    [EVENT_RUNS]: runs,
    async *[Symbol.asyncIterator]() {
      for await (const run of runs()) yield* run;
    },
  };
}

async function* lineEventRuns(input: SourceInput, ctx: ParseContext, makeHandler: (warn: Warn) => LineHandler): AsyncIterable<TimelineEvent[]> {
  const capped = cappedWarn(ctx);
  const handler = makeHandler(capped.warn);
  for await (const batch of readLineBatches(input.chunks, {}, capped.warn)) {
    throwIfAborted(ctx);
    let run: TimelineEvent[] = [];
    try {
      for (const l of batch) {
        const out = handler.line(l);
        if (out === null) continue;
        if (Array.isArray(out)) run.push(...out);
        else run.push(out);
        if (run.length >= RUN_EVENTS) { yield run; run = []; }
      }
    } catch (e) {
      // the events before a parser error are kept, as when they were handed over one by one
      if (run.length) yield run;
      throw e;
    }
    if (run.length) yield run;
  }
  const last = handler.end?.() ?? null;
  if (last) yield [last];
  capped.finish();
}
