// On-demand sort indexes (migration 8). A column without an index of its own (Status, host, message, file, any field)
// is sorted by reading its key table sort_key_<id>: one B-tree of (value, time, id), so a page sorted by it is a short
// range read instead of a sort of the whole result. The table is built in slices of event ids (the service yields
// between slices and keeps serving), kept in the case, listed with its size, and removable.
import type { SortIndexInfo } from '../../shared/api.ts';
import type { Db } from './db.ts';
import { sortKeyExpr, sortKeyName, type Sql } from './timeline-where.ts';
import { audit, nowIso } from './write.ts';

/** Empty values are keyed as an empty blob: it sorts after every number and text, so `sk_key < x''` is "has a value". */
export const EMPTY_KEY = "x''";

interface IndexRow {
  si_id: number; si_field: string; si_state: 'building' | 'ready'; si_max_id: number; si_target: number;
  si_valued: number | null; si_created_at: string; si_built_at: string | null;
}

export const keyTable = (id: number): string => `sort_key_${id}`;

const withTable = new WeakMap<Db, boolean>();

/** False for a case without migration 8 (opened read-only by an older schema path): sorts then read the whole result. */
function hasRegistry(db: Db): boolean {
  let v = withTable.get(db);
  if (v === undefined) {
    v = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sort_indexes'").get() !== undefined;
    withTable.set(db, v);
  }
  return v;
}

const maxEventId = (db: Db): number => (db.prepare('SELECT coalesce(max(id), 0) FROM event_rows').pluck().get() as number);

function indexRow(db: Db, name: string): IndexRow | undefined {
  return db.prepare('SELECT * FROM sort_indexes WHERE si_field = ?').get(name) as IndexRow | undefined;
}

/** The state of the sort by `field`: not needed (an indexed column), ready to read, or to be built or extended first. */
export type SortPlan =
  | { kind: 'native' }
  | { kind: 'ready'; id: number; valued: number }
  | { kind: 'build'; name: string; progress: number | null };

export function sortPlan(db: Db, field: string): SortPlan {
  const name = sortKeyName(field);
  if (name === null || !hasRegistry(db)) return { kind: 'native' };
  const row = indexRow(db, name);
  if (row && row.si_state === 'ready' && row.si_max_id === maxEventId(db)) return { kind: 'ready', id: row.si_id, valued: row.si_valued ?? 0 };
  return { kind: 'build', name, progress: row && row.si_state === 'building' ? progressOf(row) : null };
}

const progressOf = (r: IndexRow): number => (r.si_target > 0 ? Math.min(1, Math.max(0, r.si_max_id) / r.si_target) : 0);

/** Registers (or marks for extension) the index of `name`; audited when it is new. Returns its id. */
export function startSortIndex(db: Db, name: string): number {
  const row = indexRow(db, name);
  const target = maxEventId(db);
  if (row) {
    db.prepare("UPDATE sort_indexes SET si_state = 'building', si_target = ? WHERE si_id = ?").run(Math.max(target, row.si_max_id), row.si_id);
    return row.si_id;
  }
  return db.transaction(() => {
    const id = Number(db.prepare("INSERT INTO sort_indexes (si_field, si_state, si_max_id, si_target, si_created_at) VALUES (?, 'building', 0, ?, ?)")
      .run(name, target, nowIso()).lastInsertRowid);
    db.exec(`CREATE TABLE IF NOT EXISTS ${keyTable(id)} (sk_key ANY NOT NULL, sk_ts INTEGER NOT NULL, sk_id INTEGER NOT NULL,
      PRIMARY KEY (sk_key, sk_ts, sk_id)) STRICT, WITHOUT ROWID`);
    audit(db, 'sort-index.create', { field: name });
    return id;
  })();
}

/**
 * Keys the next `rows` events (by id) of index `id`; true when it is complete (then ready). An index whose events
 * were deleted (si_max_id -1) starts again from nothing.
 */
