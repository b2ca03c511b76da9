// Web access logs in the NCSA common / combined format (Apache httpd, nginx, Tomcat's AccessLogValve, reverse proxies in
// front of Exchange): `host ident user [dd/Mon/yyyy:HH:MM:SS ±zzzz] "request" status bytes ["referer" "user agent"]`.
// One 'Request' event per line, with the IIS field names (c-ip, cs-method, cs-uri-stem, cs-uri-query, sc-status,
// cs(User-Agent) …) so searches, filters and the request checks read both alike. Times carry their own offset and are
// stored in UTC. A request line that is not "METHOD target PROTOCOL" (a TLS handshake sent to the HTTP port, NUL
// bytes) is kept whole in `request`, escaped by the display like any other text.
import type { FieldValue, TimelineEvent } from '../../../shared/types.ts';
import type { TextLine } from '../lines.ts';
import { IIS_TEMPLATE, renderMessageAt, templatePositions } from './message-templates.ts';
import { PackedEvent, positionMap } from './packed.ts';
import type { Parser, SourceInput } from './types.ts';
import { parseLinesWith, type Warn } from './util.ts';

/**
 * host ident user [time] "request" status bytes, then optionally "referer" "user agent" and anything a custom format
 * adds. Tomcat writes a `"` inside the request unescaped: a quote closes the request only before ` status bytes`.
 */
export const ACCESS_LINE = /^(\S+) (\S+) (\S+) \[(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.\d+)? ([+-])(\d{2})(\d{2})\] "((?:[^"\\]|\\.|"(?! (?:\d{3}|-) (?:\d+|-)(?:$| )))*)" (\d{3}|-) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(?: (.*))?$/;

/** Times before 1970-01-02 UTC are a server's "no time", not a request of 1970. */
const EPOCH_DAY = 86_400_000_000;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

export const ACCESS_FIELDS = [
  'c-ip', 'ident', 'cs-username', 'request', 'cs-method', 'cs-uri-stem', 'cs-uri-query', 'cs-version', 'sc-status', 'sc-bytes',
  'cs(Referer)', 'cs(User-Agent)', 'extra', 'time-zone',
] as const;
const MSG_AT = templatePositions(IIS_TEMPLATE, positionMap(ACCESS_FIELDS));

const dash = (v: string | undefined): string | null => (v === undefined || v === '-' || v === '' ? null : v);

/** `\"` and `\\` as Apache writes them inside quoted fields; other escapes (\xhh) stay as written. */
const unquote = (v: string | undefined): string | null => dash(v?.replace(/\\(["\\])/g, '$1'));

/** Microseconds UTC from the bracketed local time and its offset; NaN when a part is out of range. */
export function accessTime(day: string, mon: string, year: string, h: string, mi: string, s: string, sign: string, oh: string, om: string): number {
  const month = MONTHS.indexOf(mon.toLowerCase());
  const [d, hh, mm, ss, ohh, omm] = [day, h, mi, s, oh, om].map(Number);
  if (month < 0 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60 || ohh > 14 || omm > 59) return NaN;
  const local = Date.UTC(Number(year), month, d, hh, mm, ss);
  if (new Date(local).getUTCDate() !== d) return NaN; // 31/Feb is not 3/Mar
  const offsetMin = (sign === '-' ? -1 : 1) * (ohh * 60 + omm);
  return (local - offsetMin * 60_000) * 1000;
}

/** The request line split as "METHOD target PROTOCOL" (target into stem and query), or nulls when it is not one. */
function splitRequest(request: string | null): [string | null, string | null, string | null, string | null] {
  const m = request ? /^([A-Z][A-Z_-]{0,19}) (\S+)(?: (HTTP\/\d(?:\.\d)?))?$/.exec(request) : null;
  if (!m) return [null, null, null, null];
  const q = m[2].indexOf('?');
  return [m[1], q < 0 ? m[2] : m[2].slice(0, q), q < 0 ? null : dash(m[2].slice(q + 1)), m[3] ?? null];
}

function toEvent(m: RegExpExecArray, l: TextLine, input: SourceInput, warn: Warn): TimelineEvent | null {
  const ts = accessTime(m[4], m[5], m[6], m[7], m[8], m[9], m[10], m[11], m[12]);
  if (ts < EPOCH_DAY) {
    warn({ line: l.line, offset: l.offset, message: 'time is the Unix epoch (the server logged no time, e.g. Tomcat for a request it could not read); line skipped' });
    return null;
  }
  if (Number.isNaN(ts)) {
    warn({ line: l.line, offset: l.offset, message: `time [${m[4]}/${m[5]}/${m[6]}:${m[7]}:${m[8]}:${m[9]} ${m[10]}${m[11]}${m[12]}] is not a valid date; line skipped` });
    return null;
  }
  const request = unquote(m[13]);
  const [method, stem, query, version] = splitRequest(request);
  const status = m[14] === '-' ? null : Number(m[14]);
  const bytes = m[15] === '-' ? null : Number(m[15]);
  const values: FieldValue[] = [
    dash(m[1]), dash(m[2]), dash(m[3]), request, method, stem, query, version, status, bytes, unquote(m[16]), unquote(m[17]), dash(m[18]),
    `${m[10]}${m[11]}${m[12]}`,
  ];
  const message = method ? renderMessageAt(IIS_TEMPLATE, values, MSG_AT)
    : `"${request ?? ''}" → ${status ?? '-'} from ${m[1]}`;
  const ev = new PackedEvent(ts, 'Request', 'access-log', message, { file: input.rel, line: l.line, offset: l.offset }, ACCESS_FIELDS, values, method ? IIS_TEMPLATE : 0);
  if (input.host != null) ev.host = input.host;
  return ev;
}

export const parseAccessLog: Parser = (input, ctx) =>
  parseLinesWith(input, ctx, (warn) => ({
    line: (l) => {
      if (l.text.length === 0) return null;
      const m = ACCESS_LINE.exec(l.text);
      if (!m) {
        warn({ line: l.line, offset: l.offset, message: 'not a common/combined access-log line; line skipped' });
        return null;
      }
      return toEvent(m, l, input, warn);
    },
  }));
