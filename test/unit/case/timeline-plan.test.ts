// A rare filter is read through its own index and sorted (timeline-plan.ts) instead of walking the time index: the
// rows must be exactly those of a plain ORDER BY ts, id without hints, in the grid (pages, keyset, offsets, both
// directions) and in exports, on a real indexed case; and the plan must really leave the time index alone.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bulkMark } from '../../../electron/case/analyst.ts';
import { openCaseDb, type Db } from '../../../electron/case/db.ts';
import { queryTimeline } from '../../../electron/case/read.ts';
import { filterHasIndex, smallResult } from '../../../electron/case/timeline-plan.ts';
import { timelineWhere } from '../../../electron/case/timeline-where.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import { iterateTimelinePages } from '../../../electron/report/timeline-query.ts';
import type { TimelineQuery } from '../../../shared/api.ts';
import { generateEvidence } from '../../fixtures/generate.ts';
import { newCase } from '../../helpers/case.ts';
import { tmpDir } from '../../helpers/tmp.ts';

let db: Db;
let queries: TimelineQuery[];

before(async () => {
  const dir = tmpDir({ after });
  await generateEvidence(path.join(dir, 'evidence'), { scale: 0.1, seed: 4 });
  const casePath = await newCase(dir, path.join(dir, 'evidence'));
  await new IndexCoordinator({ casePath, workers: 1, detect: false }).run();
  db = openCaseDb(casePath);
  const ips = db.prepare('SELECT ip FROM events WHERE ip IS NOT NULL GROUP BY ip ORDER BY count(*), ip').pluck().all() as string[];
  const file = db.prepare('SELECT file_id FROM events WHERE file_id IS NOT NULL GROUP BY file_id ORDER BY count(*) DESC LIMIT 1').pluck().get() as number;
  const someIds = db.prepare('SELECT id FROM events WHERE id % 97 = 0').pluck().all() as number[];
  bulkMark(db, { ids: someIds, tag: 'reviewed' });
  queries = [
    { ips: ips.slice(0, 6) }, { ips: ips.slice(0, 6), order: 'desc' }, { ips: ips.slice(-2) }, { ips: ips.slice(0, 3), sources: ['iis'] },
    { text: `"${ips[0]}"` }, { text: `"${ips[1]}" OR "${ips[2]}"`, order: 'desc' }, { text: `POST -"${ips[ips.length - 1]}"` },
    { fileId: file }, { fileId: file, from: db.prepare('SELECT ts FROM events WHERE file_id = ? ORDER BY ts LIMIT 1 OFFSET 50').pluck().get(file) as number },
    { tags: ['reviewed'], order: 'desc' }, { ips: ips.slice(0, 20), sort: { field: 'status', dir: 'desc' } }, { text: 'GET', ips: ips.slice(-1) },
  ];
});

after(() => db?.close());

/** The reference: the same WHERE, a plain ORDER BY, no hints, no paging. */
function plainIds(q: TimelineQuery): number[] {
  const w = timelineWhere(q);
  const dir = (q.sort?.dir ?? q.order) === 'desc' ? 'DESC' : 'ASC';
  const order = q.sort && q.sort.field !== 'ts'
    ? `${q.sort.field} IS NULL, ${q.sort.field} ${dir}, ts ${dir}, id ${dir}` : `ts ${dir}, id ${dir}`;
  return db.prepare(`SELECT id FROM events WHERE ${w.sql} ORDER BY ${order}`).pluck().all(...w.params) as number[];
}

function gridIds(q: TimelineQuery, limit: number): number[] {
  const out: number[] = [];
  let next: TimelineQuery['after'] | undefined;
  for (let offset = 0; ; offset += limit) {
    // Column sorts page by offset; time sorts by keyset.
    const page = queryTimeline(db, { ...q, limit, ...(next ? { after: next } : q.sort ? { offset } : {}) });
    out.push(...page.rows.map((r) => r.id));
    if (page.rows.length < limit) return out;
    if (!q.sort) next = page.next ?? undefined;
  }
}

