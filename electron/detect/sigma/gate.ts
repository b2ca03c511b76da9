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

interface FieldScan { key: string | null; scanner: LiteralScanner; ids: Int32Array }

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
  private current: Int32Array = new Int32Array(0);
  private readonly onHit = (local: number): void => {
    const id = this.current[local];
    if (this.marks[id] !== this.stamp) { this.marks[id] = this.stamp; this.found.push(id); }
  };

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
      this.fields.push({ key, scanner: new LiteralScanner(list.map((x) => x.lit)), ids: Int32Array.from(list, (x) => x.id) });
    }
    this.marks = new Int32Array(ids.size);
    this.ruleMarks = new Int32Array(this.gated.length);
  }

  /** Appends to `out` every rule that can match `ev`: those without needs, then those whose needs hold. */
  candidates(ev: EventView, out: P[]): void {
    for (const p of this.always) out.push(p);
    if (this.gated.length === 0) return;
    const stamp = ++this.stamp;
    this.found.length = 0;
    for (const f of this.fields) {
      this.current = f.ids;
      if (f.key === null) { for (const [, lower] of ev.values()) f.scanner.scan(lower, this.onHit); continue; }
      const t = ev.text(f.key);
      if (t !== null) f.scanner.scan(t[1], this.onHit);
    }
    for (const id of this.found) {
      for (const r of this.triggers[id]) {
        if (this.ruleMarks[r] === stamp) continue;
        this.ruleMarks[r] = stamp;
        if (this.holds[r](this.marks, stamp)) out.push(this.gated[r]);
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

function compileHolds(n: Needs, idOf: (n: Extract<Needs, { t: 'lit' }>) => number): Holds {
  switch (n.t) {
    case 'true': return () => true;
    case 'lit': { const id = idOf(n); return (m, s) => m[id] === s; }
    case 'and': { const c = n.c.map((x) => compileHolds(x, idOf)); return (m, s) => c.every((h) => h(m, s)); }
    case 'or': { const c = n.c.map((x) => compileHolds(x, idOf)); return (m, s) => c.some((h) => h(m, s)); }
  }
}
