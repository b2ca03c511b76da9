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
  const decoded = decodesTo.map((w) => mayDecodeTo(w));
  const sql = [`${fts.sql} AND e.source IN ('iis', 'httpproxy')`, ...decoded.map((d) => d.sql)].join(' AND ');
  return [...keptEvents(db, sql, [...fts.params, ...decoded.flatMap((d) => d.params)], REQUEST_FIELDS, keep)];
}

/**
 * SQL true when the request's stem and query, percent-decoded (requestTarget), may hold one of `words`: they hold it as
 * written (any case), or hold a `%` escape that could spell it. A prefilter in SQL, so rows that cannot match are never
 * read (the 2 GB corpus: 356k `autodiscover` and 54k `powershell` requests, none left); the exact test follows in JS.
 */
export const mayDecodeTo = (...words: string[]): { sql: string; params: unknown[] } => decodable(words, true);

/** The same for the query string alone (queryOf): what tools put in parameters, not in the page's path. */
export const queryMayHold = (...words: string[]): { sql: string; params: unknown[] } => decodable(words, false);

function decodable(words: string[], withStem: boolean): { sql: string; params: unknown[] } {
  const proxy = fieldSql('UrlQuery');
  const iis = fieldSql('cs-uri-query');
  const query = `coalesce(CASE e.source WHEN 'httpproxy' THEN ${proxy.sql} ELSE ${iis.sql} END, '')`;
  const qp = [...proxy.params, ...iis.params];
  const lower = words.map((w) => w.toLowerCase());
  const stem = withStem ? [...lower.map(() => 'instr(lower(coalesce(e.url, \'\')), ?) > 0'), 'instr(coalesce(e.url, \'\'), \'%\') > 0'] : [];
  const tests = [...stem, ...lower.map(() => `instr(lower(${query}), ?) > 0`), `instr(${query}, '%') > 0`];
  return { sql: `(${tests.join(' OR ')})`, params: [...(withStem ? lower : []), ...lower.flatMap((w) => [...qp, w]), ...qp] };
}

/** How sure a request hit is: a write the server carried out, or only an attempt. */
export function requestJudge(what: string): (o: Outcome) => [ 'likely' | 'confirmed', string ] {
  return (o) => (o === 'exploited'
    ? ['confirmed', `${what}, sent as a write and answered 2xx: the back end carried it out`]
    : ['likely', `${what}, not answered 2xx to a write (refused, a probe, or a patched server): an attempt`]);
}
