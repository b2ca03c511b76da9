// A full-text prefilter for field filters (column filters contains/equals/regex, `field:value` terms, --where): the
// words every matching value must hold, looked up in events_fts, so a rare filter reads its few candidates instead of
// walking the whole case. The exact predicate is always AND-ed after it, so results stay exact; the prefilter is only
// used where the index holds every word of the field's values (search-text.ts), else the filter walks as before.
import { SOURCE_IDS } from '../../shared/types.ts';
import { LIFT_FIELDS } from './field-layout.ts';
import { isFieldSearchable, literalTerms, type Term } from './search-text.ts';
import type { Sql } from './timeline-where.ts';

/** The lifted columns whose value is one of these fields of the event (field-layout.ts), so indexed as the field. */
const LIFTED: Record<string, readonly string[]> = { url: LIFT_FIELDS.url, user_agent: LIFT_FIELDS.ua, method: LIFT_FIELDS.method };

/** True when events_fts holds every word of this column's (or named field's) values for events of `source`. */
function searchableIn(source: string, column: string | null, field: string): boolean {
  if (column === 'message') return true;
  if (column === null) return isFieldSearchable(source, field);
  // The first of its fields a layout has fills a lifted column; the web logs' own names are the indexed ones.
  return column in LIFTED && LIFTED[column].some((n) => isFieldSearchable(source, n));
}

/** False when an event of a source the filter may reach could hold the field's words outside the index. */
function indexHoldsField(column: string | null, field: string, sources: readonly string[] | undefined): boolean {
  return (sources?.length ? sources : SOURCE_IDS).every((s) => searchableIn(s, column, field));
}

/** Text every match holds; `left`/`right`: it starts/ends where the value does (an equals, an unstarred pattern end). */
export interface Literal { s: string; left: boolean; right: boolean }

/** A literal a numeric value's text cannot hold (`CAST(404 AS TEXT)` is not in the index; words need a letter). */
const notNumeric = (l: Literal): boolean => /[^0-9.eE+-]/.test(l.s);

/** The FTS5 expression every value holding all `literals` matches; null when none is selective. */
export function literalsFts(literals: readonly Literal[]): string | null {
  const terms: Term[] = literals.filter(notNumeric).flatMap((l) => literalTerms(l.s, l.left, l.right));
  const whole = [...new Set(terms.filter((t) => !t.prefix).map((t) => t.term))].sort((a, b) => b.length - a.length).slice(0, 4);
  // A right-cut word is a prefix query, whose expansion can cost more than it saves (`asp`*: aspx, aspnet_client …):
  // used when long enough and at most one whole word narrows the candidates ("carla" AND "pst"*).
  const prefix = whole.length > 1 ? undefined : terms.filter((t) => t.prefix && t.term.length >= 3).sort((a, b) => b.term.length - a.term.length)[0];
  const pick = [...whole.map((t) => `"${t}"`), ...(prefix ? [`"${prefix.term}"*`] : [])];
  const chars = whole.join('').length + (prefix?.term.length ?? 0);
  return pick.length && chars >= 3 ? pick.join(' AND ') : null;
}

/**
 * Where a value's edge may not be a word edge in the indexed text: the HttpProxy message writes UrlHost and UrlStem
 * (the url column) with nothing between them.
 */
function anchored(column: string | null, field: string, l: Literal): Literal {
  return { s: l.s, left: l.left && column !== 'url', right: l.right && field !== 'UrlHost' };
}

/**
 * `id IN (candidates)` for a filter on `field` (its lifted column, or null for a named field) whose every match holds
 * all `literals`; null when the index cannot bound it.
 */
export function ftsPrefilter(column: string | null, field: string, literals: readonly Literal[], sources: readonly string[] | undefined): Sql | null {
  if (column !== null && column !== 'message' && !(column in LIFTED)) return null;
  if (!indexHoldsField(column, field, sources)) return null;
  const fts = literalsFts(literals.map((l) => anchored(column, field, l)));
  if (fts === null) return null;
  return { sql: 'id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)', params: [fts] };
}

