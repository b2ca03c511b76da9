// Parsers for option values. Each returns the typed value or throws a UsageError that names the option, shows what
// was given and says what to give instead.
import net from 'node:net';
import type { TimelineQuery, TimelineSort } from '../../shared/api.ts';
import { timelineQueryCheck } from '../validate.ts';
import { UsageError, dashed } from './options.ts';

const shown = (raw: string): string => JSON.stringify(raw);

/** A whole number in [min, max]; no signs, fractions, exponents or hex. */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER, example = '100', note = '') {
  return (raw: string, name: string): number => {
    const fix = `give a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}, e.g. ${dashed(name)} ${example}${note}`;
    if (!/^\d+$/.test(raw.trim())) throw new UsageError(`${dashed(name)} ${shown(raw)} is not a whole number: ${fix}`);
    const n = Number(raw.trim());
    if (n < min || n > max) throw new UsageError(`${dashed(name)} ${raw} is out of range: ${fix}`);
    return n;
  };
}

/** One of a fixed set of words (case-insensitive; the canonical spelling is returned). */
export function oneOf<T extends string>(choices: readonly T[]) {
  return (raw: string, name: string): T => {
    const hit = choices.find((c) => c.toLowerCase() === raw.trim().toLowerCase());
    if (!hit) throw new UsageError(`${dashed(name)} ${shown(raw)} is not one of the allowed values: ${choices.join(', ')}`);
    return hit;
  };
}

export function text(raw: string, name: string): string {
  if (!raw.trim()) throw new UsageError(`${dashed(name)} is empty: give it some text, or leave it out`);
  return raw;
}

export function ipAddress(raw: string, name: string): string {
  const ip = raw.trim();
  if (!net.isIP(ip)) throw new UsageError(`${dashed(name)} ${shown(raw)} is not an IPv4 or IPv6 address, e.g. ${dashed(name)} 165.232.154.116`);
  return ip;
}

export const httpStatus = wholeNumber(100, 999, '500');

export function hexHash(raw: string, name: string): string {
  const h = raw.trim().toLowerCase();
  if (!/^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/.test(h)) {
    throw new UsageError(`${dashed(name)} ${shown(raw)} is not an MD5, SHA-1 or SHA-256: give 32, 40 or 64 hex digits`);
  }
  return h;
}

export function ianaZone(raw: string, name: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: raw });
    return raw;
  } catch {
    throw new UsageError(`${dashed(name)} ${shown(raw)} is not an IANA time zone: e.g. ${dashed(name)} UTC or ${dashed(name)} Europe/Oslo`);
  }
}

/** `field=value` for exact field filters. */
export function fieldPair(raw: string, name: string): { field: string; value: string } {
  const i = raw.indexOf('=');
  if (i <= 0) throw new UsageError(`${dashed(name)} ${shown(raw)} is not FIELD=VALUE, e.g. ${dashed(name)} cs-method=POST`);
  return { field: raw.slice(0, i).trim(), value: raw.slice(i + 1) };
}

/** `COLUMN` or `COLUMN:asc|desc`: a column of the grid or any field, e.g. status:desc, cs-uri-stem. */
export function sortSpec(raw: string, name: string): TimelineSort {
  const m = /^([A-Za-z][\w.\-()]*?)(?::(asc|desc))?$/i.exec(raw.trim());
  if (!m) throw new UsageError(`${dashed(name)} ${shown(raw)} is not COLUMN[:asc|desc], e.g. ${dashed(name)} status:desc`);
  const field = m[1];
  return { field: /^time$/i.test(field) ? 'ts' : field, dir: (m[2]?.toLowerCase() ?? 'asc') as TimelineSort['dir'] };
}

export interface TimeArg {
  /** The instant the text names (µs since the epoch, UTC). */
  start: number;
  /** The end of the unit it names, exclusive: a date's next midnight, a minute's next minute, … */
  end: number;
  text: string;
}

const TIME_RE = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d\d:?\d\d)?$/i;

/**
 * An ISO-8601 date or date-time, UTC unless it carries an offset. `end` is the end of the unit written, so that a
 * date-only `--to 2021-03-08` takes in all of March 8 and `--to 10:15` all of that minute.
 */
export function isoTime(raw: string, name: string): TimeArg {
  const m = TIME_RE.exec(raw.trim());
  const fix = `give an ISO date or date-time, e.g. ${dashed(name)} 2021-03-02 or ${dashed(name)} 2021-03-02T10:15:00Z`;
  if (!m) throw new UsageError(`${dashed(name)} ${shown(raw)} is not a date or time: ${fix}`);
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0)] as const;
  const ms = Date.UTC(...parts);
  const back = new Date(ms);
  if (parts[0] < 1601 || back.getUTCMonth() !== parts[1] || back.getUTCDate() !== parts[2] || parts[3] > 23 || parts[4] > 59 || parts[5] > 59) {
    throw new UsageError(`${dashed(name)} ${shown(raw)} is not a real date or time: ${fix}`);
  }
  if (zone && !/^z$/i.test(zone)) {
    const z = /^([+-])(\d\d):?(\d\d)$/.exec(zone)!;
    if (Number(z[2]) > 23 || Number(z[3]) > 59) throw new UsageError(`${dashed(name)} ${shown(raw)} has a bad UTC offset: ${fix}`);
  }
  const offsetMin = zone && !/^z$/i.test(zone) ? (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2))) : 0;
  const micros = (frac ?? '').padEnd(6, '0').slice(0, 6);
  const start = (ms - offsetMin * 60_000) * 1000 + Number(micros);
  const unit = frac ? 10 ** Math.max(0, 6 - frac.length) : s !== undefined ? 1e6 : mi !== undefined ? 60e6 : 86_400e6;
  return { start, end: start + unit, text: raw.trim() };
}

/** A TimelineQuery in JSON (the Timeline view's filter), held to the same shape as the service's callers. */
export function timelineJson(raw: string, name: string): TimelineQuery {
  let v: unknown;
  try { v = JSON.parse(raw); } catch (e) { throw new UsageError(`${dashed(name)} is not JSON (${(e as Error).message}): give a TimelineQuery, e.g. ${dashed(name)} '{"text":"ip:165.232.154.116"}'`); }
  const problem = timelineQueryCheck(v, dashed(name));
  if (problem) throw new UsageError(problem);
  return v as TimelineQuery;
}
