// The grid's query side on a case file: column sort, column filters, random access by offset (minute-table seek),
// position of an event or a time, findings marked on rows, bulk tag/star, saved views and tag colours.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { bulkMark, deleteView, listViews, saveView, setTagColor } from '../../../electron/case/analyst.ts';
import { openCaseDb, type Db } from '../../../electron/case/db.ts';
import { rebuildEventMinutes } from '../../../electron/case/minutes.ts';
import { listTags, queryTimeline } from '../../../electron/case/read.ts';
import { SearchError } from '../../../electron/case/search.ts';
import { timelineIndex } from '../../../electron/case/timeline-seek.ts';
import { EventInserter } from '../../../electron/case/write.ts';
import type { TimelineQuery } from '../../../shared/api.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { seeded, T0 } from './seed.ts';

/** 3,000 events over ~17 hours, several per minute, two sources, some sharing a timestamp. */
function bigCase(t: Parameters<typeof tmpDir>[0]): Db {
  const db = openCaseDb(path.join(tmpDir(t), 'big.loupe'), { create: true });
  const ins = new EventInserter(db);
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) {
      const ts = T0 + Math.floor(i / 3) * 20_000_000 + (i % 5 === 0 ? 0 : (i % 3) * 1000);
      ins.insert({ ts, tsDesc: 'Request', source: i % 4 === 0 ? 'httpproxy' : 'iis', message: `row ${i}`, fields: { n: i }, ref: { file: 'x.log', line: i } }, null);
    }
  })();
  rebuildEventMinutes(db);
  return db;
}

const allIds = (db: Db, q: TimelineQuery): number[] => {
  const out: number[] = [];
  let after: TimelineQuery['after'];
  for (;;) {
    const p = queryTimeline(db, { ...q, limit: 5000, ...(after ? { after } : {}) });
    out.push(...p.rows.map((r) => r.id));
    if (!p.next) return out;
    after = p.next;
  }
};

test('any offset of a time-sorted result returns the same rows as walking to it, both directions, with filters', (t) => {
  const db = bigCase(t);
  const queries: TimelineQuery[] = [{}, { order: 'desc' }, { sources: ['iis'] }, { sources: ['httpproxy'], order: 'desc' },
    { from: T0 + 3_600_000_000 + 7, to: T0 + 40_000_000_000 }, { from: T0 + 90_000_000, order: 'desc', to: T0 + 30_000_000_000 - 3 }, { text: 'row' }];
  for (const q of queries) {
    const ids = allIds(db, q);
    for (const offset of [0, 999, 1000, 1001, 1777, ids.length - 10, ids.length - 1, ids.length]) {
      if (offset < 0) continue;
      const page = queryTimeline(db, { ...q, offset, limit: 25 }).rows.map((r) => r.id);
      assert.deepEqual(page, ids.slice(offset, offset + 25), `${JSON.stringify(q)} offset ${offset}`);
    }
    const total = queryTimeline(db, { ...q, limit: 1 }).total;
    assert.equal(total, ids.length);
  }
});

test('seeks and totals follow events added by this connection or another one (the minute sums are read again)', (t) => {
  const db = bigCase(t);
  const other = openCaseDb(db.name);
  t.after(() => other.close());
  const check = (what: string): void => {
    for (const q of [{}, { order: 'desc' as const }, { sources: ['iis' as const] }]) {
      const ids = allIds(db, q);
      assert.equal(queryTimeline(db, { ...q, limit: 1 }).total, ids.length, `${what}: total of ${JSON.stringify(q)}`);
      for (const offset of [1001, ids.length - 7]) {
        assert.deepEqual(queryTimeline(db, { ...q, offset, limit: 20 }).rows.map((r) => r.id), ids.slice(offset, offset + 20), `${what}: ${JSON.stringify(q)} offset ${offset}`);
      }
    }
  };
  check('before');
  const add = (on: Db, from: number): void => {
    const ins = new EventInserter(on);
    on.transaction(() => {
      for (let i = 0; i < 400; i++) ins.insert({ ts: T0 + 7_000_000 + i * 60_000_000, tsDesc: 'Request', source: 'iis', message: `late ${from + i}`, fields: {}, ref: { file: 'y.log', line: from + i } }, null);
    })();
  };
  add(db, 0);
  check('after adding on this connection');
  add(other, 400);
  check('after adding on another connection');
});

