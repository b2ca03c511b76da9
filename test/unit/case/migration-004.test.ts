// Migration 4 (saved views, tag colours): a schema-1 case with data upgrades on open and keeps its data.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, openCaseDb } from '../../../electron/case/db.ts';
import { tmpDir } from '../../helpers/tmp.ts';

test('a schema-1 case gains saved_views and tag_colors on open and keeps its tags', (t) => {
  const file = path.join(tmpDir(t), 'old.loupe');
  const old = new Database(file);
  migrate(old, 0, 1);
  assert.equal(old.pragma('user_version', { simple: true }), 1);
  old.prepare("INSERT INTO events (id, ts, ts_desc, source, message) VALUES (1, 0, 'x', 'manual', 'm')").run();
  old.prepare("INSERT INTO event_tags (event_id, tag) VALUES (1, 'initial-access')").run();
  const before = (old.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name);
  assert.ok(!before.includes('saved_views') && !before.includes('tag_colors'));
  old.close();

  const db = openCaseDb(file);
  assert.ok((db.pragma('user_version', { simple: true }) as number) >= 4);
  const cols = (table: string): string[] => (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((r) => r.name);
  assert.deepEqual(cols('saved_views'), ['id', 'name', 'query', 'created_at', 'updated_at']);
  assert.deepEqual(cols('tag_colors'), ['tag', 'color']);
  db.prepare("INSERT INTO saved_views (name, query, created_at, updated_at) VALUES ('a', '{}', 'x', 'x')").run();
  assert.throws(() => db.prepare("INSERT INTO saved_views (name, query, created_at, updated_at) VALUES ('a', '{}', 'y', 'y')").run(), /UNIQUE/);
  assert.equal((db.prepare('SELECT tag FROM event_tags WHERE event_id = 1').get() as { tag: string }).tag, 'initial-access');
  db.close();
});
