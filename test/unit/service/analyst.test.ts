import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { EventInserter } from '../../../electron/case/write.ts';
import { CaseService } from '../../../electron/service.ts';
import { tmpDir } from '../../helpers/tmp.ts';

const T = Date.UTC(2021, 2, 3, 8, 0, 0) * 1000;

async function caseWithEvents(t: Parameters<typeof tmpDir>[0]): Promise<{ svc: CaseService; casePath: string; ids: number[] }> {
  const casePath = path.join(tmpDir(t), 'analyst.loupe');
  const svc = new CaseService();
  await svc.createCase({ path: casePath, meta: { client: 'Acme', caseNumber: 'IR-2021-007', examiner: 'K. Olsen' } });
  const ins = new EventInserter(svc.handle);
  const ids = [1, 2, 3].map((i) => ins.insert({
    ts: T + i, tsDesc: 'Request', source: 'iis', message: `GET /owa/${i}`, fields: { 'c-ip': '10.1.1.' + i }, ref: { file: 'u_ex.log', line: i },
  }, null));
  return { svc, casePath, ids };
}

test('stars, tags, notes and manual events persist across a reopen and are all audited', async (t) => {
  const { svc, casePath, ids } = await caseWithEvents(t);
  await svc.setStar({ eventId: ids[0], starred: true });
  await svc.addTag({ eventId: ids[1], tag: 'lateral-movement' });
  await svc.setNote({ eventId: ids[1], note: 'second hop from the shell' });
  const manual = await svc.addManualEvent({ ts: T + 10, message: 'Client says the server was patched here', tags: ['patch'] });
  svc.close();

  const again = new CaseService({ casePath });
  const starred = await again.queryTimeline({ starredOnly: true });
  assert.deepEqual(starred.rows.map((r) => r.id), [ids[0]]);
  const tagged = await again.queryTimeline({ tags: ['lateral-movement'] });
  assert.equal(tagged.rows[0].note, 'second hop from the shell');
  assert.deepEqual(tagged.rows[0].tags, ['lateral-movement']);
  const found = await again.queryTimeline({ text: 'patched' });
  assert.equal(found.rows.length, 1);
  assert.equal(found.rows[0].id, manual.id);
  assert.equal(found.rows[0].manual, true);
  assert.equal(found.rows[0].source, 'manual');
  assert.deepEqual(found.rows[0].tags, ['patch']);
  const actions = (await again.auditLog({})).map((a) => a.action).reverse();
  assert.deepEqual(actions, ['case.create', 'event.star', 'event.tag', 'event.note', 'event.manual.add']);
  assert.deepEqual((await again.listTags()).map((x) => x.tag).sort(), ['lateral-movement', 'patch']);
  const info = await again.getCase();
  assert.equal(info?.meta.client, 'Acme');
  assert.equal(info?.meta.caseNumber, 'IR-2021-007');
  again.close();
});

test('evidence events cannot be deleted, manual ones can; bad input gets a clear error', async (t) => {
  const { svc, ids } = await caseWithEvents(t);
  await assert.rejects(svc.deleteManualEvent({ id: ids[0] }), /only events added by hand/);
  await assert.rejects(svc.addManualEvent({ ts: NaN, message: 'x' }), /valid time/);
  await assert.rejects(svc.addManualEvent({ ts: T, message: '  ' }), /description/);
  await assert.rejects(svc.addTag({ eventId: 999999, tag: 'x' }), /no event with id 999999/);
  await assert.rejects(svc.addEvidence({ root: '/nonexistent/evidence' }), /evidence folder not readable: .*ENOENT/);
  const m = await svc.addManualEvent({ ts: T, message: 'temporary' });
  await svc.deleteManualEvent({ id: m.id });
  assert.equal((await svc.queryTimeline({ text: 'temporary' })).rows.length, 0);
  svc.close();
});

test('a second case cannot be created over an existing file', async (t) => {
  const { svc, casePath } = await caseWithEvents(t);
  svc.close();
  await assert.rejects(new CaseService().createCase({ path: casePath }), /already exists/);
});

test('case counts and the source list match a direct count of the events, after manual events come and go', async (t) => {
  const { svc } = await caseWithEvents(t);
  const direct = (): Record<string, number> => Object.fromEntries((svc.handle.prepare('SELECT source, count(*) AS n FROM events GROUP BY source').all() as Array<{ source: string; n: number }>).map((r) => [r.source, r.n]));
  const a = await svc.addManualEvent({ ts: T + 5, message: 'first note' });
  await svc.addManualEvent({ ts: T + 6, message: 'second note' });
  await svc.deleteManualEvent({ id: a.id });
  const info = (await svc.getCase())!;
  assert.deepEqual(info.counts.eventsBySource, direct());
  assert.deepEqual(direct(), { iis: 3, manual: 1 });
  assert.equal(info.counts.events, 4);
  assert.deepEqual(Object.fromEntries((await svc.listSources()).map((r) => [r.source, r.count])), direct());
  svc.close();
});
