// A mixed evidence folder indexes into one timeline: the synthetic Exchange triage copy (IIS, HttpProxy, EVTX…) plus
// a Hayabusa CSV, an MFTECmd $MFT CSV and an EvtxECmd CSV. Sigma rules read the EvtxECmd rows like EVTX records.
// And Loupe's own Timesketch export imports back as a plaso/Timesketch timeline, event for event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CaseService } from '../../../electron/service.ts';
import { generateEvidence } from '../../fixtures/generate.ts';
import { csv, EVTXECMD_COLUMNS, evtxecmdPayload, HAYABUSA_COLUMNS, MFT_COLUMNS } from '../../fixtures/tools.ts';
import { newCase } from '../../helpers/case.ts';
import { tmpDir } from '../../helpers/tmp.ts';

async function index(svc: CaseService): Promise<void> {
  await svc.startIndex({});
  const s = await svc.indexJob!.done;
  assert.equal(s.cancelled, false);
}

test('Exchange triage + Hayabusa CSV + MFTECmd CSV + EvtxECmd CSV index into one timeline; Sigma reads the EvtxECmd rows', async (t) => {
  const dir = tmpDir(t);
  const m = await generateEvidence(path.join(dir, 'evidence'), { scale: 0.05, seed: 7 });
  const tools = path.join(m.root, 'Tools');
  fs.mkdirSync(tools, { recursive: true });
  fs.writeFileSync(path.join(tools, 'hayabusa-EXCH01.csv'), csv(HAYABUSA_COLUMNS, [
    { Timestamp: '2021-03-03 04:12:31.000 +00:00', RuleTitle: 'Suspicious Child Process of w3wp', Level: 'high', Computer: 'HAYA-HOST', Channel: 'Sysmon', EventID: 1, RecordID: 1, Details: 'Cmdline: cmd /c whoami' },
    { Timestamp: '2021-03-03 04:13:31.000 +00:00', RuleTitle: 'Whoami Execution', Level: 'med', Computer: 'HAYA-HOST', Channel: 'Sysmon', EventID: 1, RecordID: 2, Details: 'Cmdline: whoami' },
  ]));
  fs.writeFileSync(path.join(tools, 'MFTECmd_$MFT_Output.csv'), csv(MFT_COLUMNS, [
    { EntryNumber: 5, SequenceNumber: 1, InUse: 'True', ParentPath: '.\\inetpub\\wwwroot\\aspnet_client', FileName: 'errorEE.aspx', FileSize: 10, Created0x10: '2021-03-03 04:15:00.0000000', LastModified0x10: '2021-03-03 04:15:00.0000000', LastRecordChange0x10: '2021-03-03 04:15:00.0000000', LastAccess0x10: '2021-03-03 04:15:00.0000000' },
  ]));
  fs.writeFileSync(path.join(tools, 'EvtxECmd_Output.csv'), csv(EVTXECMD_COLUMNS, [
    { RecordNumber: 1, EventRecordId: 501, TimeCreated: '2021-03-03 05:00:00.0000000', EventId: 4688, Provider: 'Microsoft-Windows-Security-Auditing', Channel: 'Security', Computer: 'EZ-HOST',
      Payload: evtxecmdPayload({ NewProcessName: 'C:\\Windows\\System32\\rundll32.exe', CommandLine: 'rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\temp\\l.dmp full' }) },
  ]));
  const svc = new CaseService({ casePath: await newCase(dir, m.root) });
  t.after(() => svc.close());
  await index(svc);

  const sources = Object.fromEntries((await svc.listSources()).map((s) => [s.source, s.count]));
  assert.equal(sources.hayabusa, 2);
  assert.equal(sources.mftecmd, 1, 'four equal $SI times are one MACB event');
  assert.equal(sources.evtxecmd, 1);
  for (const s of ['iis', 'httpproxy', 'evtx']) assert.ok(sources[s] > 0, `${s} events from the triage copy`);
  const hosts = (await svc.listHosts()).map((h) => h.host);
  for (const h of ['HAYA-HOST', 'EZ-HOST']) assert.ok(hosts.includes(h), `host ${h} from the data`);

  const day = await svc.queryTimeline({ from: Date.UTC(2021, 2, 3, 4, 12) * 1000, to: Date.UTC(2021, 2, 3, 5, 1) * 1000, sources: ['hayabusa', 'mftecmd', 'evtxecmd'], limit: 50 });
  assert.deepEqual(day.rows.map((r) => r.source), ['hayabusa', 'hayabusa', 'mftecmd', 'evtxecmd'], 'one timeline, in time order');
  assert.deepEqual(day.rows.map((r) => r.ref.file), ['Tools/hayabusa-EXCH01.csv', 'Tools/hayabusa-EXCH01.csv', 'Tools/MFTECmd_$MFT_Output.csv', 'Tools/EvtxECmd_Output.csv']);

  const lsass = await svc.listFindings({ check: 'sigma.46ce3ce5-1aac-4bdd-8d7f-296743e116a6' });
  assert.equal(lsass.length, 1);
  assert.deepEqual(lsass[0].evidence, [{ file: 'Tools/EvtxECmd_Output.csv', line: 2 }]);
  assert.equal((await svc.listFindings({})).filter((f) => f.check.startsWith('sigma.') && f.title.includes('Hayabusa')).length, 0, 'Hayabusa alerts are not our findings');
});

test("Loupe's Timesketch JSONL export imports back as a plaso/Timesketch timeline with the same events", async (t) => {
  const dir = tmpDir(t);
  const m = await generateEvidence(path.join(dir, 'evidence'), { scale: 0.02, seed: 3 });
  const first = new CaseService({ casePath: await newCase(dir, m.root, 'a.loupe') });
  t.after(() => first.close());
  await index(first);
  const total = (await first.getCase())!.counts.events;
  const out = path.join(dir, 'export', 'timeline.jsonl');
  fs.mkdirSync(path.dirname(out));
  await first.exportTo({ format: 'timesketch', path: out });
  const second = new CaseService({ casePath: await newCase(dir, path.dirname(out), 'b.loupe') });
  t.after(() => second.close());
  await index(second);
  const sources = Object.fromEntries((await second.listSources()).map((s) => [s.source, s.count]));
  assert.equal(sources.plaso, total);
  const a = await first.queryTimeline({ limit: 5 });
  const b = await second.queryTimeline({ limit: 5 });
  assert.deepEqual(b.rows.map((r) => [r.ts, r.message]), a.rows.map((r) => [r.ts, r.message]));
});
