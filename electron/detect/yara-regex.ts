// YARA regular expressions and hex strings, translated for the JavaScript triage into
// - a JavaScript RegExp that finds a match in a file exactly when libyara's pattern has one (bytes as Latin-1
//   characters; classes written out byte by byte; `nocase` folds ASCII letters only, as libyara does; `.` excludes
//   only \n), or null when the pattern uses something not modelled here;
// - anchors: ASCII-lowercased literals one of which every match contains (a cheap test that rules most files out).
// libyara gives up on matches longer than its scan limit and the RegExp does not, so "no match" here is always
// "no match" in libyara; a match found here is never taken as proof (libyara then decides).

import v8 from 'node:v8';

// Evidence is attacker-written: a pattern must not stall on a crafted file. V8 then finishes the match on its
// linear-time engine (same result) once backtracking passes the limit. The limit is raised from 50,000 because a
// plain search over a large page easily backtracks that much, and the linear engine is slow and memory-hungry
// (~250 MB per MB of input); yara-strings.ts tests patterns on files up to 1 MiB only.
v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
v8.setFlagsFromString('--regexp-backtracks-before-fallback=10000000');

type Node =
  | { t: 'set'; set: Uint8Array }
  | { t: 'cat'; xs: Node[] }
  | { t: 'alt'; xs: Node[] }
  | { t: 'rep'; x: Node; min: number; max: number; lazy: boolean }
  | { t: 'assert'; v: '^' | '$' | '\\b' | '\\B' };

export interface Pattern {
  re: RegExp | null;
  anchors: string[];
  /** Uses ^ or $ (true at the edges of the scanned data only: such a pattern cannot be probed in a concatenation). */
  anchored: boolean;
}

class Unsupported extends Error {}

const span = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
const SPACE = [9, 10, 11, 12, 13, 32];
const DIGIT = span(48, 57);
const WORD = [...DIGIT, ...span(65, 90), ...span(97, 122), 95];

function setOf(bytes: number[], negate = false): Uint8Array {
  const s = new Uint8Array(256);
  for (const b of bytes) s[b] = 1;
  if (negate) for (let i = 0; i < 256; i++) s[i] ^= 1;
  return s;
}

// Sets are never changed once made, so one-byte sets (most of a pattern) are shared and their output memoised:
// planning a large pack's regexes is start-up time on every scan.
const SINGLE: Uint8Array[] = Array.from({ length: 256 }, (_, b) => setOf([b]));
const one = (b: number): Uint8Array => SINGLE[b];
const NOT_NEWLINE = setOf([10], true);

const CLASS_ESCAPES: Record<string, Uint8Array> = {
  w: setOf(WORD), W: setOf(WORD, true), s: setOf(SPACE), S: setOf(SPACE, true), d: setOf(DIGIT), D: setOf(DIGIT, true),
};
const CHAR_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, a: 7 };
const ANY = setOf([], true);

/** A parser over the pattern's bytes (a YARA regex is bytes: a UTF-8 character is several literals). */
class RegexParser {
  i = 0;
  constructor(private s: string, private dotAll: boolean) {}

  parse(): Node {
    const n = this.alt();
    if (this.i < this.s.length) throw new Unsupported('trailing');
    return n;
  }

  private alt(): Node {
    const xs = [this.cat()];
    while (this.s[this.i] === '|') { this.i++; xs.push(this.cat()); }
    return xs.length > 1 ? { t: 'alt', xs } : xs[0];
  }

  private cat(): Node {
    const xs: Node[] = [];
    while (this.i < this.s.length && this.s[this.i] !== '|' && this.s[this.i] !== ')') xs.push(this.repeat(this.atom()));
    return { t: 'cat', xs };
  }

  private repeat(x: Node): Node {
    for (;;) {
      const c = this.s[this.i];
      let min: number;
      let max: number;
      if (c === '*') { min = 0; max = Infinity; this.i++; }
      else if (c === '+') { min = 1; max = Infinity; this.i++; }
      else if (c === '?') { min = 0; max = 1; this.i++; }
      else if (c === '{') {
        const m = /^\{(\d*)(,(\d*))?\}/.exec(this.s.slice(this.i));
        if (!m || (m[1] === '' && !m[2])) throw new Unsupported('brace');
        min = m[1] === '' ? 0 : Number(m[1]);
        max = m[2] ? (m[3] === '' ? Infinity : Number(m[3])) : min;
        this.i += m[0].length;
      } else return x;
      const lazy = this.s[this.i] === '?';
      if (lazy) this.i++;
      if (x.t === 'assert') throw new Unsupported('quantified assertion');
      x = { t: 'rep', x, min, max, lazy };
    }
  }

