// Web-log Sigma rules that the full-text index narrows run at their candidates only: the other IIS/HttpProxy rows are
// not read (a busy server's web logs are most of its events). The matches are those of the reference run (every rule
// on every event, every field decoded); a web rule without an index word still reads every web row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openCaseDb } from '../../../electron/case/db.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import { loadSigmaRules } from '../../../electron/detect/sigma/load.ts';
import { runSigma } from '../../../electron/detect/sigma/run.ts';
import { generateEvidence } from '../../fixtures/generate.ts';
import { newCase } from '../../helpers/case.ts';
import { tmpDir } from '../../helpers/tmp.ts';

const rule = (id: string, logsource: string, detection: string): string =>
  `title: ${id}\nid: 00000000-0000-4000-8000-${id.padStart(12, '0')}\nstatus: test\nlevel: high\nlogsource:\n${logsource}\ndetection:\n${detection}\n`;

test('web rules narrowed by the full-text index read only their candidates, with the reference run\'s matches', async (t) => {
  const dir = tmpDir(t);
  const m = await generateEvidence(path.join(dir, 'evidence'), { scale: 0.05, seed: 7 });
  const casePath = await newCase(dir, m.root);
  await new IndexCoordinator({ casePath, detect: false, workers: 1 }).run();
  const db = openCaseDb(casePath);
  t.after(() => db.close());
  const web = (db.prepare("SELECT count(*) FROM events WHERE source IN ('iis', 'httpproxy')").pluck().get() as number);

  const rules = path.join(dir, 'rules');
  fs.mkdirSync(rules);
  const ws = '    category: webserver';
  fs.writeFileSync(path.join(rules, 'shell.yml'), rule('1', ws, "    sel:\n        cs-uri-stem|contains: '/aspnet_client/'\n    condition: sel"));
  fs.writeFileSync(path.join(rules, 'client.yml'), rule('2', ws, "    sel:\n        cs-method: 'POST'\n        cs-user-agent|startswith: 'python-requests/'\n    condition: sel"));
  fs.writeFileSync(path.join(rules, 'evtx.yml'), rule('3', '    product: windows', "    keywords:\n        - 'w3wp.exe'\n    condition: keywords"));
  const narrow = loadSigmaRules([rules], { cache: null });
  assert.equal(narrow.errors.length, 0, JSON.stringify(narrow.errors));
  const sorted = (hits: Map<number, number[]>) => [...hits].sort(([a], [b]) => a - b);

  const run = runSigma(db, narrow.rules);
  const ref = runSigma(db, narrow.rules, { prefilter: false });
  assert.deepEqual(sorted(run.hits), sorted(ref.hits));
  assert.ok((run.hits.get(0)?.length ?? 0) > 0 && (run.hits.get(1)?.length ?? 0) > 0, 'both web rules match generated requests');
  assert.ok(ref.stats.events >= web, `the reference reads every web row (${ref.stats.events} of ${web})`);
  assert.ok(run.stats.events * 4 < web, `only the candidates are read: ${run.stats.events} events for ${web} web rows`);

  // a rule the index cannot narrow (no word to look up) keeps every web row in the stream
  fs.writeFileSync(path.join(rules, 'status.yml'), rule('4', ws, '    sel:\n        sc-status: 404\n    condition: sel'));
  const broad = loadSigmaRules([rules], { cache: null });
  const all = runSigma(db, broad.rules);
  assert.deepEqual(sorted(all.hits), sorted(runSigma(db, broad.rules, { prefilter: false }).hits));
  assert.ok(all.stats.events >= web, `${all.stats.events} events read for ${web} web rows`);
});
