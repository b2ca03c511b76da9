import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { openCaseDb, type Db } from '../../../electron/case/db.ts';
import { histogram, queryTimeline } from '../../../electron/case/read.ts';
import { deleteFileEvents, EventInserter } from '../../../electron/case/write.ts';
import { seeded, T0 } from './seed.ts';
import { tmpDir } from '../../helpers/tmp.ts';

test('full-text search finds an IP and a URL; filters combine', (t) => {
  const { db } = seeded(t);
  const byIp = queryTimeline(db, { text: '165.232.154.116' });
  assert.equal(byIp.total, 5);
  assert.ok(byIp.rows.every((r) => r.ip === '165.232.154.116'));
  assert.equal(queryTimeline(db, { text: 'shell.aspx' }).total, 5);
  assert.equal(queryTimeline(db, { ips: ['165.232.154.116'], statuses: [200] }).total, 5);
  assert.equal(queryTimeline(db, { statuses: [302] }).total, 45);
  assert.equal(queryTimeline(db, { fieldEquals: [{ field: 'cs-uri-stem', value: '/owa/auth/shell.aspx' }] }).total, 5);
  assert.equal(queryTimeline(db, { fieldNotEquals: [{ field: 'c-ip', value: '165.232.154.116' }] }).total, 45);
  assert.equal(queryTimeline(db, { fieldEquals: [{ field: 'cs(User-Agent)', value: 'python-requests/2.25.1' }] }).total, 50);
  assert.equal(queryTimeline(db, { from: T0 + 10 * 60_000_000, to: T0 + 20 * 60_000_000 }).total, 10);
  db.close();
});

test('keyset paging walks every row once in time order, both directions', (t) => {
  const { db } = seeded(t);
  for (const order of ['asc', 'desc'] as const) {
    const seen: number[] = [];
    let after: { ts: number; id: number } | undefined;
    for (;;) {
      const page = queryTimeline(db, { limit: 7, order, after });
      seen.push(...page.rows.map((r) => r.ts));
      if (!page.next) break;
      after = page.next;
    }
    assert.equal(seen.length, 50);
    const sorted = [...seen].sort((a, b) => (order === 'asc' ? a - b : b - a));
    assert.deepEqual(seen, sorted);
  }
  db.close();
});

test('evidence refs come back with every row; deleting a file removes its events from the FTS index too', (t) => {
  const { db, fileId } = seeded(t);
  const row = queryTimeline(db, { limit: 1 }).rows[0];
  assert.deepEqual(row.ref, { file: 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log', line: 5, offset: 0 });
  deleteFileEvents(db, fileId);
  assert.equal(queryTimeline(db, {}).total, 0);
  assert.equal((db.prepare("SELECT count(*) AS n FROM events_fts WHERE events_fts MATCH '\"shell.aspx\"'").get() as { n: number }).n, 0);
  db.close();
});

test('histogram buckets add up to the matching rows', (t) => {
  const { db } = seeded(t);
  const h = histogram(db, { buckets: 10 });
  assert.equal(h.buckets.length, 10);
  assert.equal(h.buckets.reduce((n, b) => n + b.count, 0), 50);
  assert.equal(h.buckets[0].start, T0);
  const hIp = histogram(db, { buckets: 5, ips: ['165.232.154.116'] });
  assert.equal(hIp.buckets.reduce((n, b) => n + b.count, 0), 5);
  db.close();
});

test('totals and histograms from the per-minute table equal a direct count, for any time range, after deletes too', async (t) => {
  const { db, fileId } = seeded(t);
  const { fastCount } = await import('../../../electron/case/minutes.ts');
  const direct = (from?: number, to?: number): number => (db.prepare('SELECT count(*) AS n FROM events WHERE ts >= ? AND ts < ?')
    .get(from ?? -1e18, to ?? 1e18) as { n: number }).n;
  const ranges: Array<[number | undefined, number | undefined]> = [[undefined, undefined], [T0 + 90_000_000, undefined], [undefined, T0 + 30 * 60_000_000 + 1],
    [T0 + 59_999_999, T0 + 61_000_000], [T0 + 7 * 60_000_000 + 5, T0 + 33 * 60_000_000 + 7], [T0 - 1e9, T0 + 1e12]];
  for (const [from, to] of ranges) {
    assert.equal(fastCount(db, { from, to }), direct(from, to), `range ${from}..${to}`);
    assert.equal(queryTimeline(db, { from, to }).total, direct(from, to));
  }
  const wide = histogram(db, { buckets: 3 });
  assert.equal(wide.bucketMicros % 60_000_000, 0);
  assert.equal(wide.buckets.reduce((n, b) => n + b.count, 0), 50);
  deleteFileEvents(db, fileId);
  assert.equal(fastCount(db, {}), 0);
  assert.equal(histogram(db, { buckets: 3, from: T0, to: T0 + 3600e6 }).buckets.reduce((n, b) => n + b.count, 0), 0);
  db.close();
});

test('an evidence ref leads back to its event by line, offset or record; an unknown ref finds nothing', async (t) => {
  const { db, fileId } = seeded(t);
  const { findEventByRef } = await import('../../../electron/case/read.ts');
  const file = 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log';
  const byLine = findEventByRef(db, { file, line: 8 });
  assert.equal(byLine?.ref.line, 8);
  assert.equal(byLine?.ip, '165.232.154.116');
  assert.equal(findEventByRef(db, { file, offset: 600 })?.ref.line, 8);
  assert.equal(findEventByRef(db, { file, line: 9999 }), null);
  assert.equal(findEventByRef(db, { file: 'C/other.log', line: 8 }), null);
  new EventInserter(db).insert({ ts: T0, tsDesc: 'Event Logged', source: 'evtx', message: 'Sysmon 1', fields: {}, ref: { file, record: 3408, offset: 4096 } }, fileId);
  assert.equal(findEventByRef(db, { file, record: 3408 })?.ref.record, 3408);
  db.close();
});
