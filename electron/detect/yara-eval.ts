// A YARA condition evaluated in JavaScript over what the triage knows of a file. Every value is the set of outcomes
// libyara could give (true, false, undefined) — a single one when the triage knows, several when it depends on
// something only libyara sees (a regex that may match, a module, a count past what is known). The semantics follow
// YARA 4.x: comparisons and arithmetic on an undefined value are undefined, `not undefined` is undefined, `and`/`or`
// count undefined as false, a `for` counts an undefined body as false, and a rule matches only when its condition is
// true. A rule is decided when its set is {true} or lacks true. Conditions are compiled once into closures.
import type { Expr, Quant, RuleDef } from './yara-parse.ts';
import type { FileText, Hit, StringPlan } from './yara-strings.ts';
import { MATCHES_PER_STRING } from './yara.ts';

export const T = 1;
export const F = 2;
export const U = 4;
export const ANY = T | F | U;
export type Mask = number;

/** A number, NaN for YARA's undefined, or null when unknown to the triage. */
type Num = number | null;

/** Loops longer than this are left to libyara. */
const MAX_LOOP = 100_000;

export interface Scope {
  text: FileText;
  ruleValue(name: string): Mask;
  /** The string `$` stands for inside `for … of`. */
  current: StringPlan | null;
  vars: Map<string, number> | null;
}

type BoolFn = (sc: Scope) => Mask;
type NumFn = (sc: Scope) => Num;
type PlanRef = (sc: Scope) => StringPlan;

const fromBool = (b: boolean): Mask => (b ? T : F);

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    default: return a >= b;
  }
}

const SAFE = 2 ** 53;
const big = (v: number): bigint => BigInt.asIntN(64, BigInt(v));
const small = (v: bigint): Num => (v > BigInt(SAFE) || v < -BigInt(SAFE) ? null : Number(v));

function arith(op: string, a: number, b: number): Num {
  let r: number;
  switch (op) {
    case '+': r = a + b; break;
    case '-': r = a - b; break;
    case '*': r = a * b; break;
    case '\\': if (b === 0) return NaN; r = Math.trunc(a / b); break;
    case '%': if (b === 0) return NaN; r = a % b; break;
    case '&': return small(big(a) & big(b));
    case '|': return small(big(a) | big(b));
    case '^': return small(big(a) ^ big(b));
    case '<<': return b < 0 || b >= 64 ? null : small(BigInt.asIntN(64, big(a) << BigInt(b)));
    case '>>': return b < 0 || b >= 64 ? null : small(big(a) >> BigInt(b));
    default: return null;
  }
  return Math.abs(r) >= SAFE ? null : r;
}

function readInt(b: Uint8Array, at: number, bytes: number, signed: boolean, be: boolean): number {
  if (!Number.isInteger(at) || at < 0 || at + bytes > b.length) return NaN;
  let v = 0;
  for (let i = 0; i < bytes; i++) v = v * 256 + b[at + (be ? i : bytes - 1 - i)];
  return signed && v >= 2 ** (8 * bytes - 1) ? v - 2 ** (8 * bytes) : v;
}

/** Whether `sure` certain and `maybe` possible true members (of `n`) satisfy a quantifier. */
function quantify(need: number, atMost: number, sure: number, maybe: number): Mask {
  const must = sure >= need && sure + maybe <= atMost;
  const can = sure + maybe >= need && sure <= atMost;
  return must ? T : can ? T | F : F;
}

/** The quantifier as a test on (members, sure, maybe). */
function compileQuant(q: Quant, c: Compiler): (sc: Scope, n: number, sure: number, maybe: number) => Mask {
  if (q.k === 'any') return (_sc, _n, s, m) => quantify(1, Infinity, s, m);
  if (q.k === 'all') return (_sc, n, s, m) => quantify(n, Infinity, s, m);
  if (q.k === 'none') return (_sc, _n, s, m) => quantify(0, 0, s, m);
  const count = c.num(q.n);
  const pct = q.k === 'pct';
  return (sc, n, s, m) => {
    const v = count(sc);
    if (v === null || Number.isNaN(v)) return ANY;
    if (!pct) return quantify(v, Infinity, s, m);
    const exact = (v * n) / 100;
    if (Number.isInteger(exact)) return quantify(exact, Infinity, s, m);
    return s >= Math.ceil(exact) ? T : s + m < Math.floor(exact) ? F : T | F;
  };
}


class Compiler {
  constructor(private plans: Map<string, StringPlan>) {}

