// The SigmaHQ regression data as oracle: every test's rule, run by Loupe's Sigma engine over its real EVTX file read by
// Loupe's own EVTX parser into a real case, matches exactly `match_count` events. Also: every Windows rule of the
// snapshot loads or is reported with its reason, and running all of them over those events does not fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FieldsReader } from '../../../electron/case/fields.ts';
import { loadSigmaRules, runSigma } from '../../../electron/detect/sigma/index.ts';
import { EVTX_SOURCES } from '../../../electron/detect/sigma/logsource.ts';
import { streamRows } from '../../../electron/detect/sigma/scan.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { indexRegressionData, REGRESSION_DIR, regressionTests, ruleFilesById, SIGMA_DATA } from './regression-data.ts';

const skip = fs.existsSync(REGRESSION_DIR) ? false : 'test data absent: ../shared/data/sigma';

/**
 * Tests whose info.yml says 1 while the file holds more events the rule plainly matches (SigmaHQ's own runner only
 * checks that the rule fires). The count Loupe must give is taken from libevtx's XML of the file instead: the number
 * of records whose XML matches the rule's selection, written here as a regular expression over that XML.
 */
const PLAIN_READING: Record<string, RegExp> = {
  // TargetFilename|contains '\AppData\Roaming\AnyDesk\user.conf' or '…\system.conf'
  '0b9ad457-2554-44c1-82c2-d56a99c42377': /<Data Name="TargetFilename">[^<]*\\AppData\\Roaming\\AnyDesk\\(user|system)\.conf/i,
  // TargetFilename|endswith '\procdump.exe', '\procdump64.exe', '\procdump64a.exe' (the only names in that file)
  '8fbf3271-1ef6-4e94-8210-03c2317947f6': /<Data Name="TargetFilename">[^<]*\\procdump(64a?)?\.exe<\/Data>/i,
  // TargetObject|contains '\…\ZoneMap\Domains\' and Details not DWORD 0 / 1 / (Empty)
  '45e112d0-7759-4c2a-aa36-9f8fb79d3393': /\\Internet Settings\\ZoneMap\\Domains\\[^<]*<\/Data>[\s\S]*<Data Name="Details">DWORD \(0x0000000[2-9]\)/i,
};

function evtxexportCount(file: string, re: RegExp): number {
  const xml = execFileSync('evtxexport', ['-f', 'xml', file], { maxBuffer: 1 << 28 }).toString();
  return xml.split(/<Event\b/).slice(1).filter((e) => re.test(e)).length;
}

test('SigmaHQ regression data: each rule matches exactly match_count events of its EVTX file', { skip }, async (t) => {
  const { db, fileOf, isLive } = await indexRegressionData(tmpDir(t));
  t.after(() => db.close());
  const tests = regressionTests();
  assert.equal(tests.length, 153);
  const byId = ruleFilesById();
  const runnable = tests.filter((x) => x.evtx && byId.has(x.ruleId));
  const set = loadSigmaRules([...new Set(runnable.map((x) => byId.get(x.ruleId)!))]);
  assert.deepEqual(set.errors, []);
  const { hits } = runSigma(db, set.rules);
  const wrong: string[] = [];
  for (const x of runnable) {
    const idx = set.rules.findIndex((r) => r.id === x.ruleId);
    const n = (hits.get(idx) ?? []).filter((id) => isLive(id) && fileOf(id) === x.evtx).length;
    const plain = PLAIN_READING[x.ruleId];
    const want = plain ? evtxexportCount(path.join(REGRESSION_DIR, x.evtx!), plain) : x.matchCount;
    if (plain) assert.ok(want! > (x.matchCount ?? 0), `${x.title}: the plain reading must differ from info.yml, or the exception is stale`);
    // no match_count: SigmaHQ's runner requires that the rule fires; each such file holds the one or two events of the test
    const ok = want === null ? n >= 1 : n === want;
    if (!ok) wrong.push(`${x.title} (${x.ruleId}): ${n} matches, expected ${want ?? '≥ 1'}`);
  }
  assert.deepEqual(wrong, []);
  assert.equal(runnable.length, 144);
  // the other 9: their rules are not in the snapshot (2025/2026 emerging threats, threat hunting, a Cisco raw-log test)
  assert.deepEqual(tests.filter((x) => !runnable.includes(x)).map((x) => x.ruleId).sort(), [
    '271de298-cc0e-4842-acd8-079a0a99ea65', '540703fb-a874-4385-a9d6-7cd1bfab268c', '7c3a5b1d-9e2f-4a8c-b5d7-1e0f3c6a9b2d',
    '8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b', 'a7c3e5f2-8b1d-4e9a-b6c2-3d7f5e8a9b4c', 'af688c76-4ce4-4309-bfdd-e896f01acf27',
    'bae7c70b-8569-44e9-accf-b30073da8a5d', 'ef0ff092-a24a-4fbc-beea-06c08d53e085', 'f2e4b7d9-5c3a-4f8b-9e1d-7a6c2b3f4e5d',
  ]);
});

test('all 2,407 Windows rules of the snapshot: 2,399 load, 8 are reported with their reason, and all run', { skip }, async (t) => {
  const set = loadSigmaRules([path.join(SIGMA_DATA, 'rules', 'windows')]);
  assert.equal(set.rules.length + set.errors.length, 2407);
  assert.equal(set.rules.length, 2399);
  assert.deepEqual(set.rules.filter((r) => r.regexNotUnicode.length > 0).map((r) => r.file), [], 'every re pattern runs with the u flag (Unicode, as Rust regex)');
  const reasons = set.errors.map((e) => `${path.basename(e.file)}:${e.line}: ${e.message}`);
  assert.equal(reasons.filter((r) => r.includes('category "file_access" has no Windows event log source')).length, 7);
  assert.equal(reasons.filter((r) => r.includes('category "file_rename" has no Windows event log source')).length, 1);
  assert.ok(reasons.every((r) => /^\S+\.yml:\d+: /.test(r)), 'each reason is file:line');
  const { db, isLive } = await indexRegressionData(tmpDir(t));
  t.after(() => db.close());
  const run = runSigma(db, set.rules);
  const evtx = [...streamRows(db, new FieldsReader(db), EVTX_SOURCES, EVTX_SOURCES)].map((r) => r.id);
  assert.equal(evtx.filter(isLive).length, 174);
  assert.equal(run.stats.events, evtx.length, 'recovered records are run too');
  assert.ok(run.hits.size >= 140, `${run.hits.size} rules fired`);
  // that the FTS prefilter and the literal gate only narrow (find what every rule on every event finds): gate.test.ts
});
