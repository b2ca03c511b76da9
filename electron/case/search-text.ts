// What the full-text index (events_fts) holds for an event: its message, plus the field values an analyst searches
// that the message does not already carry. For the two bulk web logs that is a fixed list (user names, hosts,
// referers, cookies, routing and error text); their numeric and per-request bookkeeping columns (latencies, byte
// counts, request ids, GenericInfo) stay out, which keeps the index a quarter of its old size and the writer fast.
// For every other source (EVTX data values, ECP cmdlets and parameters, OAB, bodyfile, file times, manual events)
// every string value is indexed, as before. Field filters (fieldSql) reach every field whatever is indexed here.
import type { FieldValue } from '../../shared/types.ts';

/** Fields of the bulk web logs that are searchable: those in the message, then those added to the index. */
const SEARCHED_FIELDS: Readonly<Record<string, { inMessage: readonly string[]; added: readonly string[] }>> = {
  iis: {
    inMessage: ['cs-method', 'cs-uri-stem', 'cs-uri-query', 'sc-status', 'c-ip', 'cs(User-Agent)'],
    added: ['cs-username', 'cs-host', 'cs(Referer)', 'cs(Cookie)'],
  },
  httpproxy: {
    inMessage: ['Method', 'UrlHost', 'UrlStem', 'UrlQuery', 'HttpStatus', 'ClientIpAddress', 'AnchorMailbox', 'UserAgent'],
    added: ['AuthenticatedUser', 'RoutingHint', 'BackEndCookie', 'ErrorCode', 'GenericErrors'],
  },
};

/**
 * True when the full-text index holds this field's string values for events of this source (words of two or more
 * characters that are not all digits, tokenized by unicode61 with `-` and `_` as word characters). A full-text
 * prefilter may only be used for a field for which this is true.
 */
export function isFieldSearchable(source: string, name: string): boolean {
  const s = SEARCHED_FIELDS[source];
  return !s || s.inMessage.includes(name) || s.added.includes(name);
}

/** The names whose values are added to the index for a source, or null for "every string value". */
export const addedSearchFields = (source: string): readonly string[] | null => SEARCHED_FIELDS[source]?.added ?? null;

const ALL_DIGITS = /^\d+$/;

/** Whether a value adds words to the index beyond the message. */
export function searchWorthy(v: FieldValue, message: string): v is string {
  return typeof v === 'string' && v.length >= 2 && !ALL_DIGITS.test(v) && !carriesWords(message, v);
}

/** A word character of the FTS tokenizer (unicode61 with `-` and `_`); half a surrogate pair counts as one too. */
const WORD_RE = /[\p{L}\p{N}\p{Co}_-]/u;
const isWord = (c: string): boolean => WORD_RE.test(c) || (c >= '\uD800' && c <= '\uDFFF');

/** isWord of the character at `i` of `s` (false past either end); ASCII decided from its code, no regex. */
function isWordAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (Number.isNaN(c)) return false;
  if (c < 0x80) return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
  return isWord(s[i]);
}

/**
 * True when `text` holds `v` with the same word boundaries, so indexing `text` indexes every word of `v`. A bare
 * substring is not enough: `ftp.exe` inside `renamed-ftp.exe` would leave the word `ftp` out of the index.
 */
export function carriesWords(text: string, v: string): boolean {
  const leftWord = isWordAt(v, 0);
  const rightWord = isWordAt(v, v.length - 1);
  for (let i = text.indexOf(v); i >= 0; i = text.indexOf(v, i + 1)) {
    if ((!leftWord || !isWordAt(text, i - 1)) && (!rightWord || !isWordAt(text, i + v.length))) return true;
  }
  return false;
}

/** Where a layout holds the fields added to the index for a source (-1: absent), or null for "every string value". */
export function searchPositions(source: string, pos: ReadonlyMap<string, number>): Int32Array | null {
  const added = addedSearchFields(source);
  return added && Int32Array.from(added, (n) => pos.get(n) ?? -1);
}

/** The index's second column for an event: its searchable field values not already in the message. */
export function searchExtras(message: string, values: readonly FieldValue[] | null, at: Int32Array | null): string {
  let out = '';
  const n = at ? at.length : values ? values.length : 0;
  for (let k = 0; k < n; k++) {
    const i = at ? at[k] : k;
    const v = i < 0 || values === null ? null : values[i] ?? null;
    // joined by single spaces (a worthy value is never empty)
    if (searchWorthy(v, message)) out = out ? `${out} ${v}` : v;
  }
  return out;
}

/** A word of a literal as the full-text index holds it; `prefix` when the literal may cut it on its right. */
export interface Term { term: string; prefix: boolean }

/** Runs of word characters; any non-ASCII character counts as a word character (never claimed as a boundary). */
const RUN = /[A-Za-z0-9_\-\u0080-\uffff]+/g;

/**
 * The whole (or right-cut, as prefix) ASCII words of a literal that an FTS index of its field value must hold; `left`
 * and `right` say the literal starts or ends at a word boundary of the value. Only literals with an ASCII letter
 * (all-digit values are not indexed).
 */
export function literalTerms(s: string, left: boolean, right: boolean): Term[] {
  if (s.length < 2 || !/[a-z]/i.test(s)) return [];
  const out: Term[] = [];
  for (const m of s.matchAll(RUN)) {
    const word = m[0];
    const start = m.index!;
    const end = start + word.length;
    const wholeLeft = start > 0 || left;
    const wholeRight = end < s.length || right;
    if (!wholeLeft || /[^\x00-\x7f]/.test(word)) continue;
    out.push({ term: word.toLowerCase(), prefix: !wholeRight });
  }
  return out;
}