  planRef(s: string): PlanRef {
    if (s === '$') return (sc) => sc.current as StringPlan;
    const p = this.plans.get(s);
    if (!p) throw new Error(`string ${s} not planned`);
    return () => p;
  }

  /** `$a`, `$a at N`, `$a in (lo..hi)` for one string. */
  found(ref: PlanRef, at?: Expr, range?: [Expr, Expr]): BoolFn {
    if (!at && !range) return (sc) => { const ex = sc.text.occurs(ref(sc)); return ex === null ? T | F : fromBool(ex); };
    const lo = this.num(at ?? (range as [Expr, Expr])[0]);
    const hi = at ? lo : this.num((range as [Expr, Expr])[1]);
    return (sc) => {
      const p = ref(sc);
      const ex = sc.text.occurs(p);
      const a = lo(sc);
      const b = at ? a : hi(sc);
      if (a === null || b === null) return ex === false ? F | U : ANY;
      if (Number.isNaN(a) || Number.isNaN(b)) return U;
      if (ex === false) return F;
      const h = sc.text.hits(p);
      return h === null ? T | F : fromBool(h.some((x) => x.offset >= a && x.offset <= b));
    };
  }

  hitsOf(ref: PlanRef): (sc: Scope) => Hit[] | null {
    return (sc) => { const p = ref(sc); return sc.text.occurs(p) === false ? [] : sc.text.hits(p); };
  }

  /** Two operands: `unknown` when either is unknown to the triage, `undef` when either is undefined, else f. */
  private pair<R>(a: Expr, b: Expr, unknown: R, undef: R, f: (x: number, y: number) => R): (sc: Scope) => R {
    const fa = this.num(a);
    const fb = this.num(b);
    return (sc) => {
      const x = fa(sc);
      const y = fb(sc);
      if (x === null || y === null) return unknown;
      return Number.isNaN(x) || Number.isNaN(y) ? undef : f(x, y);
    };
  }

  num(e: Expr): NumFn {
    switch (e.k) {
      case 'num': { const v = e.v; return () => v; }
      case 'filesize': return (sc) => sc.text.bytes.length;
      case 'var': { const name = e.name; return (sc) => sc.vars?.get(name) ?? null; }
      case 'count': {
        const hits = this.hitsOf(this.planRef(e.s));
        if (!e.range) return (sc) => hits(sc)?.length ?? null;
        const lo = this.num(e.range[0]);
        const hi = this.num(e.range[1]);
        return (sc) => {
          const h = hits(sc);
          const a = lo(sc);
          const b = hi(sc);
          if (h === null || a === null || b === null) return null;
          return Number.isNaN(a) || Number.isNaN(b) ? NaN : h.filter((x) => x.offset >= a && x.offset <= b).length;
        };
      }
      case 'offset': case 'length': {
        const hits = this.hitsOf(this.planRef(e.s));
        const idx = this.num(e.idx);
        const offset = e.k === 'offset';
        return (sc) => {
          const i = idx(sc);
          if (i === null || Number.isNaN(i)) return i;
          const h = hits(sc);
          if (h === null) return null;
          const x = h[i - 1];
          return x ? (offset ? x.offset : x.length) : NaN;
        };
      }
      case 'int': {
        const at = this.num(e.at);
        const { bytes, signed, be } = e;
        return (sc) => { const a = at(sc); return a === null || Number.isNaN(a) ? a : readInt(sc.text.bytes, a, bytes, signed, be); };
      }
      case 'arith': { const op = e.op; return this.pair<Num>(e.a, e.b, null, NaN, (x, y) => arith(op, x, y)); }
      case 'neg': { const a = this.num(e.a); return (sc) => { const x = a(sc); return x === null ? null : -x; }; }
      case 'bnot': { const a = this.num(e.a); return (sc) => { const x = a(sc); return x === null || Number.isNaN(x) ? x : small(~big(x)); }; }
      default: return () => null;
    }
  }

