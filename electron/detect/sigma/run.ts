// Runs compiled Sigma rules over the case's events in one stream, grouped by logsource: events whose key (source,
// channel, event ID) the same rule targets apply to form a group. A group is read whole — each event decoded once, only the fields its rules read,
// passed through the group's literal gate (gate.ts), which finds all its rules' literals in one scan per field and
// leaves only the rules that can match for the exact test — or, where the full-text index narrows it to a small part
// (judged on an evenly spread sample of the events' keys), only at its rules' FTS candidates (prefilter.ts).
import type { Db } from '../../case/db.ts';
import { FieldSelection, FieldsReader } from '../../case/fields.ts';
import type { SigmaRule } from './compile.ts';
import { EventView } from './event-view.ts';
import { RuleGate } from './gate.ts';
import { KeywordPrescan, keywordLiterals } from './keyword-scan.ts';
import { EVTX_SOURCES, type Target } from './logsource.ts';
import type { Compiled } from './modifiers.ts';
import type { Needs } from './needs.ts';
import { anchorOf, FtsTerms, type Anchor } from './prefilter.ts';
import { candidateRows, mergeById, sampleKeys, streamRows, termIds, unionIds, type KeyInfo, type StreamRow } from './scan.ts';

export interface SigmaRunStats {
  /** Threads that scanned (parallel.ts). */
  threads: number;
  /** Events read (a source whose rules all run on FTS candidates is read at those only), rules, … */
  events: number; rules: number; targets: number; groups: number;
  /** Rule targets × logsource groups run on FTS candidates, and run on every event of the group. */
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
 * How events reach the exact test. `fts`: 'auto' runs a group on FTS candidates when they are under 1/FTS_NARROWS of
 * its (estimated) events, 'always' anchors every rule that has FTS words, 'off' never. `gate`: the literal gate in
 * front of the exact test. `prefilter: false` is both off — every rule on every event of its logsource, the reference
 * the others are checked against (it decodes every field; the others only the fields their rules read).
 */
export interface SigmaRunOptions {
  signal?: AbortSignal; prefilter?: boolean; fts?: 'auto' | 'always' | 'off'; gate?: boolean;
  /** The id ranges [lo, hi) to scan, handed out in ascending order (null: none left); default every event at once. */
  chunks?: ChunkSource;
  /** Checked once per window besides `signal` (a worker's cancel flag). */
  cancelled?: () => boolean;
}

/** Hands out id ranges [lo, hi) to scan, ascending, each a whole number of windows (parallel.ts shares them between threads). */
export type ChunkSource = () => readonly [number, number] | null;

interface Plan { ruleIdx: number; match: Compiled; reads: string[] | null; named: string[] }
/**
 * `fields`: what its events are decoded with — the fields its rules read (null: all, a rule searches every value);
 * then `named`: the fields its rules read by name, enough when `keywords` (built on first use; null: it cannot) finds
 * none of its keyword rules' literals in the row.
 */
interface Group {
  plans: Plan[]; whole: Plan[]; gate: RuleGate<Plan> | null; sampled: number; fields: FieldSelection | null;
  named: FieldSelection; keywords?: KeywordPrescan | null;
}
interface Anchored { plan: Plan; group: number; ids: Float64Array; cursor: number }

/** A group runs on FTS candidates only when they are under 1/FTS_NARROWS of its events. */
const FTS_NARROWS = 4;
/** Keys sampled to estimate each group's size. */
const SAMPLE = 4000;
/** Ids per window of the stream (FTS candidates are bucketed a window at a time). */
export const WINDOW = 20_000;

const allows = (t: Target, k: KeyInfo): boolean =>
  t.sources.includes(k.source) && (!t.channels || (k.channel !== null && t.channels.includes(k.channel)))
  && (!t.eventIds || (k.eventId !== null && t.eventIds.includes(k.eventId)));

/** Logsource key → group, built as keys are met; keys with the same rule targets share a group. */
class Groups {
  readonly list: Group[] = [];
  /** source → channel → event ID → group (-1: no rule reads the key). */
  private readonly byKey = new Map<string, Map<unknown, Map<unknown, number>>>();
  private readonly byPlans = new Map<string, number>();
  private readonly usedTargets = new Set<Compiled>();

