// Field names, message line, refs and raw XML of real records (the contract other parts of Loupe rely on).
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readEvtxRecordXml, renderRecordXml } from '../../../electron/ingest/sources/evtx/index.ts';
import { DATA_MISSING, evtxDir, haveData, parseBytes } from './support.ts';

const load = (name: string) => new Uint8Array(fs.readFileSync(path.join(evtxDir, name)));

test('Sysmon 1 under w3wp.exe: system fields, data fields, message, host and ref', async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  const name = 'Execution__exec_sysmon_webshell_w3wp_enum.evtx';
  const { events, warnings } = await parseBytes(load(name), `C/Windows/System32/winevt/Logs/${name}`);
  assert.deepEqual(warnings, []);
  assert.equal(events.length, 9);
  const e = events[0];
  assert.equal(e.ts, 1596850598989918);
  assert.equal(e.tsDesc, 'Event Logged');
  assert.equal(e.source, 'evtx');
  assert.equal(e.host, 'win10.windomain.local');
  assert.deepEqual(e.ref, { file: `C/Windows/System32/winevt/Logs/${name}`, record: 3408, offset: 4608 });
  assert.deepEqual(Object.keys(e.fields).slice(0, 12), [
    'EventID', 'Provider', 'Channel', 'Computer', 'Level', 'RecordID', 'Task', 'Opcode', 'Keywords', 'ProcessID', 'ThreadID', 'UserID',
  ]);
  assert.equal(e.fields.EventID, 1);
  assert.equal(e.fields.Provider, 'Microsoft-Windows-Sysmon');
  assert.equal(e.fields.Channel, 'Microsoft-Windows-Sysmon/Operational');
  assert.equal(e.fields.Level, 4);
  assert.equal(e.fields.RecordID, 3408);
  assert.equal(e.fields.Keywords, '0x8000000000000000');
  assert.equal(e.fields.UserID, 'S-1-5-18');
  assert.equal(e.fields['data.CommandLine'], '"c:\\windows\\system32\\cmd.exe" /c whoami');
  assert.equal(e.fields['data.ParentImage'], 'C:\\Windows\\System32\\inetsrv\\w3wp.exe');
  assert.equal(e.fields['data.User'], 'IIS APPPOOL\\DefaultAppPool');
  assert.equal(e.fields['data.LogonId'], '0x0000000000320632');
  // The message says what happened, CommandLine included (evtx/summary.ts).
  assert.equal(e.message, `Sysmon 1: process created ${e.fields['data.Image']} "${e.fields['data.CommandLine']}" by IIS APPPOOL\\DefaultAppPool (parent w3wp.exe "${String(e.fields['data.ParentCommandLine']).replace(/\s+/g, ' ').trim()}")`);
  assert.ok(e.message.length <= 500);
  assert.ok(!('EventSourceName' in e.fields) && !('Qualifiers' in e.fields));
});

test('classic provider: Qualifiers, unnamed <Data> as data.0 … and <Binary>', async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  const { events } = await parseBytes(load('Credential_Access__MSSQL_multiple_failed_logon_EventID_18456.evtx'));
  const e = events[0];
  assert.equal(e.fields.Provider, 'MSSQLSERVER');
  assert.equal(e.fields.Task, 4);
  assert.ok(!('Opcode' in e.fields) && !('UserID' in e.fields), 'absent system values are left out');
  assert.equal(e.fields.Qualifiers, '49152');
  assert.equal(e.fields.EventID, 18456);
  assert.equal(e.fields['data.0'], 'sa');
  assert.equal(e.fields['data.1'], ' Reason: Password did not match that for the login provided.');
  assert.equal(e.fields['data.2'], ' [CLIENT: 10.0.2.17]');
  assert.match(String(e.fields['data.Binary']), /^184800000E000000/);
  assert.equal(e.message, 'MSSQLSERVER 18456: 0=sa; 1=Reason: Password did not match that for the login provided.; 2=[CLIENT: 10.0.2.17]; Binary=184800000E0000000C0000004D0053004500440047004500570049004E00310030000000070000006D00610073007400650072000000');
});

test('UserData leaves become data.<Element>; an empty Channel stays empty', async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  const cleared = (await parseBytes(load('Defense_Evasion__DE_104_system_log_cleared.evtx'))).events[0];
  assert.equal(cleared.fields.EventID, 104);
  assert.equal(cleared.fields['data.SubjectUserName'], 'user01');
  assert.equal(cleared.fields['data.SubjectDomainName'], 'EXAMPLE');
  assert.equal(cleared.fields['data.Channel'], 'System');
  assert.equal(cleared.fields['data.BackupPath'], '');
  assert.equal(cleared.fields.Channel, 'System');
  const etw = (await parseBytes(load('Credential_Access__etw_rpc_zerologon.evtx'))).events;
  assert.equal(etw.length, 415);
  assert.ok(etw.every((e) => e.fields.Channel === ''));
});

test('renderRecordXml / readEvtxRecordXml give the raw XML of the record an event points at', async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  const name = 'Privilege_Escalation__System_7045_namedpipe_privesc.evtx';
  const bytes = load(name);
  const { events } = await parseBytes(bytes);
  assert.equal(events[0].fields.EventSourceName, 'Service Control Manager');
  const xml = await readEvtxRecordXml(path.join(evtxDir, name), events[0].ref.offset!);
  assert.equal(xml, renderRecordXml(bytes.subarray(4096, 4096 + 65536), events[0].ref.offset! - 4096));
  assert.match(xml, /^<Event xmlns="http:\/\/schemas\.microsoft\.com\/win\/2004\/08\/events\/event">\n {2}<System>\n/);
  assert.match(xml, /<TimeCreated SystemTime="2019-05-12T12:52:43\.7025780Z"\/>/);
  assert.match(xml, /<Data Name="ImagePath">%COMSPEC% \/c ping -n 1 127\.0\.0\.1 &gt;nul &amp;&amp; echo 'WinPwnage' &gt; \\\\\.\\pipe\\WinPwnagePipe<\/Data>/);
  assert.throws(() => renderRecordXml(bytes.subarray(4096, 4096 + 65536), 513), /no EVTX record/);
});
