// The case side of event writing: registers the layouts a batch announces, interns repeated strings, inserts rows
// and their full-text entries with prepared multi-row statements, and counts events per minute in memory (written
// with the rows' transaction, instead of a trigger per row). One store per writing connection.
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.ts';
import { BatchReader, type EventBatch } from './event-batch.ts';
import { FileSpans } from './log-spans.ts';
import { MINUTE } from './minutes.ts';

/** Rows per INSERT statement into event_rows (19 parameters each; SQLite allows 32766). */
const ROWS_PER_STATEMENT = 64;
/** Full-text entries gathered before they are indexed in one run. */
const FTS_QUEUE = 32_768;
const ROW_COLUMNS = 'id, ts, source, desc_ref, host_ref, ip, status, method, url_ref, ua_ref, msg, msg_tpl, field_layout, field_vals, file_id, line, record, offset, manual';
const ROW_PARAMS = ROW_COLUMNS.split(',').length;

/**
 * Texts stored once in event_strings and referenced by id; URLs and user agents only from their second use. Ids are
 * bound as BigInt: better-sqlite3 binds other numbers as REAL, and the column type tells an id from a text.
 */
class StringIds {
  private ids = new Map<string, bigint>();
  private seen = new Set<string>();
  private readonly find: Statement;
  private readonly add: Statement;

  constructor(db: Db) {
    this.find = db.prepare('SELECT es_id FROM event_strings WHERE es_text = ?').pluck();
    this.add = db.prepare('INSERT INTO event_strings (es_text) VALUES (?)');
  }

  ref(s: string | null, always: boolean): string | bigint | null {
    if (s === null || s.length <= 3) return s;
    const hit = this.ids.get(s);
    if (hit !== undefined) return hit;
    const found = this.find.get(s) as number | undefined;
    let id: bigint;
    if (found === undefined) {
      if (!always && !this.seen.has(s)) {
        if (this.seen.size >= 200_000) this.seen.clear();
        this.seen.add(s);
        return s;
      }
      id = BigInt(this.add.run(s).lastInsertRowid);
    } else {
      id = BigInt(found);
    }
    if (this.ids.size >= 200_000) this.ids.clear();
    this.ids.set(s, id);
    return id;
  }
}

/** A number for an ANY column: whole numbers as INTEGER (better-sqlite3 binds plain numbers as REAL). */
const intOrReal = (n: number | null): number | bigint | null => (n !== null && Number.isSafeInteger(n) ? BigInt(n) : n);

/** Events per (minute, source) added since the last flush. */
class MinuteCounts {
  private bySource = new Map<string, Map<number, number>>();
  // Logs come in time order: a run of events of one source and minute is counted here, then added to the maps once.
  private runSource = '';
  private runMinute = 0;
  private run = 0;

  add(ts: number, source: string): void {
    const minute = Math.floor(ts / MINUTE);
    if (this.run && minute === this.runMinute && source === this.runSource) { this.run++; return; }
    this.endRun();
    this.runSource = source;
    this.runMinute = minute;
    this.run = 1;
  }

  private endRun(): void {
    if (!this.run) return;
    let m = this.bySource.get(this.runSource);
    if (!m) this.bySource.set(this.runSource, (m = new Map()));
    m.set(this.runMinute, (m.get(this.runMinute) ?? 0) + this.run);
    this.run = 0;
  }

  clear(): void {
    this.bySource = new Map();
    this.run = 0;
  }

  flush(db: Db): void {
    this.endRun();
    if (!this.bySource.size) return;
    const up = db.prepare('INSERT INTO event_minutes (minute, source, n) VALUES (?, ?, ?) ON CONFLICT (minute, source) DO UPDATE SET n = n + excluded.n');
    for (const [source, m] of this.bySource) for (const [minute, n] of m) up.run(minute, source, n);
    this.bySource = new Map();
  }
}

export class EventStore {
  private nextId: number;
  private readonly layoutIds = new Map<number, Map<number, number>>();
  private readonly strings: StringIds;
  private readonly minutes = new MinuteCounts();
  private readonly spans = new FileSpans();
  private readonly rowsStmt = new Map<number, Statement>();
  private readonly ftsInsert: Statement;
  private readonly addLayout: Statement;
  private readonly addName: Statement;
  private rowParams: unknown[] = [];
  /** Full-text entries waiting to be indexed: rowid, message, extras (views into their batches). */
  private ftsQueue: unknown[] = [];

  constructor(private readonly db: Db) {
    this.nextId = ((db.prepare('SELECT max(id) FROM event_rows').pluck().get() as number | null) ?? 0) + 1;
    this.strings = new StringIds(db);
    this.addLayout = db.prepare('INSERT INTO field_layouts (fl_spec, fl_tpl) VALUES (?, jsonb(?))');
    this.addName = db.prepare('INSERT OR REPLACE INTO field_names (fn_layout, fn_name, fn_pos, fn_role) VALUES (?, ?, ?, ?)');
    this.ftsInsert = db.prepare('INSERT INTO events_fts (rowid, message, fields) VALUES (?, ?, ?)');
  }

