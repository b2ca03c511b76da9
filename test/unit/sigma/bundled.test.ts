// Loupe's own Sigma rules (resources/sigma), run by a real index over real files: a real Sysmon log of a web shell
// (EVTX-ATTACK-SAMPLES), EVTX files written by the fixture writer (Sysmon, Security 4688, PowerShell 4104,
// MSExchange Management), an IIS log and an HttpProxy log. Each rule fires on its attack and stays quiet on the
// look-alike beside it; findings carry the rule's level as severity, its ATT&CK tags and the events as evidence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CaseService } from '../../../electron/service.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import type { FindingRow } from '../../../shared/types.ts';
import { writeEvtx, type EvtxRecordSpec } from '../../fixtures/evtx-writer.ts';
import { newCase } from '../../helpers/case.ts';
import { sharedData, tmpDir } from '../../helpers/tmp.ts';

const W3WP = path.join(sharedData, 'evtx', 'Execution__exec_sysmon_webshell_w3wp_enum.evtx');
// Real logs of what a web shell does next: Meterpreter migrating out of w3wp.exe (Sysmon 8), a "run as" feature
// (Security 4648 by w3wp.exe), a Tunna tunnel relaying RDP and SMB from w3wp.exe (Sysmon 3).
const POTATO = path.join(sharedData, 'evtx', 'Privilege_Escalation__privesc_rotten_potato_from_webshell_metasploit_sysmon_1_8_3.evtx');
const RUNAS = path.join(sharedData, 'evtx', 'Privilege_Escalation__Runas_4624_4648_Webshell_CreateProcessAsUserA.evtx');
const TUNNA = path.join(sharedData, 'evtx', 'Command_and_Control__tunna_iis_rdp_smb_tunneling_sysmon_3.evtx');
const skip = fs.existsSync(W3WP) ? false : 'test data absent: ../shared/data/evtx';
const HOST = 'EXCH01.contoso.local';
const SYSMON = { provider: 'Microsoft-Windows-Sysmon', providerGuid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}', channel: 'Microsoft-Windows-Sysmon/Operational', computer: HOST, level: 4 };

function sysmon1(recordId: number, image: string, parent: string, commandLine: string): EvtxRecordSpec {
  return {
    ...SYSMON, recordId, eventId: 1, time: `2021-03-03T04:${String(10 + recordId).padStart(2, '0')}:00.0000000Z`,
    data: { RuleName: '-', UtcTime: '2021-03-03 04:10:00.000', ProcessGuid: '{11111111-2222-3333-4444-555555555555}', ProcessId: String(4000 + recordId), Image: image, CommandLine: commandLine, CurrentDirectory: 'C:\\Windows\\system32\\', User: 'NT AUTHORITY\\SYSTEM', ParentImage: parent, ParentCommandLine: parent },
  };
}

function sysmon3(recordId: number, image: string, destinationIp: string, destinationPort: string): EvtxRecordSpec {
  return {
    ...SYSMON, recordId, eventId: 3, time: `2021-03-03T04:${String(10 + recordId).padStart(2, '0')}:00.0000000Z`,
    data: { RuleName: '-', UtcTime: '2021-03-03 04:10:00.000', ProcessGuid: '{1}', ProcessId: '3008', Image: image, User: 'IIS APPPOOL\\DefaultAppPool', Protocol: 'tcp', Initiated: 'true', SourceIsIpv6: 'false', SourceIp: '10.0.0.5', SourceHostname: 'EXCH01', SourcePort: '49947', SourcePortName: '', DestinationIsIpv6: 'false', DestinationIp: destinationIp, DestinationHostname: '', DestinationPort: destinationPort, DestinationPortName: '' },
  };
}