test('the position of an event or a time equals its index in the walked result', (t) => {
  const db = bigCase(t);
  for (const q of [{}, { order: 'desc' as const }, { sources: ['iis' as const] }, { text: 'row', order: 'desc' as const }]) {
    const rows = queryTimeline(db, { ...q, limit: 5000 }).rows;
    for (const i of [0, 1, 2, 777, 1500, rows.length - 1]) {
      assert.equal(timelineIndex(db, q, { ts: rows[i].ts, id: rows[i].id }), i, `${JSON.stringify(q)} row ${i}`);
    }
    const t1 = rows[1200].ts;
    const expect = q.order === 'desc' ? rows.filter((r) => r.ts > t1).length : rows.filter((r) => r.ts < t1).length;
    assert.equal(timelineIndex(db, q, { ts: t1, id: q.order === 'desc' ? Number.MAX_SAFE_INTEGER : 0 }), expect, `time in ${JSON.stringify(q)}`);
  }
});

test('sorting by a column orders the whole result, empty values last, ties by time', (t) => {
  const { db } = seeded(t);
  const all = queryTimeline(db, { limit: 500 }).rows;
  const byIp = queryTimeline(db, { sort: { field: 'ip', dir: 'asc' }, limit: 500 }).rows;
  const expected = [...all].sort((a, b) => (a.ip! < b.ip! ? -1 : a.ip! > b.ip! ? 1 : a.ts - b.ts)).map((r) => r.id);
  assert.deepEqual(byIp.map((r) => r.id), expected);
  const desc = queryTimeline(db, { sort: { field: 'status', dir: 'desc' }, limit: 10 }).rows;
  assert.ok(desc.every((r) => r.status === 302));
  const paged = [0, 20, 40].flatMap((offset) => queryTimeline(db, { sort: { field: 'cs-uri-stem', dir: 'desc' }, offset, limit: 20 }).rows.map((r) => r.id));
  const once = queryTimeline(db, { sort: { field: 'cs-uri-stem', dir: 'desc' }, limit: 500 }).rows.map((r) => r.id);
  assert.deepEqual(paged, once, 'pages of a column sort follow on');
  assert.equal(once.length, 50);
  // a field present on only some events: empty values go last in both directions
  db.prepare("INSERT INTO events (ts, ts_desc, source, message) VALUES (?, 'Note', 'manual', 'no ip')").run(T0);
  for (const dir of ['asc', 'desc'] as const) {
    const rows = queryTimeline(db, { sort: { field: 'ip', dir }, limit: 500 }).rows;
    assert.equal(rows[rows.length - 1].ip, null, dir);
  }
});

test('column filters: contains, equals, not and regex on columns and any field', (t) => {
  const { db } = seeded(t);
  const n = (columns: TimelineQuery['columns']): number => queryTimeline(db, { columns, limit: 500 }).rows.length;
  assert.equal(n([{ field: 'url', op: 'contains', value: 'SHELL' }]), 5);
  assert.equal(n([{ field: 'ip', op: 'equals', value: '165.232.154.116' }]), 5);
  assert.equal(n([{ field: 'ip', op: 'not', value: '165.232' }]), 45);
  assert.equal(n([{ field: 'cs(User-Agent)', op: 'regex', value: '^python-requests/2\\.25' }]), 50);
  assert.equal(n([{ field: 'message', op: 'regex', value: '→ 30[0-9] from 10\\.0\\.0\\.[12]$' }]), 12);
  assert.equal(n([{ field: 'sc-status', op: 'equals', value: '200' }, { field: 'date', op: 'contains', value: '03-02' }]), 5);
  assert.throws(() => queryTimeline(db, { columns: [{ field: 'ip', op: 'regex', value: '(' }] }), (e: Error) => e instanceof SearchError && /not a valid regular expression/.test(e.message));
});

