// What text an event must contain for a rule to match: a formula of literal substrings, used only to narrow the
// events a rule is tested on (the FTS prefilter); the exact test always follows, so TRUE ("no constraint") is safe.

export type Needs =
  | { t: 'true' }
  /**
   * `s` (lower-case) occurs in the lower-cased value of `field` (a Loupe field key; null: any value of the event, as a
   * keyword search reads them); `left`/`right`: it starts/ends at the value's start/end.
   */
  | { t: 'lit'; s: string; left: boolean; right: boolean; field: string | null }
  | { t: 'and' | 'or'; c: Needs[] };

export const TRUE: Needs = { t: 'true' };

export function lit(s: string, left: boolean, right: boolean): Needs {
  return s === '' ? TRUE : { t: 'lit', s: s.toLowerCase(), left, right, field: null };
}

/** The same formula with every field-less literal placed in `field` (an item's matchers read one field). */
export function inField(n: Needs, field: string): Needs {
  switch (n.t) {
    case 'true': return n;
    case 'lit': return n.field === null ? { ...n, field } : n;
    default: return { t: n.t, c: n.c.map((c) => inField(c, field)) };
  }
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