  constructor(private readonly rules: SigmaRule[]) {}

  of(row: StreamRow): number {
    let channels = this.byKey.get(row.source);
    if (!channels) { channels = new Map(); this.byKey.set(row.source, channels); }
    let eids = channels.get(row.channel);
    if (!eids) { eids = new Map(); channels.set(row.channel, eids); }
    const known = eids.get(row.eid);
    if (known !== undefined) return known;
    const g = this.create(row);
    eids.set(row.eid, g);
    return g;
  }

  private create(row: StreamRow): number {
    const key: KeyInfo = {
      source: row.source, channel: typeof row.channel === 'string' ? row.channel.toLowerCase() : null,
      eventId: row.eid === null || row.eid === undefined ? null : Number(row.eid),
    };
    const plans: Plan[] = [];
    const sig: string[] = [];
    this.rules.forEach((rule, ruleIdx) => rule.targets.forEach(({ target, match, reads, named }, t) => {
      if (!allows(target, key)) return;
      plans.push({ ruleIdx, match, reads, named });
      sig.push(`${ruleIdx}.${t}`);
      this.usedTargets.add(match);
    }));
    let g = -1;
    if (plans.length) {
      const s = sig.join(',');
      g = this.byPlans.get(s) ?? -1;
      if (g < 0) { g = this.list.length; this.list.push({ plans, whole: plans, gate: null, sampled: 0, fields: readsOf(plans), named: namedOf(plans) }); this.byPlans.set(s, g); }
    }
    return g;
  }

