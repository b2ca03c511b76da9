import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { openCaseDb, CaseVersionError, migrate } from '../../../electron/case/db.ts';
import { LATEST_VERSION } from '../../../electron/case/migrations/index.ts';
import { LOUPE_APPLICATION_ID } from '../../../electron/case/migrations/007-exact-names.ts';
import { ensureEventIndexes, dropEventIndexes, missingEventIndexes } from '../../../electron/case/indexes.ts';
import { tmpDir } from '../../helpers/tmp.ts';

test('a new case file gets the latest schema and WAL', (t) => {
  const file = path.join(tmpDir(t), 'a.loupe');
  const db = openCaseDb(file, { create: true });
  assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table') ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
  for (const name of ['meta', 'evidence_sources', 'files', 'event_rows', 'field_layouts', 'field_names', 'event_strings', 'events_fts', 'event_marks', 'event_tags', 'findings', 'warnings', 'audit', 'ioc_lists', 'rule_packs', 'verify_runs']) {
    assert.ok(tables.includes(name), `table ${name}`);
  }
  assert.equal((db.prepare("SELECT type FROM sqlite_master WHERE name = 'events'").get() as { type: string }).type, 'view');
  db.close();
});

test('a case from a newer Loupe is refused with a clear message', (t) => {
  const file = path.join(tmpDir(t), 'newer.loupe');
  const raw = new Database(file);
  raw.pragma(`application_id = ${LOUPE_APPLICATION_ID}`);
  raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
  raw.close();
  assert.throws(() => openCaseDb(file), (e: Error) => e instanceof CaseVersionError && /newer Loupe/.test(e.message) && e.message.includes(file));
});

test('a missing case file is an error that says how to create one', (t) => {
  const file = path.join(tmpDir(t), 'missing.loupe');
  assert.throws(() => openCaseDb(file), /case file not found: .*loupe index/);
});

test('migrating from version 0 step by step equals a fresh open', (t) => {
  const dir = tmpDir(t);
  const a = new Database(path.join(dir, 'a.loupe'));
  migrate(a, 0);
  ensureEventIndexes(a);
  const b = openCaseDb(path.join(dir, 'b.loupe'), { create: true });
  const schema = (db: Database.Database): string[] => (db.prepare('SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name').all() as Array<{ sql: string }>).map((r) => r.sql);
  assert.deepEqual(schema(a), schema(b));
  a.close(); b.close();
});

test('event indexes dropped by a bulk load that was killed are rebuilt on the next writable open', (t) => {
  const file = path.join(tmpDir(t), 'k.loupe');
  const db = openCaseDb(file, { create: true });
  dropEventIndexes(db);
  assert.equal(missingEventIndexes(db).length, 4);
  db.close();
  const again = openCaseDb(file);
  assert.deepEqual(missingEventIndexes(again), []);
  again.close();
});

test('migration 007: a schema-1 case gains files.rel_path_bytes and Loupe\'s application_id, keeping its rows', (t) => {
  const file = path.join(tmpDir(t), 'old.loupe');
  const old = new Database(file);
  migrate(old, 0, 1);
  old.prepare("INSERT INTO evidence_sources (id, root, label, added_at) VALUES (1, '/ev', 'ev', 'x')").run();
  old.prepare("INSERT INTO files (source_id, rel_path, orig_path, size, kind) VALUES (1, 'C/a.txt', 'C:\\a.txt', 1, 'other')").run();
  assert.equal(old.pragma('application_id', { simple: true }), 0);
  old.close();
  const db = openCaseDb(file);
  assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION);
  assert.equal(db.pragma('application_id', { simple: true }), LOUPE_APPLICATION_ID);
  assert.deepEqual(db.prepare('SELECT rel_path, rel_path_bytes FROM files').all(), [{ rel_path: 'C/a.txt', rel_path_bytes: null }]);
  db.close();
});
