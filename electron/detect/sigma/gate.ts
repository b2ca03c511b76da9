// The literal gate: which of many rules can match one event, found in one pass over the event's values. Every literal
// any rule needs (`needs.ts`) is searched at once per field (one Aho–Corasick scanner per field over all rules'
// literals, on the lower-cased value the exact test reads too); a rule is tested only when its needs formula holds on
// the literals found. Rules whose needs constrain nothing (only negations, numbers, `exists`…) are tested on every
// event. The needs are necessary conditions of a match, so the gate never drops a match (checked against testing
// every rule on every event).
//
// A rule's formula is evaluated only when one of its trigger literals is found: its cheapest anchor (one literal of
// each alternative, the rarest conjunct of each conjunction). Rarity is first guessed from length, then taken from how
// often each literal was found in the events seen so far (re-chosen as the run goes on), so a rule needing both
// `IntegrityLevel: System` and a rare command line is looked at only when the rare text is there.
import { lowerName, type EventView } from './event-view.ts';
import { LiteralScanner, type Literal } from './literals.ts';
import type { Needs } from './needs.ts';

/** A needs formula over literal ids. */
type IdNeeds = { t: 'lit'; id: number } | { t: 'and' | 'or'; c: IdNeeds[] };
/** Does the formula hold for the literals marked with `stamp`? */
type Holds = (marks: Int32Array, stamp: number) => boolean;

interface FieldScan { key: string; scanner: LiteralScanner; stamp: number }

/** Events after which the triggers are chosen again from the literals' hit counts (then every time that doubles). */
const FIRST_RETRIGGER = 256;

export class RuleGate<P> {
  private readonly always: P[] = [];
  private readonly gated: P[] = [];
  private readonly formulas: IdNeeds[] = [];
  private readonly holds: Holds[] = [];
  /** Literal id → indexes (in `gated`) of the rules it lets through. */
  private triggers: number[][] = [];
  /** Scanners by lower-cased field name (a rule's field is read by exact name, else by any case, as EventView does). */
  private readonly byName = new Map<string, FieldScan[]>();
  /** The scanner of keyword literals, which reads every value of the event. */
  private anyValue: LiteralScanner | null = null;
  private readonly lengths: number[] = [];
  private readonly hitCounts: Float64Array;
  private readonly marks: Int32Array;
  private readonly ruleMarks: Int32Array;
  private readonly found: number[] = [];
  private stamp = 0;
  private nextRetrigger = FIRST_RETRIGGER;

  constructor(plans: readonly P[], needsOf: (p: P) => Needs) {
    const ids = new Map<string, number>();
    const byField = new Map<string | null, Array<{ lit: Literal; id: number }>>();
    const idOf = (n: Extract<Needs, { t: 'lit' }>): number => {
      const name = `${n.field ?? ''}\u0000${n.left ? 1 : 0}${n.right ? 1 : 0}${n.s}`;
      let id = ids.get(name);
      if (id === undefined) {
        id = ids.size;
        ids.set(name, id);
        this.lengths.push(n.s.length);
        const list = byField.get(n.field) ?? [];
        list.push({ lit: { s: n.s, left: n.left, right: n.right }, id });
        byField.set(n.field, list);
      }
      return id;
    };
    for (const p of plans) {
      const f = toIds(needsOf(p), idOf);
      if (f === null) { this.always.push(p); continue; }
      this.gated.push(p);
      this.formulas.push(f);
      this.holds.push(compileHolds(f));
    }
    for (const [key, list] of byField) {
      const scanner = new LiteralScanner(list.map((x) => x.lit), list.map((x) => x.id));
      if (key === null) { this.anyValue = scanner; continue; }
      const low = lowerName(key);
      this.byName.set(low, [...(this.byName.get(low) ?? []), { key, scanner, stamp: 0 }]);
    }
    this.hitCounts = new Float64Array(ids.size);
    this.marks = new Int32Array(ids.size);
    this.ruleMarks = new Int32Array(this.gated.length);
    // before any event is seen, a longer literal is taken to be rarer
    this.retrigger((id) => 1 / (1 + this.lengths[id]));
  }

