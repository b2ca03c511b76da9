// Runs compiled Sigma rules over the case's events, grouped by logsource: one pass over the events' logsource keys
// (source, channel, event ID); keys that the same rules apply to form a group. A group is read either whole — each
// event decoded once and passed through the group's literal gate (gate.ts), which finds all rules' literals in one
// scan per field and leaves only the rules that can match for the exact test — or, where the full-text index narrows
// it to a small part, through each rule's rarest FTS words (prefilter.ts). Then one streaming pass in id order.
import type { Db } from '../../case/db.ts';
import type { SigmaRule } from './compile.ts';
import { EventView } from './event-view.ts';
import { decodeFields } from '../../case/fields.ts';
import { RuleGate } from './gate.ts';
import { EVTX_SOURCES, type Target } from './logsource.ts';
import type { Compiled } from './modifiers.ts';
import { anchorOf, FtsTerms } from './prefilter.ts';
import { keyIndex, rowFetcher, TermPositions, type KeyInfo } from './scan.ts';

export interface SigmaRunStats {
  events: number; rules: number; targets: number; groups: number;
  /** Rule targets × logsource groups read through FTS candidates, and read whole. */
  anchored: number; scanned: number;
  /** Events decoded, exact rule tests. */
  evaluated: number; tests: number;
  seconds: number;
}

export interface SigmaRunResult {
  /** rule index → matching event ids, ascending. */
  hits: Map<number, number[]>;
  stats: SigmaRunStats;
  cancelled: boolean;
}

/**
 * How events reach the exact test. `fts`: 'auto' reads a group through FTS candidates when that narrows it to under
 * 1/FTS_NARROWS of its events, 'always' anchors every rule that has FTS words (the rest read whole), 'off' never.
 * `gate`: the literal gate in front of the exact test. `prefilter: false` is both off (every rule on every event of
 * its logsource: the reference the others are checked against).
 */
export interface SigmaRunOptions { signal?: AbortSignal; prefilter?: boolean; fts?: 'auto' | 'always' | 'off'; gate?: boolean }

interface Plan { ruleIdx: number; match: Compiled }
interface Anchored { plan: Plan; cand: Int32Array; cursor: number }
interface Group { keys: number[]; count: number; plans: Plan[]; whole: Plan[]; gate: RuleGate<Plan> | null }

/** A group is read through FTS candidates only when their count is under 1/FTS_NARROWS of its events. */
const FTS_NARROWS = 4;
/** Positions processed per window of the streaming pass. */
const WINDOW = 20_000;

const allows = (t: Target, k: KeyInfo): boolean =>
  t.sources.includes(k.source) && (!t.channels || (k.channel !== null && t.channels.includes(k.channel)))
  && (!t.eventIds || (k.eventId !== null && t.eventIds.includes(k.eventId)));

/** Keys grouped by the rule targets that apply to them (keys no rule reads are left out). */
function groupKeys(rules: SigmaRule[], keys: KeyInfo[]): { groups: Group[]; groupOf: Int32Array; targets: number } {
  const perKey: Plan[][] = keys.map(() => []);
  let targets = 0;
  rules.forEach((rule, ruleIdx) => {
    for (const { target, match } of rule.targets) {
      let used = false;
      keys.forEach((k, i) => { if (allows(target, k)) { perKey[i].push({ ruleIdx, match }); used = true; } });
      if (used) targets++;
    }
  });
  const groups: Group[] = [];
  const byName = new Map<string, number>();
  const groupOf = new Int32Array(keys.length).fill(-1);
  perKey.forEach((plans, k) => {
    if (plans.length === 0) return;
    const name = plans.map((p) => `${p.ruleIdx}:${rules[p.ruleIdx].targets.findIndex((t) => t.match === p.match)}`).join(',');
    let g = byName.get(name);
    if (g === undefined) { g = groups.length; groups.push({ keys: [], count: 0, plans, whole: [], gate: null }); byName.set(name, g); }
    groups[g].keys.push(k);
    groups[g].count += keys[k].count;
    groupOf[k] = g;
  });
  return { groups, groupOf, targets };
}