  bool(e: Expr): BoolFn {
    switch (e.k) {
      case 'bool': { const m = fromBool(e.v); return () => m; }
      case 'and': {
        const xs = e.xs.map((x) => this.bool(x));
        return (sc) => {
          let all = true;
          for (const x of xs) { const m = x(sc); if (!(m & T)) return F; if (m !== T) all = false; }
          return all ? T : T | F;
        };
      }
      case 'or': {
        const xs = e.xs.map((x) => this.bool(x));
        return (sc) => {
          let none = true;
          for (const x of xs) { const m = x(sc); if (m === T) return T; if (m & T) none = false; }
          return none ? F : T | F;
        };
      }
      case 'not': { const a = this.bool(e.a); return (sc) => { const m = a(sc); return (m & T ? F : 0) | (m & F ? T : 0) | (m & U); }; }
      case 'cmp': { const op = e.op; return this.pair<Mask>(e.a, e.b, ANY, U, (x, y) => fromBool(compare(op, x, y))); }
      case 'found': return this.found(this.planRef(e.s), e.at, e.range);
      case 'of': {
        const members = e.set.map((s) => this.found(this.planRef(s), e.at, e.range));
        const q = compileQuant(e.q, this);
        return (sc) => {
          let sure = 0;
          let maybe = 0;
          for (const f of members) { const m = f(sc); if (m === T) sure++; else if (m & T) maybe++; }
          return q(sc, members.length, sure, maybe);
        };
      }
      case 'forOf': return this.forOf(e);
      case 'forIn': return this.forIn(e);
      case 'rule': { const name = e.name; return (sc) => sc.ruleValue(name); }
      case 'unknown': case 'text': return () => ANY;
      default: {
        // An integer in a boolean context: true when not zero.
        const v = this.num(e);
        return (sc) => { const x = v(sc); return x === null ? ANY : Number.isNaN(x) ? U : fromBool(x !== 0); };
      }
    }
  }

  forOf(e: Extract<Expr, { k: 'forOf' }>): BoolFn {
    const members = e.set.map((s) => this.planRef(s));
    const body = this.bool(e.body);
    const q = compileQuant(e.q, this);
    return (sc) => {
      const outer = sc.current;
      let sure = 0;
      let maybe = 0;
      try {
        for (const ref of members) { sc.current = ref(sc); const m = body(sc); if (m === T) sure++; else if (m & T) maybe++; }
        return q(sc, members.length, sure, maybe);
      } finally {
        sc.current = outer;
      }
    };
  }

  forIn(e: Extract<Expr, { k: 'forIn' }>): BoolFn {
    const bounds = e.isRange ? (e.iter as [Expr, Expr]).map((x) => this.num(x)) : null;
    const list = e.isRange ? null : (e.iter as Expr[]).map((x) => this.num(x));
    const body = this.bool(e.body);
    const q = compileQuant(e.q, this);
    const name = e.vars[0];
    const values = (sc: Scope): number[] | null => {
      if (list) { const xs = list.map((f) => f(sc)); return xs.some((x) => x === null || Number.isNaN(x)) ? null : (xs as number[]); }
      const [lo, hi] = (bounds as NumFn[]).map((f) => f(sc));
      if (lo === null || hi === null || Number.isNaN(lo) || Number.isNaN(hi) || hi - lo >= MAX_LOOP) return null;
      return Array.from({ length: Math.max(0, hi - lo + 1) }, (_, i) => lo + i);
    };
    return (sc) => {
      const vs = values(sc);
      if (!vs || !vs.length) return ANY;
      const vars = (sc.vars ??= new Map());
      const outer = vars.get(name);
      let sure = 0;
      let maybe = 0;
      try {
        for (const v of vs) { vars.set(name, v); const m = body(sc); if (m === T) sure++; else if (m & T) maybe++; }
        return q(sc, vs.length, sure, maybe);
      } finally {
        if (outer === undefined) vars.delete(name); else vars.set(name, outer);
      }
    };
  }
}

/** A rule's condition compiled: the set of possible libyara outcomes for a file. */
export function compileRule(rule: RuleDef, plans: Map<string, StringPlan>): BoolFn {
  if (!rule.condition) return () => ANY;
  return new Compiler(plans).bool(rule.condition);
}

/** The matches of a rule's reported strings, when every one is known (null otherwise). */
export function ruleHits(text: FileText, rule: RuleDef, plans: Map<string, StringPlan>): Array<{ identifier: string; offset: number; length: number }> | null {
  const out: Array<{ identifier: string; offset: number; length: number }> = [];
  for (const def of rule.strings) {
    if (def.private) continue;
    const h = text.firstHits(plans.get(def.id) as StringPlan, MATCHES_PER_STRING);
    if (h === null) return null;
    const identifier = def.id.startsWith('$#anon') ? '$' : def.id;
    for (const x of h) out.push({ identifier, offset: x.offset, length: x.length });
  }
  return out;
}