test('rows cited by a finding carry its id; a whole-file ref marks that file\'s events', (t) => {
  const { db, fileId } = seeded(t);
  const rows = queryTimeline(db, { limit: 500 }).rows;
  const file = rows[0].ref.file;
  db.prepare(`INSERT INTO findings (check_id, severity, title, evidence, created_at) VALUES ('x', 'high', 'Shell hit', ?, 'now')`)
    .run(JSON.stringify([{ file, line: rows[3].ref.line }, { file, line: rows[13].ref.line }]));
  let marked = queryTimeline(db, { limit: 500 }).rows.filter((r) => r.findings);
  assert.deepEqual(marked.map((r) => r.id), [rows[3].id, rows[13].id]);
  assert.deepEqual(marked[0].findings, [1]);
  db.prepare(`INSERT INTO findings (check_id, severity, title, evidence, created_at) VALUES ('y', 'low', 'File', ?, 'later')`).run(JSON.stringify([{ file: 'other' }]));
  db.prepare(`INSERT INTO events (ts, ts_desc, source, message, file_id) VALUES (?, 'File Modified', 'fs', 'm', ?)`).run(T0, fileId);
  db.prepare(`UPDATE files SET rel_path = 'other' WHERE id = ?`).run(fileId);
  marked = queryTimeline(db, { limit: 500 }).rows.filter((r) => r.findings?.includes(2));
  assert.equal(marked.length, 1, 'only the event without a line is a file-level event');
});

test('bulk tag and star by ids or by query, saved views and tag colours, each audited', (t) => {
  const { db } = seeded(t);
  const rows = queryTimeline(db, { limit: 500 }).rows;
  assert.deepEqual(bulkMark(db, { ids: [rows[0].id, rows[1].id], tag: 'triage' }), { count: 2 });
  assert.deepEqual(bulkMark(db, { query: { text: 'shell.aspx' }, tag: 'webshell', starred: true }), { count: 5 });
  assert.equal(queryTimeline(db, { tags: ['webshell'], starredOnly: true, limit: 500 }).rows.length, 5);
  assert.deepEqual(bulkMark(db, { query: { text: 'shell.aspx' }, tag: 'webshell', untag: true }), { count: 5 });
  assert.equal(queryTimeline(db, { tags: ['webshell'], limit: 500 }).rows.length, 0);
  assert.throws(() => bulkMark(db, { tag: 'x' }), /ids or the query/);
  setTagColor(db, 'triage', '#E53935');
  assert.deepEqual(listTags(db).find((x) => x.tag === 'triage'), { tag: 'triage', count: 2, color: '#e53935' });
  assert.throws(() => setTagColor(db, 'triage', 'red; x'), /#rrggbb/);
  const v = saveView(db, 'Attacker', { text: 'ip:165.232.154.116', sort: { field: 'status', dir: 'desc' }, offset: 400, limit: 5 });
  assert.deepEqual(v.query, { text: 'ip:165.232.154.116', sort: { field: 'status', dir: 'desc' } }, 'paging is not part of a view');
  saveView(db, 'Attacker', { text: 'ip:10.0.0.1' });
  assert.deepEqual(listViews(db).map((x) => [x.name, x.query.text]), [['Attacker', 'ip:10.0.0.1']]);
  assert.throws(() => saveView(db, 'bad', { text: '(' }), SearchError);
  deleteView(db, 'Attacker');
  assert.deepEqual(listViews(db), []);
  const actions = (db.prepare('SELECT action FROM audit ORDER BY id').all() as Array<{ action: string }>).map((r) => r.action);
  for (const a of ['event.bulk', 'tag.color', 'view.save', 'view.delete']) assert.ok(actions.includes(a), a);
});
