// Importers of other tools' output: each format is recognised by its header, read row for row (exact counts), keeps
// its values (round trip), its tool and its file, and takes hosts from the data. Files come from our own fixture
// writers (test/fixtures/tools.ts) after each tool's documented column layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../../electron/ingest/classify.ts';
import { parserFor } from '../../../electron/ingest/sources/index.ts';
import { isoToMicros, type FileKind } from '../../../shared/types.ts';
import {
  csv, EVTXECMD_COLUMNS, evtxecmdPayload, HAYABUSA_COLUMNS, jsonl, KAPE_COPY_COLUMNS, kapeConsoleLog, MFT_COLUMNS,
  TIMESKETCH_COLUMNS, USN_COLUMNS, type Cells,
} from '../../fixtures/tools.ts';
import { collect } from './helpers.ts';

/** Classifies the bytes like the ingest does, then runs the parser registered for that kind (small chunks). */
async function importAs(rel: string, text: string, kind: FileKind, host?: string) {
  const bytes = Buffer.from(text);
  assert.equal(classify(rel, bytes.subarray(0, 8192)), kind, `${rel} recognised as ${kind}`);
  const p = parserFor(kind)!;
  const out = await collect(p.parse, rel, bytes, 333, host);
  return { ...out, id: p.id };
}

const SCRIPT = 'Add-PSSnapin Microsoft.Exchange.Management.PowerShell.SnapIn\r\nGet-Mailbox | New-MailboxExportRequest -FilePath "\\\\x\\c$\\a.pst"';

test('EvtxECmd CSV: one event per row, System columns and Payload EventData as EVTX fields, multi-line payloads', async () => {
  const rows: Cells[] = [
    { RecordNumber: 1, EventRecordId: 3408, TimeCreated: '2021-03-03 04:12:31.1234567', EventId: 1, Level: 'Info', Provider: 'Microsoft-Windows-Sysmon', Channel: 'Microsoft-Windows-Sysmon/Operational', ProcessId: 2064, ThreadId: 3012, Computer: 'EXCH01.contoso.local', MapDescription: 'Process creation', PayloadData1: 'ProcessID: 1234', ExecutableInfo: 'cmd /c whoami', SourceFile: 'C:\\Windows\\System32\\winevt\\Logs\\Microsoft-Windows-Sysmon%4Operational.evtx', Payload: evtxecmdPayload({ Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: 'cmd /c whoami', ParentImage: 'c:\\windows\\system32\\inetsrv\\w3wp.exe' }) },
    { RecordNumber: 2, EventRecordId: 77, TimeCreated: '2021-03-04 01:00:00.0000000', EventId: 4104, Level: 'Verbose', Provider: 'Microsoft-Windows-PowerShell', Channel: 'Microsoft-Windows-PowerShell/Operational', Computer: 'EXCH02.contoso.local', ExecutableInfo: 'Add-PSSnapin x\r\nGet-Mailbox', Payload: evtxecmdPayload({ ScriptBlockText: SCRIPT, Path: '' }) },
    { RecordNumber: 3, EventRecordId: 78, TimeCreated: 'not a time', EventId: 1, Provider: 'x', Channel: 'y' },
  ];
  const { events, warnings, id } = await importAs('Out/EvtxECmd/20210310_EvtxECmd_Output.csv', csv(EVTXECMD_COLUMNS, rows), 'evtxecmd-csv');
  assert.equal(id, 'evtxecmd');
  assert.equal(events.length, 2);
  assert.deepEqual(warnings.map((w) => [w.line, w.message.replace(/".*"/, '""')]), [[5, 'TimeCreated "" is not a date and time; row skipped']]);
  const [a, b] = events;
  assert.equal(a.ts, isoToMicros('2021-03-03T04:12:31.123456Z'));
  assert.equal(a.source, 'evtxecmd');
  assert.equal(a.host, 'EXCH01.contoso.local');
  assert.deepEqual(a.ref, { file: 'Out/EvtxECmd/20210310_EvtxECmd_Output.csv', line: 2, offset: a.ref.offset });
  assert.equal(a.fields.tool, 'EvtxECmd');
  assert.equal(a.fields.EventID, 1);
  assert.equal(a.fields.RecordID, 3408);
  assert.equal(a.fields.Channel, 'Microsoft-Windows-Sysmon/Operational');
  assert.equal(a.fields['data.Image'], 'C:\\Windows\\System32\\cmd.exe');
  assert.equal(a.fields['data.ParentImage'], 'c:\\windows\\system32\\inetsrv\\w3wp.exe');
  assert.equal(a.fields.ExecutableInfo, 'cmd /c whoami');
  assert.equal(b.ref.line, 3, 'the row with a quoted line break starts on line 3');
  assert.equal(b.fields['data.ScriptBlockText'], SCRIPT);
  assert.equal(b.fields.ExecutableInfo, 'Add-PSSnapin x\nGet-Mailbox', 'a quoted cell spanning two lines');
  assert.equal(b.host, 'EXCH02.contoso.local');
});

