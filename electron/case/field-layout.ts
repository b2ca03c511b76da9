// How one event's fields are packed: a layout (the column names of a log layout, stored once per file) and, per
// event, a JSONB array with one element per column. An element is the value itself, or a marker that costs one
// byte: `true` = "the same as this event's lifted column (or time)", `false` = "the layout's default for this
// column", or an array of digit runs that fill the layout's template for the column (`BeginRequest=<1>Z;…`).
// decodeFields (JS) and fieldSql (SQL) read the markers the same way; the round-trip test holds them to the parsers.
import type { FieldValue } from '../../shared/types.ts';
import { JB, JsonbReader, type JsonbWriter } from './jsonb.ts';

/** What a `true` marker stands for. Stored in case files: append only, never renumber. */
export const ROLE = { ip: 1, status: 2, method: 3, url: 4, ua: 5, host: 6, isoMs: 7, date: 8, time: 9 } as const;
export type Role = (typeof ROLE)[keyof typeof ROLE];

/** Field names that fill each lifted column, first non-empty one wins (the order matters). */
export const LIFT_FIELDS = {
  ip: ['c-ip', 'ClientIpAddress', 'ClientIp', 'data.IpAddress', 'data.SourceIp', 'data.SourceAddress', 'ip'],
  status: ['sc-status', 'HttpStatus', 'status'],
  method: ['cs-method', 'Method', 'method'],
  url: ['cs-uri-stem', 'UrlStem', 'url'],
  ua: ['cs(User-Agent)', 'UserAgent', 'userAgent'],
} as const;

const ROLE_OF_NAME = new Map<string, Role>([
  ...LIFT_FIELDS.ip.map((n) => [n, ROLE.ip] as const), ...LIFT_FIELDS.status.map((n) => [n, ROLE.status] as const),
  ...LIFT_FIELDS.method.map((n) => [n, ROLE.method] as const), ...LIFT_FIELDS.url.map((n) => [n, ROLE.url] as const),
  ...LIFT_FIELDS.ua.map((n) => [n, ROLE.ua] as const),
  ['s-computername', ROLE.host], ['ServerHostName', ROLE.host], ['ServerName', ROLE.host], ['Computer', ROLE.host],
  ['DateTime', ROLE.isoMs], ['TimeStamp', ROLE.isoMs], ['date', ROLE.date], ['time', ROLE.time],
]);

export const roleOfName = (name: string): Role | 0 => ROLE_OF_NAME.get(name) ?? 0;

/** The values a `true` marker may point at: the event's lifted columns and its time. */
export interface Lifted {
  ts: number;
  ip: string | null;
  status: number | null;
  method: string | null;
  url: string | null;
  ua: string | null;
  host: string | null;
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => pad(i, 2));

/** The last day and second formatted: log lines come in time order, so most lookups hit them. */
let cachedDay = NaN;
let cachedSecond = NaN;
let cachedDate = '';
let cachedTime = '';

function formatSecond(ts: number): void {
  const second = Math.floor(ts / 1e6);
  if (second === cachedSecond) return;
  const day = Math.floor(second / 86400);
  if (day !== cachedDay) {
    const d = new Date(day * 86400_000);
    cachedDate = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
    cachedDay = day;
  }
  const s = second - day * 86400;
  cachedTime = `${TWO_DIGITS[Math.floor(s / 3600)]}:${TWO_DIGITS[Math.floor(s / 60) % 60]}:${TWO_DIGITS[s % 60]}`;
  cachedSecond = second;
}

/** `YYYY-MM-DD` of a UTC time in microseconds (times before 1970 never match: their markers are not used). */
export function dateOfTs(ts: number): string {
  formatSecond(ts);
  return cachedDate;
}

export function timeOfTs(ts: number): string {
  formatSecond(ts);
  return cachedTime;
}

/** `YYYY-MM-DDTHH:MM:SS.mmmZ`, as Exchange writes DateTime. */
export const isoMsOfTs = (ts: number): string => `${dateOfTs(ts)}T${timeOfTs(ts)}.${pad(Math.floor(ts / 1000) % 1000, 3)}Z`;

/** Times SQLite's strftime formats the same way (years 1970 to 9999). */
const MAX_TS = 253402300800e6;
const datable = (ts: number): boolean => ts >= 0 && ts < MAX_TS && Number.isSafeInteger(ts);

