// A reader for YARA rule sources (the YARA 4.x language): imports, rules with their modifiers, meta, strings and the
// condition as a tree. It serves the JavaScript triage (yara-eval.ts), which must know exactly what a rule says; any
// construct it does not know makes that rule (or the whole source) "not understood", and such rules are always left to
// libyara. It checks nothing libyara checks: sources reach it only after they compiled.

export interface TextString { kind: 'text'; bytes: Uint8Array }
export interface HexString { kind: 'hex'; source: string }
export interface RegexString { kind: 'regex'; source: string; flags: string }
export interface StringDef {
  id: string;
  value: TextString | HexString | RegexString;
  nocase: boolean; ascii: boolean; wide: boolean; fullword: boolean; private: boolean;
  /** xor / base64 / base64wide: matched by libyara only (the triage treats the string as unknown). */
  exotic: boolean;
  /** The value and modifiers as written, `private` left out: the string's definition for a probe rule. */
  definition: string;
}

export type Expr =
  | { k: 'bool'; v: boolean }
  | { k: 'num'; v: number }
  | { k: 'text' }
  | { k: 'filesize' }
  | { k: 'found'; s: string; at?: Expr; range?: [Expr, Expr] }
  | { k: 'count'; s: string; range?: [Expr, Expr] }
  | { k: 'offset' | 'length'; s: string; idx: Expr }
  | { k: 'int'; bytes: 1 | 2 | 4; signed: boolean; be: boolean; at: Expr }
  | { k: 'of'; q: Quant; set: string[]; at?: Expr; range?: [Expr, Expr] }
  | { k: 'forOf'; q: Quant; set: string[]; body: Expr }
  | { k: 'forIn'; q: Quant; vars: string[]; iter: Expr[] | [Expr, Expr] | null; isRange: boolean; body: Expr }
  | { k: 'rule'; name: string }
  | { k: 'var'; name: string }
  | { k: 'unknown' }
  | { k: 'not'; a: Expr }
  | { k: 'and' | 'or'; xs: Expr[] }
  | { k: 'cmp'; op: string; a: Expr; b: Expr }
  | { k: 'arith'; op: string; a: Expr; b: Expr }
  | { k: 'neg' | 'bnot'; a: Expr };

export type Quant = { k: 'any' } | { k: 'all' } | { k: 'none' } | { k: 'n'; n: Expr } | { k: 'pct'; n: Expr };

export interface RuleDef {
  name: string; isPrivate: boolean; isGlobal: boolean;
  meta: Record<string, string>;
  /** The rule's own text (for compiling a subset of the source). */
  text: string;
  strings: StringDef[];
  /** null when the condition uses something the triage does not model. */
  condition: Expr | null;
  /** String ids used only as `$x at <constant>` (libyara then looks for them at that offset only). */
  fixedAt: Map<string, number>;
  /** Rules referenced by the condition. */
  refs: string[];
}

export interface SourceDef { imports: string[]; rules: RuleDef[] }

class Syntax extends Error {}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const KEYWORDS = new Set(['and', 'or', 'not', 'at', 'in', 'of', 'for', 'them', 'all', 'any', 'none', 'true', 'false', 'filesize', 'entrypoint', 'matches', 'contains', 'icontains', 'startswith', 'istartswith', 'endswith', 'iendswith', 'iequals', 'defined']);

const isBlank = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0xfeff;

/** A cursor over the source that skips blanks and comments. */
class Cursor {
  pos = 0;
  constructor(readonly s: string) {}

  skip(): void {
    for (;;) {
      while (this.pos < this.s.length && isBlank(this.s.charCodeAt(this.pos))) this.pos++;
      if (this.s.startsWith('//', this.pos)) { const e = this.s.indexOf('\n', this.pos); this.pos = e < 0 ? this.s.length : e; continue; }
      if (this.s.startsWith('/*', this.pos)) { const e = this.s.indexOf('*/', this.pos + 2); if (e < 0) throw new Syntax('comment'); this.pos = e + 2; continue; }
      return;
    }
  }

  eof(): boolean { this.skip(); return this.pos >= this.s.length; }

  peekWord(): string | null {
    this.skip();
    IDENT.lastIndex = this.pos;
    const m = IDENT.exec(this.s);
    return m ? m[0] : null;
  }

  word(): string {
    const w = this.peekWord();
    if (!w) throw new Syntax(`identifier expected at ${this.pos}`);
    this.pos += w.length;
    return w;
  }