const EX = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin';
const SYSMON_RECORDS: EvtxRecordSpec[] = [
  sysmon1(1, 'C:\\Windows\\System32\\cmd.exe', `${EX}\\UMWorkerProcess.exe`, 'cmd /c echo x > C:\\inetpub\\wwwroot\\aspnet_client\\s.aspx'),
  sysmon1(2, 'C:\\Windows\\System32\\WerFault.exe', `${EX}\\UMWorkerProcess.exe`, 'WerFault.exe -u -p 4242'),
  sysmon1(3, 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'C:\\Windows\\explorer.exe', 'powershell -c "Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn; Get-Mailbox"'),
  sysmon1(4, 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'C:\\Windows\\explorer.exe', 'powershell -c "Get-Mailbox"'),
  // Look-alikes of the web-server rules: w3wp.exe to a file server's SMB and to a web API, svchost to local RDP,
  // a thread created by csrss.exe.
  sysmon3(5, 'C:\\Windows\\System32\\inetsrv\\w3wp.exe', '10.0.0.20', '445'),
  sysmon3(6, 'C:\\Windows\\System32\\inetsrv\\w3wp.exe', '40.1.1.1', '443'),
  sysmon3(7, 'C:\\Windows\\System32\\svchost.exe', '127.0.0.1', '3389'),
  { ...SYSMON, recordId: 8, eventId: 8, time: '2021-03-03T04:30:00.0000000Z',
    data: { RuleName: '-', UtcTime: '2021-03-03 04:30:00.000', SourceProcessGuid: '{1}', SourceProcessId: '500', SourceImage: 'C:\\Windows\\System32\\csrss.exe', TargetProcessGuid: '{2}', TargetProcessId: '600', TargetImage: 'C:\\Windows\\System32\\notepad.exe', NewThreadId: '7', StartAddress: '0x1', StartModule: '-', StartFunction: '-' } },
];

const SECURITY_RECORDS: EvtxRecordSpec[] = [
  { provider: 'Microsoft-Windows-Security-Auditing', providerGuid: '{54849625-5478-4994-A5BA-3E3B0328C30D}', channel: 'Security', computer: HOST, level: 0,
    recordId: 10, eventId: 4688, time: '2021-03-03T05:00:00.0000000Z',
    data: { SubjectUserName: 'EXCH01$', NewProcessId: '0x1a2c', NewProcessName: 'C:\\Windows\\System32\\rundll32.exe', CommandLine: 'rundll32 C:\\windows\\system32\\comsvcs.dll MiniDump 624 C:\\windows\\temp\\lsass.dmp full', ParentProcessName: 'C:\\Windows\\System32\\cmd.exe' } },
  { provider: 'Microsoft-Windows-Security-Auditing', providerGuid: '{54849625-5478-4994-A5BA-3E3B0328C30D}', channel: 'Security', computer: HOST, level: 0,
    recordId: 11, eventId: 4688, time: '2021-03-03T05:01:00.0000000Z',
    data: { SubjectUserName: 'EXCH01$', NewProcessId: '0x1a2d', NewProcessName: 'C:\\Windows\\System32\\rundll32.exe', CommandLine: 'rundll32 C:\\windows\\system32\\comsvcs.dll,DllRegisterServer', ParentProcessName: 'C:\\Windows\\System32\\cmd.exe' } },
  // Explicit credentials used by a service host, not by the IIS worker: not a web-server finding.
  { provider: 'Microsoft-Windows-Security-Auditing', providerGuid: '{54849625-5478-4994-A5BA-3E3B0328C30D}', channel: 'Security', computer: HOST, level: 0,
    recordId: 12, eventId: 4648, time: '2021-03-03T05:02:00.0000000Z',
    data: { SubjectUserName: 'EXCH01$', TargetUserName: 'svc-backup', TargetServerName: 'localhost', ProcessId: '0x2a0', ProcessName: 'C:\\Windows\\System32\\svchost.exe', IpAddress: '-', IpPort: '-' } },
];