  /** Rule targets that apply to some event met so far. */
  get targets(): number { return this.usedTargets.size; }
}

/** The fields the plans read, together (null when one of them reads every value). */
function readsOf(plans: Plan[]): FieldSelection | null {
  const keys = new Set<string>();
  for (const p of plans) {
    if (p.reads === null) return null;
    for (const k of p.reads) keys.add(k);
  }
  return new FieldSelection(keys);
}

/** The fields the plans read by name, together. */
const namedOf = (plans: Plan[]): FieldSelection => new FieldSelection(plans.flatMap((p) => p.named));

/**
 * Decides, for each group seen in the sample, which of its rules run on FTS candidates: all of them when together
 * they narrow the group enough; otherwise (in 'auto') those that search every value of an event (keyword rules such
 * as SigmaHQ's Mimikatz keywords, which apply to every event log) when their candidates are under 1/FTS_NARROWS of
 * all the groups they apply to together (the candidates are looked up once for all groups) — in the gate they would
 * make every value of every event decoded and scanned.
 */
function planFts(db: Db, reader: FieldsReader, groups: Groups, mode: 'auto' | 'always', sources: string[]): Anchored[] {
  const fts = new FtsTerms(db);
  const sample = sampleKeys(db, reader, EVTX_SOURCES, SAMPLE);
  for (const row of sample.rows) if (sources.includes(row.source)) { const g = groups.of(row); if (g >= 0) groups.list[g].sampled++; }
  const out: Anchored[] = [];
  const idsOf = new Map<Compiled, Float64Array>();
  const anchorAt = (plan: Plan, gi: number, a: Anchor) => {
    let ids = idsOf.get(plan.match);
    if (!ids) { ids = termIds(fts, a.terms); idsOf.set(plan.match, ids); }
    out.push({ plan, group: gi, ids, cursor: 0 });
  };
  const budgets = groups.list.map((g) => (mode === 'auto' ? ((g.sampled / Math.max(1, sample.rows.length)) * sample.span) / FTS_NARROWS : Infinity));
  // a rule target's budget over every group it applies to
  const spread = new Map<Compiled, number>();
  groups.list.forEach((g, gi) => { for (const p of g.plans) spread.set(p.match, (spread.get(p.match) ?? 0) + budgets[gi]); });
  groups.list.forEach((g, gi) => {
    const anchors = anchorsIfNarrow(g.plans, fts, budgets[gi]);
    g.whole = [];
    g.plans.forEach((plan, i) => {
      if (anchors) {
        const a = anchors[i];
        if (a && a.cost < budgets[gi]) anchorAt(plan, gi, a); else g.whole.push(plan);
        return;
      }
      const a = plan.reads === null ? anchorOf(plan.match.needs, fts.df) : null;
      if (a && a.cost < spread.get(plan.match)!) anchorAt(plan, gi, a); else g.whole.push(plan);
    });
    g.fields = readsOf(g.whole);
    g.named = namedOf(g.whole);
  });
  return out;
}

/**
 * Each plan's FTS anchor when their costs add up to under `budget` (null otherwise; with an infinite budget, every
 * plan that has one). Plans that constrain nothing are checked first, so a group that must be read whole costs no
 * vocabulary lookup.
 */
function anchorsIfNarrow(plans: Plan[], fts: FtsTerms, budget: number): Array<Anchor | null> | null {
  const finite = Number.isFinite(budget);
  if (finite && plans.some((p) => p.match.needs.t === 'true')) return null;
  const out: Array<Anchor | null> = [];
  let cost = 0;
  for (const p of plans) {
    const a = anchorOf(p.match.needs, fts.df);
    if (finite && (!a || (cost += a.cost) >= budget)) return null;
    out.push(a);
  }
  return out;
}

export function runSigma(db: Db, rules: SigmaRule[], opts: SigmaRunOptions = {}): SigmaRunResult {
  const t0 = performance.now();
  const ftsMode = opts.prefilter === false ? 'off' : opts.fts ?? 'auto';
  const useGate = opts.prefilter !== false && opts.gate !== false;
  // the reference run decodes every field, so the tests check that the fields rules read are all decoded
  const skipFields = opts.prefilter !== false;
  const sources = [...new Set(rules.flatMap((r) => r.targets.flatMap((t) => t.target.sources)))];
  const hits = new Map<number, number[]>();
  const stats: SigmaRunStats = { threads: 1, events: 0, rules: rules.length, targets: 0, groups: 0, anchored: 0, scanned: 0, evaluated: 0, tests: 0, seconds: 0 };
  if (sources.length === 0) return { hits, stats, cancelled: false };
  const groups = new Groups(rules);
  const reader = new FieldsReader(db);
  const anchored = ftsMode === 'off' ? [] : planFts(db, reader, groups, ftsMode, sources);
  const only = candidatesOnly(groups, sources, anchored);
  const scope: Scope = { streamed: sources.filter((s) => !only.sources.has(s)), only };
  const plans: Plan[] = [];
  let windowEnd = -Infinity;
  let buckets = new Map<number, Anchored[]>();
  const stop = () => !!opts.signal?.aborted || !!opts.cancelled?.();
  for (const row of chunkedRows(db, reader, scope, opts.chunks)) {
    if (row.id >= windowEnd) {
      if (stop()) return { hits, stats, cancelled: true };
      const windowStart = row.id - (row.id % WINDOW);
      windowEnd = windowStart + WINDOW;
      buckets = bucketCandidates(anchored, windowStart, windowEnd);
    }
    stats.events++;
    const gi = groups.of(row);
    if (gi < 0) continue;
    const g = groups.list[gi];
    const extra = buckets.get(row.id);
    if (g.whole.length === 0 && !extra) continue;
    // an FTS candidate is decoded whole (its anchored rules may search every value), the others only as their group
    // needs: whole for keyword rules only when their literals may be in the row (keyword-scan.ts)
    let fields = skipFields && !extra ? g.fields : null;
    let partial = false;
    if (fields === null && useGate && skipFields && !extra) {
      if (g.keywords === undefined) g.keywords = prescanOf(g, reader);
      partial = g.keywords !== null && !g.keywords.present(row);
      if (partial) fields = g.named;
    }
    let ev = new EventView(reader.read(row, fields), row.source);
    stats.evaluated++;
    plans.length = 0;
    if (!useGate) plans.push(...g.whole);
    else if (g.whole.length) (g.gate ??= new RuleGate(g.whole, (p) => p.match.needs)).candidates(ev, plans);
    if (extra) for (const a of extra) if (a.group === gi) plans.push(a.plan);
    // a keyword rule let through is tested on every value (its keywords are absent, but it may say `not keywords`)
    if (partial && plans.some((p) => p.reads === null)) ev = new EventView(reader.read(row, null), row.source);
    for (const p of plans) {
      stats.tests++;
      if (!p.match.test(ev)) continue;
      const list = hits.get(p.ruleIdx);
      if (list) { if (list[list.length - 1] !== row.id) list.push(row.id); } else hits.set(p.ruleIdx, [row.id]);
    }
  }
  stats.targets = groups.targets;
  stats.groups = groups.list.length;
  for (const g of groups.list) { stats.scanned += g.whole.length; stats.anchored += g.plans.length - g.whole.length; }
  stats.seconds = (performance.now() - t0) / 1000;
  return { hits, stats, cancelled: false };
}

/** The keyword prescan of a group's rules read whole (null when no keyword literal can be ruled out in the stored row). */
function prescanOf(g: Group, reader: FieldsReader): KeywordPrescan | null {
  if (g.whole.every((p) => p.reads !== null)) return null;
  return KeywordPrescan.of(g.whole.flatMap((p) => keywordLiterals(p.match.needs)), reader);
}

/**
 * Sources read only at FTS candidates: those keyed by source alone (not EVTX) whose rules all run on candidates — a
 * web log's other rows would be read only to be passed over. `ids`: their groups' candidates, ascending.
 */
interface CandidatesOnly { sources: Set<string>; ids: Float64Array }
/** What the stream reads: every event of `streamed`, and the candidates of `only`. */
interface Scope { streamed: string[]; only: CandidatesOnly }

function candidatesOnly(groups: Groups, sources: string[], anchored: Anchored[]): CandidatesOnly {
  const only = new Set<string>();
  const groupIds = new Set<number>();
  for (const source of sources) {
    if (EVTX_SOURCES.includes(source) || anchored.length === 0) continue;
    const gi = groups.of({ id: 0, source, channel: null, eid: null });
    if (gi >= 0 && groups.list[gi].whole.length > 0) continue;
    only.add(source);
    groupIds.add(gi);
  }
  const lists = anchored.filter((a) => groupIds.has(a.group)).map((a) => a.ids);
  return { sources: only, ids: lists.length ? unionIds(lists) : new Float64Array(0) };
}

/** The stream's rows: of every chunk in turn, or of the whole case. */
function* chunkedRows(db: Db, reader: FieldsReader, scope: Scope, chunks: ChunkSource | undefined): Generator<StreamRow> {
  if (!chunks) { yield* scopeRows(db, reader, scope); return; }
  for (let c = chunks(); c; c = chunks()) yield* scopeRows(db, reader, scope, c);
}

function* scopeRows(db: Db, reader: FieldsReader, scope: Scope, range?: readonly [number, number]): Generator<StreamRow> {
  const streamed = scope.streamed.length ? streamRows(db, reader, scope.streamed, EVTX_SOURCES, range) : null;
  const candidates = scope.only.ids.length ? candidateRows(db, reader, scope.only.sources, scope.only.ids, range) : null;
  if (streamed && candidates) yield* mergeById(streamed, candidates);
  else if (streamed ?? candidates) yield* (streamed ?? candidates)!;
}

/** FTS-anchored rules by candidate id, for the ids in [start, end) (those before `start` are passed: another thread's). */
function bucketCandidates(anchored: Anchored[], start: number, end: number): Map<number, Anchored[]> {
  const buckets = new Map<number, Anchored[]>();
  for (const a of anchored) {
    while (a.cursor < a.ids.length && a.ids[a.cursor] < start) a.cursor++;
    while (a.cursor < a.ids.length && a.ids[a.cursor] < end) {
      const id = a.ids[a.cursor++];
      const list = buckets.get(id);
      if (list) list.push(a); else buckets.set(id, [a]);
    }
  }
  return buckets;
}