test('MFTECmd $MFT CSV: one event per distinct $SI and $FN time, labelled MACB; path from ParentPath + FileName', async () => {
  const row: Cells = {
    EntryNumber: 1201, SequenceNumber: 3, InUse: 'True', ParentEntryNumber: 900, ParentSequenceNumber: 1, ParentPath: '.\\inetpub\\wwwroot\\aspnet_client',
    FileName: 'discover.aspx', Extension: '.aspx', FileSize: 1421, IsDirectory: 'False', 'SI<FN': 'True',
    Created0x10: '2021-03-03 04:15:00.0000000', Created0x30: '2021-03-03 04:15:00.0000000', LastModified0x10: '2021-03-03 04:15:00.0000000',
    LastModified0x30: '2021-03-03 04:15:00.0000000', LastRecordChange0x10: '2021-03-05 10:00:00.0000000', LastRecordChange0x30: '2021-03-03 04:15:00.0000000',
    LastAccess0x10: '2021-03-06 11:11:11.1111111', LastAccess0x30: '2021-03-03 04:15:00.0000000', SourceFile: 'C:\\Collect\\C\\$MFT',
  };
  const deleted: Cells = { ...row, EntryNumber: 1202, InUse: 'False', FileName: 'old.txt', Extension: '.txt', FileSize: 5,
    Created0x10: '2020-01-01 00:00:00.0000000', LastModified0x10: '2020-01-01 00:00:00.0000000', LastRecordChange0x10: '2020-01-01 00:00:00.0000000', LastAccess0x10: '2020-01-01 00:00:00.0000000',
    Created0x30: '', LastModified0x30: '', LastRecordChange0x30: '', LastAccess0x30: '' };
  const { events, warnings, id } = await importAs('Out/FileSystem/20210310_MFTECmd_$MFT_Output.csv', csv(MFT_COLUMNS, [row, deleted]), 'mftecmd-mft-csv', 'EXCH01');
  assert.equal(id, 'mftecmd');
  assert.deepEqual(warnings, []);
  assert.deepEqual(events.map((e) => [e.tsDesc, e.ts]), [
    ['$SI MB..'.replace('MB..', 'M..B'), isoToMicros('2021-03-03T04:15:00Z')],
    ['$SI ..C.', isoToMicros('2021-03-05T10:00:00Z')],
    ['$SI .A..', isoToMicros('2021-03-06T11:11:11.111111Z')],
    ['$FN MACB', isoToMicros('2021-03-03T04:15:00Z')],
    ['$SI MACB', isoToMicros('2020-01-01T00:00:00Z')],
  ]);
  assert.equal(events[0].message, '.\\inetpub\\wwwroot\\aspnet_client\\discover.aspx ($SI M..B, 1421 bytes)');
  assert.match(events[4].message, /old\.txt \(\$SI MACB, 5 bytes, deleted\)$/);
  assert.equal(events[0].fields.FileName, 'discover.aspx');
  assert.equal(events[0].fields.EntryNumber, '1201');
  assert.equal(events[0].host, 'EXCH01', 'no host in an $MFT: the evidence folder host');
});

