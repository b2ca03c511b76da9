// What the post-2021 Exchange checks read from a request line (IIS front end or HttpProxy row): the URL as the server
// understood it (stem and query, percent-decoded: exploit scripts encode '@', '?' and '/' at will), whether the front
// end authenticated the client (ProxyShell needs no account; ProxyNotShell and OWASSRF do), and what the answer proves.
import type { Db } from '../case/db.ts';
import { FieldSelection, fieldSql } from '../case/fields.ts';
import { httpStatusOf } from './cve-2021-26855.ts';
import { queryOf, READ_METHODS } from './requests.ts';
import { ftsHas, keptEvents, str } from './rows.ts';
import type { EventHit } from './rows.ts';
import type { Outcome } from './types.ts';

/** `%40` → `@`, twice over (a double-encoded `%2540` too); a malformed escape stays as written. */
export function percentDecode(s: string): string {
  const once = (x: string): string => x.replace(/%([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return once(once(s));
}

/** `stem?query`, decoded: what URL-rewrite rules such as Microsoft's `{UrlDecode:{REQUEST_URI}}` look at. */
export function requestTarget(h: EventHit): string {
  const q = queryOf(h);
  return percentDecode(`${h.url ?? ''}${q ? `?${q}` : ''}`);
}

export const methodOf = (h: EventHit): string => (h.method ?? str(h.fields, 'Method')).toUpperCase();

/** The account the front end authenticated (IIS cs-username, HttpProxy AuthenticatedUser), or null for an anonymous request. */
export function authenticatedUser(h: EventHit): string | null {
  const u = h.source === 'iis' ? str(h.fields, 'cs-username') : str(h.fields, 'AuthenticatedUser');
  return u && u !== '-' ? u : null;
}

/** A write (POST, a WSMan message) answered 2xx: the back end did what was asked. A read or a refusal is an attempt. */
export function requestOutcome(h: EventHit): Outcome {
  const status = httpStatusOf(h);
  return !READ_METHODS.has(methodOf(h)) && status !== null && status >= 200 && status < 300 ? 'exploited' : 'attempted';
}

/** What a ClassifiedHit of these checks records about its request. */
export function requestDetail(h: EventHit, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: 'request', method: methodOf(h), target: requestTarget(h), status: httpStatusOf(h), user: authenticatedUser(h),
    userAgent: h.userAgent ?? str(h.fields, 'UserAgent'), ...extra,
  };
}

/** The fields `keep` tests of requestsWith may read besides the columns: the query string and the account. */
const REQUEST_FIELDS = new FieldSelection(['cs-uri-query', 'UrlQuery', 'cs-username', 'AuthenticatedUser']);

/**
 * IIS and HttpProxy lines holding any of these words (narrowed through the full-text index) that pass `keep`, in time
 * order. Streamed: tens of thousands of lines hold "autodiscover" on a busy server, and only the few kept are held.
 */
export function requestsWith(db: Db, words: string[], keep: (h: EventHit) => boolean, decodesTo: string[] = []): EventHit[] {
  const fts = ftsHas(...words);
  const decoded = decodesTo.map((w) => mayDecodeTo(db, w));
  const sql = [`${fts.sql} AND e.source IN ('iis', 'httpproxy')`, ...decoded.map((d) => d.sql)].join(' AND ');
  return [...keptEvents(db, sql, [...fts.params, ...decoded.flatMap((d) => d.params)], REQUEST_FIELDS, keep)];
}

/**
 * SQL true when the request's stem and query, percent-decoded (requestTarget), may hold one of `words`: they hold it as
 * written (any case), or hold a `%` escape that could spell it. A prefilter in SQL, so rows that cannot match are never
 * read (the 2 GB corpus: 356k `autodiscover` and 54k `powershell` requests, none left); the exact test follows in JS.
 */
export const mayDecodeTo = (db: Db, ...words: string[]): { sql: string; params: unknown[] } => decodable(db, words, true);

/** The same for the query string alone (queryOf): what tools put in parameters, not in the page's path. */
export const queryMayHold = (db: Db, ...words: string[]): { sql: string; params: unknown[] } => decodable(db, words, false);

/** The SQL function behind decodable: 1 when `text` holds a `%` or, lower-cased, one of the (lower-case) words. */
const MAY_HOLD = 'loupe_may_hold';

/**
 * `text` may spell one of `words` once percent-decoded. JavaScript's toLowerCase folds every ASCII letter as SQLite's
 * lower() does (and some other letters too), so it keeps every row lower() kept.
 */
export function mayHold(value: unknown, ...words: unknown[]): number {
  // as instr() reads it: a number as its text, NULL as nothing
  const text = value === null || value === undefined ? '' : String(value);
  if (text.includes('%')) return 1;
  const lower = text.toLowerCase();
  return words.some((w) => lower.includes(String(w))) ? 1 : 0;
}

const withMayHold = new WeakSet<Db>();

function decodable(db: Db, words: string[], withStem: boolean): { sql: string; params: unknown[] } {
  // one function call reads the query field once; instr() per word read it once per word (at 2 GB, 356k autodiscover
  // and 68k ActiveSync "proxy" requests: the field's SQL decoding was most of those checks' time)
  if (!withMayHold.has(db)) {
    db.function(MAY_HOLD, { deterministic: true, varargs: true }, mayHold);
    withMayHold.add(db);
  }
  const proxy = fieldSql('UrlQuery');
  const iis = fieldSql('cs-uri-query');
  const query = `CASE e.source WHEN 'httpproxy' THEN ${proxy.sql} ELSE ${iis.sql} END`;
  const lower = words.map((w) => w.toLowerCase());
  const marks = lower.map(() => '?').join(', ');
  const stem = withStem ? [`${MAY_HOLD}(e.url, ${marks})`] : [];
  return { sql: `(${[...stem, `${MAY_HOLD}(${query}, ${marks})`].join(' OR ')})`, params: [...(withStem ? lower : []), ...proxy.params, ...iis.params, ...lower] };
}

/** How sure a request hit is: a write the server carried out, or only an attempt. */
export function requestJudge(what: string): (o: Outcome) => [ 'likely' | 'confirmed', string ] {
  return (o) => (o === 'exploited'
    ? ['confirmed', `${what}, sent as a write and answered 2xx: the back end carried it out`]
    : ['likely', `${what}, not answered 2xx to a write (refused, a probe, or a patched server): an attempt`]);
}
