// Chainsaw `hunt` output imports as a timeline: --json (one array, on one line or pretty-printed), --jsonl and --csv
// (per group). Detections are events tagged with the rule (not Loupe findings), keep their tool and file, take hosts
// from the records, and a broken file becomes warnings with line and offset while the rest is indexed. Files come from
// our own fixture writers after Chainsaw's serialisation (test/fixtures/tools.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { classify } from '../../../electron/ingest/classify.ts';
import { parserFor } from '../../../electron/ingest/sources/index.ts';
import { CaseService } from '../../../electron/service.ts';
import { isoToMicros, type FileKind, type TimelineEvent } from '../../../shared/types.ts';
import { generateEvidence } from '../../fixtures/generate.ts';
import { CHAINSAW_SIGMA_COLUMNS, chainsawDetection, csv, evtxSystem, HAYABUSA_COLUMNS, jsonl, MFT_COLUMNS } from '../../fixtures/tools.ts';
import { newCase } from '../../helpers/case.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { collect } from './helpers.ts';

async function importAs(rel: string, text: string, kind: FileKind) {
  const bytes = Buffer.from(text);
  assert.equal(classify(rel, bytes.subarray(0, 8192)), kind, `${rel} recognised as ${kind}`);
  const p = parserFor(kind)!;
  return { ...(await collect(p.parse, rel, bytes, 333)), id: p.id };
}

const W3WP_CHILD = 'C:\\Windows\\System32\\cmd.exe /c whoami > C:\\inetpub\\wwwroot\\aspnet_client\\ü.txt';
const DETECTIONS = [
  chainsawDetection({
    name: 'Suspicious Child Process of w3wp', level: 'high', timestamp: '2021-03-03T04:12:31.123456700+00:00', id: '8d4f3c2a-0000-4000-8000-000000000001', tags: ['attack.persistence', 'attack.t1505.003'],
    records: [{ path: 'C:\\Triage\\EXCH01\\Security.evtx', system: evtxSystem({ provider: 'Microsoft-Windows-Security-Auditing', eventId: 4688, record: 90211, channel: 'Security', computer: 'EXCH01.contoso.local', time: '2021-03-03T04:12:31.1234567Z' }),
      eventData: { SubjectUserSid: 'S-1-5-18', NewProcessName: 'C:\\Windows\\System32\\cmd.exe', CommandLine: W3WP_CHILD, ParentProcessName: 'c:\\windows\\system32\\inetsrv\\w3wp.exe', TokenElevationType: '%%1936' } }],
  }),
  chainsawDetection({
    name: 'Security Audit Logs Cleared', level: 'critical', group: 'Log Tampering', source: 'chainsaw', timestamp: '2021-03-04T01:00:00+00:00',
    records: [{ path: 'C:\\Triage\\EXCH02\\Security.evtx', system: evtxSystem({ provider: 'Microsoft-Windows-Eventlog', eventId: 1102, record: 5, channel: 'Security', computer: 'EXCH02.contoso.local', time: '2021-03-04T01:00:00Z' }),
      userData: { LogFileCleared: { '#attributes': { xmlns: 'http://manifests.microsoft.com/win/2004/08/windows/eventlog' }, SubjectUserName: 'attacker', SubjectDomainName: 'CONTOSO' } } }],
  }),
  chainsawDetection({
    name: 'Multiple Failed Logons', level: 'medium', timestamp: '2021-03-04T02:00:00.5+00:00',
    records: [1, 2, 3].map((n) => ({ path: 'C:\\Triage\\EXCH01\\Security.evtx', system: evtxSystem({ provider: 'Microsoft-Windows-Security-Auditing', eventId: 4625, record: 100 + n, channel: 'Security', computer: 'EXCH01.contoso.local', time: '2021-03-04T02:00:00Z' }), eventData: { TargetUserName: `user${n}`, IpAddress: '203.0.113.7' } })),
  }),
];