test('MFTECmd $J CSV: one event per journal row with its reasons', async () => {
  const rows: Cells[] = [
    { Name: 'discover.aspx', Extension: '.aspx', EntryNumber: 1201, SequenceNumber: 3, ParentEntryNumber: 900, ParentSequenceNumber: 1, ParentPath: '.\\inetpub\\wwwroot\\aspnet_client', UpdateSequenceNumber: 5000, UpdateTimestamp: '2021-03-03 04:15:00.1234567', UpdateReasons: 'FileCreate', FileAttributes: 'Archive', OffsetToData: 1024, SourceFile: 'C:\\Collect\\C\\$Extend\\$J' },
    { Name: 'discover.aspx', Extension: '.aspx', EntryNumber: 1201, SequenceNumber: 3, ParentEntryNumber: 900, ParentSequenceNumber: 1, ParentPath: '', UpdateSequenceNumber: 5096, UpdateTimestamp: '2021-03-03 04:15:00.2234567', UpdateReasons: 'DataExtend|FileCreate|Close', FileAttributes: 'Archive', OffsetToData: 1120, SourceFile: 'C:\\Collect\\C\\$Extend\\$J' },
  ];
  const { events, id } = await importAs('Out/FileSystem/20210310_MFTECmd_$J_Output.csv', csv(USN_COLUMNS, rows, { bom: false, crlf: false }), 'mftecmd-j-csv');
  assert.equal(id, 'mftecmd');
  assert.deepEqual(events.map((e) => e.message), ['.\\inetpub\\wwwroot\\aspnet_client\\discover.aspx: FileCreate', 'discover.aspx: DataExtend|FileCreate|Close']);
  assert.equal(events[1].fields.UpdateSequenceNumber, '5096');
  assert.equal(events[1].ts, isoToMicros('2021-03-03T04:15:00.223456Z'));
});

test('Hayabusa CSV and JSONL: alerts are events with the rule title and level, hosts from Computer', async () => {
  const rows: Cells[] = [
    { Timestamp: '2021-03-03 13:12:31.123 +09:00', RuleTitle: 'Suspicious Child Process of w3wp', Level: 'high', Computer: 'EXCH01.contoso.local', Channel: 'Sysmon', EventID: 1, RecordID: 3408, Details: 'Cmdline: cmd /c whoami ¦ Proc: C:\\Windows\\System32\\cmd.exe ¦ ParentCmdline: w3wp.exe', ExtraFieldInfo: 'Company: Microsoft' },
    { Timestamp: '2021-03-03 04:20:00.000 +00:00', RuleTitle: 'Mimikatz, "sekurlsa"', Level: 'crit', Computer: 'EXCH02.contoso.local', Channel: 'Sec', EventID: 4688, RecordID: 12, Details: 'Cmdline: x', ExtraFieldInfo: '' },
  ];
  const c = await importAs('hayabusa/timeline.csv', csv(HAYABUSA_COLUMNS, rows), 'hayabusa-csv');
  assert.equal(c.id, 'hayabusa');
  assert.equal(c.events.length, 2);
  assert.equal(c.events[0].ts, isoToMicros('2021-03-03T04:12:31.123Z'), 'the +09:00 offset honoured');
  assert.equal(c.events[0].message, '[high] Suspicious Child Process of w3wp — Cmdline: cmd /c whoami ¦ Proc: C:\\Windows\\System32\\cmd.exe ¦ ParentCmdline: w3wp.exe');
  assert.equal(c.events[1].fields.Level, 'critical');
  assert.equal(c.events[1].fields.RuleTitle, 'Mimikatz, "sekurlsa"');
  assert.equal(c.events[1].fields.EventID, 4688);
  assert.deepEqual(c.events.map((e) => e.host), ['EXCH01.contoso.local', 'EXCH02.contoso.local']);
  const objects = rows.map((r) => ({ ...r, Details: { Cmdline: 'cmd /c whoami', Proc: 'C:\\Windows\\System32\\cmd.exe' }, ExtraFieldInfo: { Company: 'Microsoft' } }));
  const j = await importAs('hayabusa/timeline.jsonl', jsonl(objects), 'hayabusa-jsonl');
  assert.equal(j.events.length, 2);
  assert.equal(j.events[0].message, '[high] Suspicious Child Process of w3wp — Cmdline: cmd /c whoami ¦ Proc: C:\\Windows\\System32\\cmd.exe');
  assert.equal(j.events[0].fields['Details.Cmdline'], 'cmd /c whoami');
  assert.equal(j.events[0].fields['ExtraFieldInfo.Company'], 'Microsoft');
  assert.equal(j.events[0].fields.RecordID, 3408);
});

