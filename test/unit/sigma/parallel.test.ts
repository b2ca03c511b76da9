// The two-thread Sigma run (parallel.ts: this thread and a worker that compiles the rules again from their documents)
// against the one-thread run: every SigmaHQ Windows rule over SigmaHQ's regression data, id chunks dealt to both
// threads in turn, gives the same (rule, event) matches.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { loadSigmaRules } from '../../../electron/detect/sigma/load.ts';
import { runSigmaParallel } from '../../../electron/detect/sigma/parallel.ts';
import { runSigma } from '../../../electron/detect/sigma/run.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { indexRegressionData, REGRESSION_DIR, SIGMA_DATA } from './regression-data.ts';

const noData = fs.existsSync(REGRESSION_DIR) ? false : 'test data absent: ../shared/data/sigma';

test('two threads give the matches of one: every SigmaHQ Windows rule over the regression data, chunks dealt in turn', { skip: noData }, async (t) => {
  const { db } = await indexRegressionData(tmpDir(t));
  t.after(() => db.close());
  const { rules } = loadSigmaRules([path.join(SIGMA_DATA, 'rules', 'windows')], { cache: null });
  const one = runSigma(db, rules);
  const sorted = (hits: Map<number, number[]>) => [...hits].sort(([a], [b]) => a - b);
  const pairs = sorted(one.hits).reduce((n, [, ids]) => n + ids.length, 0);
  assert.ok(pairs >= 150, `${pairs} matches`);
  const { n } = db.prepare('SELECT count(*) AS n FROM events').get() as { n: number };
  // chunks of a few ids, dealt alternately: each thread scans about half of the events, the worker surely some
  const two = await runSigmaParallel(db, rules, { minIds: 0, minRules: 0, chunkIds: Math.max(1, Math.ceil(n / 40)), alternate: true });
  assert.equal(two.stats.threads, 2, 'ran on two threads');
  assert.equal(two.stats.events, one.stats.events, 'every event scanned once');
  assert.deepEqual(sorted(two.hits), sorted(one.hits));
  // and a small case stays on this thread (a worker's start would cost more than it saves)
  assert.equal((await runSigmaParallel(db, rules)).stats.threads, 1);
  // and so does a small rule set, however large the case (a worker's own rules would cost memory for little)
  assert.equal((await runSigmaParallel(db, rules.slice(0, 50), { minIds: 0 })).stats.threads, 1);
  assert.equal((await runSigmaParallel(db, rules, { minIds: 0 })).stats.threads, 2, 'a large pack on a large case: two threads');
});