function checkDetections(events: TimelineEvent[], rel: string): void {
  assert.equal(events.length, 3);
  const [a, b, c] = events;
  assert.equal(a.ts, isoToMicros('2021-03-03T04:12:31.123456Z'));
  assert.equal(a.source, 'chainsaw');
  assert.equal(a.tsDesc, 'Chainsaw Detection');
  assert.equal(a.host, 'EXCH01.contoso.local');
  assert.equal(a.ref.file, rel);
  assert.deepEqual(
    Object.fromEntries(['tool', 'RuleTitle', 'Level', 'RuleStatus', 'RuleGroup', 'RuleSource', 'RuleId', 'Tags', 'EvtxFile', 'Provider', 'EventID', 'RecordID', 'Channel', 'Computer', 'ProcessID', 'TimeCreated'].map((k) => [k, a.fields[k]])),
    { tool: 'Chainsaw', RuleTitle: 'Suspicious Child Process of w3wp', Level: 'high', RuleStatus: 'stable', RuleGroup: 'Sigma', RuleSource: 'sigma', RuleId: '8d4f3c2a-0000-4000-8000-000000000001',
      Tags: 'attack.persistence, attack.t1505.003', EvtxFile: 'C:\\Triage\\EXCH01\\Security.evtx', Provider: 'Microsoft-Windows-Security-Auditing', EventID: 4688, RecordID: 90211,
      Channel: 'Security', Computer: 'EXCH01.contoso.local', ProcessID: 4, TimeCreated: '2021-03-03T04:12:31.1234567Z' },
  );
  assert.equal(a.fields['data.CommandLine'], W3WP_CHILD, 'EventData round trip, non-ASCII kept');
  assert.equal(a.fields['data.ParentProcessName'], 'c:\\windows\\system32\\inetsrv\\w3wp.exe');
  assert.match(a.message, /^\[high\] Suspicious Child Process of w3wp — Microsoft-Windows-Security-Auditing 4688: /);
  assert.equal(b.host, 'EXCH02.contoso.local');
  assert.equal(b.fields.RuleSource, 'chainsaw');
  assert.equal(b.fields.RuleGroup, 'Log Tampering');
  assert.equal(b.fields.Level, 'critical');
  assert.equal(b.fields['data.SubjectUserName'], 'attacker', 'UserData leaves');
  assert.equal(b.fields['data.xmlns'], undefined, 'attributes are not data');
  assert.equal(c.fields.Count, 3, 'an aggregate keeps its count');
  assert.equal(c.fields.RecordID, 101, 'and reads its first record');
  assert.equal(c.ts, isoToMicros('2021-03-04T02:00:00.5Z'));
}

test('Chainsaw --json (one line, and pretty-printed) and --jsonl: one event per detection, rule and record round trip', async () => {
  const oneLine = await importAs('Tools/chainsaw.json', JSON.stringify(DETECTIONS), 'chainsaw-json');
  assert.equal(oneLine.id, 'chainsaw');
  assert.deepEqual(oneLine.warnings, []);
  checkDetections(oneLine.events, 'Tools/chainsaw.json');
  assert.deepEqual(oneLine.events.map((e) => e.ref.line), [1, 1, 1], 'a one-line array: every detection on line 1');
  const offsets = oneLine.events.map((e) => e.ref.offset!);
  assert.equal(offsets[0], 1, 'the first object starts after the [');
  assert.equal(Buffer.from(JSON.stringify(DETECTIONS)).subarray(offsets[1], offsets[1] + 10).toString(), '{"group":"');

  const pretty = await importAs('Tools/hunt.json', `\ufeff${JSON.stringify(DETECTIONS, null, 2)}\n`, 'chainsaw-json');
  assert.deepEqual(pretty.warnings, []);
  checkDetections(pretty.events, 'Tools/hunt.json');
  assert.equal(pretty.events[0].ref.line, 2);

  const lines = await importAs('Tools/hunt.jsonl', jsonl(DETECTIONS), 'chainsaw-json');
  checkDetections(lines.events, 'Tools/hunt.jsonl');
  assert.deepEqual(lines.events.map((e) => e.ref.line), [1, 2, 3]);
});

/** sigma.csv as Chainsaw writes it: the `Event Data` cell is the EventData map as serde_yaml prints it. */
const SIGMA_CSV = csv(CHAINSAW_SIGMA_COLUMNS, [
  { timestamp: '2021-03-03T04:12:31.123456700+00:00', detections: 'Suspicious Child Process of w3wp;Whoami Execution', path: 'C:\\Triage\\EXCH01\\Security.evtx', 'Event.System.Provider': 'Microsoft-Windows-Security-Auditing', 'Event ID': 4688, 'Record ID': 90211, Computer: 'EXCH01.contoso.local',
    'Event Data': `SubjectUserSid: S-1-5-18\nNewProcessName: C:\\Windows\\System32\\cmd.exe\nCommandLine: "cmd /c whoami: \\"x\\""\nTokenElevationType: "%%1936"\nProcessId: 2064\n` },
  { timestamp: '2021-03-04T01:00:00+00:00', detections: 'Mimikatz Use', path: 'C:\\Triage\\EXCH02\\Security.evtx', count: 1, 'Event.System.Provider': 'Microsoft-Windows-Security-Auditing', 'Event ID': 4663, 'Record ID': 12, Computer: 'EXCH02.contoso.local', 'Event Data': 'not: a: map: [' },
], { bom: false, crlf: false });

