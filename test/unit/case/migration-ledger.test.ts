// The migration ledger: a case records each migration it has by number, so a build that gains a migration numbered
// below one the case already has (migrations are numbered per issue and merged out of order) still applies it, and a
// case from before the ledger (user_version only) is taken to have every migration up to its user_version.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { CaseVersionError, closeCaseDb, migrate, openCaseDb, type Db } from '../../../electron/case/db.ts';
import { applyPendingMigrations, pendingMigrations } from '../../../electron/case/migrate.ts';
import { LATEST_VERSION, MIGRATIONS, type Migration } from '../../../electron/case/migrations/index.ts';
import { CaseService } from '../../../electron/service.ts';
import { tmpDir } from '../../helpers/tmp.ts';

const REGISTERED = MIGRATIONS.map((m) => m.version);
const ledger = (db: Db): Array<{ version: number; how: string }> =>
  db.prepare('SELECT version, how FROM schema_migrations ORDER BY version').all() as Array<{ version: number; how: string }>;
const hasTable = (db: Db, name: string): boolean => !!db.prepare("SELECT 1 FROM sqlite_master WHERE name = ?").get(name);

/** A case as a build before the ledger left it: every migration up to `upTo` applied, only user_version to say so. */
function preLedgerCase(file: string, upTo = LATEST_VERSION): void {
  const raw = new Database(file);
  migrate(raw, 0, upTo);
  raw.exec('DROP TABLE schema_migrations');
  raw.close();
}

test('a migration numbered below the highest one a case has is applied when the build gains it, once', (t) => {
  const db = openCaseDb(path.join(tmpDir(t), 'gap.loupe'), { create: true });
  t.after(() => db.close());
  assert.deepEqual(ledger(db), REGISTERED.map((version) => ({ version, how: 'applied' })));
  const gap = REGISTERED.find((v, i) => i > 0 && v - REGISTERED[i - 1] > 1)! - 1;
  assert.ok(gap < LATEST_VERSION, `a free number below ${LATEST_VERSION}`);
  // A registry that gained the gap's migration (listed last, as a late merge might): it runs, in number order.
  const late: Migration = { version: gap, sql: 'CREATE TABLE late_merge (x INTEGER) STRICT;' };
  const registry = [...MIGRATIONS, late];
  assert.deepEqual(pendingMigrations(db, registry).map((m) => m.version), [gap]);
  assert.deepEqual(applyPendingMigrations(db, registry).map((m) => m.version), [gap]);
  assert.ok(hasTable(db, 'late_merge'));
  assert.deepEqual(ledger(db).find((r) => r.version === gap), { version: gap, how: 'applied' });
  assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION, 'user_version keeps the highest number');
  assert.deepEqual(applyPendingMigrations(db, registry), [], 'not applied twice');
});

test('a case from before the ledger is taken to have every migration up to its user_version: nothing re-applied', (t) => {
  const file = path.join(tmpDir(t), 'old7.loupe');
  preLedgerCase(file);
  const reader = openCaseDb(file, { readonly: true });
  assert.ok(!hasTable(reader, 'schema_migrations'), 'a reading open writes nothing');
  reader.close();
  // Migration 2 adds columns: applying it again would fail, so the open itself shows nothing was re-applied.
  const db = openCaseDb(file);
  t.after(() => db.close());
  assert.deepEqual(ledger(db), REGISTERED.map((version) => ({ version, how: 'assumed' })));
  assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION);
});

test('a schema-1 case from before the ledger gets every later migration, recorded as applied', (t) => {
  const file = path.join(tmpDir(t), 'old1.loupe');
  preLedgerCase(file, 1);
  const db = openCaseDb(file);
  t.after(() => db.close());
  assert.deepEqual(ledger(db), REGISTERED.map((version) => ({ version, how: version === 1 ? 'assumed' : 'applied' })));
  assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION);
});

test('opening a case that lacks a lower-numbered migration in the app upgrades it (not only an older-numbered case)', async (t) => {
  const file = path.join(tmpDir(t), 'without5.loupe');
  preLedgerCase(file);
  const raw = new Database(file);
  raw.exec('DROP TABLE file_outcomes; DROP TABLE event_recovered;'); // numbered 7 by a build without migration 5
  raw.close();
  assert.throws(() => openCaseDb(file, { readonly: true }), (e: Error) => e instanceof CaseVersionError && /lacks schema change 5\b/.test(e.message));
  const svc = new CaseService();
  t.after(() => svc.close());
  await svc.openCase({ path: file });
  const db = openCaseDb(file, { readonly: true });
  assert.ok(hasTable(db, 'event_recovered') && hasTable(db, 'file_outcomes'));
  assert.deepEqual(ledger(db).find((r) => r.version === 5), { version: 5, how: 'applied' });
  closeCaseDb(db);
});