  private atom(): Node {
    const c = this.s[this.i++];
    if (c === '(') {
      if (this.s[this.i] === '?') throw new Unsupported('group syntax');
      const n = this.alt();
      if (this.s[this.i++] !== ')') throw new Unsupported('unbalanced');
      return n;
    }
    if (c === '[') return { t: 'set', set: this.klass() };
    if (c === '.') return { t: 'set', set: this.dotAll ? ANY : NOT_NEWLINE };
    if (c === '^' || c === '$') return { t: 'assert', v: c };
    if ('*+?{)'.includes(c)) throw new Unsupported(`stray ${c}`);
    if (c === '\\') {
      const e = this.s[this.i];
      if (e === 'b' || e === 'B') { this.i++; return { t: 'assert', v: e === 'b' ? '\\b' : '\\B' }; }
      return { t: 'set', set: this.escape() };
    }
    return { t: 'set', set: one(c.charCodeAt(0) & 0xff) };
  }

  /** The bytes of the escape after a backslash (outside or inside a class). */
  private escape(): Uint8Array {
    const e = this.s[this.i++];
    if (e === undefined) throw new Unsupported('trailing backslash');
    if (CLASS_ESCAPES[e]) return CLASS_ESCAPES[e];
    if (CHAR_ESCAPES[e] !== undefined) return one(CHAR_ESCAPES[e]);
    if (e === 'x') {
      const h = this.s.slice(this.i, this.i + 2);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) throw new Unsupported('hex escape');
      this.i += 2;
      return one(parseInt(h, 16));
    }
    if (/[A-Za-z0-9]/.test(e)) throw new Unsupported(`escape \\${e}`);
    return one(e.charCodeAt(0) & 0xff);
  }

  /** One class member: a single byte (which may start a range) or the set of a class escape. */
  private classItem(): number | Uint8Array {
    const c = this.s[this.i++];
    if (c !== '\\') return c.charCodeAt(0);
    const set = this.escape();
    return members(set) === 1 ? set.indexOf(1) : set;
  }

  private klass(): Uint8Array {
    const negate = this.s[this.i] === '^';
    if (negate) this.i++;
    const set = new Uint8Array(256);
    for (let first = true; this.i < this.s.length && (this.s[this.i] !== ']' || first); first = false) {
      const lo = this.classItem();
      if (typeof lo !== 'number') { lo.forEach((v, b) => { if (v) set[b] = 1; }); continue; }
      if (this.s[this.i] === '-' && this.i + 1 < this.s.length && this.s[this.i + 1] !== ']') {
        this.i++;
        const hi = this.classItem();
        if (typeof hi !== 'number' || hi < lo) throw new Unsupported('class range');
        for (let b = lo; b <= hi; b++) set[b] = 1;
      } else set[lo] = 1;
    }
    if (this.s[this.i++] !== ']') throw new Unsupported('unterminated class');
    if (negate) for (let b = 0; b < 256; b++) set[b] ^= 1;
    return set;
  }
}

/** A YARA hex string as the same tree: bytes, nibble masks, `~` negations, `??`, jumps and alternatives. */
function parseHex(src: string): Node {
  const toks = src.match(/~?[0-9A-Fa-f?]{2}|\[[^\]]*\]|[()|]/g) ?? [];
  if (toks.join('').replace(/\s+/g, '') !== src.replace(/\s+/g, '')) throw new Unsupported('hex token');
  let i = 0;
  const alt = (): Node => {
    const xs = [cat()];
    while (toks[i] === '|') { i++; xs.push(cat()); }
    return xs.length > 1 ? { t: 'alt', xs } : xs[0];
  };
  const cat = (): Node => {
    const xs: Node[] = [];
    while (i < toks.length && toks[i] !== '|' && toks[i] !== ')') {
      const t = toks[i++];
      if (t === '(') { xs.push(alt()); if (toks[i++] !== ')') throw new Unsupported('hex group'); continue; }
      if (t.startsWith('[')) {
        const m = /^\[\s*(\d*)\s*(-?)\s*(\d*)\s*\]$/.exec(t);
        if (!m) throw new Unsupported('jump');
        const min = m[1] === '' ? 0 : Number(m[1]);
        const max = m[2] ? (m[3] === '' ? Infinity : Number(m[3])) : min;
        xs.push({ t: 'rep', x: { t: 'set', set: ANY }, min, max, lazy: false });
        continue;
      }
      xs.push({ t: 'set', set: hexByte(t) });
    }
    return { t: 'cat', xs };
  };
  const n = alt();
  if (i !== toks.length) throw new Unsupported('hex trailing');
  return n;
}

