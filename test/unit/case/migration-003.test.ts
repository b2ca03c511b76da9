// Migration 3 (compact events) on real older cases: a schema-1 case goes through every migration (002's relabelling
// included) and keeps its events, fields, tags, stars and full-text entries; a case numbered past 3 by a build that
// did not have it (migrations were merged out of order) is converted too, and refused by reading opens until then.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { CaseVersionError, migrate, openCaseDb } from '../../../electron/case/db.ts';
import { decodeFields, fieldSql, FIELDS_COLUMNS } from '../../../electron/case/fields.ts';
import { LATEST_VERSION, MIGRATIONS } from '../../../electron/case/migrations/index.ts';
import { LOUPE_APPLICATION_ID } from '../../../electron/case/migrations/007-exact-names.ts';
import { tmpDir } from '../../helpers/tmp.ts';

const us = (iso: string): number => Date.parse(iso) * 1000;
const FIELDS = { 'c-ip': '165.232.154.116', 'cs-uri-stem': '/owa/auth/x.js', 'sc-status': 200, 'time-taken': 12.5, 'cs(Referer)': null };

/** A format-1 case (the events table with a JSON `fields` column), with a tag, a star and full-text entries. */
function oldCase(file: string, upTo: number, extra = false): void {
  const old = new Database(file);
  migrate(old, 0, 1);
  old.prepare("INSERT INTO evidence_sources (id, root, label, added_at) VALUES (1, '/ev', 'ev', 'x')").run();
  old.prepare(`INSERT INTO files (id, source_id, rel_path, orig_path, size, mtime, kind, state)
    VALUES (1, 1, 'C/u_ex210302.log', 'C:\\u_ex210302.log', 9, ?, 'iis', 'done')`).run(us('2021-03-03T00:00:00Z'));
  const ins = old.prepare(`INSERT INTO events (id, ts, ts_desc, source, host, message, fields, ip, status, method, url, user_agent, line, file_id)
    VALUES (?, ?, ?, ?, 'EXCH01', ?, ?, ?, ?, ?, ?, ?, ?, 1)`);
  ins.run(1, us('2021-03-02T02:00:00Z'), 'Request', 'iis', 'GET /owa/auth/x.js → 200 from 165.232.154.116', JSON.stringify(FIELDS),
    '165.232.154.116', 200, 'GET', '/owa/auth/x.js', 'python-requests/2.25.1', 7);
  ins.run(2, us('2026-11-29T14:20:32Z'), 'File Created', 'filesystem', 'file created', '{}', null, null, null, null, null, null);
  const fts = old.prepare('INSERT INTO events_fts (rowid, message, fields) VALUES (?, ?, ?)');
  fts.run(1, 'GET /owa/auth/x.js → 200 from 165.232.154.116', 'python-requests');
  fts.run(2, 'file created', null);
  old.prepare("INSERT INTO event_tags (event_id, tag) VALUES (1, 'initial-access')").run();
  old.prepare("INSERT INTO event_marks (event_id, starred, note) VALUES (1, 1, 'first hit')").run();
  if (extra) {
    // A later migration's table that points at events (as event_recovered does), on a case that got it before 3.
    old.exec(`CREATE TABLE event_extra (event_id INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE, how TEXT NOT NULL) STRICT;
      CREATE INDEX event_extra_how ON event_extra(how);
      INSERT INTO event_extra VALUES (1, 'slack'), (2, 'damaged chunk');`);
  }
  // What a build without migration 3 did next: its later migrations, and their number.
  for (const m of MIGRATIONS) if (m.version > 1 && m.version <= upTo && m.version !== 3) old.exec(m.sql);
  old.pragma(`user_version = ${upTo}`);
  old.exec('DROP TABLE schema_migrations'); // builds of that time recorded only user_version
  old.close();
}

function checkFormat3(db: Database.Database): void {
  assert.equal((db.prepare("SELECT type FROM sqlite_master WHERE name = 'events'").get() as { type: string }).type, 'view');
  const rows = db.prepare(`SELECT id, ts_desc, source, host, message, ip, status, url, user_agent, line, ${FIELDS_COLUMNS('e')} FROM events e ORDER BY id`).all() as Array<Record<string, unknown>>;
  assert.equal(rows.length, 2);
  assert.deepEqual(decodeFields(rows[0]), FIELDS, 'every field, its type and its null kept');
  assert.deepEqual(decodeFields(rows[1]), {});
  assert.equal(rows[0].message, 'GET /owa/auth/x.js → 200 from 165.232.154.116');
  assert.equal(rows[0].user_agent, 'python-requests/2.25.1');
  const f = fieldSql('time-taken');
  assert.equal(db.prepare(`SELECT ${f.sql} FROM events e WHERE id = 1`).pluck().get(...f.params), 12.5);
  assert.deepEqual(db.prepare("SELECT rowid FROM events_fts WHERE events_fts MATCH '\"python-requests\"'").pluck().all(), [1]);
  assert.deepEqual(db.prepare('SELECT event_id, tag FROM event_tags').all(), [{ event_id: 1, tag: 'initial-access' }]);
  assert.deepEqual(db.prepare('SELECT event_id, starred, note FROM event_marks').all(), [{ event_id: 1, starred: 1, note: 'first hit' }]);
}

