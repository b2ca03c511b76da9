// Opens a case file (one SQLite database per case) and brings its schema up to date.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { ensureEventIndexes, missingEventIndexes } from './indexes.ts';
import { applyPendingMigrations, pendingMigrations, userVersion } from './migrate.ts';
import { LATEST_VERSION } from './migrations/index.ts';
import { LOUPE_APPLICATION_ID } from './migrations/007-exact-names.ts';

export type Db = Database.Database;
export { migrate } from './migrate.ts';

export class CaseVersionError extends Error {
  readonly status = 400;
}

/** An older case, or one a build without some migration wrote: a writable open brings it up to date. */
export class CaseUpgradeNeeded extends CaseVersionError {}

export interface OpenOptions {
  /** Create the file when it does not exist (otherwise a missing file is an error). */
  create?: boolean;
  readonly?: boolean;
  /** The caller holds the case's writer lock (an index run): it may rebuild indexes a killed bulk load dropped. */
  writerLock?: boolean;
}

/** Electron needs a better-sqlite3 build for its own ABI; main.ts sets this to that build's path. */
let nativeBinding: string | undefined = process.env.LOUPE_SQLITE_BINDING || undefined;
export function setNativeBinding(path: string | undefined): void { nativeBinding = path; }
export const nativeBindingPath = (): string | undefined => nativeBinding;

