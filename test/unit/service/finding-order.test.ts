// Findings are listed most severe first; within a severity the intrusion stories, then a confirmed finding above a
// likely one above one that needs review, then by time — in the Findings view / `loupe findings` and in the report.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Finding } from '../../../shared/types.ts';
import { insertFinding } from '../../../electron/case/write.ts';
import { readFindings } from '../../../electron/report/indicators.ts';
import { CaseService } from '../../../electron/service.ts';
import { tmpDir } from '../../helpers/tmp.ts';

const f = (title: string, over: Partial<Finding>): Finding => ({
  check: 'webshell', severity: 'critical', confidence: 'confirmed', confidenceReason: 'r', title, path: null, time: null, sha256: null, evidence: [], ...over,
});

test('stories first, then confirmed before likely before review, then time, within each severity', async (t) => {
  const svc = new CaseService();
  await svc.createCase({ path: path.join(tmpDir(t), 'order.loupe') });
  // Inserted in the order a plain severity-then-time sort would list them.
  for (const x of [
    f('critical review, earliest', { check: 'sigma.x', confidence: 'review', time: '2021-03-01T00:00:00.000Z' }),
    f('critical likely', { confidence: 'likely', time: '2021-03-02T00:00:00.000Z' }),
    f('critical confirmed, later', { time: '2021-03-04T00:00:00.000Z' }),
    f('critical confirmed, earlier', { time: '2021-03-03T00:00:00.000Z' }),
    f('critical story', { check: 'story', time: '2021-03-05T00:00:00.000Z' }),
    f('critical confirmed, no time', {}),
    f('high confirmed', { severity: 'high', time: '2021-02-01T00:00:00.000Z' }),
    f('high story', { severity: 'high', check: 'story', confidence: 'likely', time: '2021-03-09T00:00:00.000Z' }),
  ]) insertFinding(svc.handle, x);
  const expected = ['critical story', 'critical confirmed, earlier', 'critical confirmed, later', 'critical confirmed, no time', 'critical likely',
    'critical review, earliest', 'high story', 'high confirmed'];
  assert.deepEqual((await svc.listFindings({})).map((x) => x.title), expected);
  assert.deepEqual(readFindings(svc.handle).map((x) => x.title), expected, 'the report lists them in the same order');
  svc.close();
});