/** The lifted value a role stands for in this event; undefined when the role cannot apply to the value. */
export function roleValue(role: Role, l: Lifted): FieldValue | undefined {
  if (role >= ROLE.isoMs && !datable(l.ts)) return undefined;
  switch (role) {
    case ROLE.ip: return l.ip;
    case ROLE.status: return l.status;
    case ROLE.method: return l.method;
    case ROLE.url: return l.url;
    case ROLE.ua: return l.ua;
    case ROLE.host: return l.host;
    case ROLE.isoMs: return isoMsOfTs(l.ts);
    case ROLE.date: return dateOfTs(l.ts);
    case ROLE.time: return timeOfTs(l.ts);
  }
  return undefined;
}

/** A value stands for a role only when it is exactly the same value, of the same type, and not null (nor -0). */
const isRole = (v: FieldValue, role: Role, l: Lifted): boolean =>
  role === ROLE.isoMs ? isIsoMsOf(v, l.ts) : v !== null && roleValue(role, l) === v && !Object.is(v, -0);

/** Whether `v` is exactly isoMsOfTs(ts), compared piece by piece: no string built per event. */
function isIsoMsOf(v: FieldValue, ts: number): boolean {
  if (typeof v !== 'string' || v.length !== 24 || !datable(ts)) return false;
  formatSecond(ts);
  const ms = Math.floor(ts / 1000) % 1000;
  return v.startsWith(cachedDate) && v.charCodeAt(10) === 84 /* T */ && v.startsWith(cachedTime, 11) && v.charCodeAt(19) === 46 /* . */
    && v.charCodeAt(20) === 48 + Math.floor(ms / 100) && v.charCodeAt(21) === 48 + (Math.floor(ms / 10) % 10) && v.charCodeAt(22) === 48 + (ms % 10)
    && v.charCodeAt(23) === 90 /* Z */;
}

// ---- templates: a column's most common value, or its most common shape with up to 8 digit runs left open ----

// A run: a digit that does not follow a letter or digit, then digits and the separators of times, versions and
// addresses (`.:T-`), as /(?<![A-Za-z0-9])[0-9][0-9.:T-]*/g finds them; scanned by hand (a file's first rows are shaped).
export const MAX_RUNS = 8;
/** Placeholder k (1…8) in a template is the character with code k; values holding such characters are never templated. */
const HAS_PLACEHOLDER = /[\x01-\x08]/;

/** Whether a character code may continue a run: a digit or one of `.:T-`. */
const inRun = (c: number): boolean => (c >= 48 && c <= 57) || c === 46 || c === 58 || c === 84 || c === 45;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlnum = (c: number): boolean => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** The shape of a string (its runs replaced by placeholders 1…n) and the runs; null when it has none or too many. */
export function shapeOf(v: string): { shape: string; runs: string[] } | null {
  if (HAS_PLACEHOLDER.test(v)) return null;
  const runs: string[] = [];
  let shape = '';
  let last = 0;
  for (let i = 0; i < v.length; i++) {
    if (!isDigit(v.charCodeAt(i)) || (i > 0 && isAlnum(v.charCodeAt(i - 1)))) continue;
    if (runs.length === MAX_RUNS) return null;
    let end = i + 1;
    while (end < v.length && inRun(v.charCodeAt(end))) end++;
    runs.push(v.slice(i, end));
    shape += v.slice(last, i) + String.fromCharCode(runs.length);
    last = end;
    i = end - 1;
  }
  return runs.length ? { shape: shape + v.slice(last), runs } : null;
}

/** A template split at its placeholders: literal text before each run, and after the last. */
interface CompiledTemplate { lits: string[] }

function compileTemplate(t: string): CompiledTemplate {
  const lits: string[] = [];
  let from = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 1 && c <= MAX_RUNS) { lits.push(t.slice(from, i)); from = i + 1; }
  }
  lits.push(t.slice(from));
  return { lits };
}


/** Start and end of each run matchTemplate found (reused: one template is matched at a time). */
const SPANS = new Int32Array(2 * MAX_RUNS);

/**
 * Fills SPANS with the runs that fill a template to give exactly `s` from `from` to `to` (absolute positions in `s`);
 * their count, or -1 when that text does not have its shape.
 */