const PS = { provider: 'Microsoft-Windows-PowerShell', providerGuid: '{A0C1853B-5C40-4B15-8766-3CF1C58F985A}', channel: 'Microsoft-Windows-PowerShell/Operational', computer: HOST, level: 5 };
const PS_RECORDS: EvtxRecordSpec[] = [
  { ...PS, recordId: 20, eventId: 4104, time: '2021-03-04T01:00:00.0000000Z', data: { MessageNumber: '1', MessageTotal: '1', ScriptBlockText: 'Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\nGet-Mailbox | New-MailboxExportRequest -FilePath \\\\EXCH01\\c$\\temp\\a.pst', ScriptBlockId: '{aaaa}', Path: '' } },
  { ...PS, recordId: 21, eventId: 4104, time: '2021-03-04T01:01:00.0000000Z', data: { MessageNumber: '1', MessageTotal: '1', ScriptBlockText: '. "C:\\Program Files\\Microsoft\\Exchange Server\\V15\\bin\\RemoteExchange.ps1"; Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn', ScriptBlockId: '{bbbb}', Path: '' } },
];

const MGMT_RECORDS: EvtxRecordSpec[] = [
  { provider: 'MSExchange CmdletLogs', eventSourceName: 'MSExchange CmdletLogs', channel: 'MSExchange Management', computer: HOST, level: 4, qualifiers: 0, task: 1,
    recordId: 30, eventId: 1, time: '2021-03-05T02:00:00.0000000Z',
    data: ['New-MailboxExportRequest', '-Mailbox "ceo" -FilePath "\\\\EXCH01\\c$\\inetpub\\wwwroot\\aspnet_client\\x.aspx"', 'contoso.local/Users/Administrator', 'S-1-5-21-1-500'] },
  { provider: 'MSExchange CmdletLogs', eventSourceName: 'MSExchange CmdletLogs', channel: 'MSExchange Management', computer: HOST, level: 4, qualifiers: 0, task: 1,
    recordId: 31, eventId: 1, time: '2021-03-05T02:01:00.0000000Z', data: ['Get-MailboxExportRequest', '', 'contoso.local/Users/Administrator', 'S-1-5-21-1-500'] },
];

const IIS_LOG = [
  '#Software: Microsoft Internet Information Services 10.0', '#Version: 1.0', '#Date: 2021-03-03 00:00:00',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  '2021-03-03 03:00:01 10.0.0.5 POST /ecp/DDI/DDIService.svc/SetObject schema=ResetOABVirtualDirectory&msExchEcpCanary=x 443 - 203.0.113.9 python-requests/2.25.1 - 200 0 0 120',
  '2021-03-03 03:00:02 10.0.0.5 POST /ecp/DDI/DDIService.svc/SetObject schema=OABVirtualDirectory&msExchEcpCanary=x 443 - 203.0.113.9 python-requests/2.25.1 - 200 0 0 120',
  '',
].join('\r\n');

function writeEvidence(root: string): void {
  const logs = path.join(root, 'C', 'Windows', 'System32', 'winevt', 'Logs');
  fs.mkdirSync(logs, { recursive: true });
  fs.copyFileSync(W3WP, path.join(logs, 'Microsoft-Windows-Sysmon%4Operational-webshell.evtx'));
  for (const real of [POTATO, RUNAS, TUNNA]) fs.copyFileSync(real, path.join(logs, path.basename(real)));
  fs.writeFileSync(path.join(logs, 'Microsoft-Windows-Sysmon%4Operational.evtx'), writeEvtx(SYSMON_RECORDS));
  fs.writeFileSync(path.join(logs, 'Security.evtx'), writeEvtx(SECURITY_RECORDS));
  fs.writeFileSync(path.join(logs, 'Microsoft-Windows-PowerShell%4Operational.evtx'), writeEvtx(PS_RECORDS));
  fs.writeFileSync(path.join(logs, 'MSExchange Management.evtx'), writeEvtx(MGMT_RECORDS));
  const iis = path.join(root, 'C', 'inetpub', 'logs', 'LogFiles', 'W3SVC1');
  fs.mkdirSync(iis, { recursive: true });
  fs.writeFileSync(path.join(iis, 'u_ex210303.log'), IIS_LOG);
}

const records = (f: FindingRow): number[] => f.evidence.map((e) => e.record ?? e.line ?? -1);