  eat(tok: string): boolean {
    this.skip();
    if (!this.s.startsWith(tok, this.pos)) return false;
    if (/\w/.test(tok[tok.length - 1]) && /\w/.test(this.s[this.pos + tok.length] ?? '')) return false;
    this.pos += tok.length;
    return true;
  }

  expect(tok: string): void { if (!this.eat(tok)) throw new Syntax(`"${tok}" expected at ${this.pos}`); }

  /** A "…" literal: its bytes (UTF-8), YARA escapes (\t \n \r \" \\ \xHH) decoded. */
  quoted(): Uint8Array {
    this.skip();
    if (this.s[this.pos] !== '"') throw new Syntax('text expected');
    const out: number[] = [];
    let i = this.pos + 1;
    for (; i < this.s.length && this.s[i] !== '"'; i++) {
      const c = this.s[i];
      if (c === '\n') throw new Syntax('unterminated text');
      if (c !== '\\') {
        const code = c.charCodeAt(0);
        if (code < 0x80) out.push(code);
        else { const cp = this.s.codePointAt(i) as number; pushUtf8(out, cp); if (cp > 0xffff) i++; }
        continue;
      }
      const e = this.s[++i];
      if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(this.s.slice(i + 1, i + 3))) { out.push(parseInt(this.s.slice(i + 1, i + 3), 16)); i += 2; }
      else if (e === 't') out.push(9);
      else if (e === 'n') out.push(10);
      else if (e === 'r') out.push(13);
      else if (e === '"' || e === '\\') out.push(e.charCodeAt(0));
      else throw new Syntax('escape');
    }
    if (i >= this.s.length) throw new Syntax('unterminated text');
    this.pos = i + 1;
    return Uint8Array.from(out);
  }

  /** A /regex/flags literal (the slash already at pos). */
  regex(): { source: string; flags: string } {
    this.skip();
    if (this.s[this.pos] !== '/') throw new Syntax('regex expected');
    let i = this.pos + 1;
    for (; i < this.s.length && this.s[i] !== '/'; i++) {
      if (this.s[i] === '\\') i++;
      if (this.s[i] === '\n') throw new Syntax('unterminated regex');
    }
    const source = this.s.slice(this.pos + 1, i);
    let j = i + 1;
    while (/[is]/.test(this.s[j] ?? '')) j++;
    this.pos = j;
    return { source, flags: this.s.slice(i + 1, j) };
  }
}

function pushUtf8(out: number[], cp: number): void {
  for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) out.push(b);
}

/** Meta values as libyara reports them: text unescaped (UTF-8), numbers and booleans as written. */
function parseMeta(c: Cursor): Record<string, string> {
  const meta: Record<string, string> = {};
  while (c.peekWord() && !['strings', 'condition'].includes(c.peekWord() as string)) {
    const key = c.word();
    c.expect('=');
    c.skip();
    if (c.s[c.pos] === '"') { meta[key] = Buffer.from(c.quoted()).toString('utf8'); continue; }
    const m = /-?(0x[0-9a-fA-F]+|\d+)|true|false/y;
    m.lastIndex = c.pos;
    const v = m.exec(c.s);
    if (!v) throw new Syntax('meta value');
    meta[key] = v[0];
    c.pos = m.lastIndex;
  }
  return meta;
}

/** Reads the modifiers; returns them as written (for the string's definition), `private` left out. */
function parseModifiers(c: Cursor, d: StringDef): string[] {
  const out: string[] = [];
  for (;;) {
    const w = c.peekWord();
    if (!w || !['nocase', 'ascii', 'wide', 'fullword', 'private', 'xor', 'base64', 'base64wide'].includes(w)) return out;
    const start = c.pos;
    c.word();
    if (w === 'xor' || w === 'base64' || w === 'base64wide') {
      d.exotic = true;
      if (c.eat('(')) {
        c.skip();
        if (c.s[c.pos] === '"') c.quoted();
        const e = c.s.indexOf(')', c.pos);
        if (e < 0) throw new Syntax('modifier');
        c.pos = e + 1;
      }
    } else if (w === 'private') { d.private = true; continue; }
    else d[w as 'nocase' | 'ascii' | 'wide' | 'fullword'] = true;
    out.push(c.s.slice(start, c.pos).trim());
  }
}