test('a schema-1 case goes through every migration: events converted in place, 002 relabels first, later ones apply', (t) => {
  const file = path.join(tmpDir(t), 'v1.loupe');
  oldCase(file, 1);
  const db = openCaseDb(file);
  t.after(() => db.close());
  assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION);
  assert.equal(db.pragma('application_id', { simple: true }), LOUPE_APPLICATION_ID, 'migration 7 ran after 3');
  assert.ok((db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('saved_views', 'tag_colors')").get() as { n: number }).n === 2, 'migration 4 ran');
  checkFormat3(db);
  assert.equal((db.prepare('SELECT ts_desc FROM events WHERE id = 2').get() as { ts_desc: string }).ts_desc, 'File Created (copy)', 'migration 2 relabelled before the conversion');

  // Plain SQL on the view still writes a row, its full-text entry and its minute count; deleting undoes all three.
  const minutes = (): number => (db.prepare('SELECT coalesce(sum(n), 0) AS n FROM event_minutes').get() as { n: number }).n;
  const before = minutes();
  db.prepare("INSERT INTO events (ts, ts_desc, source, message) VALUES (?, 'Note', 'manual', 'analyst wrote zebra')").run(us('2021-03-02T03:00:00Z'));
  const id = db.prepare("SELECT rowid FROM events_fts WHERE events_fts MATCH 'zebra'").pluck().get() as number;
  assert.equal((db.prepare('SELECT message, manual FROM events WHERE id = ?').get(id) as { message: string }).message, 'analyst wrote zebra');
  assert.equal(minutes(), before + 1);
  // Migration 5's mark points at event_rows (a foreign key cannot name the view) and follows a deletion.
  assert.deepEqual(db.prepare("SELECT \"table\" FROM pragma_foreign_key_list('event_recovered')").pluck().all(), ['event_rows']);
  db.prepare("INSERT INTO event_recovered (event_id, how) VALUES (?, 'slack')").run(id);
  db.prepare('DELETE FROM events WHERE id = ?').run(id);
  assert.equal(db.prepare('SELECT count(*) FROM event_recovered').pluck().get(), 0);
  assert.equal(db.prepare("SELECT rowid FROM events_fts WHERE events_fts MATCH 'zebra'").pluck().get(), undefined);
  assert.equal(minutes(), before);
  assert.equal(db.prepare('SELECT count(*) FROM event_rows').pluck().get(), 2);
});

test('a case numbered past 3 by a build without migration 3 is refused by reading opens, and converted by a writable one', (t) => {
  const file = path.join(tmpDir(t), 'v7-without-3.loupe');
  // Numbered 7: a build with migration 8 (sort indexes, a trigger on event_rows) always had migration 3.
  oldCase(file, 7, true);
  // (numbered below this build's latest, it is refused as older; a case at the latest number lacking 3 is refused by name)
  assert.throws(() => openCaseDb(file, { readonly: true }), (e: Error) => e instanceof CaseVersionError && /lacks schema change 3|written by an older Loupe/.test(e.message) && /loupe upgrade/.test(e.message));
  const db = openCaseDb(file);
  t.after(() => db.close());
  assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION);
  checkFormat3(db);
  assert.deepEqual(db.prepare('SELECT event_id, how FROM event_extra ORDER BY event_id').all(), [{ event_id: 1, how: 'slack' }, { event_id: 2, how: 'damaged chunk' }], 'nothing cascaded away');
  assert.deepEqual(db.prepare('SELECT "table" FROM pragma_foreign_key_list(\'event_extra\')').pluck().all(), ['event_rows']);
  assert.ok(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'event_extra_how'").get(), 'its index rebuilt');
  db.prepare('DELETE FROM events WHERE id = 2').run();
  assert.deepEqual(db.prepare('SELECT event_id FROM event_extra').pluck().all(), [1], 'the cascade now follows event_rows');
  assert.deepEqual(db.pragma('foreign_key_check'), []);
  db.close();
  const again = openCaseDb(file, { readonly: true });
  assert.equal(again.prepare('SELECT count(*) FROM events').pluck().get(), 1);
  again.close();
});

test('a format-3 case without application_id (set only by migration 7) is still known as a Loupe case by its tables', (t) => {
  const file = path.join(tmpDir(t), 'f3.loupe');
  const db = openCaseDb(file, { create: true });
  db.pragma('application_id = 0');
  db.close();
  const again = openCaseDb(file, { readonly: true });
  assert.equal(again.prepare('SELECT count(*) FROM events').pluck().get(), 0);
  again.close();
});
