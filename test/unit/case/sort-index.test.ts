// Sort indexes (sort-index.ts, migration 8): a column without an index of its own is sorted through a key table built
// on demand. On a real indexed case, pages (offsets), totals and exports sorted by it must be the rows of a plain
// ORDER BY column, ts, id (empty values last, in time order), with or without filters, both directions; the service
// answers in time order while it builds and says so; new and deleted events bring the index up to date before use.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bulkMark } from '../../../electron/case/analyst.ts';
import { openCaseDb, type Db } from '../../../electron/case/db.ts';
import { queryTimeline } from '../../../electron/case/read.ts';
import { buildSortIndexNow, dropSortIndex, listSortIndexes, sortPlan } from '../../../electron/case/sort-index.ts';
import { columnSortPlan } from '../../../electron/case/sort-read.ts';
import { filterHasIndex, smallResult } from '../../../electron/case/timeline-plan.ts';
import { fieldExpr, sortKeyName, timelineWhere } from '../../../electron/case/timeline-where.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import { iterateTimelinePages } from '../../../electron/report/timeline-query.ts';
import { CaseService } from '../../../electron/service.ts';
import type { TimelineQuery } from '../../../shared/api.ts';
import { generateEvidence } from '../../fixtures/generate.ts';
import { newCase } from '../../helpers/case.ts';
import { tmpDir } from '../../helpers/tmp.ts';

let db: Db;
let casePath: string;
const FIELDS = ['status', 'host', 'message', 'file', 'cs-uri-stem', 'cs-username'];

// Made at the top level: a folder made in before() is removed when that hook ends, and the service opens the file.
const dir = tmpDir({ after });

before(async () => {
  await generateEvidence(path.join(dir, 'evidence'), { scale: 0.05, seed: 9 });
  casePath = await newCase(dir, path.join(dir, 'evidence'));
  await new IndexCoordinator({ casePath, workers: 1, detect: false }).run();
  db = openCaseDb(casePath);
  bulkMark(db, { ids: db.prepare('SELECT id FROM events WHERE id % 89 = 0').pluck().all() as number[], tag: 'reviewed' });
});

after(() => db?.close());

/** The reference: the same WHERE, a plain ORDER BY on the column's expression, no index, no paging. */
function plainIds(q: TimelineQuery): number[] {
  const w = timelineWhere(q);
  const e = fieldExpr(q.sort!.field);
  const dir = q.sort!.dir === 'desc' ? 'DESC' : 'ASC';
  return db.prepare(`SELECT id FROM events WHERE ${w.sql} ORDER BY (${e.sql}) IS NULL, ${e.sql} ${dir}, ts ${dir}, id ${dir}`)
    .pluck().all(...w.params, ...e.params, ...e.params) as number[];
}

function gridIds(q: TimelineQuery, limit: number): number[] {
  const out: number[] = [];
  for (let offset = 0; ; offset += limit) {
    const page = queryTimeline(db, { ...q, limit, offset });
    out.push(...page.rows.map((r) => r.id));
    if (page.rows.length < limit) return out;
  }
}

async function exportIds(q: TimelineQuery): Promise<number[]> {
  const out: number[] = [];
  for await (const page of iterateTimelinePages(db, q)) out.push(...page.map((r) => r.id));
  return out;
}

const queriesFor = (field: string): TimelineQuery[] => {
  const mid = db.prepare('SELECT ts FROM events ORDER BY ts LIMIT 1 OFFSET (SELECT count(*) / 2 FROM event_rows)').pluck().get() as number;
  return [
    { sort: { field, dir: 'asc' } }, { sort: { field, dir: 'desc' }, from: mid }, { sort: { field, dir: 'asc' }, sources: ['iis'] },
    { sort: { field, dir: 'desc' }, columns: [{ field: 'message', op: 'regex', value: 'aspx' }] }, { sort: { field, dir: 'asc' }, text: 'GET -POST' },
  ];
};