function parseString(c: Cursor, anon: number): StringDef {
  c.skip();
  const m = /\$[A-Za-z0-9_]*/y;
  m.lastIndex = c.pos;
  const id = m.exec(c.s)?.[0];
  if (!id) throw new Syntax('string id');
  c.pos = m.lastIndex;
  c.expect('=');
  c.skip();
  const valueStart = c.pos;
  let value: StringDef['value'];
  if (c.s[c.pos] === '"') value = { kind: 'text', bytes: c.quoted() };
  else if (c.s[c.pos] === '/') value = { kind: 'regex', ...c.regex() };
  else if (c.s[c.pos] === '{') {
    const e = c.s.indexOf('}', c.pos);
    if (e < 0) throw new Syntax('hex');
    value = { kind: 'hex', source: c.s.slice(c.pos + 1, e).replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, ' ') };
    c.pos = e + 1;
  } else throw new Syntax('string value');
  const valueText = c.s.slice(valueStart, c.pos);
  const d: StringDef = { id: id === '$' ? `$#anon${anon}` : id, value, nocase: false, ascii: false, wide: false, fullword: false, private: false, exotic: false, definition: '' };
  d.definition = [valueText, ...parseModifiers(c, d)].join(' ');
  if (!d.wide) d.ascii = true;
  if (value.kind === 'regex' && value.flags.includes('i')) d.nocase = true;
  return d;
}

/** The end (index of the closing brace) of a condition that starts at `from`: braces never occur in a condition. */
function conditionEnd(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"') { for (i++; i < s.length && s[i] !== '"'; i++) if (s[i] === '\\') i++; continue; }
    if (ch === '/' && s[i + 1] === '/') { i = s.indexOf('\n', i); if (i < 0) return -1; continue; }
    if (ch === '/' && s[i + 1] === '*') { i = s.indexOf('*/', i + 2) + 1; if (i <= 0) return -1; continue; }
    if (ch === '/' && /matches\s*$/.test(s.slice(Math.max(0, i - 16), i))) { for (i++; i < s.length && s[i] !== '/'; i++) if (s[i] === '\\') i++; continue; }
    if (ch === '}') return i;
  }
  return -1;
}

function parseRule(c: Cursor, known: Set<string>): RuleDef {
  const start = c.pos;
  let isPrivate = false;
  let isGlobal = false;
  for (let w = c.word(); w !== 'rule'; w = c.word()) {
    if (w === 'private') isPrivate = true;
    else if (w === 'global') isGlobal = true;
    else throw new Syntax(`unexpected ${w}`);
  }
  const name = c.word();
  if (c.eat(':')) while (c.peekWord() && !c.s.startsWith('{', c.pos)) c.word();
  c.expect('{');
  const strings: StringDef[] = [];
  let meta: Record<string, string> = {};
  if (c.eat('meta')) { c.expect(':'); meta = parseMeta(c); }
  if (c.eat('strings')) { c.expect(':'); c.skip(); while (c.s[c.pos] === '$') { strings.push(parseString(c, strings.length)); c.skip(); } }
  c.expect('condition');
  c.expect(':');
  const end = conditionEnd(c.s, c.pos);
  if (end < 0) throw new Syntax('condition end');
  const condText = c.s.slice(c.pos, end);
  c.pos = end + 1;
  const info = { refs: new Set<string>(), uses: new Map<string, Set<number | null>>() };
  let condition: Expr | null = null;
  try {
    condition = parseCondition(condText, strings.map((x) => x.id), known, info);
  } catch (e) {
    if (!(e instanceof Syntax)) throw e;
  }
  const fixedAt = new Map<string, number>();
  for (const [id, offs] of info.uses) if (offs.size === 1 && !offs.has(null)) fixedAt.set(id, [...offs][0] as number);
  return { name, isPrivate, isGlobal, meta, text: c.s.slice(start, end + 1), strings, condition, fixedAt, refs: [...info.refs] };
}