function hexByte(t: string): Uint8Array {
  if (t.length === 2 && !t.includes('?')) return one(parseInt(t, 16));
  const neg = t.startsWith('~');
  const [hi, lo] = t.slice(neg ? 1 : 0);
  const bytes: number[] = [];
  for (let b = 0; b < 256; b++) {
    if ((hi === '?' || (b >> 4) === parseInt(hi, 16)) && (lo === '?' || (b & 15) === parseInt(lo, 16))) bytes.push(b);
  }
  return setOf(bytes, neg);
}

// ---------- output ----------

const folded = new WeakMap<Uint8Array, Uint8Array>();
const foldSet = (set: Uint8Array): Uint8Array => {
  let out = folded.get(set);
  if (out) return out;
  out = set.slice();
  for (let b = 65; b <= 90; b++) if (set[b] || set[b + 32]) { out[b] = 1; out[b + 32] = 1; }
  folded.set(set, out);
  return out;
};

const hex2 = (b: number): string => `\\x${b.toString(16).padStart(2, '0')}`;

const members = (set: Uint8Array): number => { let n = 0; for (let b = 0; b < 256; b++) n += set[b]; return n; };

const emitted = new WeakMap<Uint8Array, string>();
function emitSet(set: Uint8Array): string {
  let out = emitted.get(set);
  if (out === undefined) emitted.set(set, (out = emitSetOnce(set)));
  return out;
}

function emitSetOnce(set: Uint8Array): string {
  const n = members(set);
  if (n === 256) return '[\\s\\S]';
  if (n === 0) return '[^\\s\\S]';
  let out = '';
  for (let b = 0; b < 256; b++) {
    if (!set[b]) continue;
    let e = b;
    while (e + 1 < 256 && set[e + 1]) e++;
    out += e === b ? hex2(b) : e === b + 1 ? hex2(b) + hex2(e) : `${hex2(b)}-${hex2(e)}`;
    b = e;
  }
  return n === 1 ? out : `[${out}]`;
}

/** JavaScript source for a tree; `wide` puts a NUL after every byte, as libyara's wide patterns do. */
function emit(n: Node, nocase: boolean, wide: boolean): string {
  switch (n.t) {
    case 'set': return emitSet(nocase ? foldSet(n.set) : n.set) + (wide ? '\\x00' : '');
    case 'cat': return n.xs.map((x) => emit(x, nocase, wide)).join('');
    case 'alt': return `(?:${n.xs.map((x) => emit(x, nocase, wide)).join('|')})`;
    case 'assert':
      if (wide && (n.v === '\\b' || n.v === '\\B')) throw new Unsupported('word boundary in a wide pattern');
      return n.v;
    case 'rep': {
      const q = n.min === 0 && n.max === Infinity ? '*' : n.min === 1 && n.max === Infinity ? '+' : n.min === 0 && n.max === 1 ? '?'
        : `{${n.min},${n.max === Infinity ? '' : n.max}}`;
      return `(?:${emit(n.x, nocase, wide)})${q}${n.lazy ? '?' : ''}`;
    }
  }
}

// ---------- anchors ----------

interface Lit { exact: string | null; any: string[] | null }

const MAX_ANCHOR = 24;
const score = (xs: string[] | null): number => (xs && xs.length ? Math.min(...xs.map((x) => x.length)) : 0);
const better = (a: string[] | null, b: string[] | null): string[] | null => (score(b) > score(a) ? b : a);

/** The single lowercase byte a set stands for, ignoring ASCII case, or null. */
function singleFolded(set: Uint8Array): string | null {
  let one = -1;
  for (let b = 0; b < 256; b++) {
    if (!set[b]) continue;
    const f = b >= 65 && b <= 90 ? b + 32 : b;
    if (one >= 0 && one !== f) return null;
    one = f;
  }
  return one >= 0 ? String.fromCharCode(one) : null;
}