test('pages, totals and exports sorted through a sort index equal a plain ORDER BY column, ts, id', async () => {
  for (const field of FIELDS) {
    const name = sortKeyName(field)!;
    assert.equal(sortPlan(db, field).kind, 'build', `${field} needs its index`);
    buildSortIndexNow(db, name, 997); // small slices: many of them, as in the background build
    assert.equal(sortPlan(db, field).kind, 'ready', field);
    const qs = queriesFor(field);
    for (const q of qs) {
      const want = plainIds(q);
      const label = JSON.stringify(q);
      assert.ok(want.length > 0, `matches: ${label}`);
      // A filter with few matches of its own (search words on this small case) is sorted directly.
      assert.equal(columnSortPlan(db, q).kind, filterHasIndex(q) ? 'native' : 'ready', `read through the index: ${label}`);
      // Every grid page once per column; the other queries by their first page, offsets and the export.
      if (q === qs[0]) assert.deepEqual(gridIds(q, 1999), want, `grid pages: ${label}`);
      else assert.deepEqual(queryTimeline(db, { ...q, limit: 100 }).rows.map((r) => r.id), want.slice(0, 100), `first page: ${label}`);
      assert.equal(queryTimeline(db, { ...q, limit: 1 }).total, want.length, `total: ${label}`);
      for (const offset of [Math.floor(want.length / 2), want.length - 3]) {
        assert.deepEqual(queryTimeline(db, { ...q, offset, limit: 7 }).rows.map((r) => r.id), want.slice(offset, offset + 7), `offset ${offset}: ${label}`);
      }
      // Exports page by keyset over the index: the whole of the smaller results, a window of the others.
      if (want.length < 500 || q === qs[0]) assert.deepEqual(await exportIds(q), want, `export: ${label}`);
      else assert.deepEqual(await exportIds({ ...q, offset: 5, limit: 301 }), want.slice(5, 306), `export offset/limit: ${label}`);
    }
  }
  // Aliases share one index; tags and the indexed columns need none.
  assert.equal(sortKeyName('sc-status'), 'status');
  assert.equal(sortKeyName('tags'), null);
  assert.equal(sortKeyName('ip'), null);
});

test('a page is read from the index in key order, not by sorting the result', () => {
  const id = buildSortIndexNow(db, 'message');
  const p = (db.prepare(`EXPLAIN QUERY PLAN SELECT sk_id FROM sort_key_${id} WHERE sk_key < x'' ORDER BY sk_key DESC, sk_ts DESC, sk_id DESC LIMIT 200`).all() as Array<{ detail: string }>)
    .map((r) => r.detail).join('; ');
  assert.doesNotMatch(p, /TEMP B-TREE/, p);
});

test('the service answers in time order while it builds, says how far, then sorts; the index is listed, audited and removable', async () => {
  const svc = new CaseService({ casePath });
  try {
    const q: TimelineQuery = { sort: { field: 'cs-username', dir: 'asc' }, limit: 50 };
    await svc.dropSortIndex({ field: 'field:cs-username' });
    const first = await svc.queryTimeline(q);
    assert.deepEqual(first.sortIndex?.field, 'field:cs-username');
    assert.deepEqual(first.rows.map((r) => r.id), (await svc.queryTimeline({ limit: 50 })).rows.map((r) => r.id), 'time order meanwhile');
    await svc.sortIndexesIdle();
    const sorted = await svc.queryTimeline(q);
    assert.equal(sorted.sortIndex, undefined);
    assert.deepEqual(sorted.rows.map((r) => r.id), plainIds(q).slice(0, 50));
    const listed = (await svc.listSortIndexes()).find((x) => x.field === 'field:cs-username');
    assert.ok(listed && listed.state === 'ready' && listed.progress === 1 && (listed.bytes ?? 0) > 0, JSON.stringify(listed));
    const actions = (await svc.auditLog({ limit: 50 })).map((a) => `${a.action} ${JSON.stringify(a.details)}`);
    assert.ok(actions.includes('sort-index.create {"field":"field:cs-username"}'), actions.join('\n'));
    await svc.dropSortIndex({ field: 'field:cs-username' });
    assert.ok(!(await svc.listSortIndexes()).some((x) => x.field === 'field:cs-username'));
    assert.ok((await svc.auditLog({ limit: 5 })).some((a) => a.action === 'sort-index.drop'));
    // A filter with few matches of its own (an IP) is sorted at once: no index is built for it.
    const ip = db.prepare('SELECT ip FROM events WHERE ip IS NOT NULL GROUP BY ip ORDER BY count(*) LIMIT 1').pluck().get() as string;
    assert.equal((await svc.queryTimeline({ ...q, ips: [ip] })).sortIndex, undefined);
  } finally {
    svc.close();
  }
});