/** Splits a group's rules into FTS-anchored ones (with their candidate positions) and those read whole. */
function planGroup(g: Group, fts: FtsTerms | null, mode: 'auto' | 'always' | 'off', terms: TermPositions | null, allowed: Uint8Array, keyOf: Int32Array): Anchored[] {
  const anchors = mode === 'off' || !fts ? null : g.plans.map((p) => anchorOf(p.match.needs, fts.df));
  if (!anchors || (mode === 'auto' && !narrows(anchors, g.count))) { g.whole = g.plans; return []; }
  const out: Anchored[] = [];
  g.plans.forEach((plan, i) => {
    const a = anchors[i];
    if (!a) { g.whole.push(plan); return; }
    const cand = terms!.union(a.terms, allowed, keyOf);
    if (cand.length) out.push({ plan, cand, cursor: 0 });
  });
  return out;
}

/** Every rule has FTS words and their events together are few against the group's. */
function narrows(anchors: Array<{ cost: number } | null>, count: number): boolean {
  let cost = 0;
  for (const a of anchors) {
    if (!a) return false;
    cost += a.cost;
  }
  return cost * FTS_NARROWS < count;
}

export function runSigma(db: Db, rules: SigmaRule[], opts: SigmaRunOptions = {}): SigmaRunResult {
  const t0 = performance.now();
  const ftsMode = opts.prefilter === false ? 'off' : opts.fts ?? 'auto';
  const useGate = opts.prefilter !== false && opts.gate !== false;
  const sources = [...new Set(rules.flatMap((r) => r.targets.flatMap((t) => t.target.sources)))];
  const hits = new Map<number, number[]>();
  const stats: SigmaRunStats = { events: 0, rules: rules.length, targets: 0, groups: 0, anchored: 0, scanned: 0, evaluated: 0, tests: 0, seconds: 0 };
  if (sources.length === 0) return { hits, stats, cancelled: false };
  const { ids, keyOf, keys } = keyIndex(db, sources, EVTX_SOURCES);
  stats.events = ids.length;
  const { groups, groupOf, targets } = groupKeys(rules, keys);
  stats.targets = targets;
  stats.groups = groups.length;
  const fts = ftsMode === 'off' ? null : new FtsTerms(db);
  const terms = fts ? new TermPositions(fts, ids) : null;
  const anchored: Anchored[] = [];
  for (const [gi, g] of groups.entries()) {
    const allowed = Uint8Array.from(keys, (_, k) => (groupOf[k] === gi ? 1 : 0));
    const a = planGroup(g, fts, ftsMode, terms, allowed, keyOf);
    anchored.push(...a);
    stats.anchored += g.plans.length - g.whole.length;
    stats.scanned += g.whole.length;
    if (useGate && g.whole.length) g.gate = new RuleGate(g.whole, (p) => p.match.needs);
  }
  const fetch = rowFetcher(db);
  const plans: Plan[] = [];
  for (let a = 0; a < ids.length; a += WINDOW) {
    if (opts.signal?.aborted) return { hits, stats, cancelled: true };
    const b = Math.min(ids.length, a + WINDOW);
    const buckets = bucketCandidates(anchored, b);
    const needed: number[] = [];
    for (let pos = a; pos < b; pos++) {
      const g = groupOf[keyOf[pos]];
      if ((g >= 0 && groups[g].whole.length) || buckets.has(pos)) needed.push(pos);
    }
    if (needed.length === 0) continue;
    for (const row of fetch(ids, needed, a, b)) {
      const g = groups[groupOf[keyOf[row.pos]]];
      const extra = buckets.get(row.pos);
      const ev = new EventView(decodeFields(row), row.source);
      stats.evaluated++;
      plans.length = 0;
      if (g.gate) g.gate.candidates(ev, plans); else plans.push(...g.whole);
      if (extra) plans.push(...extra);
      for (const p of plans) {
        stats.tests++;
        if (!p.match.test(ev)) continue;
        const list = hits.get(p.ruleIdx);
        if (list) { if (list[list.length - 1] !== row.id) list.push(row.id); } else hits.set(p.ruleIdx, [row.id]);
      }
    }
  }
  stats.seconds = (performance.now() - t0) / 1000;
  return { hits, stats, cancelled: false };
}

/** FTS-anchored rules by candidate position, for the positions before `end` not yet taken. */
function bucketCandidates(anchored: Anchored[], end: number): Map<number, Plan[]> {
  const buckets = new Map<number, Plan[]>();
  for (const p of anchored) {
    while (p.cursor < p.cand.length && p.cand[p.cursor] < end) {
      const pos = p.cand[p.cursor++];
      const list = buckets.get(pos);
      if (list) list.push(p.plan); else buckets.set(pos, [p.plan]);
    }
  }
  return buckets;
}
