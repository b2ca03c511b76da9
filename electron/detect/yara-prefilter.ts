// An exact prefilter for the per-call-compiling WASM engine: when every rule needs some string of one "gating"
// conjunct to match (its condition is `… and <string test> and …`), one probe scan over many files concatenated
// finds the only files that can match; just those get the full per-file scan. Whenever the source holds anything
// this reader is not sure of, buildProbe returns null and every file is scanned in full.

export interface ParsedRule { name: string; strings: string; condition: string; text: string; isPrivate: boolean; isGlobal: boolean }

/** Index just past a "…" literal starting at i (backslash escapes honoured). */
function skipQuoted(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '"') return j + 1;
    else if (s[j] === '\n') return -1;
  }
  return -1;
}

/** Index just past a /regex/flags literal starting at i. */
function skipRegex(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '/') { let k = j + 1; while (/[is]/.test(s[k] ?? '')) k++; return k; }
    else if (s[j] === '\n') return -1;
  }
  return -1;
}

/** Replaces comments by spaces, keeping quoted text intact; null when a literal is unterminated. */
export function stripComments(src: string): string | null {
  let out = '';
  for (let i = 0; i < src.length;) {
    if (src[i] === '"') { const e = skipQuoted(src, i); if (e < 0) return null; out += src.slice(i, e); i = e; continue; }
    if (src.startsWith('//', i)) { const e = src.indexOf('\n', i); i = e < 0 ? src.length : e; out += ' '; continue; }
    if (src.startsWith('/*', i)) { const e = src.indexOf('*/', i + 2); if (e < 0) return null; out += ' '.repeat(e + 2 - i).replace(/[^\n]/g, ' '); i = e + 2; continue; }
    if (src[i] === '/' && /=\s*$/.test(out)) { const e = skipRegex(src, i); if (e < 0) return null; out += src.slice(i, e); i = e; continue; }
    out += src[i++];
  }
  return out;
}

/** The end (index of the closing brace) of a rule body starting after its `{`; skips literals and hex strings. */
function bodyEnd(s: string, i: number): number {
  let section = '';
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    const kw = /^(meta|strings|condition)\s*:/.exec(s.slice(j, j + 12));
    if (kw && /[\s{]/.test(s[j - 1] ?? ' ')) { section = kw[1]; j += kw[0].length - 1; continue; }
    if (c === '"') { const e = skipQuoted(s, j); if (e < 0) return -1; j = e - 1; continue; }
    if (section === 'strings' && c === '/' ) { const e = skipRegex(s, j); if (e < 0) return -1; j = e - 1; continue; }
    if (section === 'condition' && c === '/' && /matches\s*$/.test(s.slice(Math.max(0, j - 12), j))) { const e = skipRegex(s, j); if (e < 0) return -1; j = e - 1; continue; }
    if (section === 'strings' && c === '{') { const e = s.indexOf('}', j); if (e < 0) return -1; j = e; continue; }
    if (c === '{') return -1;
    if (c === '}') return j;
  }
  return -1;
}

/** Splits a source into rules (imports allowed, includes not); null when the source is not understood. */
export function parseRules(source: string): ParsedRule[] | null {
  const s = stripComments(source);
  if (s === null) return null;
  const rules: ParsedRule[] = [];
  let i = 0;
  while (i < s.length) {
    const ws = /\s*/y; ws.lastIndex = i; ws.exec(s); i = ws.lastIndex;
    if (i >= s.length) break;
    const imp = /import\s+"[^"\n]*"/y; imp.lastIndex = i;
    if (imp.exec(s)) { i = imp.lastIndex; continue; }
    const head = /(?:(?:private|global)\s+)*rule\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*(?:[A-Za-z_][A-Za-z0-9_]*\s*)+)?\{/y;
    head.lastIndex = i;
    const m = head.exec(s);
    if (!m) return null;
    const start = head.lastIndex;
    const end = bodyEnd(s, start);
    if (end < 0) return null;
    const body = s.slice(start, end);
    const cond = /(?:^|\s)condition\s*:([\s\S]*)$/.exec(body);
    const strs = /(?:^|\s)strings\s*:([\s\S]*?)(?=(?:^|\s)condition\s*:)/.exec(body);
    if (!cond) return null;
    rules.push({ name: m[1], strings: strs ? strs[1] : '', condition: cond[1].trim(), text: s.slice(m.index, end + 1),
      isPrivate: /\bprivate\s/.test(m[0].split('rule')[0]), isGlobal: /\bglobal\s/.test(m[0].split('rule')[0]) });
    i = end + 1;
  }
  return rules;
}

/** Splits text at top-level occurrences of a keyword (outside parentheses and quotes). */
export function splitTop(text: string, word: 'and' | 'or'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') { const e = skipQuoted(text, i); if (e < 0) return [text]; i = e - 1; continue; }
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && text.startsWith(word, i) && /\s/.test(text[i - 1] ?? ' ') && /\s/.test(text[i + word.length] ?? ' ')) {
      parts.push(text.slice(last, i));
      last = i + word.length;
    }
  }
  parts.push(text.slice(last));
  return parts.map((p) => p.trim());
}

export const unwrap = (t: string): string => {
  let x = t.trim();
  while (x.startsWith('(') && x.endsWith(')') && splitTop(x.slice(1, -1), 'or').length >= 1 && balanced(x.slice(1, -1))) x = x.slice(1, -1).trim();
  return x;
};
function balanced(t: string): boolean {
  let d = 0;
  for (const c of t) { if (c === '(') d++; else if (c === ')' && --d < 0) return false; }
  return d === 0;
}