test('Chainsaw --csv: sigma.csv rows are events, rule names and mapped columns kept, Event Data as data.<Name>', async () => {
  const { events, warnings, id } = await importAs('Tools/chainsaw-out/sigma.csv', SIGMA_CSV, 'chainsaw-csv');
  assert.equal(id, 'chainsaw');
  assert.deepEqual(warnings, []);
  assert.equal(events.length, 2);
  const [a, b] = events;
  assert.equal(a.ts, isoToMicros('2021-03-03T04:12:31.123456Z'));
  assert.equal(a.host, 'EXCH01.contoso.local');
  assert.deepEqual(a.ref, { file: 'Tools/chainsaw-out/sigma.csv', line: 2, offset: a.ref.offset });
  assert.equal(a.fields.RuleTitle, 'Suspicious Child Process of w3wp;Whoami Execution');
  assert.equal(a.fields.RuleGroup, 'sigma');
  assert.equal(a.fields.EvtxFile, 'C:\\Triage\\EXCH01\\Security.evtx');
  assert.equal(a.fields.EventID, 4688);
  assert.equal(a.fields.RecordID, 90211);
  assert.equal(a.fields.Provider, 'Microsoft-Windows-Security-Auditing');
  assert.equal(a.fields['data.CommandLine'], 'cmd /c whoami: "x"');
  assert.equal(a.fields['data.TokenElevationType'], '%%1936');
  assert.equal(a.fields['data.ProcessId'], 2064);
  assert.equal(b.ref.line, 8, 'the second record starts after the five-line Event Data cell');
  assert.equal(b.fields['Event Data'], 'not: a: map: [', 'an Event Data cell that is not a map is kept as text');
  assert.equal(b.fields.Count, 1);
  assert.equal(b.host, 'EXCH02.contoso.local');
});

test('a broken Chainsaw file: each bad object or row is a warning with line and offset, the rest is imported', async () => {
  const good = DETECTIONS.map((d) => JSON.stringify(d));
  const text = [good[0], good[1].slice(0, 200), 'garbage', '{"group":"Sigma","kind":"individual","document":{},"name":"x","timestamp":tru}',
    JSON.stringify({ ...DETECTIONS[0], timestamp: 'yesterday' }), good[2]].join('\n') + '\n';
  const { events, warnings } = await importAs('Tools/broken.jsonl', text, 'chainsaw-json');
  assert.deepEqual(events.map((e) => e.fields.RuleTitle), ['Suspicious Child Process of w3wp', 'Multiple Failed Logons']);
  const starts = text.split('\n').reduce<number[]>((acc, l) => [...acc, acc.at(-1)! + Buffer.byteLength(l) + 1], [0]);
  assert.deepEqual(warnings.map((w) => [w.line, w.offset, w.message.replace(/ \(.*\)/, '')]), [
    [2, starts[1], 'JSON object broken by a line break inside a string; object skipped'],
    [3, starts[2], 'text outside any JSON object; skipped'],
    [4, starts[3], 'not valid JSON; object skipped'],
    [5, starts[4], 'timestamp "yesterday" is not a date and time; row skipped'],
  ]);

  const cut = JSON.stringify(DETECTIONS).slice(0, -300);
  const truncated = await importAs('Tools/cut.json', cut, 'chainsaw-json');
  assert.equal(truncated.events.length, 2, 'the detections before the cut');
  assert.deepEqual(truncated.warnings.map((w) => [w.line, w.offset, w.message]), [[1, Buffer.from(cut).lastIndexOf('{"group"'), 'JSON object not closed at end of file (truncated?); object skipped']]);

  const badCsv = SIGMA_CSV.replace('Mimikatz Use,', 'Mimikatz Use,extra,');
  const c = await importAs('Tools/sigma.csv', badCsv, 'chainsaw-csv');
  assert.equal(c.events.length, 1);
  assert.deepEqual(c.warnings.map((w) => [w.line, w.offset, w.message]), [[8, Buffer.from(badCsv).indexOf('2021-03-04T01'), 'expected 9 fields (from the header), found 10; row skipped']]);
});

