import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { setMeta } from '../../../electron/case/db.ts';
import { EventInserter } from '../../../electron/case/write.ts';
import { exportIocs, exportTimeline, exportTo } from '../../../electron/report/index.ts';
import { stixPattern, uuidV5 } from '../../../electron/report/ioc-export.ts';
import { explorerZoneTime, TIMELINE_CSV_COLUMNS, TIMESKETCH_CSV_COLUMNS, timesketchFieldName } from '../../../electron/report/timeline-export.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { ATTACKER_IPS, buildReportCase, SCRIPT_UA } from './fixture.ts';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/;

test('timeline CSV round-trips through csv-parse with one row per event, Timeline-Explorer columns', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => c.db.close());
  const out = path.join(dir, 'timeline.csv');
  const r = await exportTimeline(c.db, 'csv', out);
  assert.equal(r.rows, c.eventCount);
  assert.equal(r.bytes, fs.statSync(out).size);
  const rows = parse(fs.readFileSync(out), { columns: true }) as Array<Record<string, string>>;
  assert.equal(rows.length, c.eventCount);
  assert.deepEqual(Object.keys(rows[0]), TIMELINE_CSV_COLUMNS);
  const probe = rows.find((x) => x.Message.includes('onerror'))!;
  assert.equal(probe['Timestamp (UTC)'], '2021-03-03 02:26:03.000');
  assert.equal(probe['Client IP'], '86.105.18.116');
  assert.equal(probe['Line/Record'], '6');
  assert.equal(probe['Evidence File'], 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log');
  assert.ok(probe.Message.includes(SCRIPT_UA), 'attacker text kept verbatim');
  assert.equal(JSON.parse(probe.Fields)['c-ip'], '86.105.18.116');
  const starred = rows.find((x) => x.Starred === 'true')!;
  assert.equal(starred.Tags, 'webshell');
  assert.equal(rows.filter((x) => x.Manual === 'true').length, 1);
  // Filtered like the Timeline view: only starred.
  const s = await exportTimeline(c.db, 'csv', path.join(dir, 'starred.csv'), { starredOnly: true });
  assert.equal(s.rows, 1);
});

test('Timesketch JSONL: message, ISO datetime, timestamp_desc and µs timestamp on every line, fields flattened', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => c.db.close());
  const out = path.join(dir, 'timeline.jsonl');
  const r = await exportTimeline(c.db, 'timesketch', out);
  const lines = fs.readFileSync(out, 'utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, c.eventCount);
  assert.equal(r.rows, c.eventCount);
  for (const l of lines) {
    const o = JSON.parse(l) as Record<string, unknown>;
    assert.equal(typeof o.message, 'string');
    assert.match(String(o.datetime), ISO);
    assert.equal(typeof o.timestamp_desc, 'string');
    assert.equal(Date.parse(String(o.datetime)) * 1000, Math.floor(Number(o.timestamp) / 1000) * 1000);
  }
  const ssrf = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((o) => o.AnchorMailbox);
  assert.equal(ssrf?.ClientIpAddress, '165.232.154.116');
  assert.equal(ssrf?.evidence_line, 6);
  assert.equal(ssrf?.data_type, 'loupe:httpproxy');
  assert.equal(timesketchFieldName('cs(User-Agent)'), 'cs_User_Agent');
  assert.equal(timesketchFieldName('message'), 'field_message');
  assert.equal(timesketchFieldName('data.IpAddress'), 'data_IpAddress');
});

test('Timesketch CSV carries the required header and parses back', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => c.db.close());
  const out = path.join(dir, 'timeline-ts.csv');
  await exportTimeline(c.db, 'timesketch-csv', out);
  const rows = parse(fs.readFileSync(out), { columns: true }) as Array<Record<string, string>>;
  assert.deepEqual(Object.keys(rows[0]), TIMESKETCH_CSV_COLUMNS);
  assert.equal(rows.length, c.eventCount);
  for (const row of rows) { assert.match(row.datetime, ISO); assert.ok(row.message && row.timestamp_desc); }
});

test('timeline export pages through more events than one page, in order, without duplicates', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => c.db.close());
  const ins = new EventInserter(c.db);
  const base = Date.UTC(2021, 2, 4) * 1000;
  c.db.transaction(() => {
    // Many events share a timestamp so the keyset must order by (ts, id).
    for (let i = 0; i < 12_001; i++) ins.insert({ ts: base + Math.floor(i / 7) * 1_000_000, tsDesc: 'Request', source: 'iis', message: `GET /owa/ ${i}`, fields: { n: i }, ref: { file: 'x', line: i + 5 } }, null);
  })();
  const out = path.join(dir, 'big.jsonl');
  const r = await exportTimeline(c.db, 'timesketch', out);
  assert.equal(r.rows, c.eventCount + 12_001);
  const ns = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { n?: number }).filter((o) => o.n !== undefined).map((o) => o.n);
  assert.deepEqual(ns, Array.from({ length: 12_001 }, (_, i) => i));
  const desc = await exportTimeline(c.db, 'csv', path.join(dir, 'desc.csv'), { order: 'desc', limit: 6000, sources: ['iis'] });
  assert.equal(desc.rows, 6000);
});

