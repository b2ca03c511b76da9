// Microsoft Defender on the server: the two real Defender Operational logs of the shared data (Atomic Red Team and a
// Mimikatz drop) read through Loupe's own EVTX parser, and the Exchange cases they do not hold (a Chopper shell in
// owa\auth left in place, protection turned off, an exclusion added) written as the Defender events Windows logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseEvtx } from '../../../electron/ingest/sources/evtx/index.ts';
import { checkDefender } from '../../../electron/detect/antivirus.ts';
import { listFiles } from '../../../electron/detect/rows.ts';
import { runDetections } from '../../../electron/detect/index.ts';
import { readFindings } from '../../../electron/report/indicators.ts';
import { defenderAction, defenderPaths, isExchangeAttackThreat } from '../../../shared/defender.ts';
import { evtxSummary } from '../../../electron/ingest/sources/evtx/summary.ts';
import { isoToMicros } from '../../../shared/types.ts';
import { addFile, addLog, insertEvents, newCase, sharedData } from './helpers.ts';

const ART = sharedData('evtx', 'AutomatedTestingTools__WinDefender_Events_1117_1116_AtomicRedTeam.evtx');
const MIMI = sharedData('evtx-hard', 'hay__EVTX-to-MITRE-Attack__Antivirus__ID1116-1117-Defender threat detected.evtx');
const LOG = 'C/Windows/System32/winevt/Logs/Microsoft-Windows-Windows Defender%4Operational.evtx';
const PROVIDER = 'Microsoft-Windows-Windows Defender';

test('Defender values: paths of a detection, actions by ID (also when the name is an unresolved %%insert), Exchange-attack names', () => {
  assert.deepEqual(defenderPaths('containerfile:_C:\\t\\b.jsp; file:_C:\\t\\b.jsp->(SCRIPT0005); file:_C:\\t\\c.dll'), ['C:\\t\\b.jsp', 'C:\\t\\c.dll']);
  assert.equal(defenderAction('2', '%%809'), 'quarantined');
  assert.equal(defenderAction('6', '%%811'), 'allowed');
  assert.equal(defenderAction('', 'Quarantine'), 'quarantine');
  for (const n of ['Exploit:Script/Exmann.A!dha', 'Backdoor:ASP/SecChecker.A', 'Trojan:JS/Chopper!dha', 'Backdoor:ASP/Chopper.F!dha', 'Backdoor:JS/Webshell', 'Ransom:Win32/DoejoCrypt.A', 'Backdoor:ASP/Ace.T']) {
    assert.ok(isExchangeAttackThreat(n), n);
  }
  for (const n of ['HackTool:Win32/Mimikatz.D', 'Trojan:PowerShell/Powersploit.M', 'PUA:Win32/uTorrent']) assert.ok(!isExchangeAttackThreat(n), n);
});