/** The literal a node always matches (folded), and a set of literals one of which every match contains. */
function literals(n: Node): Lit {
  switch (n.t) {
    case 'set': { const c = singleFolded(n.set); return { exact: c, any: c ? [c] : null }; }
    case 'assert': return { exact: '', any: null };
    case 'alt': {
      const parts = n.xs.map(literals);
      const each = parts.map((p) => (p.exact ? [p.exact] : p.any));
      const any = each.every((x) => x && x.length) ? [...new Set(each.flat() as string[])] : null;
      const same = parts.every((p) => p.exact !== null && p.exact === parts[0].exact);
      return { exact: same ? parts[0].exact : null, any };
    }
    case 'rep': {
      if (n.min === 0) return { exact: n.min === n.max ? '' : null, any: null };
      const inner = literals(n.x);
      if (inner.exact !== null) {
        const run = inner.exact.repeat(Math.min(n.min, Math.ceil(MAX_ANCHOR / Math.max(1, inner.exact.length))));
        return { exact: n.min === n.max ? inner.exact.repeat(n.min) : null, any: run ? [run.slice(0, MAX_ANCHOR)] : null };
      }
      return { exact: null, any: inner.any };
    }
    case 'cat': {
      let best: string[] | null = null;
      let run = '';
      let exact: string | null = '';
      for (const x of n.xs) {
        const l = literals(x);
        if (l.exact !== null) { run += l.exact; exact = exact === null ? null : exact + l.exact; continue; }
        exact = null;
        best = better(better(best, run ? [run.slice(0, MAX_ANCHOR)] : null), l.any);
        run = '';
      }
      best = better(best, run ? [run.slice(0, MAX_ANCHOR)] : null);
      return { exact, any: best };
    }
  }
}

const widen = (s: string): string => s.split('').map((c) => c + '\0').join('');

/** Anchors for the ascii and/or wide forms (empty when the best is under 4 bytes: not worth a pass). */
function anchorsOf(n: Node, ascii: boolean, wide: boolean): string[] {
  const l = literals(n);
  const any = l.exact && l.exact.length >= (l.any ? score(l.any) : 0) ? [l.exact.slice(0, MAX_ANCHOR)] : l.any;
  if (!any || score(any) < 4) return [];
  return [...(ascii ? any : []), ...(wide ? any.map(widen) : [])];
}

const isAnchored = (n: Node): boolean => (n.t === 'assert' ? n.v === '^' || n.v === '$' : n.t === 'rep' ? isAnchored(n.x) : n.t === 'cat' || n.t === 'alt' ? n.xs.some(isAnchored) : false);

function toPattern(tree: () => Node, nocase: boolean, ascii: boolean, wide: boolean): Pattern {
  let n: Node;
  try { n = tree(); } catch (e) { if (e instanceof Unsupported) return { re: null, anchors: [], anchored: true }; throw e; }
  const anchors = anchorsOf(n, ascii, wide);
  const anchored = isAnchored(n);
  try {
    const forms = [...(ascii ? [emit(n, nocase, false)] : []), ...(wide ? [emit(n, nocase, true)] : [])];
    return { re: new RegExp(forms.length > 1 ? forms.map((f) => `(?:${f})`).join('|') : forms[0]), anchors, anchored };
  } catch (e) {
    if (e instanceof Unsupported || e instanceof SyntaxError) return { re: null, anchors, anchored };
    throw e;
  }
}

/** A YARA regex string (source between the slashes, as written in the rule). */
const patterns = new Map<string, Pattern>();
export function regexPattern(source: string, flags: string, mods: { nocase: boolean; ascii: boolean; wide: boolean }): Pattern {
  // The same pattern recurs across rules and across scans in one process; a Pattern is never changed once made.
  const key = `${flags}/${+mods.nocase}${+mods.ascii}${+mods.wide}/${source}`;
  let p = patterns.get(key);
  if (!p) patterns.set(key, (p = regexPatternOnce(source, flags, mods)));
  return p;
}

function regexPatternOnce(source: string, flags: string, mods: { nocase: boolean; ascii: boolean; wide: boolean }): Pattern {
  const bytes = Buffer.from(source, 'utf8').toString('latin1');
  return toPattern(() => new RegexParser(bytes, flags.includes('s')).parse(), mods.nocase || flags.includes('i'), mods.ascii, mods.wide);
}

/** A YARA hex string (source between the braces). */
export function hexPattern(source: string): Pattern {
  return toPattern(() => parseHex(source), false, true, false);
}