const STRING_REF = /^\$[A-Za-z0-9_]*\*?$/;

/** The string set a term can only be true with (as a YARA set: `them` or `($a, $b*)`), or null. */
export function termStrings(term: string, ruleNames?: Set<string>): string[] | null {
  const t = unwrap(term);
  if (STRING_REF.test(t) && t !== '$') return [t];
  // A reference to another rule: gated by that rule's own gate (`@Name`, resolved by the caller).
  if (ruleNames?.has(t)) return ['@' + t];
  let m = /^\$([A-Za-z0-9_]+)\s+(?:at|in)\s/.exec(t);
  if (m) return ['$' + m[1]];
  m = /^#([A-Za-z0-9_]+)\s*(?:>\s*0|>=\s*[1-9]\d*|==\s*[1-9]\d*)$/.exec(t);
  if (m) return ['$' + m[1]];
  m = /^(any|all|[1-9]\d*)\s+of\s+(them|\(([^()]*)\))$/.exec(t);
  if (m) return m[2] === 'them' ? ['them'] : m[3].split(',').map((x) => x.trim()).every((x) => STRING_REF.test(x)) ? m[3].split(',').map((x) => x.trim()) : null;
  const alts = splitTop(t, 'or');
  if (alts.length > 1) {
    const sets = alts.map((a) => termStrings(a, ruleNames));
    return sets.every((x) => x !== null) ? [...new Set(sets.flat() as string[])] : null;
  }
  if (splitTop(t, 'and').length > 1) return gatingStrings(t, new Map(), ruleNames);
  // `for any of ($a, $b) : (…)` (or `for N of`, N ≥ 1) is false unless one of its strings matched.
  m = /^for\s+(any|[1-9]\d*)\s+of\s+(them|\(([^()]*)\))\s*:/.exec(t);
  if (m) return m[2] === 'them' ? ['them'] : m[3].split(',').map((x) => x.trim()).every((x) => STRING_REF.test(x)) ? m[3].split(',').map((x) => x.trim()) : null;
  return null;
}

/** A rough selectivity per string id: literal bytes a match must contain (longer = rarer in benign files). */
export function stringWeights(strings: string): Map<string, number> {
  const w = new Map<string, number>();
  for (const m of strings.matchAll(/(\$[A-Za-z0-9_]*)\s*=\s*("(?:[^"\\\n]|\\.)*"|\{[^}]*\}|\/(?:[^/\\\n]|\\.)*\/)/g)) {
    const v = m[2];
    let n: number;
    if (v.startsWith('"')) n = v.length - 2;
    else if (v.startsWith('{')) n = (v.match(/\b[0-9A-Fa-f]{2}\b/g) ?? []).length;
    else n = Math.max(0, ...(v.replace(/\\./g, ' ').match(/[A-Za-z0-9_]+/g) ?? []).map((x) => x.length));
    w.set(m[1], n);
  }
  return w;
}

function setWeight(set: string[], weights: Map<string, number>): number {
  const ids = [...weights.keys()];
  const members = set.flatMap((x) => (x === 'them' ? ids : x.endsWith('*') ? ids.filter((i) => i.startsWith(x.slice(0, -1))) : [x]));
  return members.length ? Math.min(...members.map((i) => weights.get(i) ?? 0)) : 0;
}

/** The most selective string set gating a condition (one top-level conjunct), or null when the rule is not gated. */
export function gatingStrings(condition: string, weights: Map<string, number> = new Map(), ruleNames?: Set<string>): string[] | null {
  const whole = unwrap(condition);
  // `a and b or c` is `(a and b) or c`: with a top-level `or`, every alternative must be gated.
  if (splitTop(whole, 'or').length > 1) return termStrings(whole, ruleNames);
  let best: string[] | null = null;
  for (const c of splitTop(whole, 'and')) {
    if (/^not\s/.test(c)) continue;
    const set = termStrings(c, ruleNames);
    if (set && (!best || setWeight(set, weights) > setWeight(best, weights))) best = set;
  }
  return best;
}

/** Regex strings with anchors (^ or $) could match in a lone file but not inside a concatenation. */
export function hasAnchoredRegex(strings: string): boolean {
  for (const m of strings.matchAll(/=\s*\/((?:[^/\\\n]|\\.)*)\//g)) {
    // Escapes and character classes ([^…], [$…]) hold no anchors.
    if (/[\^$]/.test(m[1].replace(/\\./g, '').replace(/\[[^\]]*\]/g, ''))) return true;
  }
  return false;
}

/** The probe rule set (one rule per source rule: its gating strings, `any of` them), or null when not exact. */
export function buildProbe(source: string): string | null {
  const rules = parseRules(source);
  if (!rules || !rules.length) return null;
  const out: string[] = [];
  for (const [i, r] of rules.entries()) {
    const gate = gatingStrings(r.condition, stringWeights(r.strings));
    if (!gate || !r.strings.trim() || hasAnchoredRegex(r.strings)) return null;
    const set = gate.includes('them') ? 'them' : `(${gate.join(', ')})`;
    // `false and any of them` only keeps the other strings referenced (YARA rejects unreferenced strings).
    out.push(`rule Loupe_Probe_${i}_${r.name} {\n strings:\n${r.strings}\n condition:\n  any of ${set} or (false and any of them)\n}`);
  }
  return out.join('\n');
}
