// Agreement with the reference tools over every shared sample log: libevtx's evtxexport (all 40 files, record for
// record, down to the full XML) and python-evtx (a few files), plus the recorded oracle (ORACLE.tsv).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { isoToMicros, microsToIso, type TimelineEvent } from '../../../shared/types.ts';
import { readEvtxRecords } from '../../../electron/ingest/sources/evtx/index.ts';
import { elemToXml } from '../../../electron/ingest/sources/evtx/xml.ts';
import { DATA_MISSING, evtxDir, evtxFiles, haveData, haveTool, parseBytes, pieces, readOracle } from './support.ts';

const run = promisify(execFile);

interface RefRecord { recordId: number; time: string; eventId: number; provider: string; channel: string; data: Map<string, string> }

const unescape = (s: string) => s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]!);

/** `data.*` keys the way the parser names them, read from evtxexport's XML text of one <Event>. */
function refData(block: string): Map<string, string> {
  const data = new Map<string, string>();
  const add = (name: string, value: string) => {
    let key = `data.${name}`;
    for (let n = 2; data.has(key); n++) key = `data.${name}${n}`;
    data.set(key, sevenDigits(unescape(value)));
  };
  const eventData = /<EventData(?: [^>]*)?>([\s\S]*?)\n {2}<\/EventData>/.exec(block)?.[1] ?? '';
  let unnamed = 0;
  for (const m of eventData.matchAll(/<(Data|Binary)(?: Name="([^"]*)")?(?:\/>|>([\s\S]*?)<\/\1>)/g)) {
    add(m[1] === 'Binary' ? 'Binary' : m[2] !== undefined ? unescape(m[2]) : String(unnamed++), m[3] ?? '');
  }
  const userData = /<UserData>([\s\S]*?)\n {2}<\/UserData>/.exec(block)?.[1] ?? '';
  for (const m of userData.matchAll(/<([\w:-]+)(?: [^>]*)?(?:\/>|>([^<]*)<\/\1>)/g)) {
    if (m[0].endsWith('/>') && / xmlns/.test(m[0])) continue;
    add(m[1], m[2] ?? '');
  }
  return data;
}

function parseEvtxexportXml(xml: string): RefRecord[] {
  return xml.split(/\n(?=<Event xmlns)/).slice(1).map((block) => ({
    recordId: Number(/<EventRecordID>(\d+)</.exec(block)![1]),
    time: /<TimeCreated SystemTime="([^"]+)"/.exec(block)![1],
    eventId: Number(/<EventID(?: Qualifiers="\d*")?>(\d+)</.exec(block)![1]),
    provider: unescape(/<Provider Name="([^"]*)"/.exec(block)![1]),
    channel: unescape(/<Channel>([^<]*)<\/Channel>/.exec(block)?.[1] ?? ''),
    data: refData(block),
  }));
}

function ourData(e: TimelineEvent): Map<string, string> {
  return new Map(Object.entries(e.fields).filter(([k]) => k.startsWith('data.')).map(([k, v]) => [k, String(v)]));
}

/** evtxexport prints 9 fractional digits (7 real + "00"); Windows and the parser print 7. */
const sevenDigits = (xml: string) => xml.replace(/(T\d\d:\d\d:\d\d\.\d{7})00Z/g, '$1Z');

const counts = (values: string[]) => {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
};
const oracleCounts = (cell: string) => new Map(cell.split(';').map((kv) => {
  const i = kv.lastIndexOf(':');
  return [kv.slice(0, i) === '(none)' ? '' : kv.slice(0, i), Number(kv.slice(i + 1))] as [string, number];
}));

