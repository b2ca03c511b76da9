// One writer per case: an index run holds `<case>.lock`, a small SQLite file whose write lock (an OS file lock, taken
// through SQLite) the operating system drops when the holder's process ends, however it ends. So a crashed run never
// leaves a lock to break by hand, and two runs can never both write. The holder's name is kept in the file for the
// message a second writer gets; one left behind by a process that no longer holds the lock marks a stale takeover.
import Database from 'better-sqlite3';
import os from 'node:os';
import path from 'node:path';
import { realPathForWrite } from '../write-target.ts';
import { isBusy, nativeBindingPath } from './db.ts';

export interface LockHolder { pid: number; host: string; user: string; command: string; since: string }

export class CaseLockedError extends Error {
  readonly status = 409;
  constructor(readonly casePath: string, readonly holder: LockHolder | null) {
    super(`${casePath} is being indexed by another Loupe process: ${describeHolder(holder)} — wait for it to finish or cancel it `
      + '(reading the case — timeline, findings, reports, exports — works meanwhile)');
  }
}

export function describeHolder(h: LockHolder | null): string {
  return h ? `${h.command} (pid ${h.pid}, user ${h.user} on ${h.host}, since ${h.since})` : 'a process that has not yet said who it is';
}

/** What this process is, in a user's words. */
function currentHolder(): LockHolder {
  const script = path.basename(process.argv[1] ?? '');
  const command = process.versions.electron ? 'the Loupe desktop app'
    : script.startsWith('loupe') ? `loupe ${process.argv[2] ?? ''}`.trim() : `node ${script}`.trim();
  let user = 'unknown';
  try { user = os.userInfo().username; } catch { /* no passwd entry */ }
  return { pid: process.pid, host: os.hostname(), user, command, since: new Date().toISOString() };
}

const lockPath = (casePath: string): string => `${realPathForWrite(casePath)}.lock`;

function openLockDb(file: string): Database.Database {
  const db = new Database(file, { nativeBinding: nativeBindingPath() });
  db.pragma('busy_timeout = 0');
  return db;
}

function readHolder(db: Database.Database): LockHolder | null {
  const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'holder'").get();
  return hasTable ? (db.prepare('SELECT * FROM holder LIMIT 1').get() as LockHolder | undefined) ?? null : null;
}

/**
 * The error for a lock found taken. A writer that has only just begun has not yet committed its name (or is committing
 * it, when even reading is briefly busy): its name is waited for, up to two seconds, so the message can name it.
 */
function lockedError(db: Database.Database, casePath: string): CaseLockedError {
  const until = Date.now() + 2000;
  for (;;) {
    let holder: LockHolder | null = null;
    try { holder = readHolder(db); } catch (e) { if (!isBusy(e)) throw e; }
    if (holder || Date.now() > until) return new CaseLockedError(path.resolve(casePath), holder);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  }
}

/** Begins the write transaction that is the lock; false when another connection holds it. */
function tryBegin(db: Database.Database): boolean {
  try { db.exec('BEGIN IMMEDIATE'); return true; } catch (e) { if (isBusy(e)) return false; throw e; }
}

export class WriterLock {
  private constructor(private readonly db: Database.Database, readonly file: string, readonly tookOverFrom: LockHolder | null) {}

  /**
   * Takes the case's writer lock or throws CaseLockedError naming its holder. `tookOverFrom` names a previous holder
   * that ended without releasing it (a crash or a kill): the OS had already dropped its lock, so taking over is safe.
   */
  static acquire(casePath: string): WriterLock {
    const file = lockPath(casePath);
    const db = openLockDb(file);
    try {
      if (!tryBegin(db)) throw lockedError(db, casePath);
      db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, host TEXT, user TEXT, command TEXT, since TEXT)');
      const stale = readHolder(db);
      // Our name is published (committed), then the lock taken again; losing it in between means another writer won.
      db.prepare('DELETE FROM holder').run();
      const me = currentHolder();
      db.prepare('INSERT INTO holder (pid, host, user, command, since) VALUES (@pid, @host, @user, @command, @since)').run(me);
      db.exec('COMMIT');
      if (!tryBegin(db)) throw lockedError(db, casePath);
      return new WriterLock(db, file, stale);
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
      throw e;
    }
  }

  /** Throws CaseLockedError when another writer holds the case (a check before starting; the run itself takes the lock). */
  static assertFree(casePath: string): void {
    const db = openLockDb(lockPath(casePath));
    try {
      if (!tryBegin(db)) throw lockedError(db, casePath);
      db.exec('ROLLBACK');
    } finally {
      db.close();
    }
  }

  /** Clears the holder's name and drops the lock in one commit. */
  release(): void {
    if (!this.db.open) return;
    try {
      this.db.prepare('DELETE FROM holder').run();
      this.db.exec('COMMIT');
    } finally {
      this.db.close();
    }
  }
}
