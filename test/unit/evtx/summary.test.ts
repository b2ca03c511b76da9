// One-line summaries of the common EVTX events, read from the public EVTX-ATTACK-SAMPLES files: each line names the
// channel and event ID and carries the values an analyst needs (CommandLine for process creation).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { TimelineEvent } from '../../../shared/types.ts';
import { DATA_MISSING, evtxDir, haveData, parseBytes } from './support.ts';

async function firstOf(file: string, eventId: number): Promise<TimelineEvent> {
  const { events } = await parseBytes(new Uint8Array(fs.readFileSync(path.join(evtxDir, file))));
  const e = events.find((x) => x.fields.EventID === eventId);
  assert.ok(e, `${file} has no event ${eventId}`);
  return e;
}
const d = (e: TimelineEvent, k: string): string => String(e.fields[`data.${k}`]);

test('Security, Sysmon, System and PowerShell events read as what happened', async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  const logon = await firstOf('Command_and_Control__DE_RDP_Tunnel_5156.evtx', 4624);
  assert.equal(logon.message, `Security 4624: logon ${d(logon, 'TargetDomainName')}\\${d(logon, 'TargetUserName')} cached interactive (type 11) from ${d(logon, 'IpAddress')} workstation ${d(logon, 'WorkstationName')} via ${d(logon, 'AuthenticationPackageName')}`);
  const failed = await firstOf('Credential_Access__CA_4624_4625_LogonType2_LogonProc_chrome.evtx', 4625);
  assert.match(failed.message, /^Security 4625: FAILED logon MSEDGEWIN10\\IEUser interactive \(type 2\) status 0xc000006d sub-status 0xc000006a$/);
  const cleared = await firstOf('Defense_Evasion__DE_1102_security_log_cleared.evtx', 1102);
  assert.match(cleared.message, /^Security 1102: audit log cleared by \S+\\\S+$/);
  const sysCleared = await firstOf('Defense_Evasion__DE_104_system_log_cleared.evtx', 104);
  assert.match(sysCleared.message, /^System 104: event log System cleared by \S+/);
  const task = await firstOf('Execution__temp_scheduled_task_4698_4699.evtx', 4698);
  assert.equal(task.message, `Security 4698: scheduled task created ${d(task, 'TaskName')} by ${d(task, 'SubjectDomainName')}\\${d(task, 'SubjectUserName')}`);
  const proc = await firstOf('Credential_Access__discovery_sysmon_1_iis_pwd_and_config_discovery_appcmd.evtx', 1);
  const full = `Sysmon 1: process created ${d(proc, 'Image')} "${d(proc, 'CommandLine').replace(/\s+/g, ' ').trim()}"`;
  // Long command lines are cut at the message cap, never dropped.
  assert.ok(proc.message.startsWith(full) || (proc.message.endsWith('…') && full.startsWith(proc.message.slice(0, -1))), proc.message);
  const net = await firstOf('Command_and_Control__tunna_iis_rdp_smb_tunneling_sysmon_3.evtx', 3);
  assert.ok(net.message.startsWith(`Sysmon 3: network connection ${d(net, 'Image')} ${d(net, 'SourceIp')}:${d(net, 'SourcePort')} → ${d(net, 'DestinationIp')}:${d(net, 'DestinationPort')}`), net.message);
  const script = await firstOf('Credential_Access__Powershell_4104_MiniDumpWriteDump_Lsass.evtx', 4104);
  assert.ok(script.message.startsWith(`PowerShell 4104: script block from ${d(script, 'Path')}: function Memory($path)`), script.message);
  assert.ok(script.message.length <= 500);
  // An event without a summary keeps the generic provider line.
  const other = await firstOf('Credential_Access__MSSQL_multiple_failed_logon_EventID_18456.evtx', 18456);
  assert.ok(other.message.startsWith('MSSQLSERVER 18456: 0=sa;'));
});

test('Security 4688 carries the command line of the new process', async () => {
  const { evtxSummary } = await import('../../../electron/ingest/sources/evtx/summary.ts');
  const line = evtxSummary({
    EventID: 4688, Channel: 'Security', Provider: 'Microsoft-Windows-Security-Auditing', 'data.NewProcessName': 'C:\\Windows\\System32\\cmd.exe',
    'data.CommandLine': 'cmd.exe /c "whoami /all"', 'data.SubjectDomainName': 'NT AUTHORITY', 'data.SubjectUserName': 'SYSTEM',
    'data.ParentProcessName': 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
  });
  assert.equal(line, 'Security 4688: process created C:\\Windows\\System32\\cmd.exe "cmd.exe /c "whoami /all"" by NT AUTHORITY\\SYSTEM (parent w3wp.exe)');
  assert.equal(evtxSummary({ EventID: 1, Channel: 'MSExchange Management', Provider: 'MSExchange CmdletLogs', 'data.0': 'Set-OabVirtualDirectory', 'data.1': "-ExternalUrl 'http://f/x'", 'data.2': 'contoso.local/Users/SYSTEM' }),
    "MSExchange Management 1: Set-OabVirtualDirectory -ExternalUrl 'http://f/x' by contoso.local/Users/SYSTEM");
  assert.equal(evtxSummary({ EventID: 7045, Channel: 'System', Provider: 'Service Control Manager', 'data.ServiceName': 'PSEXESVC', 'data.ImagePath': '%SystemRoot%\\PSEXESVC.exe', 'data.StartType': 'demand start', 'data.AccountName': 'LocalSystem' }),
    'System 7045: service installed PSEXESVC: %SystemRoot%\\PSEXESVC.exe start demand start as LocalSystem');
  assert.equal(evtxSummary({ EventID: 9999, Channel: 'Security', Provider: 'x' }), null);
});