test('the bundled Sigma rules fire on their attacks, not on the look-alikes, through a real index', { skip }, async (t) => {
  const dir = tmpDir(t);
  const root = path.join(dir, 'evidence');
  writeEvidence(root);
  const casePath = await newCase(dir, root);
  await new IndexCoordinator({ casePath, workers: 1 }).run();
  const svc = new CaseService({ casePath });
  t.after(() => svc.close());
  const all = (await svc.listFindings({})).filter((f) => f.check.startsWith('sigma.'));
  const by = (id: string): FindingRow => {
    const f = all.find((x) => x.check === `sigma.${id}`);
    assert.ok(f, `sigma.${id} fired`);
    return f;
  };

  const um = by('2c9bee27-f095-47f5-b26c-8533754794c4');
  assert.equal(um.severity, 'critical');
  assert.deepEqual(records(um), [1], 'cmd.exe from UMWorkerProcess; WerFault filtered');
  assert.equal(um.details?.matched, 1);
  assert.deepEqual(um.details?.attack, ['attack.initial-access', 'attack.t1190', 'attack.execution', 'attack.t1059']);
  assert.match(um.title, /^Sigma: Process Started by the Exchange Unified Messaging Worker — 1 event on EXCH01\.contoso\.local$/);

  const w3wp = by('30a13fcf-a7c6-4ea5-882a-5b44049a69c8');
  assert.equal(w3wp.severity, 'high');
  assert.deepEqual(records(w3wp), [3408, 3410, 3416], 'the web shell commands of the real Sysmon log');
  assert.equal(w3wp.evidence[0].file, 'C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational-webshell.evtx');

  assert.deepEqual(records(by('a60b1299-6e0b-4bac-b202-8e7f0e3f30a6')), [3], 'snap-in on a command line');
  assert.deepEqual(records(by('2c8361b6-96b9-43ac-8ae0-e177ee1d0ddf')), [20], 'snap-in in a script block, not from RemoteExchange.ps1');
  assert.deepEqual(records(by('d5a16e2b-f878-4c84-9eea-089698ca65a6')), [20, 30], 'export in the script block and in the MSExchange Management log');
  const lsass = by('46ce3ce5-1aac-4bdd-8d7f-296743e116a6');
  assert.deepEqual(records(lsass), [10], 'Security 4688 read as process_creation');
  assert.equal(lsass.severity, 'critical');
  const ecp = by('ee1e711a-df40-4eab-afb4-e3df9321731a');
  assert.deepEqual(ecp.evidence, [{ file: 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', line: 5 }]);

  const inject = by('23d58afc-e2e2-469f-a604-c9bc6b077dc8');
  assert.equal(inject.severity, 'critical');
  assert.deepEqual(inject.evidence, [{ file: `C/Windows/System32/winevt/Logs/${path.basename(POTATO)}`, record: 5411 }], 'w3wp.exe into notepad.exe; csrss.exe left out');
  const runas = by('87cbcf8a-6af2-4aa5-9b38-3a43fcdfcace');
  assert.equal(runas.severity, 'medium');
  assert.deepEqual(runas.evidence, [{ file: `C/Windows/System32/winevt/Logs/${path.basename(RUNAS)}`, record: 161472 }], 'the web shell\'s run-as; svchost.exe left out');
  const tunnel = by('931ef9fc-aa69-48fc-a874-f8484adc1365');
  assert.equal(tunnel.severity, 'high');
  assert.deepEqual(records(tunnel), [35076, 35079, 35202, 35205], 'w3wp.exe to 127.0.0.1:3389 and :445; SMB to a file server, HTTPS out and svchost left out');
  assert.equal(all.length, 10, all.map((f) => f.title).join('\n'));

  const packs = svc.handle.prepare(`SELECT name, rules FROM rule_packs WHERE path LIKE 'sigma:%'`).all();
  assert.deepEqual(packs, [{ name: 'Sigma: sigma', rules: 10 }]);
});