export function buildSlice(db: Db, id: number, rows: number): boolean {
  return db.transaction(() => {
    const row = db.prepare('SELECT * FROM sort_indexes WHERE si_id = ?').get(id) as IndexRow | undefined;
    if (!row) return true;
    let from = row.si_max_id;
    let valued = row.si_valued ?? 0;
    if (from < 0) { db.exec(`DELETE FROM ${keyTable(id)}`); from = 0; valued = 0; }
    const expr: Sql = sortKeyExpr(row.si_field);
    const upTo = db.prepare('SELECT max(id) FROM (SELECT id FROM event_rows WHERE id > ? ORDER BY id LIMIT ?)').pluck().get(from, rows) as number | null;
    if (upTo !== null) {
      // Staged, to count the values of the slice and to add it to the B-tree in key order.
      db.exec('CREATE TEMP TABLE IF NOT EXISTS sort_slice (k ANY, ts INTEGER, id INTEGER); DELETE FROM temp.sort_slice');
      db.prepare(`INSERT INTO temp.sort_slice SELECT coalesce(${expr.sql}, ${EMPTY_KEY}), ts, id FROM events WHERE id > ? AND id <= ?`).run(...expr.params, from, upTo);
      valued += db.prepare(`SELECT count(*) FROM temp.sort_slice WHERE k < ${EMPTY_KEY}`).pluck().get() as number;
      db.exec(`INSERT INTO ${keyTable(id)} (sk_key, sk_ts, sk_id) SELECT k, ts, id FROM temp.sort_slice ORDER BY k, ts, id`);
      from = upTo;
    }
    const done = db.prepare('SELECT 1 FROM event_rows WHERE id > ?').get(from) === undefined;
    db.prepare(`UPDATE sort_indexes SET si_max_id = ?, si_target = max(si_target, ?), si_valued = ?${done ? ", si_state = 'ready', si_built_at = ?" : ''} WHERE si_id = ?`)
      .run(from, from, valued, ...(done ? [nowIso()] : []), id);
    return done;
  })();
}

/** Builds (or extends) the index of `name` to the end at once: for the CLI and tests. */
export function buildSortIndexNow(db: Db, name: string, sliceRows = 100_000): number {
  const id = startSortIndex(db, name);
  while (!buildSlice(db, id, sliceRows)) { /* next slice */ }
  return id;
}

/** Every sort index of the case, with its size on disk (dbstat) and build progress. */
export function listSortIndexes(db: Db): SortIndexInfo[] {
  if (!hasRegistry(db)) return [];
  const rows = db.prepare('SELECT * FROM sort_indexes ORDER BY si_field').all() as IndexRow[];
  const max = maxEventId(db);
  return rows.map((r) => ({
    field: r.si_field,
    state: r.si_state === 'ready' ? (r.si_max_id === max ? 'ready' : 'stale') : 'building',
    progress: r.si_state === 'ready' ? 1 : progressOf(r),
    bytes: tableBytes(db, keyTable(r.si_id)),
    createdAt: r.si_created_at,
    builtAt: r.si_built_at,
  }));
}

function tableBytes(db: Db, table: string): number | null {
  try {
    return (db.prepare("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ? AND aggregate = 1").pluck().get(table) as number);
  } catch {
    return null; // SQLite built without dbstat
  }
}

/** Removes the sort index of a field (by the name listSortIndexes gives, or any alias of it); audited. False if none. */
export function dropSortIndex(db: Db, field: string): boolean {
  const name = field.startsWith('field:') ? field : sortKeyName(field) ?? field;
  const row = indexRow(db, name);
  if (!row) return false;
  db.transaction(() => {
    db.exec(`DROP TABLE IF EXISTS ${keyTable(row.si_id)}`);
    db.prepare('DELETE FROM sort_indexes WHERE si_id = ?').run(row.si_id);
    audit(db, 'sort-index.drop', { field: name });
  })();
  return true;
}

/** Slices aim at this long (ms), so requests are served between them while an index builds. */
const SLICE_MS = 60;

/**
 * The background builds of a case: one loop per index, a slice at a time on the writing connection, yielding to the
 * event loop between slices (the service keeps answering: the grid shows time order and the progress meanwhile).
 */
export class SortIndexBuilds {
  private readonly running = new Map<string, Promise<void>>();
  private stopped = false;

  constructor(private readonly writer: () => Db) {}

  /** Starts (or extends) the index of `name` unless it is building; runs its first slice now. True when it is ready. */
  ensure(name: string): boolean {
    if (this.running.has(name) || this.stopped) return false;
    const db = this.writer();
    const id = startSortIndex(db, name);
    if (buildSlice(db, id, 2000)) return true;
    const run = this.loop(db, id).catch((e: unknown) => {
      if (!this.stopped) console.error(`sort index for ${name}: ${(e as Error).message}`);
    }).finally(() => this.running.delete(name));
    this.running.set(name, run);
    return false;
  }

  private async loop(db: Db, id: number): Promise<void> {
    let rows = 5000;
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (this.stopped || !db.open) return;
      const t = performance.now();
      if (buildSlice(db, id, rows)) return;
      const ms = Math.max(1, performance.now() - t);
      rows = Math.round(Math.max(1000, Math.min(200_000, rows * (SLICE_MS / ms))));
    }
  }

  /** Resolves when no build is running (tests, the bench). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running.values()]);
  }

  /** Stops every build at its next slice (the case is closing). */
  stop(): void { this.stopped = true; }
}