test('plaso/Timesketch JSONL and CSV: message, timestamp (µs) or datetime, timestamp_desc; other columns kept', async () => {
  const objs = [
    { message: 'GET /owa/auth/x.js 200', datetime: '2021-03-03T04:00:00.500000+00:00', timestamp: 1614744000500000, timestamp_desc: 'Content Modification Time', hostname: 'EXCH01', data_type: 'iis:log:line', parser: 'winiis', filename: 'u_ex210303.log', http_status: 200 },
    { message: 'no µs timestamp', datetime: '2021-03-03T05:00:00+01:00', timestamp_desc: 'Creation Time', data_type: 'fs:stat' },
  ];
  const j = await importAs('plaso/case.jsonl', jsonl(objs), 'plaso-jsonl', 'FALLBACK');
  assert.equal(j.id, 'plaso');
  assert.deepEqual(j.events.map((e) => [e.ts, e.tsDesc, e.host, e.message]), [
    [1614744000500000, 'Content Modification Time', 'EXCH01', 'GET /owa/auth/x.js 200'],
    [isoToMicros('2021-03-03T04:00:00Z'), 'Creation Time', 'FALLBACK', 'no µs timestamp'],
  ]);
  assert.equal(j.events[0].fields.http_status, 200);
  assert.equal(j.events[0].fields.parser, 'winiis');
  const c = await importAs('plaso/case.csv', csv(TIMESKETCH_COLUMNS, objs.map((o) => ({ ...o }) as Cells)), 'plaso-csv');
  assert.deepEqual(c.events.map((e) => e.ts), j.events.map((e) => e.ts));
  assert.equal(c.events[0].fields.filename, 'u_ex210303.log');
});

test('a generic timeline CSV (Timeline Explorer layout, e.g. Loupe\'s own export) and KAPE logs', async () => {
  const t = await importAs('notes/super.csv', csv(['Timestamp (UTC)', 'Source', 'Description', 'Host', 'Message'], [
    { 'Timestamp (UTC)': '2021-03-03 04:00:00.000000', Source: 'iis', Description: 'Request', Host: 'EXCH01', Message: 'POST /ecp/y.js → 200' },
  ]), 'timeline-csv');
  assert.deepEqual(t.events.map((e) => [e.tsDesc, e.host, e.message, e.source]), [['Request', 'EXCH01', 'POST /ecp/y.js → 200', 'timeline-csv']]);
  const copy = await importAs('E/Collect/2021-03-08T10_00_01_1234567_CopyLog.csv', csv(KAPE_COPY_COLUMNS, [
    { CopiedTimestamp: '2021-03-08 10:00:05.1234567', SourceFile: 'C:\\inetpub\\logs\\LogFiles\\W3SVC1\\u_ex210303.log', DestinationFile: 'E:\\Collect\\C\\inetpub\\logs\\LogFiles\\W3SVC1\\u_ex210303.log', FileSize: 367945, SourceFileSha1: 'A9993E364706816ABA3E25717850C26C9CD0D89D', DeferredCopy: 'False' },
  ]), 'kape-copy-log');
  assert.equal(copy.id, 'kape');
  assert.equal(copy.events[0].message, 'KAPE copied C:\\inetpub\\logs\\LogFiles\\W3SVC1\\u_ex210303.log → E:\\Collect\\C\\inetpub\\logs\\LogFiles\\W3SVC1\\u_ex210303.log (367945 bytes, SHA-1 A9993E364706816ABA3E25717850C26C9CD0D89D)');
  const con = await importAs('E/Collect/2021-03-08T10_00_01_1234567_ConsoleLog.txt', kapeConsoleLog('EXCH01', 1246), 'kape-console-log');
  assert.equal(con.events.length, 8, 'one event per non-empty line');
  assert.ok(con.events.every((e) => e.ts === isoToMicros('2021-03-08T10:00:01.123456Z')));
  const facts = Object.assign({}, ...con.events.map((e) => e.fields));
  assert.deepEqual({ ...facts, tool: undefined }, {
    tool: undefined, kapeVersion: '1.3.0.2', kapeDirectory: 'C:\\Tools\\KAPE', commandLine: '--tsource C: --tdest E:\\Collect\\EXCH01 --target KapeTriage,ExchangeClientAccess,IIS --vhdx EXCH01',
    machine: 'EXCH01', user: 'ir-admin', os: 'Windows2016Server (10.0.14393)', copied: '1,246 of 1,246', executionSeconds: '14.0212',
  });
  assert.equal(con.events.at(-1)!.host, 'EXCH01');
});

test('look-alikes are not taken for tool output: a plain CSV and a JSON array stay text', () => {
  assert.equal(classify('x/list.csv', Buffer.from('name,size\na,1\n')), 'text');
  assert.equal(classify('x/a.json', Buffer.from('[{"message":"x"}]\n')), 'text');
  assert.equal(classify('x/ConsoleLog.txt', Buffer.from('hello\n')), 'text');
});
