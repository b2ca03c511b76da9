// The raw XML view keeps every value exact: parsed back by a real XML parser (Python's ElementTree), each <Data> gives
// the same text as the event's field, CRs and empty values included.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { readEvtxRecordXml } from '../../../electron/ingest/sources/evtx/index.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { DATA_MISSING, evtxDir, haveData, haveTool, parseBytes, repoRoot } from './support.ts';

const run = promisify(execFile);

const FILES = [
  path.join(evtxDir, 'Credential_Access__Powershell_4104_MiniDumpWriteDump_Lsass.evtx'), // script block with CRLF
  path.join(evtxDir, 'Other__exec_emotet_ps_800_new-object.evtx'), // unnamed <Data> with CRLF and blank lines
  path.join(evtxDir, 'Lateral_Movement__LM_5145_Remote_FileCopy.evtx'), // values ending in CRLF and tabs
  path.resolve(repoRoot, '../shared/data/evtx-hard/rs__samples__MSExchange_Management_wec.evtx'), // empty <Data/>
];

// Prints, per record (one XML document per line of input, JSON-encoded), the [Name, text] of each EventData child.
const PY = `
import json, sys, xml.etree.ElementTree as ET
for line in sys.stdin:
    root = ET.fromstring(json.loads(line))
    ns = '{http://schemas.microsoft.com/win/2004/08/events/event}'
    data = root.find(ns + 'EventData')
    print(json.dumps([[d.get('Name'), d.text or ''] for d in (data if data is not None else [])]))
`;

test('the raw XML of a record parses back to exactly the values of its event (CR, tabs, empty values)', { timeout: 60_000 }, async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  if (!haveTool('python3', '-V')) return t.skip('python3 not installed');
  const dir = tmpDir(t);
  let values = 0;
  let withCr = 0;
  let empty = 0;
  for (const file of FILES.filter((f) => fs.existsSync(f))) {
    const { events } = await parseBytes(new Uint8Array(fs.readFileSync(file)));
    const xml = await Promise.all(events.map((e) => readEvtxRecordXml(file, e.ref.offset!)));
    const input = path.join(dir, 'records.jsonl');
    fs.writeFileSync(input, xml.map((x) => JSON.stringify(x)).join('\n') + '\n');
    const { stdout } = await run('python3', ['-c', PY.replace('sys.stdin', `open(${JSON.stringify(input)}, encoding='utf-8')`)], { maxBuffer: 64 << 20 });
    const parsed = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Array<[string | null, string]>);
    events.forEach((e, i) => {
      const ours = Object.entries(e.fields).filter(([k]) => k.startsWith('data.')).map(([, v]) => v);
      assert.deepEqual(parsed[i].map(([, text]) => text), ours, `${path.basename(file)} record ${e.ref.record}`);
      values += ours.length;
      withCr += ours.filter((v) => String(v).includes('\r')).length;
      empty += ours.filter((v) => v === '').length;
    });
  }
  assert.ok(values > 1000 && withCr > 100 && empty > 10, JSON.stringify({ values, withCr, empty }));
});

test('control characters XML cannot hold are written as character references, never raw', { skip: !haveData() && DATA_MISSING }, async () => {
  const file = path.join(evtxDir, 'Lateral_Movement__LM_ScheduledTask_ATSVC_target_host.evtx');
  const { events } = await parseBytes(new Uint8Array(fs.readFileSync(file)));
  const odd = events.filter((e) => String(e.fields['data.PrivilegeList'] ?? '').includes('\u000f'));
  assert.equal(odd.length, 3);
  for (const e of odd) {
    const xml = await readEvtxRecordXml(file, e.ref.offset!);
    assert.match(xml, /<Data Name="PrivilegeList">[^<]*&#15;-<\/Data>/);
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  }
});