function matchTemplate(ct: CompiledTemplate, s: string, from = 0, to = s.length): number {
  const { lits } = ct;
  if (lits[0].length > to - from || !s.startsWith(lits[0], from)) return -1;
  let pos = from + lits[0].length;
  for (let k = 1; k < lits.length; k++) {
    if (pos >= to) return -1;
    const c = s.charCodeAt(pos);
    if (!(c >= 48 && c <= 57)) return -1;
    let end = pos + 1;
    while (end < to && inRun(s.charCodeAt(end))) end++;
    SPANS[2 * k - 2] = pos;
    SPANS[2 * k - 1] = end;
    pos = end;
    // indexOf compares natively: twice as fast as startsWith or a charCodeAt loop on long values
    if (pos + lits[k].length > to || s.indexOf(lits[k], pos) !== pos) return -1;
    pos += lits[k].length;
  }
  return pos === to ? lits.length - 1 : -1;
}

/** Fills a template's placeholders with runs (the inverse of shapeOf). */
export function fillTemplate(t: string, runs: readonly string[]): string {
  let out = t;
  for (let k = 0; k < MAX_RUNS; k++) out = out.replace(String.fromCharCode(k + 1), runs[k] ?? '');
  return out;
}

/** Encoded size of a string, close enough to choose between encodings (exact for ASCII). */
const textSize = (len: number): number => len + (len <= 11 ? 1 : 2);
const runsSize = (runs: string[]): number => 3 + runs.reduce((n, r) => n + r.length + 1, 0);

/** The template that saves the most bytes over a sample of one column's values: a default value or a shape. */
export function chooseTemplate(sample: readonly FieldValue[]): string | number | null {
  // Each distinct value is shaped once (columns repeat a few values; shaping was most of a file's learning time).
  const counts = new Map<FieldValue, number>();
  for (const v of sample) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  const exact = new Map<FieldValue, number>();
  const shapes = new Map<string, number>();
  for (const [v, k] of counts) {
    const size = typeof v === 'number' ? String(v).length + 1 : textSize((v as string).length);
    exact.set(v, k * (size - 1));
    if (typeof v === 'string' && v.length >= 12) {
      const s = shapeOf(v);
      if (s) shapes.set(s.shape, (shapes.get(s.shape) ?? 0) + k * (size - runsSize(s.runs)));
    }
  }
  let best: string | number | null = null;
  let saved = 0;
  for (const m of [exact, shapes]) {
    for (const [v, n] of m) if (n > saved && typeof v !== 'object') { best = v; saved = n; }
  }
  // One occurrence is no evidence of a pattern.
  return saved >= 8 ? best : null;
}

// ---- layouts ----

/** What a case stores once per layout (field_layouts.spec). */
export interface LayoutSpec {
  names: string[];
  roles: (Role | 0)[];
  /** Per column: its template (text with placeholders, or a plain default), a default number, or null. */
  tpl: (string | number | null)[];
}

/** A layout ready to encode or decode rows. */
export class FieldLayout {
  private readonly compiled: (CompiledTemplate | null)[];
  /** Per column: 0 plain, 1 has a role, 2 has a default value, 3 has a template with runs. */
  private readonly kind: Uint8Array;

  constructor(readonly spec: LayoutSpec) {
    this.compiled = spec.tpl.map((t) => (typeof t === 'string' && HAS_PLACEHOLDER.test(t) ? compileTemplate(t) : null));
    this.kind = Uint8Array.from(spec.names, (_, i) => (spec.roles[i] ? 1 : this.compiled[i] ? 3 : spec.tpl[i] !== null ? 2 : 0));
  }

  static fromNames(names: readonly string[], tpl?: (string | number | null)[]): FieldLayout {
    return new FieldLayout({ names: [...names], roles: names.map(roleOfName), tpl: tpl ?? names.map(() => null) });
  }

