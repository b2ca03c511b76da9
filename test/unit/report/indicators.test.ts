// Indicators safe to share: each carries the strongest confidence of its findings and names them; by default only
// confirmed and likely ones are listed. A scanner's IP, a stock Exchange file at an IOC path and the image of a
// process the IIS worker started are never shared as "malicious".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { WebshellInfo } from '../../../shared/api.ts';
import type { FindingRow } from '../../../shared/types.ts';
import { insertFinding } from '../../../electron/case/write.ts';
import { collectIndicators } from '../../../electron/report/indicators.ts';
import { exportIocs } from '../../../electron/report/index.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { buildReportCase } from './fixture.ts';

const STOCK = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\ecp\\auth\\TimeoutLogout.aspx';
const STOCK_SHA = '6a74cd2ea311e4569a982817521fcdb85f0e1514b6ac10e9aa882f2e4782ba35';

const row = (id: number, f: Partial<FindingRow>): FindingRow => ({
  id, check: 'x', severity: 'high', confidence: 'likely', confidenceReason: 'r', title: `finding ${id}`, path: null, time: '2021-03-03T01:00:00.000Z',
  sha256: null, evidence: [], details: null, ...f,
});

const findings: FindingRow[] = [
  row(1, { check: 'scan', severity: 'low', confidence: 'info', title: 'Scanned by 198.51.100.23', details: { ip: '198.51.100.23' } }),
  row(2, { check: 'ioc.path', severity: 'low', confidence: 'review', path: STOCK, sha256: STOCK_SHA, details: { legitimateExchangeFile: true } }),
  row(3, { check: 'webshell', confidence: 'likely', path: 'C:\\Windows\\System32\\cmd.exe', details: { kind: 'process' } }),
  row(4, { check: 'proxylogon.cve-2021-26855', severity: 'critical', confidence: 'confirmed', details: { ip: '165.232.154.116', outcome: 'exploited' } }),
  row(5, { check: 'webshell', severity: 'critical', confidence: 'confirmed', path: 'C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx', sha256: 'a'.repeat(64), details: { kind: 'file' } }),
  row(6, { check: 'story', severity: 'critical', confidence: 'confirmed', time: '2021-03-02T23:41:07.000Z', details: { ips: ['165.232.154.116', '86.105.18.116'], steps: [{ ip: '86.105.18.116', ts: Date.parse('2021-03-03T01:31:48Z') * 1000 }] } }),
];
const shell: WebshellInfo = {
  findingId: 5, fileId: 1, relPath: 'C/inetpub/wwwroot/aspnet_client/discover.aspx', origPath: 'C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx', size: 72,
  mtime: Date.parse('2021-03-03T01:20:14Z') * 1000, btime: Date.parse('2026-11-29T14:20:32Z') * 1000,
  md5: 'b'.repeat(32), sha1: 'c'.repeat(40), sha256: 'a'.repeat(64), rules: [], families: [], reasons: [], requests: [], attackerIps: ['86.105.18.116'],
};

test('by default only confirmed and likely indicators, each naming its findings; with review the rest, labelled', () => {
  const { list, hidden } = collectIndicators(findings, [shell]);
  assert.deepEqual(list.map((i) => [i.type, i.value, i.confidence]), [
    ['ipv4', '165.232.154.116', 'confirmed'],
    ['ipv4', '86.105.18.116', 'confirmed'],
    ['sha256', 'a'.repeat(64), 'confirmed'],
    ['sha1', 'c'.repeat(40), 'confirmed'],
    ['md5', 'b'.repeat(32), 'confirmed'],
    ['filepath', 'C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx', 'confirmed'],
  ], 'no scanner IP, no stock file, no cmd.exe');
  assert.equal(hidden, 3);
  const ip = list.find((i) => i.value === '165.232.154.116')!;
  assert.deepEqual(ip.sources.map((s) => s.findingId), [4, 6]);
  assert.equal(list.find((i) => i.value === '86.105.18.116')!.firstSeen, Date.parse('2021-03-03T01:31:48Z') * 1000, 'first seen: its first step in the story');
  assert.equal(list.find((i) => i.type === 'md5')!.firstSeen, shell.mtime, 'first seen of a file: when it was written, not when the evidence was copied');
  const all = collectIndicators(findings, [shell], true);
  assert.equal(all.hidden, 0);
  assert.deepEqual(all.list.filter((i) => i.confidence === 'info' || i.confidence === 'review').map((i) => [i.value, i.confidence]), [
    ['198.51.100.23', 'info'], [STOCK_SHA, 'review'], [STOCK, 'review'],
  ]);
  assert.ok(!all.list.some((i) => i.value.endsWith('cmd.exe')), 'a process image is never a file indicator');
});

test('IOC exports: the default leaves review and informational indicators out; --include-review adds them labelled', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => c.db.close());
  insertFinding(c.db, { check: 'scan', severity: 'low', confidence: 'info', confidenceReason: 'a scanner', title: 'Scanned by 198.51.100.23', path: null, time: '2021-03-05T10:12:01.000Z', sha256: null, evidence: [] }, { details: { ip: '198.51.100.23' } });
  const csv = path.join(dir, 'iocs.csv');
  await exportIocs(c.db, 'ioc-csv', csv);
  const rows = parse(fs.readFileSync(csv), { columns: true }) as Array<Record<string, string>>;
  assert.ok(!rows.some((r) => r.Indicator === '198.51.100.23'));
  assert.ok(rows.every((r) => r.Confidence === 'confirmed' || r.Confidence === 'likely'));
  assert.ok(rows.every((r) => r.Findings.length > 0));
  const stix = path.join(dir, 'iocs.json');
  await exportIocs(c.db, 'stix', stix, true);
  const objects = (JSON.parse(fs.readFileSync(stix, 'utf8')) as { objects: Array<Record<string, unknown>> }).objects;
  const scanner = objects.find((o) => o.pattern === "[ipv4-addr:value = '198.51.100.23']")!;
  assert.equal(scanner.name, 'informational — IP address: 198.51.100.23');
  assert.deepEqual(scanner.indicator_types, ['anomalous-activity']);
  assert.equal(scanner.confidence, 10);
  assert.ok((scanner.labels as string[]).includes('confidence:info'));
  const attacker = objects.find((o) => o.pattern === "[ipv4-addr:value = '165.232.154.116']")!;
  assert.equal(attacker.name, 'Attacker IP address: 165.232.154.116');
  assert.equal(attacker.confidence, 95);
});
