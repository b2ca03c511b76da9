// `loupe index --sigma DIR` as an analyst runs it: a real process over a folder holding a real EVTX file of SigmaHQ's
// regression data, with a folder of Sigma rules (a SigmaHQ rule, one of our own, a broken one). The SigmaHQ rule gives
// its regression test's match_count as findings pointing at the EVTX records, the broken rule is a warning with
// file:line, the folder is kept with the case for the next run, and a missing folder is a clear error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { loupe as run } from '../../helpers/loupe.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { REGRESSION_DIR, regressionTests, ruleFilesById } from '../sigma/regression-data.ts';

const loupe = (...args: string[]) => run(args);
const skip = fs.existsSync(REGRESSION_DIR) ? false : 'test data absent: ../shared/data/sigma';

/** The regression test of SigmaHQ's "Windows Hotfix Updates Reconnaissance Via Wmic.EXE". */
const RULE_ID = 'dfd2fcb7-8bd5-4daa-b132-5adb61d6ad45';
const OWN_ID = '7a0c3f1e-2b4d-4c6e-8f10-1a2b3c4d5e6f';

const OWN_RULE = `title: WMIC started (test rule)
id: ${OWN_ID}
status: test
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\WMIC.exe'
    condition: selection
level: low
`;
const BROKEN_RULE = `title: broken
id: 00000000-0000-0000-0000-000000000001
logsource:
    product: windows
detection:
    selection:
        CommandLine|frobnicate: 'x'
    condition: selection
`;
/** A pattern JavaScript accepts only without the u flag (an escaped non-ASCII letter): loads, runs, is warned about. */
const NOT_UNICODE_RULE = `title: escaped e acute
id: 00000000-0000-4000-8000-0000000000e9
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        CommandLine|re: 'caf\\é'
    condition: selection
level: low
`;

interface CliFinding { check: string; severity: string; title: string; evidence: Array<{ file: string; record?: number }> }

test('loupe index --sigma DIR: rule matches become findings at their EVTX records, a broken rule a file:line warning, the folder kept with the case', { skip }, (t) => {
  const dir = tmpDir(t);
  const x = regressionTests().find((r) => r.ruleId === RULE_ID)!;
  assert.ok(x.evtx && x.matchCount, 'the regression test names its EVTX file and count');
  const evidence = path.join(dir, 'evidence');
  fs.mkdirSync(path.join(evidence, 'Logs'), { recursive: true });
  fs.copyFileSync(path.join(REGRESSION_DIR, x.evtx), path.join(evidence, 'Logs', 'Sysmon.evtx'));
  const sigma = path.join(dir, 'my rules');
  fs.mkdirSync(sigma);
  fs.copyFileSync(ruleFilesById().get(RULE_ID)!, path.join(sigma, 'wmic_recon_hotfix.yml'));
  fs.writeFileSync(path.join(sigma, 'own.yml'), OWN_RULE);
  fs.writeFileSync(path.join(sigma, 'broken.yml'), BROKEN_RULE);
  fs.writeFileSync(path.join(sigma, 'not-unicode.yml'), NOT_UNICODE_RULE);
  const casePath = path.join(dir, 'c.loupe');

  const idx = loupe('index', evidence, '--case', casePath, '--sigma', sigma, '--json');
  assert.equal(idx.status, 0, idx.stderr);
  const findings = (): CliFinding[] => {
    const r = loupe('findings', '--case', casePath, '--json');
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as CliFinding[];
  };
  const records = (fs: CliFinding[], check: string) => fs.filter((f) => f.check === check).flatMap((f) => f.evidence.map((e) => `${e.file}#${e.record}`)).sort();
  const first = findings();
  const sigmaHq = records(first, `sigma.${RULE_ID}`);
  assert.equal(sigmaHq.length, x.matchCount, JSON.stringify(sigmaHq));
  assert.ok(sigmaHq.every((r) => /^Logs\/Sysmon\.evtx#\d+$/.test(r)), sigmaHq.join(' '));
  const own = first.filter((f) => f.check === `sigma.${OWN_ID}`);
  assert.ok(own.length >= 1 && own.every((f) => f.severity === 'low' && f.title.includes('WMIC started (test rule)')), JSON.stringify(own));
  // the SigmaHQ rule's matches are WMIC processes too
  const ownRecords = records(first, `sigma.${OWN_ID}`);
  for (const r of sigmaHq) assert.ok(ownRecords.includes(r), `${r} is also a WMIC start`);

  const w = loupe('warnings', '--case', casePath, '--json');
  assert.equal(w.status, 0, w.stderr);
  const broken = (JSON.parse(w.stdout) as Array<{ file: string; line?: number; message: string }>).filter((x) => x.file.endsWith('broken.yml'));
  assert.equal(broken.length, 1, w.stdout);
  assert.equal(broken[0].line, 7);
  assert.match(broken[0].message, /frobnicate/);
  const notUnicode = (JSON.parse(w.stdout) as Array<{ file: string; message: string }>).filter((x) => x.file.endsWith('not-unicode.yml'));
  assert.deepEqual(notUnicode.map((x) => x.message), ['Sigma rule runs without Unicode regex semantics (a pattern is invalid with the u flag): caf\\é']);

  // the next run, without --sigma, still applies the folder kept with the case
  const again = loupe('index', evidence, '--case', casePath, '--json');
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(records(findings(), `sigma.${RULE_ID}`), sigmaHq);

  const missing = loupe('index', evidence, '--case', casePath, '--sigma', path.join(dir, 'nope'));
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /Sigma rules folder not found: .*nope/);
});