test('every shared EVTX file agrees with evtxexport record for record and with ORACLE.tsv', { timeout: 120_000 }, async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  if (!haveTool('evtxexport')) return t.skip('evtxexport not installed (Debian package libevtx-utils)');
  const oracle = readOracle();
  const files = evtxFiles();
  assert.equal(files.length, 40);
  let total = 0;
  for (const file of files) {
    const full = path.join(evtxDir, file);
    const bytes = fs.readFileSync(full);
    const [{ stdout }, ours] = await Promise.all([
      run('evtxexport', ['-f', 'xml', full], { maxBuffer: 64 << 20, encoding: 'utf8' }),
      parseBytes(bytes, file),
    ]);
    const ref = parseEvtxexportXml(stdout);
    const { warnings } = ours;
    // evtxexport shows the live records; the ones recovered from slack are checked against `-m recovered` below.
    const events = ours.events.filter((e) => e.fields.recovered === undefined);
    assert.deepEqual(warnings, [], `${file}: no warnings on a clean file`);
    assert.equal(events.length, ref.length, `${file}: record count`);
    for (let i = 0; i < ref.length; i++) {
      const e = events[i];
      const r = ref[i];
      const where = `${file} record ${r.recordId}`;
      assert.equal(e.ref.record, r.recordId, `${where}: EventRecordID`);
      assert.equal(e.fields.RecordID, r.recordId, `${where}: RecordID field`);
      assert.equal(e.ts, isoToMicros(r.time), `${where}: TimeCreated`);
      assert.equal(e.fields.EventID, r.eventId, `${where}: EventID`);
      assert.equal(e.fields.Provider, r.provider, `${where}: Provider`);
      assert.equal(e.fields.Channel, r.channel, `${where}: Channel`);
      assert.deepEqual(ourData(e), r.data, `${where}: EventData/UserData values`);
    }
    // The rendered XML of every record is identical to evtxexport's, byte for byte, but for CRs and other control
    // characters in values, which evtxexport writes raw (an XML parser would fold CRLF away, or reject the file) and
    // the parser as character references (&#13;).
    let xml = 'evtxexport 20181227\n\n';
    for await (const rec of readEvtxRecords(pieces(bytes), () => {})) if (rec.recovered === null) xml += elemToXml(rec.event) + '\n';
    assert.equal(xml.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))), sevenDigits(stdout), `${file}: full XML`);

    const o = oracle.get(file)!;
    assert.equal(events.length, Number(o.record_count), `${file}: oracle record_count`);
    assert.equal(events[0].ref.record, Number(o.first_EventRecordID), `${file}: oracle first id`);
    assert.equal(events.at(-1)!.ref.record, Number(o.last_EventRecordID), `${file}: oracle last id`);
    assert.equal(events[0].ts, isoToMicros(o.first_record_time), `${file}: oracle first time`);
    assert.equal(events.at(-1)!.ts, isoToMicros(o.last_record_time), `${file}: oracle last time`);
    const times = events.map((e) => e.ts);
    assert.equal(microsToIso(Math.min(...times)), microsToIso(isoToMicros(o.min_time)), `${file}: oracle min time`);
    assert.equal(microsToIso(Math.max(...times)), microsToIso(isoToMicros(o.max_time)), `${file}: oracle max time`);
    assert.deepEqual(counts(events.map((e) => String(e.fields.Channel))), oracleCounts(o.channels), `${file}: channels`);
    assert.deepEqual(counts(events.map((e) => String(e.fields.Provider))), oracleCounts(o.providers), `${file}: providers`);
    assert.deepEqual(counts(events.map((e) => String(e.fields.EventID))), oracleCounts(o.event_ids), `${file}: event ids`);
    total += events.length;
  }
  assert.equal(total, 5759);
});

