// Migration 2 on a case written by schema 1: confidence columns (NULL: never assessed), unreachable_at, and the
// evidence copy's birth times relabelled "File Created (copy)" (later than the file's modification time).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, openCaseDb } from '../../../electron/case/db.ts';
import { LATEST_VERSION } from '../../../electron/case/migrations/index.ts';
import { computeCompleteness } from '../../../electron/detect/completeness.ts';
import { tmpDir } from '../../helpers/tmp.ts';

const us = (iso: string): number => Date.parse(iso) * 1000;

test('schema 1 → 2: new columns, old findings unassessed, copy-time "File Created" events relabelled', (t) => {
  const file = path.join(tmpDir(t), 'old.loupe');
  const old = new Database(file);
  migrate(old, 0, 1);
  old.pragma('user_version = 1');
  old.prepare("INSERT INTO evidence_sources (id, root, label, added_at) VALUES (1, '/ev', 'ev', '2026-01-01T00:00:00Z')").run();
  old.prepare(`INSERT INTO files (id, source_id, rel_path, orig_path, size, mtime, kind, state, indexed_at)
    VALUES (1, 1, 'C/x.aspx', 'C:\\x.aspx', 5, ?, 'web-script', 'done', '2026-01-01T00:00:00Z')`).run(us('2021-03-03T01:20:14Z'));
  const ev = old.prepare(`INSERT INTO events (ts, ts_desc, source, message, file_id) VALUES (?, ?, 'filesystem', 'm', 1)`);
  ev.run(us('2026-11-29T14:20:32Z'), 'File Created');
  ev.run(us('2021-03-03T01:20:14Z'), 'File Created');
  ev.run(us('2026-11-29T14:20:32Z'), 'File Accessed');
  old.prepare(`INSERT INTO events (ts, ts_desc, source, message, file_id) VALUES (?, 'File Created', 'bodyfile', 'm', 1)`).run(us('2026-11-29T14:20:32Z'));
  old.prepare("INSERT INTO findings (check_id, severity, title, evidence, created_at) VALUES ('webshell', 'critical', 't', '[]', '2026-01-01T00:00:00Z')").run();
  old.close();

  const db = openCaseDb(file);
  t.after(() => db.close());
  assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION, 'every later migration applied too');
  const cols = (table: string): string[] => (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
  assert.ok(cols('findings').includes('confidence') && cols('findings').includes('confidence_reason'));
  assert.ok(cols('evidence_sources').includes('unreachable_at'));
  assert.deepEqual(db.prepare('SELECT confidence, confidence_reason FROM findings').all(), [{ confidence: null, confidence_reason: null }]);
  assert.deepEqual((db.prepare('SELECT source, ts_desc FROM events ORDER BY id').all() as Array<{ source: string; ts_desc: string }>).map((r) => `${r.source}:${r.ts_desc}`), [
    'filesystem:File Created (copy)', 'filesystem:File Created', 'filesystem:File Accessed', 'bodyfile:File Created',
  ]);
  const c = computeCompleteness(db);
  assert.equal(c.detections.state, 'outdated', 'findings of an older Loupe: to be refreshed');
  assert.match(c.headline, /detections were run by an older Loupe/);
});
