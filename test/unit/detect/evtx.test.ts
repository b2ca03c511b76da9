// EVTX-based checks on real EVTX files (EVTX-ATTACK-SAMPLES) read through Loupe's own EVTX parser: processes started
// by w3wp.exe (web shell command execution); a large Sysmon log without IIS children must stay quiet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseEvtx } from '../../../electron/ingest/sources/evtx/index.ts';
import { checkW3wpChildren } from '../../../electron/detect/process-children.ts';
import { checkCve202126857 } from '../../../electron/detect/cve-2021-26857.ts';
import { addLog, newCase, sharedData } from './helpers.ts';

const W3WP = sharedData('evtx', 'Execution__exec_sysmon_webshell_w3wp_enum.evtx');
const PANACHE = sharedData('evtx', 'AutomatedTestingTools__PanacheSysmon_vs_AtomicRedTeam01.evtx');
const skip = fs.existsSync(W3WP) && fs.existsSync(PANACHE) ? false : 'test data absent: ../shared/data/evtx';

test('w3wp.exe children in a real Sysmon log are one web-shell process finding listing records 3408, 3410, 3416', { skip }, async () => {
  const tc = newCase();
  try {
    const rel = 'C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx';
    await addLog(tc, rel, 'evtx', parseEvtx, fs.readFileSync(W3WP));
    const found = checkW3wpChildren(tc.db);
    assert.equal(found.length, 1);
    const [f] = found;
    assert.equal(f.finding.check, 'webshell');
    assert.equal(f.details?.kind, 'process');
    assert.equal(f.finding.path, 'C:\\Windows\\System32\\cmd.exe');
    assert.deepEqual(f.finding.evidence, [{ file: rel, record: 3408 }, { file: rel, record: 3410 }, { file: rel, record: 3416 }]);
    assert.deepEqual(f.details?.commandLines, [
      '"c:\\windows\\system32\\cmd.exe" /c whoami', '"c:\\windows\\system32\\cmd.exe" /c systeminfo', '"c:\\windows\\system32\\cmd.exe" /c dir',
    ]);
    assert.deepEqual(checkCve202126857(tc.db), [], 'no UMWorkerProcess children here');
  } finally {
    tc.close();
  }
});

test('a large real Sysmon log with hundreds of process events but no IIS parent gives no finding', { skip }, async () => {
  const tc = newCase();
  try {
    const events = await addLog(tc, 'C/Windows/System32/winevt/Logs/Sysmon.evtx', 'evtx', parseEvtx, fs.readFileSync(PANACHE));
    assert.equal(events.length, 565);
    assert.ok(events.filter((e) => e.fields.EventID === 1).length > 50);
    assert.deepEqual(checkW3wpChildren(tc.db), []);
    assert.deepEqual(checkCve202126857(tc.db), []);
  } finally {
    tc.close();
  }
});