  /**
   * Writes a batch's events (call inside a transaction); `scope` identifies the encoder the batch came from, whose
   * layout numbers are its own. Returns the id of the first event written.
   */
  insert(batch: EventBatch, scope: number, fileId: number | null, manual = false): number {
    const layouts = this.scope(scope);
    for (const def of batch.layouts) {
      const id = Number(this.addLayout.run(JSON.stringify(def.spec), JSON.stringify(def.spec.tpl)).lastInsertRowid);
      def.spec.names.forEach((n, i) => this.addName.run(id, n, i, def.spec.roles[i]));
      layouts.set(def.id, id);
    }
    const first = this.nextId;
    const r = new BatchReader(batch);
    let lo = Infinity;
    let hi = -Infinity;
    while (r.next()) {
      const id = this.nextId++;
      const msgTpl = r.msgTpl || null;
      this.rowParams.push(
        id, r.ts, r.source, this.strings.ref(r.tsDesc, true), this.strings.ref(r.host, true), r.ip, intOrReal(r.status), r.method,
        this.strings.ref(r.url, false), this.strings.ref(r.ua, false), msgTpl ? null : r.message.toString('utf8'), msgTpl,
        r.layout ? layouts.get(r.layout) ?? null : null, r.vals, fileId, r.line, r.record, r.offset, manual ? 1 : 0,
      );
      this.ftsQueue.push(id, r.message, r.extras.length ? r.extras : null);
      this.minutes.add(r.ts, r.source);
      if (this.spans.counts(r.ts, r.source)) {
        if (r.ts < lo) lo = r.ts;
        if (r.ts > hi) hi = r.ts;
      }
      if (this.rowParams.length === ROWS_PER_STATEMENT * ROW_PARAMS) this.drainRows();
    }
    this.drainRows();
    this.spans.add(fileId, lo, hi);
    if (this.ftsQueue.length >= FTS_QUEUE * 3) this.flushFts();
    return first;
  }

  /**
   * Indexes the queued full-text entries. Inserting them in long runs, apart from the row inserts, is far cheaper
   * than alternating the two (the tokenizer and the B-tree code keep evicting each other from the CPU caches).
   * Call before the transaction commits.
   */
  flushFts(): void {
    const q = this.ftsQueue;
    const fts = this.ftsInsert;
    for (let i = 0; i < q.length; i += 3) fts.run(q[i], q[i + 1], q[i + 2]);
    this.ftsQueue = [];
  }

  /** Forgets an encoder's layout numbers (its file is done). */
  endScope(scope: number): void {
    this.layoutIds.delete(scope);
  }

  /** Completes the writes of the events inserted since the last call (full-text entries, per-minute counts, files' log spans); call in their transaction. */
  finish(): void {
    this.flushFts();
    this.minutes.flush(this.db);
    this.spans.flush(this.db);
  }

  /** Forgets what was gathered since the last finish (its transaction was rolled back). */
  drop(): void {
    this.minutes.clear();
    this.spans.clear();
    this.ftsQueue = [];
  }

  private scope(scope: number): Map<number, number> {
    let m = this.layoutIds.get(scope);
    if (!m) this.layoutIds.set(scope, (m = new Map()));
    return m;
  }

  private drainRows(): void {
    const n = this.rowParams.length / ROW_PARAMS;
    if (!n) return;
    this.stmt(this.rowsStmt, n, `INSERT INTO event_rows (${ROW_COLUMNS}) VALUES `, ROW_PARAMS).run(this.rowParams);
    this.rowParams = [];
  }

  private stmt(cache: Map<number, Statement>, rows: number, head: string, params: number): Statement {
    let s = cache.get(rows);
    if (!s) {
      const one = `(${new Array(params).fill('?').join(', ')})`;
      s = this.db.prepare(head + new Array(rows).fill(one).join(', '));
      cache.set(rows, s);
    }
    return s;
  }
}

/** Removes every event of a file with its full-text entries, stars, notes, tags, per-minute counts and log span. */
export function deleteEventsOfFile(db: Db, fileId: number): void {
  const ofFile = 'SELECT id FROM event_rows WHERE file_id = ?';
  db.prepare(`DELETE FROM events_fts WHERE rowid IN (${ofFile})`).run(fileId);
  db.prepare(`DELETE FROM event_tags WHERE event_id IN (${ofFile})`).run(fileId);
  db.prepare(`DELETE FROM event_marks WHERE event_id IN (${ofFile})`).run(fileId);
  db.prepare(`UPDATE event_minutes SET n = n - d.c FROM (
      SELECT ts / ${MINUTE} - (ts < 0 AND ts % ${MINUTE} != 0) AS m, source AS s, count(*) AS c FROM event_rows WHERE file_id = ? GROUP BY 1, 2) AS d
    WHERE event_minutes.minute = d.m AND event_minutes.source = d.s`).run(fileId);
  db.prepare('DELETE FROM event_rows WHERE file_id = ?').run(fileId);
  db.prepare('UPDATE files SET log_first = NULL, log_last = NULL WHERE id = ?').run(fileId);
}