test('python-evtx agrees on ids, microsecond times, event ids, providers and channels (subset)', { timeout: 60_000 }, async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  if (!haveTool('evtx_dump.py')) return t.skip('evtx_dump.py not installed (Debian package python3-evtx)');
  const subset = [
    'Execution__exec_sysmon_webshell_w3wp_enum.evtx',
    'Credential_Access__tutto_malseclogon.evtx',
    'Privilege_Escalation__privexchange_dirkjan.evtx',
    'Other__exec_emotet_ps_800_new-object.evtx',
    'Credential_Access__MSSQL_multiple_failed_logon_EventID_18456.evtx',
  ];
  for (const file of subset) {
    const full = path.join(evtxDir, file);
    const [{ stdout }, { events }] = await Promise.all([
      run('evtx_dump.py', [full], { maxBuffer: 64 << 20, encoding: 'utf8' }),
      parseBytes(fs.readFileSync(full), file),
    ]);
    const blocks = stdout.split(/\n(?=<Event xmlns)/).slice(1);
    assert.equal(events.length, blocks.length, `${file}: record count`);
    blocks.forEach((b, i) => {
      const e = events[i];
      assert.equal(e.ref.record, Number(/<EventRecordID>(\d+)</.exec(b)![1]), `${file}: record id`);
      const time = /<TimeCreated SystemTime="([^"]+)"/.exec(b)![1].replace(' ', 'T');
      // python-evtx converts FILETIME through a float, so its microseconds can be one off.
      assert.ok(Math.abs(e.ts - isoToMicros(time)) <= 1, `${file} ${e.ref.record}: time ${microsToIso(e.ts)} vs ${time}`);
      assert.equal(e.fields.EventID, Number(/<EventID[^>]*>(\d+)</.exec(b)![1]), `${file} ${e.ref.record}: event id`);
      assert.equal(e.fields.Provider, unescape(/<Provider Name="([^"]*)"/.exec(b)![1]), `${file} ${e.ref.record}: provider`);
      assert.equal(e.fields.Channel, unescape(/<Channel>([^<]*)</.exec(b)?.[1] ?? ''), `${file} ${e.ref.record}: channel`);
    });
  }
});

/** An element name XML would not accept: evtxexport renders a slack record through a template that is no longer its own. */
const misTemplated = (block: string) => /<\/?(?![A-Za-z_][\w:.-]*[\s/>])[^\s>]/u.test(block);

test('records recovered from slack: every one evtxexport -m recovered finds is read, unless it is a copy of a live record or rendered through a foreign template', { timeout: 120_000 }, async (t) => {
  if (!haveData()) return t.skip(DATA_MISSING);
  if (!haveTool('evtxexport')) return t.skip('evtxexport not installed (Debian package libevtx-utils)');
  let recovered = 0;
  let copies = 0;
  let foreign = 0;
  for (const file of evtxFiles()) {
    const full = path.join(evtxDir, file);
    const [{ stdout }, ours] = await Promise.all([
      run('evtxexport', ['-m', 'recovered', '-f', 'xml', full], { maxBuffer: 64 << 20, encoding: 'utf8' }),
      parseBytes(fs.readFileSync(full), file),
    ]);
    const key = (id: unknown, ts: number) => `${id}|${ts}`;
    const live = new Set(ours.events.filter((e) => !e.fields.recovered).map((e) => key(e.fields.RecordID, e.ts)));
    const mine = new Set(ours.events.filter((e) => e.fields.recovered).map((e) => key(e.fields.RecordID, e.ts)));
    for (const e of ours.events.filter((x) => x.fields.recovered)) assert.equal(e.fields.recovered, 'slack', `${file}: a clean file has slack only`);
    for (const block of stdout.split(/\n(?=<Event xmlns)/).slice(1)) {
      const k = key(Number(/<EventRecordID>(\d+)</.exec(block)?.[1]), isoToMicros(/<TimeCreated SystemTime="([^"]+)"/.exec(block)?.[1] ?? ''));
      if (mine.has(k)) recovered++;
      else if (live.has(k)) copies++;
      else if (misTemplated(block)) foreign++;
      else assert.fail(`${file}: evtxexport recovers ${k}, the parser does not`);
    }
  }
  // Measured on the 40 shared logs: 136 recovered records in common, 260 slack copies of live records, 2 foreign.
  assert.deepEqual({ recovered, copies, foreign }, { recovered: 136, copies: 260, foreign: 2 });
});
