// Sigma conditions: `and`, `or`, `not`, parentheses, and `1 of` / `any of` / `all of` / `N of` over search
// identifiers, wildcard patterns (`selection_*`) or `them`. Aggregations after `|` are correlation, not supported here.
import { Unsupported } from './encode.ts';
import type { Compiled } from './modifiers.ts';
import { allOf, anyOf, TRUE } from './needs.ts';

type Tok = { k: 'id' | 'op' | '(' | ')'; v: string; at: number };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(?:(\()|(\))|([A-Za-z0-9_*?.-]+))/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < src.length && (m = re.exec(src))) {
    if (m[1]) out.push({ k: '(', v: '(', at: m.index });
    else if (m[2]) out.push({ k: ')', v: ')', at: m.index });
    else if (m[3]) {
      const low = m[3].toLowerCase();
      out.push({ k: ['and', 'or', 'not', 'of', 'them'].includes(low) ? 'op' : 'id', v: ['and', 'or', 'not', 'of', 'them'].includes(low) ? low : m[3], at: m.index });
    }
    at = re.lastIndex;
  }
  const rest = src.slice(at).trim();
  if (rest) {
    if (rest.startsWith('|')) throw new Unsupported('aggregation in the condition (correlation rules are not supported yet)');
    throw new Unsupported(`condition: unexpected "${rest.slice(0, 20)}"`);
  }
  return out;
}

/** Compiles a condition over the named searches of a rule. */
export function compileCondition(src: string, searches: Map<string, Compiled>): Compiled {
  const toks = tokenize(src);
  let i = 0;
  const peek = () => toks[i];
  const fail = (what: string): never => { throw new Unsupported(`condition "${src}": ${what}`); };

  const primary = (): Compiled => {
    const t = peek();
    if (!t) return fail('ends too early');
    if (t.k === '(') {
      i++;
      const e = orExpr();
      if (peek()?.k !== ')') fail('missing )');
      i++;
      return e;
    }
    if (t.k === 'id' && toks[i + 1]?.v === 'of') return quantified();
    if (t.k === 'id') {
      i++;
      const s = searches.get(t.v);
      return s ?? fail(`unknown search identifier "${t.v}"`);
    }
    return fail(`unexpected "${t.v}"`);
  };

  const quantified = (): Compiled => {
    const q = toks[i].v.toLowerCase();
    i += 2;
    const target = peek();
    if (!target || (target.k !== 'id' && target.v !== 'them')) return fail('"of" needs a pattern or "them"');
    i++;
    const names = [...searches.keys()].filter((n) => (target.v === 'them' ? !n.startsWith('_') : globMatch(target.v, n)));
    if (names.length === 0) fail(`no search identifier matches "${target.v}"`);
    const parts = names.map((n) => searches.get(n)!);
    if (q === 'all') return { test: (ev) => parts.every((p) => p.test(ev)), needs: allOf(parts.map((p) => p.needs)) };
    const n = q === 'any' ? 1 : Number(q);
    if (!Number.isInteger(n) || n < 1) fail(`"${q} of" is not a quantifier`);
    if (n === 1) return { test: (ev) => parts.some((p) => p.test(ev)), needs: anyOf(parts.map((p) => p.needs)) };
    return { test: (ev) => { let k = 0; for (const p of parts) if (p.test(ev) && ++k >= n) return true; return false; }, needs: anyOf(parts.map((p) => p.needs)) };
  };

  const notExpr = (): Compiled => {
    if (peek()?.v === 'not' && peek()?.k === 'op') {
      i++;
      const e = notExpr();
      return { test: (ev) => !e.test(ev), needs: TRUE };
    }
    return primary();
  };

  const andExpr = (): Compiled => {
    const parts = [notExpr()];
    while (peek()?.k === 'op' && peek()?.v === 'and') { i++; parts.push(notExpr()); }
    return parts.length === 1 ? parts[0] : { test: (ev) => parts.every((p) => p.test(ev)), needs: allOf(parts.map((p) => p.needs)) };
  };

  const orExpr = (): Compiled => {
    const parts = [andExpr()];
    while (peek()?.k === 'op' && peek()?.v === 'or') { i++; parts.push(andExpr()); }
    return parts.length === 1 ? parts[0] : { test: (ev) => parts.some((p) => p.test(ev)), needs: anyOf(parts.map((p) => p.needs)) };
  };

  const e = orExpr();
  if (i < toks.length) fail(`unexpected "${toks[i].v}"`);
  return e;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}
