// The triage in front of libyara: each file gets one Aho–Corasick pass over every rule's anchor literals, then each
// rule's condition is evaluated in JavaScript (yara-eval.ts). A rule is settled there when the outcome cannot depend
// on anything the triage does not know: false (most pairs), or true with every reported string match known (text
// strings). Only the rules left open go to libyara, for that file alone, so its result stays libyara's own.
import { parseSource } from './yara-parse.ts';
import type { Expr, Quant, RuleDef } from './yara-parse.ts';
import { AnchorSet } from './yara-anchors.ts';
import { FileText, planString } from './yara-strings.ts';
import type { StringPlan } from './yara-strings.ts';
import { compileRule, ruleHits, T, F } from './yara-eval.ts';
import type { Mask, Scope } from './yara-eval.ts';
import type { YaraMatch } from './yara.ts';

export interface Triage {
  imports: string[];
  rules: RuleDef[];
  byName: Map<string, RuleDef>;
  order: Map<string, number>;
  anchors: AnchorSet;
  plans: Map<string, Map<string, StringPlan>>;
  /** Each rule's condition, compiled (by rule index). */
  conditions: Array<(sc: Scope) => Mask>;
  /** Per anchor id: the rules (indexes) a file containing it may match; `ungated`: rules every file may match. */
  gatedBy: number[][];
  ungated: number[];
}

/** What the triage settled for one file: the matches it is sure of, and the public rules libyara must decide. */
export interface Verdict { matches: YaraMatch[]; open: string[]; text: FileText }

// ---------- evaluation order: cheap, decisive operands first (and/or have no side effects) ----------

function cost(e: Expr, rule: RuleDef): number {
  const str = (s: string): number => {
    const d = rule.strings.find((x) => x.id === s);
    return !d ? 2 : d.exotic ? 50 : d.value.kind === 'text' ? 1 : 4;
  };
  switch (e.k) {
    case 'found': case 'count': return str(e.s);
    case 'offset': case 'length': return str(e.s) + 1;
    case 'of': return e.set.reduce((n, s) => n + str(s), 0);
    case 'forOf': return 2 * e.set.reduce((n, s) => n + str(s), 0) + cost(e.body, rule);
    case 'forIn': return 40 + cost(e.body, rule);
    case 'rule': return 3;
    case 'unknown': case 'text': return 100;
    case 'not': case 'neg': case 'bnot': return cost(e.a, rule);
    case 'and': case 'or': return e.xs.reduce((n, x) => n + cost(x, rule), 0);
    case 'cmp': case 'arith': return cost(e.a, rule) + cost(e.b, rule);
    case 'int': return cost(e.at, rule);
    default: return 0;
  }
}

function reorder(e: Expr, rule: RuleDef): void {
  if (e.k === 'and' || e.k === 'or') {
    e.xs.forEach((x) => reorder(x, rule));
    e.xs.sort((a, b) => cost(a, rule) - cost(b, rule));
  } else if (e.k === 'not') reorder(e.a, rule);
  else if (e.k === 'forOf' || e.k === 'forIn') reorder(e.body, rule);
}

const quantNeedsOne = (q: Quant): boolean => q.k === 'any' || q.k === 'all' || ((q.k === 'n' || q.k === 'pct') && q.n.k === 'num' && q.n.v > 0);

/** `#a > 0`, `#a >= 2`, `3 == #a`…: a count comparison that is false when the string is absent. */
function countNeedsOne(e: Extract<Expr, { k: 'cmp' }>): string | null {
  const [c, n, op] = e.a.k === 'count' && e.b.k === 'num' ? [e.a, e.b.v, e.op] : e.b.k === 'count' && e.a.k === 'num' ? [e.b, e.a.v, ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, string>)[e.op] ?? e.op] : [null, 0, ''];
  if (!c || c.k !== 'count' || c.range) return null;
  const needs = (op === '>' && n >= 0) || (op === '>=' && n >= 1) || (op === '==' && n >= 1);
  return needs ? c.s : null;
}

/** Anchor ids one of which a file must contain for the expression to be true, or null when there is no such set. */
function gateOf(e: Expr, plans: Map<string, StringPlan>, ruleGates: Map<string, number[] | null>): number[] | null {
  const of = (ids: string[]): number[] | null => {
    const out: number[] = [];
    for (const id of ids) { const p = plans.get(id); if (!p || !p.anchors.length) return null; out.push(...p.anchors); }
    return out;
  };
  switch (e.k) {
    case 'found': return e.s === '$' ? null : of([e.s]);
    case 'of': return quantNeedsOne(e.q) ? of(e.set) : null;
    case 'cmp': { const s = countNeedsOne(e); return s && s !== '$' ? of([s]) : null; }
    case 'rule': return ruleGates.get(e.name) ?? null;
    case 'and': {
      const gs = e.xs.map((x) => gateOf(x, plans, ruleGates)).filter((g): g is number[] => g !== null);
      return gs.length ? gs.reduce((a, b) => (b.length < a.length ? b : a)) : null;
    }
    case 'or': {
      const gs = e.xs.map((x) => gateOf(x, plans, ruleGates));
      return gs.every((g) => g !== null) ? [...new Set(gs.flat() as number[])] : null;
    }
    default: return null;
  }
}

