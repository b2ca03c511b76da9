// Reading the case for a Sigma run: every event's logsource key in id order, FTS term hits as positions in that
// order, and the rows of a window of positions (a range scan when it needs many of them, `IN (…)` batches when few).
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../case/db.ts';
import { fieldSql, FIELDS_COLUMNS } from '../../case/fields.ts';
import type { FtsTerms, Term } from './prefilter.ts';

export interface KeyInfo { source: string; channel: string | null; eventId: number | null; count: number }

/** Every event's logsource key, in id order; `evtxSources` carry Channel and EventID fields. */
export function keyIndex(db: Db, sources: string[], evtxSources: string[]): { ids: Float64Array; keyOf: Int32Array; keys: KeyInfo[] } {
  const ch = fieldSql('Channel'), eid = fieldSql('EventID');
  const evtx = evtxSources.map(() => '?').join(',');
  const rows = db.prepare(`SELECT e.id, e.source,
      CASE WHEN e.source IN (${evtx}) THEN ${ch.sql} END AS channel,
      CASE WHEN e.source IN (${evtx}) THEN ${eid.sql} END AS eid
    FROM events e WHERE e.source IN (${sources.map(() => '?').join(',')}) ORDER BY e.id`).raw()
    .iterate(...evtxSources, ...ch.params, ...evtxSources, ...eid.params, ...sources) as IterableIterator<[number, string, unknown, unknown]>;
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

/** Index of `id` in the ascending array, or -1. */
export function find(ids: Float64Array, id: number, lo = 0, hi = ids.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid] < id) lo = mid + 1; else hi = mid;
  }
  return lo < ids.length && ids[lo] === id ? lo : -1;
}

/** Positions (in `ids`) of the events holding each FTS term, computed once per term. */
export class TermPositions {
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

export interface EventRow { id: number; pos: number; source: string; fields: string | null }

/** Ids per `IN (…)` query when a window needs few of its events. */
const IN_BATCH = 500;

/** Reads the rows at the `needed` positions (ascending, all in [a, b)) of `ids`, in id order, with their position. */
export function rowFetcher(db: Db): (ids: Float64Array, needed: number[], a: number, b: number) => Iterable<EventRow> {
  const cols = `e.id, e.source, ${FIELDS_COLUMNS('e')}`;
  const byRange = db.prepare(`SELECT ${cols} FROM events e WHERE e.id BETWEEN ? AND ? ORDER BY e.id`);
  const byIds = new Map<number, Statement<unknown[]>>();
  return function* (ids, needed, a, b) {
    if (needed.length > (b - a) / 4) {
      // a range scan also returns events between the needed ones (other sources, keys no rule reads): skip those
      let i = 0;
      for (const row of byRange.iterate(ids[a], ids[b - 1]) as Iterable<Omit<EventRow, 'pos'>>) {
        while (i < needed.length && ids[needed[i]] < row.id) i++;
        if (i < needed.length && ids[needed[i]] === row.id) yield { ...row, pos: needed[i++] };
      }
      return;
    }
    for (let i = 0; i < needed.length; i += IN_BATCH) {
      const part = needed.slice(i, i + IN_BATCH).map((p) => ids[p]);
      let st = byIds.get(part.length);
      if (!st) { st = db.prepare(`SELECT ${cols} FROM events e WHERE e.id IN (${part.map(() => '?').join(',')}) ORDER BY e.id`); byIds.set(part.length, st); }
      for (const row of st.all(...part) as Array<Omit<EventRow, 'pos'>>) yield { ...row, pos: find(ids, row.id, a, b) };
    }
  };
}
