// Migration 8 (sort indexes): a schema-7 case gains the sort_indexes table on open, keeps its events, and a deleted
// event marks every sort index for a rebuild (si_max_id -1), so a key table never lists an event that is gone.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, openCaseDb } from '../../../electron/case/db.ts';
import { LATEST_VERSION } from '../../../electron/case/migrations/index.ts';
import { tmpDir } from '../../helpers/tmp.ts';

test('a schema-7 case gains sort_indexes on open; deleting an event marks its sort indexes for a rebuild', (t) => {
  const file = path.join(tmpDir(t), 'old.loupe');
  const old = new Database(file);
  migrate(old, 0, 7);
  assert.equal(old.pragma('user_version', { simple: true }), 7);
  old.prepare("INSERT INTO event_rows (id, ts, source, desc_ref, msg) VALUES (1, 0, 'manual', 'x', 'a'), (2, 1, 'manual', 'x', 'b')").run();
  assert.equal(old.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sort_indexes'").get(), undefined);
  old.close();

  const db = openCaseDb(file);
  assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION);
  const cols = (db.prepare('PRAGMA table_info(sort_indexes)').all() as Array<{ name: string }>).map((r) => r.name);
  assert.deepEqual(cols, ['si_id', 'si_field', 'si_state', 'si_max_id', 'si_target', 'si_valued', 'si_created_at', 'si_built_at']);
  assert.equal(db.prepare('SELECT count(*) FROM events').pluck().get(), 2);
  db.prepare("INSERT INTO sort_indexes (si_field, si_state, si_max_id, si_created_at) VALUES ('status', 'ready', 2, 'x')").run();
  db.prepare('DELETE FROM events WHERE id = 1').run();
  assert.equal(db.prepare("SELECT si_max_id FROM sort_indexes WHERE si_field = 'status'").pluck().get(), -1);
  assert.throws(() => db.prepare("INSERT INTO sort_indexes (si_field, si_state, si_created_at) VALUES ('status', 'ready', 'x')").run(), /UNIQUE/);
  db.close();
});