/** Reads a whole source, or null when it holds something this reader does not know (then libyara does it all). */
export function parseSource(source: string): SourceDef | null {
  const c = new Cursor(source);
  const out: SourceDef = { imports: [], rules: [] };
  const known = new Set<string>();
  try {
    while (!c.eof()) {
      if (c.eat('import')) { c.quoted(); continue; }
      if (c.peekWord() === 'include') return null;
      const r = parseRule(c, known);
      known.add(r.name);
      out.rules.push(r);
    }
  } catch (e) {
    if (e instanceof Syntax) return null;
    throw e;
  }
  out.imports = [...source.matchAll(/^\s*import\s+"[^"\n]*"/gm)].map((m) => m[0].trim());
  return out;
}

// ---------- the condition ----------

interface Tok { t: 'id' | 'sid' | 'num' | 'text' | 'regex' | 'op'; v: string; n?: number }

const SID = /[$#@!][A-Za-z0-9_]*\*?/y;
const NUMBER = /(0x[0-9a-fA-F]+|0o[0-7]+|\d+\.\d+|\d+)(KB|MB)?/y;
const sticky = (re: RegExp, s: string, at: number): RegExpExecArray | null => { re.lastIndex = at; return re.exec(s); };

function tokenize(s: string): Tok[] {
  const out: Tok[] = [];
  const c = new Cursor(s);
  while (!c.eof()) {
    const ch = s[c.pos];
    const rest = s.slice(c.pos, c.pos + 3);
    let m: RegExpExecArray | null;
    if (ch === '"') { c.quoted(); out.push({ t: 'text', v: '' }); continue; }
    if (ch === '/' && out.length && out[out.length - 1].v === 'matches') { c.regex(); out.push({ t: 'regex', v: '' }); continue; }
    if ((m = sticky(SID, s, c.pos)) && !(ch === '!' && s[c.pos + 1] === '=')) {
      out.push({ t: 'sid', v: m[0] }); c.pos += m[0].length; continue;
    }
    if ((m = sticky(NUMBER, s, c.pos))) {
      const [, digits, unit] = m;
      const base = digits.startsWith('0x') ? parseInt(digits.slice(2), 16) : digits.startsWith('0o') ? parseInt(digits.slice(2), 8) : Number(digits);
      out.push({ t: 'num', v: m[0], n: digits.includes('.') ? NaN : base * (unit === 'KB' ? 1024 : unit === 'MB' ? 1048576 : 1) });
      c.pos += m[0].length;
      continue;
    }
    const w = c.peekWord();
    if (w) { out.push({ t: 'id', v: w }); c.pos += w.length; continue; }
    const op = ['..', '==', '!=', '<=', '>=', '<<', '>>'].find((o) => rest.startsWith(o)) ?? ch;
    if (!'()[],:<>+-*\\%&|^~.'.includes(op) && op.length === 1) throw new Syntax(`character ${ch}`);
    out.push({ t: 'op', v: op });
    c.pos += op.length;
  }
  return out;
}

const INT_FN = /^(u?)int(8|16|32)(be)?$/;

/** Recursive descent over YARA's operator precedence (lowest first: or, and, not, ==, <, |, ^, &, <<, +, *, unary). */
class CondParser {
  i = 0;
  vars: string[] = [];
  constructor(readonly toks: Tok[], private ids: string[], private rules: Set<string>,
    private info: { refs: Set<string>; uses: Map<string, Set<number | null>> }) {}

  peek(o = 0): Tok | undefined { return this.toks[this.i + o]; }
  is(v: string, o = 0): boolean { const t = this.peek(o); return !!t && (t.t === 'op' || t.t === 'id') && t.v === v; }
  take(v: string): boolean { if (this.is(v)) { this.i++; return true; } return false; }
  need(v: string): void { if (!this.take(v)) throw new Syntax(`"${v}" expected`); }

  expr(): Expr { return this.or(); }

  or(): Expr { const xs = [this.and()]; while (this.take('or')) xs.push(this.and()); return xs.length > 1 ? { k: 'or', xs } : xs[0]; }
  and(): Expr { const xs = [this.not()]; while (this.take('and')) xs.push(this.not()); return xs.length > 1 ? { k: 'and', xs } : xs[0]; }
  not(): Expr {
    if (this.take('not')) return { k: 'not', a: this.not() };
    if (this.take('defined')) { this.not(); return { k: 'unknown' }; }
    return this.equality();
  }

  equality(): Expr {
    let a = this.relational();
    for (;;) {
      const t = this.peek();
      if (!t) return a;
      if (t.v === '==' || t.v === '!=') { this.i++; a = { k: 'cmp', op: t.v, a, b: this.relational() }; continue; }
      if (t.t === 'id' && ['contains', 'icontains', 'startswith', 'istartswith', 'endswith', 'iendswith', 'iequals'].includes(t.v)) { this.i++; this.relational(); a = { k: 'unknown' }; continue; }
      if (t.t === 'id' && t.v === 'matches') { this.i++; if (this.peek()?.t !== 'regex') throw new Syntax('regex'); this.i++; a = { k: 'unknown' }; continue; }
      return a;
    }
  }

  relational(): Expr {
    let a = this.binary(0);
    while (['<', '<=', '>', '>='].includes(this.peek()?.v ?? '') && this.peek()?.t === 'op') { const op = (this.peek() as Tok).v; this.i++; a = { k: 'cmp', op, a, b: this.binary(0) }; }
    return a;
  }

  static LEVELS = [['|'], ['^'], ['&'], ['<<', '>>'], ['+', '-'], ['*', '\\', '%']];

  binary(level: number): Expr {
    if (level >= CondParser.LEVELS.length) return this.unary();
    let a = this.binary(level + 1);
    while (this.peek()?.t === 'op' && CondParser.LEVELS[level].includes((this.peek() as Tok).v)) {
      const op = (this.peek() as Tok).v;
      this.i++;
      a = { k: 'arith', op, a, b: this.binary(level + 1) };
    }
    return a;
  }

  unary(): Expr {
    if (this.take('-')) return { k: 'neg', a: this.unary() };
    if (this.take('~')) return { k: 'bnot', a: this.unary() };
    return this.primary();
  }

  range(): [Expr, Expr] { this.need('('); const lo = this.binary(0); this.need('..'); const hi = this.binary(0); this.need(')'); return [lo, hi]; }

  /** `them` or `($a, $b*)`: the string ids it names (a rule set or a boolean set is not modelled). */
  stringSet(): string[] {
    if (this.take('them')) return this.ids.slice();
    this.need('(');
    const out: string[] = [];
    do {
      const t = this.peek();
      if (t?.t !== 'sid' || t.v[0] !== '$') throw new Syntax('string set');
      this.i++;
      const got = t.v.endsWith('*') ? this.ids.filter((id) => id.startsWith(t.v.slice(0, -1)) && !id.startsWith('$#anon')) : this.ids.filter((id) => id === t.v);
      if (t.v === '$*') got.push(...this.ids.filter((id) => id.startsWith('$#anon')));
      if (!got.length) throw new Syntax(`no string ${t.v}`);
      out.push(...got);
    } while (this.take(','));
    this.need(')');
    return [...new Set(out)];
  }

  /** any / all / none / N / N%, when followed by `of` (or, in a `for`, by a loop variable). */
  quantifier(inFor = false): Quant | null {
    if (this.take('any')) return { k: 'any' };
    if (this.take('all')) return { k: 'all' };
    if (this.take('none')) return { k: 'none' };
    const t = this.peek();
    if (t?.t === 'num' && (this.is('of', 1) || (this.is('%', 1) && this.is('of', 2)) || (inFor && this.peek(1)?.t === 'id'))) {
      this.i++;
      if (this.take('%')) return { k: 'pct', n: { k: 'num', v: t.n as number } };
      return { k: 'n', n: { k: 'num', v: t.n as number } };
    }
    return null;
  }

  use(id: string, at: number | null): void {
    let s = this.info.uses.get(id);
    if (!s) this.info.uses.set(id, (s = new Set()));
    s.add(at);
  }

  stringRef(t: Tok): Expr {
    const s = t.v.slice(1);
    const id = '$' + s;
    if (t.v[0] === '$') {
      if (s === '' ) return this.take('at') ? { k: 'found', s: '$', at: this.binary(0) } : this.is('in') ? (this.i++, { k: 'found', s: '$', range: this.range() }) : { k: 'found', s: '$' };
      if (!this.ids.includes(id)) throw new Syntax(`string ${id}`);
      if (this.take('at')) {
        const at = this.binary(0);
        this.use(id, at.k === 'num' ? at.v : null);
        return { k: 'found', s: id, at };
      }
      this.use(id, null);
      if (this.take('in')) return { k: 'found', s: id, range: this.range() };
      return { k: 'found', s: id };
    }
    const sid = s === '' ? '$' : id;
    if (sid !== '$') { if (!this.ids.includes(sid)) throw new Syntax(`string ${sid}`); this.use(sid, null); }
    if (t.v[0] === '#') return this.take('in') ? { k: 'count', s: sid, range: this.range() } : { k: 'count', s: sid };
    let idx: Expr = { k: 'num', v: 1 };
    if (this.take('[')) { idx = this.expr(); this.need(']'); }
    return { k: t.v[0] === '@' ? 'offset' : 'length', s: sid, idx };
  }

  /** `pe.sections[0].name`, `math.entropy(0, filesize)`: consumed, value unknown to the triage. */
  moduleExpr(): Expr {
    for (;;) {
      if (this.take('.')) { if (this.peek()?.t !== 'id') throw new Syntax('member'); this.i++; continue; }
      if (this.take('[')) { this.expr(); this.need(']'); continue; }
      if (this.take('(')) { if (!this.take(')')) { do this.expr(); while (this.take(',')); this.need(')'); } continue; }
      return { k: 'unknown' };
    }
  }

  forExpr(): Expr {
    const q = this.quantifier(true) ?? { k: 'n' as const, n: this.binary(0) };
    if (this.take('of')) {
      const set = this.stringSet();
      for (const id of set) this.use(id, null);
      this.need(':');
      this.need('(');
      const body = this.expr();
      this.need(')');
      return { k: 'forOf', q, set, body };
    }
    const vars: string[] = [];
    do { const t = this.peek(); if (t?.t !== 'id') throw new Syntax('loop variable'); vars.push(t.v); this.i++; } while (this.take(','));
    this.need('in');
    let iter: Expr[] | [Expr, Expr] | null = null;
    let isRange = false;
    if (!this.is('(')) this.primary();
    else {
      const save = this.i;
      try { iter = this.range(); isRange = true; } catch (e) {
        if (!(e instanceof Syntax)) throw e;
        this.i = save;
        this.need('(');
        const xs: Expr[] = [];
        do xs.push(this.binary(0)); while (this.take(','));
        this.need(')');
        iter = xs;
      }
    }
    this.need(':');
    this.need('(');
    this.vars.push(...vars);
    const body = this.expr();
    this.vars.splice(this.vars.length - vars.length, vars.length);
    this.need(')');
    return vars.length === 1 && iter ? { k: 'forIn', q, vars, iter, isRange, body } : { k: 'unknown' };
  }

  primary(): Expr {
    const t = this.peek();
    if (!t) throw new Syntax('expression expected');
    if (t.t === 'op' && t.v === '(') { this.i++; const e = this.expr(); this.need(')'); return e; }
    if (t.t === 'num') {
      const q = this.quantifier();
      if (q) return this.ofExpr(q);
      this.i++;
      return Number.isNaN(t.n) ? { k: 'unknown' } : { k: 'num', v: t.n as number };
    }
    if (t.t === 'text') { this.i++; return { k: 'text' }; }
    if (t.t === 'sid') { this.i++; return this.stringRef(t); }
    if (t.t !== 'id') throw new Syntax(`unexpected ${t.v}`);
    if (t.v === 'any' || t.v === 'all' || t.v === 'none') return this.ofExpr(this.quantifier() as Quant);
    this.i++;
    if (t.v === 'true' || t.v === 'false') return { k: 'bool', v: t.v === 'true' };
    if (t.v === 'filesize') return { k: 'filesize' };
    if (t.v === 'entrypoint') return { k: 'unknown' };
    if (t.v === 'for') return this.forExpr();
    const fn = INT_FN.exec(t.v);
    if (fn && this.is('(')) {
      this.i++;
      const at = this.expr();
      this.need(')');
      return { k: 'int', bytes: (Number(fn[2]) / 8) as 1 | 2 | 4, signed: fn[1] !== 'u', be: !!fn[3], at };
    }
    if (this.vars.includes(t.v)) return this.is('.') || this.is('[') ? this.moduleExpr() : { k: 'var', name: t.v };
    if (this.rules.has(t.v) && !this.is('.')) { this.info.refs.add(t.v); return { k: 'rule', name: t.v }; }
    if (KEYWORDS.has(t.v)) throw new Syntax(`unexpected ${t.v}`);
    return this.moduleExpr();
  }

  ofExpr(q: Quant): Expr {
    this.need('of');
    if (!this.is('them') && !(this.is('(') && this.peek(1)?.t === 'sid')) throw new Syntax('rule or boolean set');
    const set = this.stringSet();
    if (this.take('at')) { const at = this.binary(0); for (const id of set) this.use(id, null); return { k: 'of', q, set, at }; }
    for (const id of set) this.use(id, null);
    if (this.take('in')) return { k: 'of', q, set, range: this.range() };
    return { k: 'of', q, set };
  }
}

function parseCondition(text: string, ids: string[], rules: Set<string>, info: { refs: Set<string>; uses: Map<string, Set<number | null>> }): Expr {
  const p = new CondParser(tokenize(text), ids, rules, info);
  const e = p.expr();
  if (p.i !== p.toks.length) throw new Syntax('trailing tokens');
  return e;
}