/** A file Loupe will not open as a case: not there, empty, not SQLite, or another program's database. */
export class NotACaseError extends Error {
  readonly status = 400;
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** Tables every Loupe case has had since schema 1 (cases made before application_id was set are known by them; events is a view since format 3). */
const LEGACY_TABLES = ['meta', 'evidence_sources', 'files', 'events', 'findings', 'audit'];

/** Refuses, before SQLite touches it, anything that cannot be a case: a folder, a pipe, an empty or non-SQLite file. */
function checkCaseFile(file: string): void {
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch {
    throw new NotACaseError(`case file not found: ${file} — create it with \`loupe index <evidence> --case ${file}\``);
  }
  if (!st.isFile()) throw new NotACaseError(`not a case file: ${file} is not a regular file`);
  if (st.size === 0) {
    throw new NotACaseError(`case file ${file} is empty (0 bytes), not a Loupe case — restore it from a copy, or create a new case under another name`);
  }
  const head = Buffer.alloc(16);
  const fd = fs.openSync(file, 'r');
  try { fs.readSync(fd, head, 0, 16, 0); } finally { fs.closeSync(fd); }
  if (!head.equals(SQLITE_MAGIC)) throw new NotACaseError(`not a Loupe case: ${file} is not a SQLite database — Loupe leaves it unchanged`);
}

/** Refuses another program's SQLite database (a browser's History, say) before anything is written to it. */
function checkLoupeSchema(db: Db, file: string): void {
  if (db.pragma('application_id', { simple: true }) === LOUPE_APPLICATION_ID) return;
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')").all() as Array<{ name: string }>).map((r) => r.name));
  if (LEGACY_TABLES.every((t) => tables.has(t))) return;
  const some = [...tables].slice(0, 5).join(', ') || 'none';
  throw new NotACaseError(`not a Loupe case: ${file} is another program's SQLite database (tables: ${some}) — Loupe leaves it unchanged`);
}

/** Opening failed on storage Loupe may not write to: say why and what to do. */
function explainCantOpen(e: unknown, file: string): unknown {
  if ((e as { code?: string }).code !== 'SQLITE_CANTOPEN') return e;
  const wal = fs.existsSync(`${file}-wal`);
  return new NotACaseError(`cannot open ${file} on read-only storage: ${wal ? 'its -shm file is missing beside its -wal file'
    : 'it was left in write-ahead mode by a run that did not close it'} — open it once on writable storage with Loupe, then copy it back`);
}

/**
 * Runs `fn`, retrying for up to 10 s while SQLite answers busy without waiting: switching journal modes needs the file
 * to itself, and two processes opening a case at once can meet there before the busy timeout applies.
 */
function retryBusy<T>(fn: () => T): T {
  const until = Date.now() + 10_000;
  for (;;) {
    try { return fn(); } catch (e) {
      if (!isBusy(e) || Date.now() > until) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}

export function openCaseDb(file: string, opts: OpenOptions = {}): Db {
  const exists = fs.existsSync(file);
  if (exists || !opts.create) checkCaseFile(file);
  let db: Db;
  try {
    db = new Database(file, { readonly: !!opts.readonly, fileMustExist: !opts.create, nativeBinding });
  } catch (e) {
    throw explainCantOpen(e, file);
  }
  try {
    if (exists) checkLoupeSchema(db, file);
    if (!opts.readonly) {
      // Wide event rows fit 8 KiB pages better; only takes effect on a new, empty file.
      if (opts.create) db.pragma('page_size = 8192');
      retryBusy(() => db.pragma('journal_mode = WAL'));
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -65536');
    checkSchema(db, file, !!opts.readonly);
    // Indexes dropped for a bulk load are rebuilt by a writer, but never under a running index (it drops them on purpose).
    if (!opts.readonly && missingEventIndexes(db).length && (opts.writerLock || !indexRunning(file))) ensureEventIndexes(db);
    return db;
  } catch (e) {
    db.close();
    throw explainCantOpen(e, file);
  }
}

/**
 * Closes a case. A writer leaves it in rollback-journal mode when it is the last one out, so the file alone (no
 * -wal/-shm beside it) can be read later from read-only media; the next writer switches back to WAL.
 */
export function closeCaseDb(db: Db): void {
  if (!db.open) return;
  if (!db.readonly) {
    try { db.pragma('journal_mode = DELETE'); } catch { /* another connection is open: it stays WAL for now */ }
  }
  db.close();
}

/** True while an index run holds the case's writer lock (see case/lock.ts: the lock is a write transaction on `.lock`). */
function indexRunning(file: string): boolean {
  const lock = `${fs.realpathSync(file)}.lock`;
  if (!fs.existsSync(lock)) return false;
  const probe = new Database(lock, { fileMustExist: true, nativeBinding });
  try {
    probe.pragma('busy_timeout = 0');
    probe.exec('BEGIN IMMEDIATE');
    probe.exec('ROLLBACK');
    return false;
  } catch (e) {
    if (isBusy(e)) return true;
    throw e;
  } finally {
    probe.close();
  }
}

/** SQLite's "another connection is writing": a reading command that only wanted to add a record gives up on it. */
export const isBusy = (e: unknown): boolean => /^SQLITE_(BUSY|LOCKED)/.test((e as { code?: string }).code ?? '');

/** True when this process may write the case file and the folder that holds its journal. */
export function caseWritable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.W_OK);
    fs.accessSync(path.dirname(path.resolve(file)), fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Refuses a case from a newer Loupe; brings an older one up to date, or, on a read-only open (which never changes a
 * case), refuses it with the command that upgrades it.
 */
function checkSchema(db: Db, file: string, readonly: boolean): void {
  const version = userVersion(db);
  if (version > LATEST_VERSION) {
    throw new CaseVersionError(
      `case file ${file} was written by a newer Loupe (schema ${version}, this build knows up to ${LATEST_VERSION}) — open it with a newer Loupe`,
    );
  }
  if (!readonly) { applyPendingMigrations(db); return; }
  const pending = pendingMigrations(db);
  if (!pending.length) return;
  const upgrade = `reading commands never change a case — upgrade it once with \`loupe upgrade --case ${file}\``;
  if (version < LATEST_VERSION) {
    throw new CaseUpgradeNeeded(`case file ${file} was written by an older Loupe (schema ${version}, this build reads ${LATEST_VERSION}); ${upgrade}`);
  }
  const s = pending.length > 1;
  throw new CaseUpgradeNeeded(`case file ${file} lacks schema change${s ? 's' : ''} ${pending.map((m) => m.version).join(', ')} `
    + `(written by a Loupe build without ${s ? 'them' : 'it'}); ${upgrade}`);
}

export function getMeta(db: Db, key: string): string | null {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? row.value : null;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}