test('the real Defender logs: one finding per threat and file, with what Defender did (quarantined, allowed, detected again, no action)', { skip: fs.existsSync(ART) && fs.existsSync(MIMI) ? false : 'shared EVTX data absent' }, async () => {
  const tc = newCase();
  try {
    const events = [
      ...await addLog(tc, LOG, 'evtx', parseEvtx, fs.readFileSync(ART)),
      ...await addLog(tc, LOG.replace('.evtx', '-2.evtx'), 'evtx', parseEvtx, fs.readFileSync(MIMI)),
    ];
    const detection = events.find((e) => e.fields.EventID === 1116 && String(e.fields['data.Threat Name']) === 'Backdoor:ASP/Ace.T');
    assert.match(detection!.message, /^Defender 1116: threat detected Backdoor:ASP\/Ace\.T \(Severe Backdoor\) in C:\\AtomicRedTeam\\.*\\cmd\.aspx by C:\\Windows\\System32\\WindowsPowerShell\\v1\.0\\powershell\.exe user MSEDGEWIN10\\IEUser$/);
    const allowed = events.find((e) => e.fields.EventID === 1117 && String(e.fields['data.Action ID']) === '6');
    assert.match(allowed!.message, /^Defender 1117: allowed: Trojan:XML\/Exeselrun\.gen!A in /);

    const found = checkDefender(tc.db, listFiles(tc.db));
    const byThreat = new Map(found.map((p) => [p.details?.threat, p]));
    assert.equal(found.length, 7);
    const shell = byThreat.get('Backdoor:ASP/Ace.T')!;
    assert.deepEqual([shell.finding.severity, shell.finding.confidence], ['critical', 'confirmed']);
    assert.match(shell.finding.title, /cmd\.aspx: quarantined \(1 detection, first 2019-07-18 20:41:17\)$/);
    assert.equal(shell.finding.evidence.length, 2, 'the detection and the quarantine');
    assert.match(byThreat.get('Trojan:XML/Exeselrun.gen!A')!.finding.title, /: allowed: the file was left in place /);
    assert.match(byThreat.get('HackTool:Win32/Mimikatz.D')!.finding.title, /mimikatz\.exe: quarantined, then detected again \(last 2020-12-11 12:28:44\): the file may be back \(3 detections/);
    const mikatz = byThreat.get('HackTool:Win64/Mikatz!dha')!;
    assert.match(mikatz.finding.title, /mimidrv\.sys \(\+1 more file\): no action recorded: the file may still be there \(2 detections/);
    assert.deepEqual(mikatz.details?.paths, ['C:\\Users\\admmig\\Documents\\mimidrv.sys', 'C:\\Users\\admmig\\Documents\\mimilib.dll']);
    assert.deepEqual([mikatz.finding.severity, mikatz.finding.confidence], ['high', 'likely']);
    // every detection and action record is cited once
    const cited = found.flatMap((p) => p.finding.evidence);
    assert.equal(cited.length, events.length);
  } finally {
    tc.close();
  }
});

test('a Chopper shell in a web folder that Defender failed to remove is critical and linked to the file; protection off and an exclusion are tampering', async () => {
  const tc = newCase();
  try {
    const fileId = addFile(tc, LOG, 'ElfFile\0', { kind: 'evtx' });
    const shellRel = 'C/inetpub/wwwroot/portal/errorPage.aspx';
    // What is left of the file does not match a web-shell rule (the collection may hold a cleaned copy): Defender's word is the proof.
    addFile(tc, shellRel, '<%@ Page Language="C#" %><html><body>error</body></html>', { mtime: '2021-03-03T04:10:00Z' });
    const shellPath = 'C:\\inetpub\\wwwroot\\portal\\errorPage.aspx';
    const ev = (record: number, at: string, id: number, data: Record<string, string>) => {
      const fields = { EventID: id, Provider: PROVIDER, Channel: 'Microsoft-Windows-Windows Defender/Operational', ...Object.fromEntries(Object.entries(data).map(([k, v]) => [`data.${k}`, v])) };
      return { ts: isoToMicros(at), tsDesc: 'Event Logged', source: 'evtx' as const, message: evtxSummary(fields) ?? '', fields, ref: { file: LOG, record } };
    };
    const detected = { 'Detection ID': '{A1}', 'Threat Name': 'Backdoor:ASP/Chopper.F!dha', 'Severity Name': 'Severe', 'Category Name': 'Backdoor', Path: `file:_${shellPath}`, 'Process Name': 'C:\\Windows\\System32\\inetsrv\\w3wp.exe' };
    insertEvents(tc, fileId, [
      ev(1, '2021-03-03T04:11:02Z', 1116, detected),
      ev(2, '2021-03-03T04:11:05Z', 1118, { ...detected, 'Action ID': '2', 'Action Name': 'Quarantine', 'Error Description': 'The process cannot access the file because it is being used by another process.' }),
      ev(3, '2021-03-03T04:20:00Z', 5001, {}),
      ev(4, '2021-03-03T04:21:00Z', 5007, { 'Old Value': '', 'New Value': 'HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Exclusions\\Paths\\C:\\ProgramData\\x = 0x0' }),
      ev(5, '2021-03-03T04:22:00Z', 5007, { 'Old Value': 'HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Scan\\ScheduleDay = 0x8', 'New Value': 'HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Scan\\ScheduleDay = 0x0' }),
    ]);
    const found = checkDefender(tc.db, listFiles(tc.db));
    assert.equal(found.length, 3, found.map((p) => p.finding.title).join('\n'));
    const [shell, off, exclusion] = found;
    assert.equal(shell.finding.check, 'av.defender-detection');
    assert.deepEqual([shell.finding.severity, shell.finding.confidence], ['critical', 'confirmed']);
    assert.equal(shell.finding.path, shellPath);
    assert.match(shell.finding.title, /errorPage\.aspx: quarantined FAILED: the file may still be there/);
    assert.ok(shell.fileId, 'linked to the shell file in the evidence');
    assert.equal(shell.finding.sha256, listFiles(tc.db).find((f) => f.relPath === shellRel)!.sha256);
    assert.equal(off.finding.check, 'av.defender-tamper');
    assert.match(off.finding.title, /^Microsoft Defender real-time protection disabled \(1 time, first 2021-03-03 04:20:00\)$/);
    assert.match(exclusion.finding.title, /^Microsoft Defender exclusion added: Paths C:\\ProgramData\\x \(1 time/);
    assert.match(evtxSummary({ EventID: 5001, Provider: PROVIDER, Channel: 'x' }) ?? '', /^Defender 5001: real-time protection disabled$/);
    // The detected script is a web shell of the case: it makes an intrusion of its own, with the detection in its story.
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const stories = readFindings(tc.db).filter((x) => x.check === 'story');
    assert.equal(stories.length, 1, stories.map((x) => x.title).join('\n'));
    assert.deepEqual(stories[0].details?.shells, [shellPath]);
    assert.ok((stories[0].details?.steps as Array<{ kind: string }>).some((x) => x.kind === 'av-detection'));
  } finally {
    tc.close();
  }
});
