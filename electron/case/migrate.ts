// Brings a case's schema up to date. Each applied migration is recorded by its number in schema_migrations, and every
// registered migration not recorded there is applied, in number order: migrations are numbered per issue and merged
// out of order, so a build can gain a migration numbered below one a case already has, and a single "last applied"
// number (PRAGMA user_version) would skip it. user_version still holds the highest number applied (older builds
// read it, and it tells a case from a newer Loupe).
import type { Db } from './db.ts';
import { MIGRATIONS, type Migration } from './migrations/index.ts';

const LEDGER = 'schema_migrations';

/** The migrations a build knows (MIGRATIONS; a test passes its own). */
type Registry = readonly Migration[];
const sorted = (r: Registry): Migration[] => [...r].sort((a, b) => a.version - b.version);

/** 'applied': run on this case; 'assumed': the case predates the ledger and its user_version said it had it. */
const LEDGER_SQL = `CREATE TABLE IF NOT EXISTS ${LEDGER} (
  version    INTEGER PRIMARY KEY,
  applied_at TEXT NOT NULL,
  how        TEXT NOT NULL CHECK (how IN ('applied', 'assumed'))
) STRICT`;

export const userVersion = (db: Db): number => db.pragma('user_version', { simple: true }) as number;

const hasLedger = (db: Db): boolean => !!db.prepare('SELECT 1 FROM sqlite_master WHERE type = \'table\' AND name = ?').get(LEDGER);

/** Migration numbers the case's ledger records. */
export function recordedMigrations(db: Db): Set<number> {
  if (!hasLedger(db)) return new Set();
  return new Set(db.prepare(`SELECT version FROM ${LEDGER}`).pluck().all() as number[]);
}

/**
 * What a case without a ledger has: every registered migration up to its user_version, except one whose `present`
 * check says its change is missing (a build without it numbered the case past it).
 */
function assumedMigrations(db: Db, registry: Registry): Migration[] {
  const version = userVersion(db);
  return registry.filter((m) => m.version <= version && (m.version === 1 || !m.present || m.present(db)));
}

/** Registered migrations the case lacks, in number order. */
export function pendingMigrations(db: Db, registry: Registry = MIGRATIONS): Migration[] {
  const have = hasLedger(db) ? recordedMigrations(db) : new Set(assumedMigrations(db, registry).map((m) => m.version));
  return sorted(registry).filter((m) => !have.has(m.version));
}

/** Gives a case written before the ledger existed its ledger, from its user_version (see assumedMigrations). */
function adoptLedger(db: Db, registry: Registry): void {
  if (hasLedger(db)) return;
  const assumed = assumedMigrations(db, registry);
  db.transaction(() => {
    db.exec(LEDGER_SQL);
    const ins = db.prepare(`INSERT INTO ${LEDGER} (version, applied_at, how) VALUES (?, ?, 'assumed')`);
    const now = new Date().toISOString();
    for (const m of assumed) ins.run(m.version, now);
  }).immediate();
}

/** Applies every registered migration the case lacks, in number order, each in its own transaction. */
export function applyPendingMigrations(db: Db, registry: Registry = MIGRATIONS): Migration[] {
  adoptLedger(db, registry);
  const pending = pendingMigrations(db, registry);
  for (const m of pending) applyMigration(db, m);
  return pending;
}

/** Applies the registered migrations numbered in (from, to] (builds the schema of an older build, for tests). */
export function migrate(db: Db, from: number, to: number = Infinity): void {
  for (const m of MIGRATIONS) if (m.version > from && m.version <= to) applyMigration(db, m);
}

/** One migration in one transaction, recorded in the ledger (foreign keys off around it when it rebuilds tables: they cannot change inside one). */
function applyMigration(db: Db, m: Migration): void {
  const fk = db.pragma('foreign_keys', { simple: true }) as number;
  if (m.rebuildsTables) db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      db.exec(m.sql);
      m.after?.(db);
      db.exec(LEDGER_SQL);
      db.prepare(`INSERT INTO ${LEDGER} (version, applied_at, how) VALUES (?, ?, 'applied')`).run(m.version, new Date().toISOString());
      if (m.version > userVersion(db)) db.pragma(`user_version = ${m.version}`);
    }).immediate();
  } finally {
    if (m.rebuildsTables) db.pragma(`foreign_keys = ${fk ? 'ON' : 'OFF'}`);
  }
}