test('a rare filter read by its own index gives the rows of a plain ORDER BY, in the grid and in exports', async () => {
  let nonEmpty = 0;
  for (const q of queries) {
    const want = plainIds(q);
    if (want.length) nonEmpty++;
    const label = JSON.stringify(q);
    assert.deepEqual(gridIds(q, 40), want, `grid pages of 40: ${label}`);
    assert.equal(queryTimeline(db, { ...q, limit: 1 }).total, want.length, `total: ${label}`);
    for (const offset of [1, 5, Math.floor(want.length / 2)]) {
      assert.deepEqual(queryTimeline(db, { ...q, offset, limit: 4 }).rows.map((r) => r.id), want.slice(offset, offset + 4), `offset ${offset}: ${label}`);
    }
    const exported: number[] = [];
    for await (const page of iterateTimelinePages(db, q)) exported.push(...page.map((r) => r.id));
    assert.deepEqual(exported, want, `export: ${label}`);
  }
  assert.ok(nonEmpty >= queries.length - 1, 'the queries match events');
});

test('a rare IP filter is read through events_ip and sorted, not by walking the time index, whatever the statistics say', (tc) => {
  const q: TimelineQuery = { ips: (db.prepare('SELECT ip FROM events WHERE ip IS NOT NULL GROUP BY ip ORDER BY count(*) LIMIT 20').pluck().all() as string[]) };
  // Statistics as PRAGMA optimize may leave them on a large case where a few internal IPs log most lines: ~20,000 events
  // per IP on average, so twenty rare IPs look like 40% of the case and the planner prefers walking events_ts.
  db.exec(`ANALYZE event_rows; DELETE FROM sqlite_stat1 WHERE tbl = 'event_rows';
    INSERT INTO sqlite_stat1 VALUES ('event_rows', 'events_ip', '1000000 20000 2'), ('event_rows', 'events_ts', '1000000 3'),
      ('event_rows', 'events_source_ts', '1000000 200000 2'), ('event_rows', 'events_file', '1000000 5000 40');
    ANALYZE sqlite_schema;`);
  tc.after(() => db.exec("DELETE FROM sqlite_stat1 WHERE tbl = 'event_rows'; ANALYZE sqlite_schema;"));
  assert.ok(filterHasIndex(q));
  assert.ok(!filterHasIndex({ sources: ['iis'] }) && !filterHasIndex({ text: '-GET' }) && !filterHasIndex({ text: 'GET OR ip:1.2.3.4' }));
  const w = timelineWhere(q);
  const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...w.params) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
  // The matches are read through events_ip by name, then checked by id, whatever the statistics.
  const small = smallResult(db, q, w, 'ASC');
  assert.ok(small && small.length > 0);
  const check = (db.prepare(`EXPLAIN QUERY PLAN SELECT ts, id FROM events WHERE id IN (SELECT value FROM json_each(?)) AND ${w.sql}`)
    .all('[1]', ...w.params) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
  assert.doesNotMatch(check, /SCAN r|events_ts/, check);
  // Whereas a plain ORDER BY walks events_ts (the slow plan).
  assert.match(plan(`SELECT id FROM events WHERE ${w.sql} ORDER BY ts, id LIMIT 200`), /SCAN r USING INDEX events_ts/);
  assert.deepEqual(queryTimeline(db, { ...q, limit: 5000 }).rows.map((r) => r.id), small.map((r) => r[1]));
});

test('the columns the grid says sort at once (indexedSort) are sorted by an index, without sorting the result', async () => {
  const { COLUMNS } = await import('../../../renderer/src/gridColumns.ts');
  const quick = COLUMNS.filter((c) => c.indexedSort && c.field !== 'ts').map((c) => c.field!);
  assert.deepEqual(quick.sort(), ['ip', 'source']);
  for (const field of quick) {
    for (const dir of ['ASC', 'DESC']) {
      const p = (db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM events WHERE ${field} IS NOT NULL ORDER BY ${field} ${dir}, ts ${dir}, id ${dir} LIMIT 200`).all() as Array<{ detail: string }>)
        .map((r) => r.detail).join('; ');
      assert.doesNotMatch(p, /TEMP B-TREE/, `${field} ${dir}: ${p}`);
    }
  }
  const slow = COLUMNS.find((c) => c.field === 'status')!;
  assert.ok(!slow.indexedSort);
});