/** Anywhere in the value. */
export const contained = (s: string): Literal => ({ s, left: false, right: false });

/** The whole value. */
export const whole = (s: string): Literal => ({ s, left: true, right: true });

/** The literal runs of a `field:value` pattern (`*` is any run of characters; without one at an end, it is anchored). */
export function wildcardLiterals(value: string): Literal[] {
  const parts = value.split('*');
  return parts.map((s, i) => ({ s, left: i === 0, right: i === parts.length - 1 })).filter((l) => l.s);
}

/** One quantifier at `i`: its minimum count and where it ends (`end === i` when there is none). */
function quantifierAt(p: string, i: number): { min: number; end: number } {
  let min = 1;
  let end = i;
  if (p[i] === '*' || p[i] === '?') { min = 0; end = i + 1; } else if (p[i] === '+') end = i + 1;
  else if (p[i] === '{') {
    const m = /^\{(\d+)(,\d*)?\}/.exec(p.slice(i));
    if (m) { min = Number(m[1]); end = i + m[0].length; }
  }
  if (end > i && p[end] === '?') end++; // lazy
  return { min, end };
}

/** The index after the character class opened at `i`, or -1. */
function classEnd(p: string, i: number): number {
  for (let j = i + 1; j < p.length; j++) {
    if (p[j] === '\\') j++;
    else if (p[j] === ']') return j + 1;
  }
  return -1;
}

/** The index of the `)` closing the group opened at `i`, or -1. */
function groupClose(p: string, i: number): number {
  let depth = 0;
  for (let j = i + 1; j < p.length; j++) {
    if (p[j] === '\\') j++;
    else if (p[j] === '[') { j = classEnd(p, j) - 1; if (j < 0) return -1; } else if (p[j] === '(') depth++;
    else if (p[j] === ')') { if (depth === 0) return j; depth--; }
  }
  return -1;
}

/** The body of a group every match goes through once or more (lookarounds say nothing about the value: null). */
function groupBody(inner: string): string | null {
  if (/^\?(=|!|<=|<!)/.test(inner)) return null;
  if (inner.startsWith('?:')) return inner.slice(2);
  if (inner.startsWith('?<')) return inner.slice(inner.indexOf('>') + 1);
  return inner;
}

/**
 * Appends the literal runs that every match of the sequence `p` must contain; false when unsure (an alternation at
 * this level, an escape it does not read). Conservative: a run is cut at anything that is not one literal character.
 */
function sequenceLiterals(p: string, out: string[]): boolean {
  let run = '';
  const cut = (): void => { if (run) out.push(run); run = ''; };
  for (let i = 0; i < p.length;) {
    const c = p[i];
    let atom: string | null = null;
    let end = i + 1;
    if (c === '|' || c === ')') return false;
    if (c === '\\') {
      const d = p[i + 1];
      if (d === undefined || (/[A-Za-z0-9]/.test(d) && !/[dDwWsSbB]/.test(d))) return false;
      atom = /[dDwWsSbB]/.test(d) ? null : d;
      end = i + 2;
    } else if (c === '[') {
      end = classEnd(p, i);
      if (end < 0) return false;
    } else if (c === '(') {
      const close = groupClose(p, i);
      if (close < 0) return false;
      const q = quantifierAt(p, close + 1);
      cut();
      const body = groupBody(p.slice(i + 1, close));
      const inner: string[] = [];
      // A group that may be skipped, or that is unsure (an alternation inside), adds nothing.
      if (q.min >= 1 && body !== null && sequenceLiterals(body, inner)) out.push(...inner);
      i = q.end;
      continue;
    } else if (c !== '.' && c !== '^' && c !== '$') atom = c;
    const q = quantifierAt(p, end);
    if (atom !== null && q.min >= 1) run += atom;
    if (atom === null || q.end > end) cut();
    i = q.end;
  }
  cut();
  return true;
}

/** Literal runs every match of a regular expression contains (case as written); [] when it cannot tell. */
export function regexLiterals(pattern: string): Literal[] {
  const out: string[] = [];
  return sequenceLiterals(pattern, out) ? out.map(contained) : [];
}
