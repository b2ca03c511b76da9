// The literal gate: which of many rules can match one event, found in one pass over the event's values. Every literal
// any rule needs (`needs.ts`) is searched at once per field (one Aho–Corasick scanner per field over all rules'
// literals, on the lower-cased value the exact test reads too); a rule is tested only when its needs formula holds on
// the literals found. Rules whose needs constrain nothing (only `re`, negations, numbers…) are tested on every event.
// The needs are necessary conditions of a match, so the gate never drops a match (checked against testing every rule).
import type { EventView } from './event-view.ts';
import { LiteralScanner, type Literal } from './literals.ts';
import type { Needs } from './needs.ts';

/** A needs formula over literal ids: does it hold for the literals marked with `stamp`? */
type Holds = (marks: Int32Array, stamp: number) => boolean;

interface FieldScan { key: string | null; scanner: LiteralScanner }

export class RuleGate<P> {
  private readonly always: P[] = [];
  private readonly gated: P[] = [];
  private readonly holds: Holds[] = [];
  /** Literal id → indexes (in `gated`) of the rules it may let through. */
  private readonly triggers: number[][] = [];
  private readonly fields: FieldScan[] = [];
  private readonly marks: Int32Array;
  private readonly ruleMarks: Int32Array;
  private readonly found: number[] = [];
  private stamp = 0;

  constructor(plans: readonly P[], needsOf: (p: P) => Needs) {
    const ids = new Map<string, number>();
    const byField = new Map<string | null, Array<{ lit: Literal; id: number }>>();
    const idOf = (n: Extract<Needs, { t: 'lit' }>): number => {
      const name = `${n.field ?? ''}\u0000${n.left ? 1 : 0}${n.right ? 1 : 0}${n.s}`;
      let id = ids.get(name);
      if (id === undefined) {
        id = ids.size;
        ids.set(name, id);
        this.triggers.push([]);
        const list = byField.get(n.field) ?? [];
        list.push({ lit: { s: n.s, left: n.left, right: n.right }, id });
        byField.set(n.field, list);
      }
      return id;
    };
    for (const p of plans) {
      const needs = needsOf(p);
      if (constrainsNothing(needs)) { this.always.push(p); continue; }
      const at = this.gated.length;
      this.gated.push(p);
      const used = new Set<number>();
      this.holds.push(compileHolds(needs, (n) => { const id = idOf(n); used.add(id); return id; }));
      for (const id of used) this.triggers[id].push(at);
    }
    for (const [key, list] of byField) {
      this.fields.push({ key, scanner: new LiteralScanner(list.map((x) => x.lit), list.map((x) => x.id)) });
    }
    this.marks = new Int32Array(ids.size);
    this.ruleMarks = new Int32Array(this.gated.length);
  }

  /** Appends to `out` every rule that can match `ev`: those without needs, then those whose needs hold. */
  candidates(ev: EventView, out: P[]): void {
    for (const p of this.always) out.push(p);
    if (this.gated.length === 0) return;
    const stamp = ++this.stamp;
    const { marks, found, fields, triggers, ruleMarks, holds } = this;
    found.length = 0;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (f.key === null) { for (const [, lower] of ev.values()) f.scanner.scan(lower, marks, stamp, found); continue; }
      const t = ev.text(f.key);
      if (t !== null) f.scanner.scan(t[1], marks, stamp, found);
    }
    for (let i = 0; i < found.length; i++) {
      const rules = triggers[found[i]];
      for (let j = 0; j < rules.length; j++) {
        const r = rules[j];
        if (ruleMarks[r] === stamp) continue;
        ruleMarks[r] = stamp;
        if (holds[r](marks, stamp)) out.push(this.gated[r]);
      }
    }
  }

  /** For the bench: rules gated, rules always tested, distinct literals and the scanners' table sizes. */
  get shape(): { gated: number; always: number; literals: number; cells: number } {
    return { gated: this.gated.length, always: this.always.length, literals: this.marks.length, cells: this.fields.reduce((n, f) => n + f.scanner.size, 0) };
  }
}

/** True when the formula holds with no literal found (then the rule is never gated). */
function constrainsNothing(n: Needs): boolean {
  switch (n.t) {
    case 'true': return true;
    case 'lit': return false;
    case 'and': return n.c.every(constrainsNothing);
    case 'or': return n.c.some(constrainsNothing);
  }
}

/** The formula as a function of the marks; loops, not array callbacks, as it runs for every event a literal hits. */
function compileHolds(n: Needs, idOf: (n: Extract<Needs, { t: 'lit' }>) => number): Holds {
  switch (n.t) {
    case 'true': return () => true;
    case 'lit': { const id = idOf(n); return (m, s) => m[id] === s; }
    case 'and': case 'or': {
      const any = n.t === 'or';
      if (n.c.every((c) => c.t === 'lit')) {
        const ids = Int32Array.from(n.c, (c) => idOf(c as Extract<Needs, { t: 'lit' }>));
        return (m, s) => { for (let i = 0; i < ids.length; i++) if ((m[ids[i]] === s) === any) return any; return !any; };
      }
      const c = n.c.map((x) => compileHolds(x, idOf));
      return (m, s) => { for (let i = 0; i < c.length; i++) if (c[i](m, s) === any) return any; return !any; };
    }
  }
}
