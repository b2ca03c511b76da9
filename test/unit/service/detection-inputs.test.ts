// The analyst's IOC lists, rule folders and baselines are kept in the case and used by every later index run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { CaseService } from '../../../electron/service.ts';
import { generateEvidence } from '../../fixtures/generate.ts';
import { newCase } from '../../helpers/case.ts';
import { tmpDir } from '../../helpers/tmp.ts';

async function indexWith(svc: CaseService, args: Parameters<CaseService['startIndex']>[0]): Promise<void> {
  await svc.startIndex(args);
  const s = await svc.indexJob!.done;
  assert.equal(s.cancelled, false);
}

const iocListNames = (svc: CaseService): string[] =>
  (svc.handle.prepare('SELECT path FROM ioc_lists ORDER BY path').all() as Array<{ path: string }>).map((r) => r.path);

test('IOC lists given once stay with the case: a later run without them still matches them; removing them stops it', async (t) => {
  const dir = tmpDir(t);
  const m = await generateEvidence(path.join(dir, 'evidence'), { scale: 0.1, seed: 4 });
  const svc = new CaseService({ casePath: await newCase(dir, m.root) });
  t.after(() => svc.close());
  const iocs = m.attackerIocsCsv;
  const ipFindings = async (): Promise<number> => (await svc.listFindings({ check: 'ioc.ip' })).length;

  await indexWith(svc, { iocs: [iocs] });
  assert.deepEqual(await svc.getDetectionInputs(), { iocs: [path.resolve(iocs)], rules: [], baselines: [], sigma: [] });
  assert.ok(iocListNames(svc).includes(path.resolve(iocs)));
  const first = await ipFindings();
  assert.ok(first > 0, 'the attacker IPs from the analyst list are found');

  await indexWith(svc, {});
  assert.ok(iocListNames(svc).includes(path.resolve(iocs)), 'the stored list is used again');
  assert.equal(await ipFindings(), first);

  await svc.setDetectionInputs({ iocs: [], rules: [], baselines: [] });
  await indexWith(svc, {});
  assert.ok(!iocListNames(svc).includes(path.resolve(iocs)));
  assert.equal(await ipFindings(), 0);
  const actions = (await svc.auditLog({})).map((a) => a.action);
  assert.ok(actions.includes('detection.inputs'));
});

test('detection inputs must exist, and say what to do when they do not', async (t) => {
  const dir = tmpDir(t);
  const ev = path.join(dir, 'ev');
  fs.mkdirSync(ev);
  const svc = new CaseService({ casePath: await newCase(dir, ev) });
  t.after(() => svc.close());
  await assert.rejects(svc.setDetectionInputs({ iocs: [path.join(dir, 'missing.csv')], rules: [], baselines: [] }), /IOC or baseline file not found: .*missing\.csv/);
  await assert.rejects(svc.setDetectionInputs({ iocs: [], rules: [path.join(dir, 'ev', 'nope')], baselines: [] }), /rules folder not found/);
  const list = path.join(dir, 'list.txt');
  fs.writeFileSync(list, '203.0.113.7\n');
  await svc.setDetectionInputs({ iocs: [list, list], rules: [], baselines: [] });
  assert.deepEqual((await svc.getDetectionInputs()).iocs, [list], 'duplicates folded');
  fs.rmSync(list);
  await assert.rejects(svc.startIndex({}), /IOC or baseline file not found: .*list\.txt — restore it, or remove it/);
});
