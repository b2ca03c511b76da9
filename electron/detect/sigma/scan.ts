// Reading the case for a Sigma run: one stream of the events of the rules' sources in id order, each with its
// logsource key (source, channel, event ID) and its stored fields; an evenly spread sample of those keys (to tell how
// large each logsource is before the stream); FTS term hits as ascending event ids.
import type { Db } from '../../case/db.ts';
import { FieldSelection, PACKED_COLUMNS, type FieldsReader, type PackedRow } from '../../case/fields.ts';
import type { FtsTerms, Term } from './prefilter.ts';

export interface KeyInfo { source: string; channel: string | null; eventId: number | null }
/** A row of the stream: its packed fields (read with a FieldsReader) and, once keyed, its channel and event ID. */
export interface StreamRow extends PackedRow { id: number; source: string; channel: unknown; eid: unknown }

const KEY_FIELDS = new FieldSelection(['Channel', 'EventID']);

/**
 * Fills the row's logsource key from its own fields (channel and event ID for the sources that carry EVTX fields):
 * two fields decoded in JavaScript, cheaper than reading them by name in SQL for every row.
 */
export function keyRow(reader: FieldsReader, row: StreamRow, evtxSources: readonly string[]): StreamRow {
  if (evtxSources.includes(row.source)) {
    const f = reader.read(row, KEY_FIELDS);
    row.channel = f.Channel ?? null;
    row.eid = f.EventID ?? null;
  } else {
    row.channel = null;
    row.eid = null;
  }
  return row;
}

/** Every event of `sources` in id order (only ids in [lo, hi) when a range is given), keyed, with its packed fields. */
export function* streamRows(db: Db, reader: FieldsReader, sources: string[], evtxSources: string[], range?: readonly [number, number]): Generator<StreamRow> {
  const marks = sources.map(() => '?').join(',');
  const rows = (range
    ? db.prepare(`SELECT e.id, e.source, ${PACKED_COLUMNS('e')} FROM events e WHERE e.id >= ? AND e.id < ? AND e.source IN (${marks}) ORDER BY e.id`).iterate(range[0], range[1], ...sources)
    : db.prepare(`SELECT e.id, e.source, ${PACKED_COLUMNS('e')} FROM events e WHERE e.source IN (${marks}) ORDER BY e.id`).iterate(...sources)) as IterableIterator<StreamRow>;
  for (const row of rows) yield keyRow(reader, row, evtxSources);
}

/**
 * The events of `sources` (non-EVTX sources: their key is the source alone) among the candidate ids `ids` (ascending),
 * in id order, only ids in [lo, hi) when a range is given: each read by its id. For sources whose rules all run on FTS
 * candidates, so that their other events are not read at all.
 */
export function* candidateRows(db: Db, reader: FieldsReader, sources: ReadonlySet<string>, ids: Float64Array, range?: readonly [number, number]): Generator<StreamRow> {
  if (sources.size === 0 || ids.length === 0) return;
  const at = db.prepare(`SELECT e.id, e.source, ${PACKED_COLUMNS('e')} FROM events e WHERE e.id = ?`);
  for (let i = range ? firstAtLeast(ids, range[0]) : 0; i < ids.length && (!range || ids[i] < range[1]); i++) {
    const row = at.get(ids[i]) as StreamRow | undefined;
    if (row && sources.has(row.source)) yield keyRow(reader, row, []);
  }
}

/** The index of the first id ≥ x in ascending `ids` (ids.length when none). */
function firstAtLeast(ids: Float64Array, x: number): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (ids[mid] < x) lo = mid + 1; else hi = mid; }
  return lo;
}

/** Two streams of rows in ascending id order (no id in both) → one, in ascending id order. */
export function* mergeById(a: Iterator<StreamRow>, b: Iterator<StreamRow>): Generator<StreamRow> {
  let x = a.next();
  let y = b.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && x.value.id < y.value.id)) { yield x.value; x = a.next(); } else { yield y.value; y = b.next(); }
  }
}

/**
 * The lowest and highest event id. Two subqueries: each is one b-tree seek, where `SELECT min(id), max(id)` in one
 * query reads every row through the view (4 s at 5M events).
 */
export function idRange(db: Db): { lo: number | null; hi: number | null } {
  return db.prepare('SELECT (SELECT min(id) FROM events) AS lo, (SELECT max(id) FROM events) AS hi').get() as { lo: number | null; hi: number | null };
}

/**
 * The keys of up to `n` events spread evenly over the id range (any source: each probe is one rowid lookup), and the
 * span of ids they stand for; a key's share of the sample times the span estimates its number of events.
 */
export function sampleKeys(db: Db, reader: FieldsReader, evtxSources: string[], n: number): { rows: StreamRow[]; span: number } {
  const { lo, hi } = idRange(db);
  if (lo === null || hi === null) return { rows: [], span: 0 };
  const at = db.prepare(`SELECT e.id, e.source, ${PACKED_COLUMNS('e')} FROM events e WHERE e.id >= ? ORDER BY e.id LIMIT 1`);
  const rows: StreamRow[] = [];
  const step = Math.max(1, (hi - lo + 1) / n);
  let last = -Infinity;
  for (let x = lo; x <= hi; x += step) {
    const row = at.get(Math.max(Math.ceil(x), last + 1)) as StreamRow | undefined;
    if (!row) break;
    rows.push(keyRow(reader, row, evtxSources));
    last = row.id;
  }
  return { rows, span: hi - lo + 1 };
}

/** Ascending ids of the events holding any of the terms. */
export function termIds(fts: FtsTerms, terms: Term[]): Float64Array {
  return terms.length === 1 ? fts.ids(terms[0]) : unionIds(terms.map((t) => fts.ids(t)));
}

/** The ascending ids in any of these lists. */
export function unionIds(lists: Float64Array[]): Float64Array {
  if (lists.length === 1) return lists[0];
  const all = new Float64Array(lists.reduce((n, l) => n + l.length, 0));
  let at = 0;
  for (const l of lists) { all.set(l, at); at += l.length; }
  all.sort();
  let w = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[w++] = all[i];
  return all.subarray(0, w);
}
