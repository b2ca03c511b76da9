// Opens a case file (one SQLite database per case) and brings its schema up to date.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import { ensureEventIndexes, missingEventIndexes } from './indexes.ts';
import { LATEST_VERSION, MIGRATIONS } from './migrations/index.ts';

export type Db = Database.Database;

export class CaseVersionError extends Error {}

export interface OpenOptions {
  /** Create the file when it does not exist (otherwise a missing file is an error). */
  create?: boolean;
  readonly?: boolean;
}

/** Electron needs a better-sqlite3 build for its own ABI; main.ts sets this to that build's path. */
let nativeBinding: string | undefined = process.env.LOUPE_SQLITE_BINDING || undefined;
export function setNativeBinding(path: string | undefined): void { nativeBinding = path; }

export function openCaseDb(file: string, opts: OpenOptions = {}): Db {
  if (!opts.create && !fs.existsSync(file)) {
    throw new Error(`case file not found: ${file} — create it with \`loupe index <evidence> --case ${file}\``);
  }
  const db = new Database(file, { readonly: !!opts.readonly, fileMustExist: !opts.create, nativeBinding });
  try {
    if (!opts.readonly) {
      // Wide event rows fit 8 KiB pages better; only takes effect on a new, empty file.
      if (opts.create) db.pragma('page_size = 8192');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -65536');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > LATEST_VERSION) {
      throw new CaseVersionError(
        `case file ${file} was written by a newer Loupe (schema ${version}, this build knows up to ${LATEST_VERSION}) — open it with a newer Loupe`,
      );
    }
    if (version < LATEST_VERSION) {
      if (opts.readonly) throw new CaseVersionError(`case file ${file} needs an upgrade (schema ${version} → ${LATEST_VERSION}); open it writable once`);
      migrate(db, version);
    }
    if (!opts.readonly && missingEventIndexes(db).length) ensureEventIndexes(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Applies every migration after `from`, each in its own transaction. */
export function migrate(db: Db, from: number, to: number = LATEST_VERSION): void {
  for (const m of MIGRATIONS) {
    if (m.version <= from || m.version > to) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}

export function getMeta(db: Db, key: string): string | null {
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? row.value : null;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}