  /**
   * Writes one row's values (in layout order) as a JSONB array. A value left undefined is the non-empty text of
   * `line` from spans[at + 2i] to spans[at + 2i + 1] (ingest/sources/packed.ts LineEvent), written as that string would be.
   */
  encode(values: readonly (FieldValue | undefined)[], l: Lifted, w: JsonbWriter, line: string | null = null, spans: Int32Array | null = null, at = 0): void {
    const { roles, tpl } = this.spec;
    const kind = this.kind;
    w.beginArray();
    for (let i = 0; i < values.length; i++) {
      let v = values[i];
      if (v === undefined && line !== null) {
        const from = spans![at + 2 * i];
        const to = spans![at + 2 * i + 1];
        if (kind[i] !== 1) { this.encodeIn(i, line, from, to, w); continue; }
        v = line.slice(from, to);
      }
      if (v === null || v === undefined) { w.tag(JB.NULL); continue; }
      const k = kind[i];
      if (k === 1) {
        if (isRole(v, roles[i] as Role, l)) { w.tag(JB.TRUE); continue; }
      } else if (k !== 0) {
        if (v === tpl[i]) { w.tag(JB.FALSE); continue; }
        if (k === 3 && typeof v === 'string' && this.runs(i, v, 0, v.length, w)) continue;
      }
      if (typeof v === 'number') w.number(v);
      else w.string(v);
    }
    w.endArray();
  }

  /** Column i's text value, `s` from `from` to `to` (not a role column): the same bytes as encode gives the string. */
  private encodeIn(i: number, s: string, from: number, to: number, w: JsonbWriter): void {
    const k = this.kind[i];
    if (k !== 0) {
      const t = this.spec.tpl[i];
      if (typeof t === 'string' && t.length === to - from && s.startsWith(t, from)) { w.tag(JB.FALSE); return; }
      if (k === 3 && this.runs(i, s, from, to, w)) return;
    }
    w.stringIn(s, from, to);
  }

  /** Writes `s` from `from` to `to` as the runs of column i's template when it has the template's shape and that is shorter. */
  private runs(i: number, s: string, from: number, to: number, w: JsonbWriter): boolean {
    const n = matchTemplate(this.compiled[i]!, s, from, to);
    if (n < 0) return false;
    let size = 3;
    for (let k = 0; k < n; k++) size += SPANS[2 * k + 1] - SPANS[2 * k] + 1;
    if (size >= textSize(to - from)) return false;
    w.asciiSlices(s, SPANS, n);
    return true;
  }

  /**
   * Reads the columns `keep` marks into `out` (name → value, as fieldsOf would give them) and skips the others
   * unread; throws on bytes it did not write.
   */
  decodeSome(vals: Buffer, l: Lifted, keep: Uint8Array, out: Record<string, FieldValue>): Record<string, FieldValue> {
    const r = new JsonbReader(vals);
    const top = r.head();
    if (top.type !== JB.ARRAY) throw new Error('packed fields are not a JSONB array');
    const end = r.pos + top.len;
    const { names } = this.spec;
    let i = 0;
    for (; r.pos < end && i < names.length; i++) {
      const h = r.head();
      if (keep[i] === 0) { r.pos += h.len; continue; }
      out[names[i]] = this.element(r, h, i, l);
    }
    for (; i < names.length; i++) if (keep[i] !== 0) out[names[i]] = null;
    return out;
  }

  /** One element whose header was just read, markers resolved. */
  private element(r: JsonbReader, h: { type: number; len: number }, i: number, l: Lifted): FieldValue {
    const { roles, tpl } = this.spec;
    if (h.type === JB.ARRAY) {
      const runEnd = r.pos + h.len;
      const runs: string[] = [];
      while (r.pos < runEnd) { const e = r.head(); runs.push(String(r.scalar(e.type, e.len))); }
      return fillTemplate(String(tpl[i]), runs);
    }
    const v = r.scalar(h.type, h.len);
    if (v === true) return roleValue(roles[i] as Role, l) ?? null;
    if (v === false) return tpl[i] ?? null;
    return v;
  }

  /** Reads one row's values back (the inverse of encode); throws on bytes it did not write. */
  decode(vals: Buffer, l: Lifted): FieldValue[] {
    const r = new JsonbReader(vals);
    const top = r.head();
    if (top.type !== JB.ARRAY) throw new Error('packed fields are not a JSONB array');
    const end = r.pos + top.len;
    const out: FieldValue[] = [];
    for (let i = 0; r.pos < end; i++) out.push(this.element(r, r.head(), i, l));
    return out;
  }
}