test('an added event extends the index at once; a deleted one makes it rebuilt before it is used', async () => {
  const svc = new CaseService({ casePath });
  try {
    const q: TimelineQuery = { sort: { field: 'status', dir: 'desc' }, limit: 5000 };
    await svc.queryTimeline(q);
    await svc.sortIndexesIdle();
    const ev = await svc.addManualEvent({ ts: 1_614_600_000_000_000, tsDesc: 'status check', message: 'manual' });
    const page = await svc.queryTimeline(q);
    assert.equal(page.sortIndex, undefined, 'a small extension is done before the page is read');
    assert.deepEqual(page.rows.map((r) => r.id), plainIds(q).slice(0, 5000));
    await svc.deleteManualEvent({ id: ev.id });
    assert.equal(sortPlan(svc.handle, 'status').kind, 'build', 'stale after a delete');
    const again = await svc.queryTimeline(q);
    if (again.sortIndex) await svc.sortIndexesIdle();
    assert.deepEqual((await svc.queryTimeline(q)).rows.map((r) => r.id), plainIds(q).slice(0, 5000));
  } finally {
    svc.close();
  }
});

test('a sort index can be dropped by any alias of its column', () => {
  buildSortIndexNow(db, 'status');
  assert.ok(listSortIndexes(db).some((x) => x.field === 'status'));
  assert.equal(dropSortIndex(db, 'sc-status'), true);
  assert.ok(!listSortIndexes(db).some((x) => x.field === 'status'));
});

test('a column filter "equals" on a column with a sort index (or on IP) reads its matches from that index: same rows and totals', async () => {
  const status = db.prepare('SELECT status FROM events WHERE status IS NOT NULL GROUP BY status ORDER BY count(*) LIMIT 1').pluck().get() as number;
  const url = db.prepare('SELECT url FROM events WHERE url IS NOT NULL GROUP BY url ORDER BY count(*) LIMIT 1').pluck().get() as string;
  const ip = db.prepare('SELECT ip FROM events WHERE ip IS NOT NULL GROUP BY ip ORDER BY count(*) LIMIT 1').pluck().get() as string;
  const queries: TimelineQuery[] = [
    { columns: [{ field: 'sc-status', op: 'equals', value: String(status) }] },
    { columns: [{ field: 'cs-uri-stem', op: 'equals', value: url }], order: 'desc' },
    { columns: [{ field: 'c-ip', op: 'equals', value: ip }, { field: 'message', op: 'contains', value: 'GET' }] },
  ];
  const timeIds = (q: TimelineQuery): number[] => {
    const w = timelineWhere(q);
    const dir = q.order === 'desc' ? 'DESC' : 'ASC';
    return db.prepare(`SELECT id FROM events WHERE ${w.sql} ORDER BY ts ${dir}, id ${dir}`).pluck().all(...w.params) as number[];
  };
  dropSortIndex(db, 'status');
  dropSortIndex(db, 'url');
  assert.equal(smallResult(db, queries[0], timelineWhere(queries[0]), 'ASC'), null, 'no index: the time index is walked');
  buildSortIndexNow(db, 'status');
  buildSortIndexNow(db, 'url');
  for (const q of queries) {
    const want = timeIds(q);
    const label = JSON.stringify(q);
    assert.ok(want.length > 0, label);
    assert.ok(smallResult(db, q, timelineWhere(q), 'ASC'), `read through an index: ${label}`);
    const page = queryTimeline(db, { ...q, limit: 5000 });
    assert.deepEqual(page.rows.map((r) => r.id), want, label);
    assert.equal(page.total, want.length, label);
    assert.deepEqual(await exportIds(q), want, `export: ${label}`);
  }
});
