// Reading the case for a Sigma run: one stream of the events of the rules' sources in id order, each with its
// logsource key (source, channel, event ID) and its stored fields; an evenly spread sample of those keys (to tell how
// large each logsource is before the stream); FTS term hits as ascending event ids.
import type { Db } from '../../case/db.ts';
import { fieldSql, FIELDS_COLUMNS } from '../../case/fields.ts';
import type { FtsTerms, Term } from './prefilter.ts';

export interface KeyInfo { source: string; channel: string | null; eventId: number | null }
export interface StreamRow { id: number; source: string; channel: unknown; eid: unknown; fields: string | null }

/** SQL for the key columns of `e` (channel and event ID for the sources that carry EVTX fields), with its parameters. */
function keyColumns(evtxSources: string[]): { sql: string; params: unknown[] } {
  const ch = fieldSql('Channel'), eid = fieldSql('EventID');
  const evtx = evtxSources.map(() => '?').join(',');
  return {
    sql: `e.id, e.source, CASE WHEN e.source IN (${evtx}) THEN ${ch.sql} END AS channel, CASE WHEN e.source IN (${evtx}) THEN ${eid.sql} END AS eid`,
    params: [...evtxSources, ...ch.params, ...evtxSources, ...eid.params],
  };
}

/** Every event of `sources` in id order, with its key and fields (read once, for the whole run). */
export function streamRows(db: Db, sources: string[], evtxSources: string[]): IterableIterator<StreamRow> {
  const k = keyColumns(evtxSources);
  return db.prepare(`SELECT ${k.sql}, ${FIELDS_COLUMNS('e')} FROM events e WHERE e.source IN (${sources.map(() => '?').join(',')}) ORDER BY e.id`)
    .iterate(...k.params, ...sources) as IterableIterator<StreamRow>;
}

/**
 * The keys of up to `n` events spread evenly over the id range (any source: each probe is one rowid lookup), and the
 * span of ids they stand for; a key's share of the sample times the span estimates its number of events.
 */
export function sampleKeys(db: Db, evtxSources: string[], n: number): { rows: StreamRow[]; span: number } {
  const { lo, hi } = db.prepare('SELECT min(id) AS lo, max(id) AS hi FROM events').get() as { lo: number | null; hi: number | null };
  if (lo === null || hi === null) return { rows: [], span: 0 };
  const k = keyColumns(evtxSources);
  const at = db.prepare(`SELECT ${k.sql} FROM events e WHERE e.id >= ? ORDER BY e.id LIMIT 1`);
  const rows: StreamRow[] = [];
  const step = Math.max(1, (hi - lo + 1) / n);
  let last = -Infinity;
  for (let x = lo; x <= hi; x += step) {
    const row = at.get(...k.params, Math.max(Math.ceil(x), last + 1)) as StreamRow | undefined;
    if (!row) break;
    rows.push(row);
    last = row.id;
  }
  return { rows, span: hi - lo + 1 };
}

/** Ascending ids of the events holding any of the terms. */
export function termIds(fts: FtsTerms, terms: Term[]): Float64Array {
  if (terms.length === 1) return fts.ids(terms[0]);
  const all = new Float64Array(terms.reduce((n, t) => n + fts.ids(t).length, 0));
  let at = 0;
  for (const t of terms) { all.set(fts.ids(t), at); at += fts.ids(t).length; }
  all.sort();
  let w = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[w++] = all[i];
  return all.subarray(0, w);
}