/** The triage for a rule source, or null when the source is not understood (libyara then scans every file). */
export function planTriage(source: string): Triage | null {
  const parsed = parseSource(source);
  if (!parsed) return null;
  const anchors = new AnchorSet();
  const plans = new Map<string, Map<string, StringPlan>>();
  const shared = new Map<string, StringPlan>();
  for (const r of parsed.rules) {
    if (r.condition) reorder(r.condition, r);
    plans.set(r.name, new Map(r.strings.map((d) => [d.id, planString(d, anchors, r.fixedAt.get(d.id) ?? null, shared)])));
  }
  anchors.build();
  const gates = new Map<string, number[] | null>();
  const gatedBy: number[][] = Array.from({ length: anchors.size }, () => []);
  const ungated: number[] = [];
  parsed.rules.forEach((r, i) => {
    const g = r.condition ? gateOf(r.condition, plans.get(r.name) as Map<string, StringPlan>, gates) : null;
    gates.set(r.name, g);
    if (g) for (const a of new Set(g)) gatedBy[a].push(i); else ungated.push(i);
  });
  return { imports: parsed.imports, rules: parsed.rules, byName: new Map(parsed.rules.map((r) => [r.name, r])), order: new Map(parsed.rules.map((r, i) => [r.name, i])),
    anchors, plans, gatedBy, ungated, conditions: parsed.rules.map((r) => compileRule(r, plans.get(r.name) as Map<string, StringPlan>)) };
}

const settled = (m: Mask): Mask => (m === T ? T : m & T ? T | F : F);

/** A failing global rule makes every rule of the namespace fail (one namespace here): the global rules' `and`. */
function globalsOf(t: Triage, value: (name: string) => Mask): Mask {
  let all = true;
  for (const r of t.rules) {
    if (!r.isGlobal) continue;
    const g = value(r.name);
    if (!(g & T)) return F;
    if (g !== T) all = false;
  }
  return all ? T : T | F;
}

/** Settles what it can for one file (bytes as scanned: a whole file or one window). */
/** Which rules a file may match at all: the ungated ones, and those one of whose gate anchors it contains. */
function candidates(t: Triage, present: Uint8Array): Uint8Array {
  const can = new Uint8Array(t.rules.length);
  for (const i of t.ungated) can[i] = 1;
  for (let a = 0; a < present.length; a++) if (present[a]) for (const i of t.gatedBy[a]) can[i] = 1;
  return can;
}

export function triageFile(t: Triage, bytes: Uint8Array): Verdict {
  return settle(t, new FileText(bytes, t.anchors.scan(bytes)));
}

/** Evaluates the rules over what is known of a file: all, or again `only` those left open once libyara taught the
 *  file more (yara-probe.ts; a settled rule cannot change when more is known). */
export function settle(t: Triage, text: FileText, only?: Set<string>): Verdict {
  const can = candidates(t, text.present);
  const own = new Map<string, Mask>();
  const sc: Scope = {
    text, current: null, vars: null,
    ruleValue(name: string): Mask {
      let m = own.get(name);
      if (m === undefined) {
        const i = t.order.get(name) as number;
        // A rule referenced from a `for … of` body is evaluated outside that loop.
        const outer = sc.current;
        sc.current = null;
        own.set(name, (m = can[i] ? settled(t.conditions[i](sc)) : F));
        sc.current = outer;
      }
      return m;
    },
  };
  const globals = globalsOf(t, sc.ruleValue);
  const out: Verdict = { matches: [], open: [], text };
  if (!(globals & T)) return out;
  t.rules.forEach((r, i) => {
    if (r.isPrivate || !can[i] || (only && !only.has(r.name))) return;
    const m = sc.ruleValue(r.name);
    if (!(m & T)) return;
    const found = m === T && globals === T ? ruleHits(text, r, t.plans.get(r.name) as Map<string, StringPlan>) : null;
    if (found) out.matches.push({ rule: r.name, meta: r.meta, strings: found });
    else out.open.push(r.name);
  });
  return out;
}

/** What deciding some rules takes: the global rules, the rules and every rule they reference. */
export function rulesNeeded(t: Triage, names: string[]): Set<string> {
  const want = new Set<string>();
  const add = (n: string): void => {
    if (want.has(n)) return;
    want.add(n);
    for (const d of t.byName.get(n)?.refs ?? []) add(d);
  };
  for (const r of t.rules) if (r.isGlobal) add(r.name);
  names.forEach(add);
  return want;
}

/** The source libyara compiles for some rules: the imports and rulesNeeded. */
export function subsetSource(t: Triage, names: string[]): string {
  const want = rulesNeeded(t, names);
  return [...t.imports, ...t.rules.filter((r) => want.has(r.name)).map((r) => r.text)].join('\n');
}

/** Matches in rule-source order (libyara's order), whichever side found them. */
export function sortMatches(t: Triage, ms: YaraMatch[]): YaraMatch[] {
  return ms.sort((a, b) => (t.order.get(a.rule) ?? 0) - (t.order.get(b.rule) ?? 0));
}
