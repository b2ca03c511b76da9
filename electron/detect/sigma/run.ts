// Runs compiled Sigma rules over the case's events. Plan: one pass over the events' logsource keys (source, channel,
// event ID); per rule and target, either an FTS anchor (the rule is tested only on events holding one of its rarest
// words) or, when that is not cheaper, every event of its logsource. Then one streaming pass in id order evaluates
// each needed event once against the rules planned for it; fields are decoded once per event.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../case/db.ts';
import { decodeFields, fieldSql, FIELDS_COLUMNS } from '../../case/fields.ts';
import type { SigmaRule } from './compile.ts';
import { EventView } from './event-view.ts';
import { EVTX_SOURCES, type Target } from './logsource.ts';
import type { Compiled } from './modifiers.ts';
import { anchorOf, FtsTerms, type Term } from './prefilter.ts';

export interface SigmaRunStats {
  events: number; rules: number; targets: number; anchored: number; scanned: number; evaluated: number; tests: number; seconds: number;
}

export interface SigmaRunResult {
  /** rule index → matching event ids, ascending. */
  hits: Map<number, number[]>;
  stats: SigmaRunStats;
  cancelled: boolean;
}

interface KeyInfo { source: string; channel: string | null; eventId: number | null; count: number }
/** A rule target to test; `cand`: the ascending positions of its FTS candidates (null: every event of its keys). */
interface Plan { ruleIdx: number; match: Compiled; cand: Int32Array | null; cursor: number }

/** Positions processed per window of the streaming pass. */
const WINDOW = 20_000;
/** Ids per `IN (…)` query when a window needs few of its events. */
const IN_BATCH = 500;

/** Every event's logsource key, in id order. */
function keyIndex(db: Db, sources: string[]): { ids: Float64Array; keyOf: Int32Array; keys: KeyInfo[] } {
  const ch = fieldSql('Channel'), eid = fieldSql('EventID');
  const evtx = EVTX_SOURCES.map(() => '?').join(',');
  const rows = db.prepare(`SELECT e.id, e.source,
      CASE WHEN e.source IN (${evtx}) THEN ${ch.sql} END AS channel,
      CASE WHEN e.source IN (${evtx}) THEN ${eid.sql} END AS eid
    FROM events e WHERE e.source IN (${sources.map(() => '?').join(',')}) ORDER BY e.id`).raw()
    .iterate(...EVTX_SOURCES, ...ch.params, ...EVTX_SOURCES, ...eid.params, ...sources) as IterableIterator<[number, string, unknown, unknown]>;
  const ids: number[] = [];
  const keyOf: number[] = [];
  const keys: KeyInfo[] = [];
  const byName = new Map<string, number>();
  for (const [id, source, channel, eventId] of rows) {
    const c = typeof channel === 'string' ? channel.toLowerCase() : null;
    const n = eventId === null || eventId === undefined ? null : Number(eventId);
    const name = `${source}\u0001${c}\u0001${n}`;
    let k = byName.get(name);
    if (k === undefined) { k = keys.length; keys.push({ source, channel: c, eventId: n, count: 0 }); byName.set(name, k); }
    keys[k].count++;
    ids.push(id);
    keyOf.push(k);
  }
  return { ids: Float64Array.from(ids), keyOf: Int32Array.from(keyOf), keys };
}

const allows = (t: Target, k: KeyInfo): boolean =>
  t.sources.includes(k.source) && (!t.channels || (k.channel !== null && t.channels.includes(k.channel)))
  && (!t.eventIds || (k.eventId !== null && t.eventIds.includes(k.eventId)));

/** Index of `id` in the ascending array, or -1. */
function find(ids: Float64Array, id: number, lo = 0, hi = ids.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid] < id) lo = mid + 1; else hi = mid;
  }
  return lo < ids.length && ids[lo] === id ? lo : -1;
}

/** Positions (in `ids`) of the events holding each FTS term, computed once per term. */
class TermPositions {
  private readonly cache = new Map<string, Int32Array>();
  /** Marks of the union being built; a new stamp per union avoids clearing. */
  private readonly mark: Int32Array;
  private stamp = 0;
  constructor(private readonly fts: FtsTerms, private readonly ids: Float64Array) { this.mark = new Int32Array(ids.length); }

  private positions(t: Term): Int32Array {
    const key = t.prefix ? `${t.term}*` : t.term;
    let p = this.cache.get(key);
    if (!p) {
      const out: number[] = [];
      for (const id of this.fts.ids(t)) { const i = find(this.ids, id); if (i >= 0) out.push(i); }
      p = Int32Array.from(out);
      this.cache.set(key, p);
    }
    return p;
  }

