// What text an event must contain for a rule to match: a formula of literal substrings, used only to narrow the
// events a rule is tested on (the FTS prefilter); the exact test always follows, so TRUE ("no constraint") is safe.

export type Needs =
  | { t: 'true' }
  /** `s` (lower-case) occurs in one field value; `left`/`right`: it starts/ends at the value's start/end. */
  | { t: 'lit'; s: string; left: boolean; right: boolean }
  | { t: 'and' | 'or'; c: Needs[] };

export const TRUE: Needs = { t: 'true' };

export function lit(s: string, left: boolean, right: boolean): Needs {
  return s === '' ? TRUE : { t: 'lit', s: s.toLowerCase(), left, right };
}

export function allOf(parts: Needs[]): Needs {
  const c = parts.filter((p) => p.t !== 'true');
  if (c.length === 0) return TRUE;
  return c.length === 1 ? c[0] : { t: 'and', c };
}

export function anyOf(parts: Needs[]): Needs {
  if (parts.length === 0 || parts.some((p) => p.t === 'true')) return TRUE;
  return parts.length === 1 ? parts[0] : { t: 'or', c: parts };
}