test('look-alikes stay text: a JSON array of other objects, a CSV whose timestamp column is not followed by detections', () => {
  assert.equal(classify('x/a.json', Buffer.from('[{"group":"a","kind":"b"}]\n')), 'text');
  assert.equal(classify('x/a.csv', Buffer.from('detections,timestamp\n1,2\n')), 'text');
});

test('Exchange triage + Chainsaw JSON + Chainsaw CSV + Hayabusa CSV + MFTECmd CSV index into one timeline; no Loupe findings from Chainsaw', async (t) => {
  const dir = tmpDir(t);
  const m = await generateEvidence(path.join(dir, 'evidence'), { scale: 0.05, seed: 11 });
  const tools = path.join(m.root, 'Tools');
  fs.mkdirSync(path.join(tools, 'chainsaw-csv'), { recursive: true });
  fs.writeFileSync(path.join(tools, 'chainsaw-hunt.json'), JSON.stringify(DETECTIONS));
  fs.writeFileSync(path.join(tools, 'chainsaw-csv', 'sigma.csv'), SIGMA_CSV);
  fs.writeFileSync(path.join(tools, 'hayabusa.csv'), csv(HAYABUSA_COLUMNS, [
    { Timestamp: '2021-03-03 04:12:32.000 +00:00', RuleTitle: 'Whoami Execution', Level: 'med', Computer: 'HAYA-HOST', Channel: 'Sec', EventID: 4688, RecordID: 90211 },
  ]));
  fs.writeFileSync(path.join(tools, 'MFTECmd_$MFT_Output.csv'), csv(MFT_COLUMNS, [
    { EntryNumber: 5, SequenceNumber: 1, InUse: 'True', ParentPath: '.\\inetpub\\wwwroot\\aspnet_client', FileName: 'ü.txt', FileSize: 10, Created0x10: '2021-03-03 04:12:33.0000000', LastModified0x10: '2021-03-03 04:12:33.0000000', LastRecordChange0x10: '2021-03-03 04:12:33.0000000', LastAccess0x10: '2021-03-03 04:12:33.0000000' },
  ]));
  const svc = new CaseService({ casePath: await newCase(dir, m.root) });
  t.after(() => svc.close());
  await svc.startIndex({});
  assert.equal((await svc.indexJob!.done).cancelled, false);

  const sources = Object.fromEntries((await svc.listSources()).map((s) => [s.source, s.count]));
  assert.equal(sources.chainsaw, 5, '3 JSON detections + 2 CSV rows');
  for (const s of ['iis', 'httpproxy', 'evtx', 'hayabusa', 'mftecmd']) assert.ok(sources[s] > 0, `${s} events in the same case`);
  const hosts = (await svc.listHosts()).map((h) => h.host);
  for (const h of ['EXCH01.contoso.local', 'EXCH02.contoso.local', 'HAYA-HOST']) assert.ok(hosts.includes(h), `host ${h} from the data`);

  const minute = await svc.queryTimeline({ from: Date.UTC(2021, 2, 3, 4, 12) * 1000, to: Date.UTC(2021, 2, 3, 4, 13) * 1000, sources: ['chainsaw', 'hayabusa', 'mftecmd'], limit: 50 });
  const rows = minute.rows.map((r) => `${r.source} ${r.ref.file}`);
  assert.deepEqual(rows.slice(0, 2).sort(), ['chainsaw Tools/chainsaw-csv/sigma.csv', 'chainsaw Tools/chainsaw-hunt.json'], 'the same 04:12:31 detection from both outputs');
  assert.deepEqual(rows.slice(2), ['hayabusa Tools/hayabusa.csv', 'mftecmd Tools/MFTECmd_$MFT_Output.csv'], 'one timeline, in time order');
  const findings = await svc.listFindings({});
  assert.equal(findings.filter((f) => /Chainsaw|Suspicious Child Process of w3wp|Security Audit Logs Cleared/.test(f.title)).length, 0, 'Chainsaw detections are not Loupe findings');
});