  /** Appends to `out` every rule that can match `ev`: those without needs, then those whose needs hold. */
  candidates(ev: EventView, out: P[]): void {
    for (const p of this.always) out.push(p);
    if (this.gated.length === 0) return;
    const stamp = ++this.stamp;
    const { marks, found, triggers, ruleMarks, holds, hitCounts } = this;
    found.length = 0;
    // raw values: the scanner folds ASCII case itself and lower-cases only a text with other characters
    if (this.anyValue) {
      for (const v of Object.values(ev.fields)) if (v !== null && v !== '') this.anyValue.scan(typeof v === 'string' ? v : String(v), false, marks, stamp, found);
    }
    // through the event's own fields: most rule fields are absent from any one event
    for (const name of ev.names) {
      const scans = this.byName.get(lowerName(name));
      if (scans === undefined) continue;
      for (const f of scans) {
        if (f.stamp === stamp || (f.key !== name && ev.fields[f.key] !== undefined)) continue;
        f.stamp = stamp;
        const v = ev.get(f.key);
        if (v !== undefined && v !== null) f.scanner.scan(typeof v === 'string' ? v : String(v), false, marks, stamp, found);
      }
    }
    for (let i = 0; i < found.length; i++) {
      const id = found[i];
      hitCounts[id]++;
      const rules = triggers[id];
      for (let j = 0; j < rules.length; j++) {
        const r = rules[j];
        if (ruleMarks[r] === stamp) continue;
        ruleMarks[r] = stamp;
        if (holds[r](marks, stamp)) out.push(this.gated[r]);
      }
    }
    if (stamp === this.nextRetrigger) {
      this.nextRetrigger *= 2;
      this.retrigger((id) => hitCounts[id] + 1 / (1 + this.lengths[id]));
    }
  }

  /** Chooses each rule's trigger literals: its cheapest anchor under `cost`. */
  private retrigger(cost: (id: number) => number): void {
    const triggers: number[][] = this.lengths.map(() => []);
    this.formulas.forEach((f, r) => { for (const id of anchor(f, cost).ids) triggers[id].push(r); });
    this.triggers = triggers;
  }

  /** For the bench: rules gated, rules always tested, distinct literals and the scanners' table sizes. */
  get shape(): { gated: number; always: number; literals: number; cells: number } {
    const scans = [...this.byName.values()].flat().map((f) => f.scanner);
    return { gated: this.gated.length, always: this.always.length, literals: this.marks.length, cells: [...scans, ...(this.anyValue ? [this.anyValue] : [])].reduce((n, x) => n + x.size, 0) };
  }
}

/** The formula over literal ids without its unconstrained parts; null when it holds with no literal found. */
function toIds(n: Needs, idOf: (n: Extract<Needs, { t: 'lit' }>) => number): IdNeeds | null {
  switch (n.t) {
    case 'true': return null;
    case 'lit': return { t: 'lit', id: idOf(n) };
    case 'and': {
      const c = n.c.map((x) => toIds(x, idOf)).filter((x): x is IdNeeds => x !== null);
      return c.length === 0 ? null : c.length === 1 ? c[0] : { t: 'and', c };
    }
    case 'or': {
      const c = n.c.map((x) => toIds(x, idOf));
      if (c.some((x) => x === null)) return null;
      return c.length === 1 ? c[0]! : { t: 'or', c: c as IdNeeds[] };
    }
  }
}

/**
 * The cheapest set of literals of which any match finds one: a literal itself, the cheapest conjunct of an AND, the
 * union over the alternatives of an OR.
 */
function anchor(n: IdNeeds, cost: (id: number) => number): { ids: number[]; cost: number } {
  switch (n.t) {
    case 'lit': return { ids: [n.id], cost: cost(n.id) };
    case 'and': return n.c.map((c) => anchor(c, cost)).reduce((a, b) => (b.cost < a.cost ? b : a));
    case 'or': {
      const parts = n.c.map((c) => anchor(c, cost));
      return { ids: parts.flatMap((p) => p.ids), cost: parts.reduce((s, p) => s + p.cost, 0) };
    }
  }
}

/** The formula as a function of the marks; loops, not array callbacks, as it runs for every event a trigger hits. */
function compileHolds(n: IdNeeds): Holds {
  if (n.t === 'lit') { const id = n.id; return (m, s) => m[id] === s; }
  const any = n.t === 'or';
  if (n.c.every((c) => c.t === 'lit')) {
    const ids = Int32Array.from(n.c, (c) => (c as { id: number }).id);
    return (m, s) => { for (let i = 0; i < ids.length; i++) if ((m[ids[i]] === s) === any) return any; return !any; };
  }
  const c = n.c.map(compileHolds);
  return (m, s) => { for (let i = 0; i < c.length; i++) if (c[i](m, s) === any) return any; return !any; };
}
