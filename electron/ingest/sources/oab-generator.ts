// Exchange OABGenerator log parser (EP\Logging\OABGeneratorLog\*.LOG, free text lines).
//
// Count rule: ONE event per line that starts with a parseable timestamp. A line without a leading timestamp (a
// wrapped message or a stack trace) is a continuation: it is appended, after a line break, to the previous event's
// message, and that event's ref stays on its first line. Continuation lines before any timestamped line are warned
// about and skipped; `#` directive lines and empty lines are skipped.
// Accepted leading timestamps (UTC): `2021-03-03T02:15:30.123Z`, `2021-03-03 02:15:30[.fff]` and `3/3/2021 2:15:30 AM`,
// followed by a space, tab or comma, optionally then `<thread>,<level>,` (fields Thread and Level).
// The temp file path of a `Download failed and temporary file <path> needs to be removed` message (CVE-2021-26858)
// goes into fields.TempFilePath, without its surrounding quotes.
import type { FieldValue, TimelineEvent } from '../../../shared/types.ts';
import type { TextLine } from '../lines.ts';
import type { Parser, SourceInput } from './types.ts';
import { isoUtcMicros, parseLinesWith, type Warn } from './util.ts';

const ISO_LEAD = /^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?Z?)[\s,]+/;
const US_LEAD = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d\d):(\d\d)(?:\.(\d+))? ?(AM|PM)?[\s,]+/i;
const MAX_MESSAGE = 64 * 1024;
/** `<thread>,<level>,` after the timestamp, as in `2021-03-03T05:12:11.456Z,23,Error,Download failed …`. */
const THREAD_LEVEL = /^(\d+),(Information|Info|Warning|Error|Verbose|Debug|Critical),/;
const TEMP_FILE = /Download failed and temporary file (.*?) needs to be removed/;

/** Splits a leading timestamp off a line: `{ts, rest}`, or null when the line does not start with one. */
export function splitLeadingTime(text: string): { ts: number; rest: string } | null {
  const iso = ISO_LEAD.exec(text);
  if (iso) {
    const ts = isoUtcMicros(iso[1]);
    return Number.isNaN(ts) ? null : { ts, rest: text.slice(iso[0].length) };
  }
  const us = US_LEAD.exec(text);
  if (!us) return null;
  let hour = Number(us[4]);
  const ampm = us[8]?.toUpperCase();
  if (ampm === 'PM' && hour < 12) hour += 12;
  if (ampm === 'AM' && hour === 12) hour = 0;
  const ms = Date.UTC(Number(us[3]), Number(us[1]) - 1, Number(us[2]), hour, Number(us[5]), Number(us[6]));
  if (Number.isNaN(ms) || hour > 23) return null;
  const frac = Number((us[7] ?? '').padEnd(6, '0').slice(0, 6));
  return { ts: ms * 1000 + frac, rest: text.slice(us[0].length) };
}

/** The path from a "Download failed and temporary file <path> needs to be removed" message, unquoted; or null. */
export function tempFilePathOf(message: string): string | null {
  const m = TEMP_FILE.exec(message);
  if (!m) return null;
  return m[1].trim().replace(/^(['"])(.*)\1$/, '$2');
}

interface OpenEvent {
  ts: number;
  thread: number | null;
  level: string | null;
  message: string;
  line: number;
  offset: number;
  continuations: number;
}

function toEvent(o: OpenEvent, input: SourceInput): TimelineEvent {
  const fields: Record<string, FieldValue> = {
    Thread: o.thread,
    Level: o.level,
    Message: o.message,
    TempFilePath: tempFilePathOf(o.message),
    ContinuationLines: o.continuations,
  };
  const ev: TimelineEvent = {
    ts: o.ts, tsDesc: 'Logged', source: 'oab-generator', message: o.message, fields,
    ref: { file: input.rel, line: o.line, offset: o.offset },
  };
  if (input.host != null) ev.host = input.host;
  return ev;
}

/** Collects timestamped lines and their continuations into events (see the count rule at the top). */
class OabLines {
  private open: OpenEvent | null = null;

  constructor(private readonly input: SourceInput, private readonly warn: Warn) {}

  line(l: TextLine): TimelineEvent | null {
    if (l.text.length === 0 || l.text.charCodeAt(0) === 35 /* # */) return null;
    const lead = splitLeadingTime(l.text);
    if (lead) {
      const done = this.end();
      const tl = THREAD_LEVEL.exec(lead.rest);
      this.open = {
        ts: lead.ts, thread: tl ? Number(tl[1]) : null, level: tl ? tl[2] : null, message: tl ? lead.rest.slice(tl[0].length) : lead.rest,
        line: l.line, offset: l.offset, continuations: 0,
      };
      return done;
    }
    if (this.open) {
      // a runaway continuation (megabytes of stack trace) must not grow one message without bound
      if (this.open.message.length < MAX_MESSAGE) this.open.message += '\n' + l.text;
      this.open.continuations++;
    } else {
      this.warn({ line: l.line, offset: l.offset, message: 'line does not start with a timestamp and follows no timestamped line; skipped' });
    }
    return null;
  }

  end(): TimelineEvent | null {
    const done = this.open && toEvent(this.open, this.input);
    this.open = null;
    return done;
  }
}

export const parseOabGenerator: Parser = (input, ctx) => parseLinesWith(input, ctx, (warn) => new OabLines(input, warn));
