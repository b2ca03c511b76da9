// Sigma string values: wildcards (`*`, `?`), the escape rules of the Sigma specification, and a fast matcher for
// each (equality, prefix, suffix and substring tests on lower-cased text; a regular expression only when a value has
// inner wildcards). Matching is case-insensitive unless the rule says `cased`.
import { allOf, lit, type Needs } from './needs.ts';

/** A value split into literal text and wildcards (`*` any run, `?` one character). */
export type Part = string | '*' | '?';
const STAR = { w: '*' } as const;
const ONE = { w: '?' } as const;
type RawPart = string | typeof STAR | typeof ONE;

/**
 * Parses a Sigma string: `\*`, `\?` and `\\` are escapes, a backslash before any other character stays a backslash
 * (so Windows paths need no doubling), and a trailing lone backslash is kept.
 */
export function parseSigmaString(s: string): RawPart[] {
  const out: RawPart[] = [];
  let text = '';
  const flush = () => { if (text) { out.push(text); text = ''; } };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      const n = s[i + 1];
      if (n === '*' || n === '?' || n === '\\') { text += n; i++; } else text += c;
    } else if (c === '*' || c === '?') {
      flush();
      out.push(c === '*' ? STAR : ONE);
    } else text += c;
  }
  flush();
  return out;
}

/** A value taken literally (after base64 and other encodings): no wildcards. */
export const literalParts = (s: string): RawPart[] => (s ? [s] : []);

export const star: RawPart = STAR;

/** Tests one field value; `lower` is `s.toLowerCase()`, computed once per value by the caller. */
export interface StrMatcher {
  test(s: string, lower: string): boolean;
  needs: Needs;
}

const isText = (p: RawPart): p is string => typeof p === 'string';

function regexSource(parts: RawPart[]): string {
  return parts.map((p) => (isText(p) ? p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : p === STAR ? '[\\s\\S]*' : '[\\s\\S]')).join('');
}

/**
 * The literal chunks a match must contain (in the lower-cased value), with whether each is pinned to the value's start
 * or end. `lowerCompare`: the matcher compares lower-cased texts, so this holds for any chunk; otherwise (a `cased`
 * test, or a regular expression whose `i` flag folds case its own way) only for ASCII chunks — `Σ` and `ς` or `µ` and
 * `μ` fold together in a regular expression but not under toLowerCase — and other chunks constrain nothing.
 */
function partsNeeds(parts: RawPart[], lowerCompare: boolean): Needs {
  const needs: Needs[] = [];
  parts.forEach((p, i) => {
    if (isText(p) && (lowerCompare || !/[^\x00-\x7f]/.test(p))) needs.push(lit(p, i === 0, i === parts.length - 1));
  });
  return allOf(needs);
}

/** Compiles wildcard parts into a matcher; `cased` keeps case. */
export function compileParts(parts: RawPart[], cased = false): StrMatcher {
  const norm = (s: string) => (cased ? s : s.toLowerCase());
  const texts = parts.filter(isText);
  const wild = parts.filter((p) => !isText(p));
  const pick = (s: string, lower: string) => (cased ? s : lower);
  const onlyStars = wild.every((w) => w === STAR);
  const plain = texts.length === 1 && onlyStars && parts.length <= 3;
  const needs = partsNeeds(parts, plain && !cased);
  if (texts.length === 0 && onlyStars) return { test: () => true, needs };
  if (plain) {
    const t = norm(texts[0]);
    const lead = parts[0] === STAR;
    const trail = parts[parts.length - 1] === STAR;
    if (lead && trail) return { test: (s, l) => pick(s, l).includes(t), needs };
    if (lead) return { test: (s, l) => pick(s, l).endsWith(t), needs };
    if (trail) return { test: (s, l) => pick(s, l).startsWith(t), needs };
    return { test: (s, l) => pick(s, l) === t, needs };
  }
  const re = new RegExp(`^${regexSource(parts)}$`, cased ? 's' : 'is');
  return { test: (s) => re.test(s), needs };
}

/** `contains` / `startswith` / `endswith`: wildcards added around the value (none doubled). */
export function withWildcards(parts: RawPart[], lead: boolean, trail: boolean): RawPart[] {
  const out = [...parts];
  if (lead && out[0] !== STAR) out.unshift(STAR);
  if (trail && out[out.length - 1] !== STAR) out.push(STAR);
  return out;
}

export type { RawPart };