  /** Ascending positions of events holding any of the terms whose logsource key is allowed. */
  union(terms: Term[], allowed: Uint8Array, keyOf: Int32Array): Int32Array {
    const s = ++this.stamp;
    const out: number[] = [];
    for (const t of terms) {
      for (const p of this.positions(t)) {
        if (this.mark[p] === s || !allowed[keyOf[p]]) continue;
        this.mark[p] = s;
        out.push(p);
      }
    }
    return Int32Array.from(out).sort();
  }
}

/** `prefilter: false` tests every rule on every event of its logsource (to check the prefilter loses nothing). */
export function runSigma(db: Db, rules: SigmaRule[], opts: { signal?: AbortSignal; prefilter?: boolean } = {}): SigmaRunResult {
  const t0 = performance.now();
  const sources = [...new Set(rules.flatMap((r) => r.targets.flatMap((t) => t.target.sources)))];
  const hits = new Map<number, number[]>();
  const stats: SigmaRunStats = { events: 0, rules: rules.length, targets: 0, anchored: 0, scanned: 0, evaluated: 0, tests: 0, seconds: 0 };
  if (sources.length === 0) return { hits, stats, cancelled: false };
  const { ids, keyOf, keys } = keyIndex(db, sources);
  stats.events = ids.length;
  const fts = new FtsTerms(db);
  const terms = new TermPositions(fts, ids);
  const scanByKey: Plan[][] = keys.map(() => []);
  const anchored: Plan[] = [];
  rules.forEach((rule, ruleIdx) => {
    for (const { target, match } of rule.targets) {
      const allowed = Uint8Array.from(keys, (k) => (allows(target, k) ? 1 : 0));
      const scanCount = keys.reduce((n, k, i) => n + (allowed[i] ? k.count : 0), 0);
      if (scanCount === 0) continue;
      stats.targets++;
      const anchor = opts.prefilter === false ? null : anchorOf(match.needs, fts.df);
      if (anchor && anchor.cost < scanCount) {
        const cand = terms.union(anchor.terms, allowed, keyOf);
        stats.anchored++;
        if (cand.length) anchored.push({ ruleIdx, match, cand, cursor: 0 });
      } else {
        stats.scanned++;
        keys.forEach((_, k) => { if (allowed[k]) scanByKey[k].push({ ruleIdx, match, cand: null, cursor: 0 }); });
      }
    }
  });
  const fetch = rowFetcher(db);
  for (let a = 0; a < ids.length; a += WINDOW) {
    if (opts.signal?.aborted) return { hits, stats, cancelled: true };
    const b = Math.min(ids.length, a + WINDOW);
    const buckets = new Map<number, Plan[]>();
    for (const p of anchored) {
      const cand = p.cand!;
      while (p.cursor < cand.length && cand[p.cursor] < b) {
        const pos = cand[p.cursor++];
        const list = buckets.get(pos);
        if (list) list.push(p); else buckets.set(pos, [p]);
      }
    }
    const needed: number[] = [];
    for (let pos = a; pos < b; pos++) if (scanByKey[keyOf[pos]].length || buckets.has(pos)) needed.push(pos);
    if (needed.length === 0) continue;
    for (const row of fetch(needed.map((p) => ids[p]), needed.length > (b - a) / 4 ? [ids[a], ids[b - 1]] : null)) {
      const pos = find(ids, row.id, a, b);
      if (pos < 0) continue;
      const plans = [...scanByKey[keyOf[pos]], ...(buckets.get(pos) ?? [])];
      if (plans.length === 0) continue;
      const ev = new EventView(decodeFields(row), row.source);
      stats.evaluated++;
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

interface EventRow { id: number; source: string; fields: string | null }

/** Reads events by id: a range scan when a window needs many of its events, `IN (…)` batches when few. */
function rowFetcher(db: Db): (wanted: number[], range: [number, number] | null) => Iterable<EventRow> {
  const cols = `e.id, e.source, ${FIELDS_COLUMNS('e')}`;
  const byRange = db.prepare(`SELECT ${cols} FROM events e WHERE e.id BETWEEN ? AND ? ORDER BY e.id`);
  const byIds = new Map<number, Statement<unknown[]>>();
  return function* (wanted, range) {
    if (range) { yield* byRange.iterate(range[0], range[1]) as Iterable<EventRow>; return; }
    for (let i = 0; i < wanted.length; i += IN_BATCH) {
      const part = wanted.slice(i, i + IN_BATCH);
      let st = byIds.get(part.length);
      if (!st) { st = db.prepare(`SELECT ${cols} FROM events e WHERE e.id IN (${part.map(() => '?').join(',')})`); byIds.set(part.length, st); }
      yield* st.all(...part) as EventRow[];
    }
  };
}