test('STIX 2.1 bundle parses and holds the attacker IPs and web shell hash with valid patterns and ids', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => c.db.close());
  const out = path.join(dir, 'iocs.stix.json');
  const r = await exportIocs(c.db, 'stix', out);
  const bundle = JSON.parse(fs.readFileSync(out, 'utf8')) as { type: string; id: string; objects: Array<Record<string, unknown>> };
  assert.equal(bundle.type, 'bundle');
  assert.match(bundle.id, /^bundle--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const identity = bundle.objects.find((o) => o.type === 'identity')!;
  assert.equal(identity.name, 'Northwind Forensics');
  const indicators = bundle.objects.filter((o) => o.type === 'indicator');
  assert.equal(indicators.length, r.rows);
  for (const i of indicators) {
    assert.equal(i.spec_version, '2.1');
    assert.equal(i.pattern_type, 'stix');
    assert.equal(i.created_by_ref, identity.id);
    assert.match(String(i.id), /^indicator--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.match(String(i.valid_from), ISO);
    assert.match(String(i.pattern), /^\[[a-z0-9-]+:[^\]]+ = '.*'\]$/);
  }
  const patterns = indicators.map((i) => i.pattern);
  for (const ip of ATTACKER_IPS) assert.ok(patterns.includes(`[ipv4-addr:value = '${ip}']`), ip);
  assert.ok(patterns.includes(`[file:hashes.'SHA-256' = '${c.shellSha256}']`));
  assert.ok(patterns.includes(`[file:name = 'supp0rt.aspx' AND file:parent_directory_ref.path = 'C:\\\\inetpub\\\\wwwroot\\\\aspnet_client']`));
  // Deterministic ids: the same indicator keeps its id across exports.
  const again = JSON.parse(fs.readFileSync((await exportTo(c.db, c.casePath, { format: 'stix', path: path.join(dir, 'again.json') })).path, 'utf8')) as typeof bundle;
  assert.deepEqual(again.objects.map((o) => o.id).sort(), bundle.objects.map((o) => o.id).sort());
  assert.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
  assert.equal(stixPattern({ type: 'filepath', value: "C:\\x\\it's.aspx", context: [], firstSeen: null, confidence: 'likely', sources: [] }), "[file:name = 'it\\'s.aspx' AND file:parent_directory_ref.path = 'C:\\\\x']");
});

test('IOC CSV lists each indicator with its type', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => c.db.close());
  const out = path.join(dir, 'iocs.csv');
  const r = await exportIocs(c.db, 'ioc-csv', out);
  const rows = parse(fs.readFileSync(out), { columns: true }) as Array<Record<string, string>>;
  assert.equal(rows.length, r.rows);
  assert.deepEqual(Object.keys(rows[0]), ['Indicator', 'IndicatorType', 'FirstSeen', 'Description', 'Confidence', 'Findings']);
  assert.deepEqual(rows.filter((x) => x.IndicatorType === 'ipv4').map((x) => x.Indicator).sort(), [...ATTACKER_IPS].sort());
  assert.ok(rows.some((x) => x.IndicatorType === 'sha256' && x.Indicator === c.shellSha256));
});

test('exports refuse to write into an evidence folder and name unknown formats', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => c.db.close());
  await assert.rejects(exportTo(c.db, c.casePath, { format: 'html', path: path.join(c.evidenceRoot, 'C', 'report.html') }), /inside the evidence folder/);
  assert.equal(fs.existsSync(path.join(c.evidenceRoot, 'C', 'report.html')), false);
  await assert.rejects(exportTo(c.db, c.casePath, { format: 'docx' as never, path: path.join(dir, 'r.docx') }), /unknown export format "docx"/);
  const html = await exportTo(c.db, c.casePath, { format: 'html', path: path.join(dir, 'r.html'), report: { sections: ['summary'] } });
  const text = fs.readFileSync(html.path, 'utf8');
  assert.equal(html.bytes, Buffer.byteLength(text));
  assert.ok(text.includes('id="summary"') && !text.includes('id="custody"'));
});

test('the timeline CSV has the case display zone beside UTC (none for UTC); Timesketch formats stay UTC', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => c.db.close());
  setMeta(c.db, 'displayZone', 'Europe/Oslo');
  const out = path.join(dir, 'zoned.csv');
  await exportTo(c.db, c.casePath, { format: 'csv', path: out });
  const rows = parse(fs.readFileSync(out), { columns: true }) as Array<Record<string, string>>;
  assert.deepEqual(Object.keys(rows[0]), [TIMELINE_CSV_COLUMNS[0], 'Timestamp (Europe/Oslo)', ...TIMELINE_CSV_COLUMNS.slice(1)]);
  const probe = rows.find((x) => x.Message.includes('onerror'))!;
  assert.equal(probe['Timestamp (UTC)'], '2021-03-03 02:26:03.000');
  assert.equal(probe['Timestamp (Europe/Oslo)'], '2021-03-03 03:26:03.000', 'CET is UTC+1 in March before the DST change');
  assert.equal(explorerZoneTime(Date.UTC(2021, 6, 1, 23, 30, 0) * 1000 + 1, 'America/New_York'), '2021-07-01 19:30:00.000001');
  const ts = path.join(dir, 'zoned.jsonl');
  await exportTo(c.db, c.casePath, { format: 'timesketch', path: ts });
  assert.match(fs.readFileSync(ts, 'utf8').split('\n')[0], /"datetime":"[^"]+Z"/);
  setMeta(c.db, 'displayZone', 'UTC');
  await exportTo(c.db, c.casePath, { format: 'csv', path: out });
  assert.deepEqual(Object.keys((parse(fs.readFileSync(out), { columns: true }) as Array<Record<string, string>>)[0]), TIMELINE_CSV_COLUMNS);
});
