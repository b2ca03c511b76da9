import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPORT_SECTIONS } from '../../../shared/api.ts';
import { EventInserter, upsertFile } from '../../../electron/case/write.ts';
import { buildReportModel, manifestDigest } from '../../../electron/report/index.ts';
import { RefQuoter, readLine } from '../../../electron/report/quote.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { ATTACKER_IPS, buildReportCase, CLIENT } from './fixture.ts';

test('the model carries the case metadata, verdicts, findings with quotes, web shells and the story', (t) => {
  const c = buildReportCase(tmpDir(t));
  t.after(() => c.db.close());
  const m = buildReportModel(c.db, { casePath: c.casePath, companyName: 'Northwind Forensics' });
  assert.deepEqual(m.sections, REPORT_SECTIONS);
  assert.equal(m.meta.client, CLIENT);
  assert.equal(m.meta.caseNumber, 'IR-2021-0042');
  assert.equal(m.meta.displayZone, 'Europe/Oslo');
  assert.match(m.loupeVersion, /^\d+\.\d+\.\d+/);
  assert.equal(m.evidenceRange.events, c.eventCount);
  assert.deepEqual(m.methodology.sources.map((x) => [x.source, x.events]), [['ecp-server', 1], ['filesystem', 1], ['httpproxy', 2], ['iis', 3], ['manual', 1]]);
  assert.deepEqual(m.verdicts.map((v) => v.cve), ['CVE-2021-26855', 'CVE-2021-26857', 'CVE-2021-26858', 'CVE-2021-27065',
    'CVE-2021-34473', 'CVE-2021-34523', 'CVE-2021-31207', 'CVE-2022-41040', 'CVE-2022-41082', 'CVE-2022-41080', 'CVE-2022-41082']);
  // March 2021 logs say nothing about the later waves: their windows are not covered.
  assert.deepEqual([...new Set(m.verdicts.filter((v) => v.wave !== 'ProxyLogon (March 2021)').map((v) => v.verdict))], ['not-covered']);
  const ssrf = m.verdicts.find((v) => v.cve === 'CVE-2021-26855')!;
  assert.equal(ssrf.verdict, 'exploited');
  assert.equal(ssrf.hits, 2);
  // Story findings go to their own section, the rest are ordered by severity.
  assert.deepEqual(m.findings.map((f) => f.check), ['proxylogon.cve-2021-26855', 'proxylogon.cve-2021-27065', 'webshell', 'ioc.ip']);
  const ssrfQuotes = m.findings[0].quotes;
  assert.equal(ssrfQuotes[0].from, 'event');
  assert.match(ssrfQuotes[0].text, /AnchorMailbox=ServerInfo~a\]@EXCH01\.contoso\.local:444\/ecp\/proxyLogon\.ecp/);
  assert.equal(ssrfQuotes[0].fields?.ClientIpAddress, '165.232.154.116');
  // Line 8 has no event: quoted from the evidence file itself.
  assert.equal(ssrfQuotes[1].from, 'file');
  assert.match(ssrfQuotes[1].text, /^2021-03-03T02:24:09\.902Z,.*ResetOABVirtualDirectory/);
  assert.equal(m.webshells.length, 1);
  assert.equal(m.webshells[0].sha256, c.shellSha256);
  assert.equal(m.stories.length, 1);
  assert.deepEqual(m.stories[0].steps.map((s) => s.stage), ['ssrf', 'config-change', 'shell-written', 'shell-used']);
  assert.equal(m.stories[0].steps[1].quote?.from, 'event');
});

test('the analyst timeline holds exactly the starred, tagged, annotated and manual events', (t) => {
  const c = buildReportCase(tmpDir(t));
  t.after(() => c.db.close());
  const m = buildReportModel(c.db, { casePath: c.casePath });
  assert.deepEqual(new Set(m.timeline.map((e) => e.id)), new Set(Object.values(c.marked)));
  assert.equal(m.timelineTotal, 5);
  const starred = m.timeline.find((e) => e.id === c.marked.starred)!;
  assert.equal(starred.starred, true);
  assert.deepEqual(starred.tags, ['webshell']);
  assert.equal(m.timeline.find((e) => e.id === c.marked.noted)!.note, 'Attacker sets OAB ExternalUrl to a China Chopper stub');
  assert.equal(m.timeline.find((e) => e.id === c.marked.manual)!.manual, true);
});

test('indicators list the attacker IPs, the web shell hashes and path', (t) => {
  const c = buildReportCase(tmpDir(t));
  t.after(() => c.db.close());
  const m = buildReportModel(c.db, { casePath: c.casePath });
  const ips = m.indicators.filter((i) => i.type === 'ipv4').map((i) => i.value).sort();
  assert.deepEqual(ips, [...ATTACKER_IPS].sort());
  assert.ok(m.indicators.some((i) => i.type === 'sha256' && i.value === c.shellSha256));
  assert.ok(m.indicators.some((i) => i.type === 'filepath' && i.value === 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx'));
});

test('sections can be chosen, keeping the report order', (t) => {
  const c = buildReportCase(tmpDir(t));
  t.after(() => c.db.close());
  const m = buildReportModel(c.db, { casePath: c.casePath, sections: ['custody', 'summary'] });
  assert.deepEqual(m.sections, ['summary', 'custody']);
});

test('the manifest digest equals sort + sha256sum over the documented manifest lines', (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => c.db.close());
  const rows = c.db.prepare('SELECT rel_path, size, sha256 FROM files').all() as Array<{ rel_path: string; size: number; sha256: string }>;
  const manifest = path.join(dir, 'manifest.txt');
  fs.writeFileSync(manifest, rows.map((r) => `${r.rel_path}\t${r.size}\t${r.sha256}\n`).reverse().join(''));
  const sorted = execFileSync('sort', [manifest], { env: { ...process.env, LC_ALL: 'C' } });
  const expected = execFileSync('sha256sum', { input: sorted }).toString().split(' ')[0];
  assert.equal(manifestDigest(c.db), expected);
  const m = buildReportModel(c.db, { casePath: c.casePath });
  assert.equal(m.custody.manifestDigest, expected);
  assert.equal(m.custody.fileCount, 4);
  assert.equal(m.custody.totalBytes, rows.reduce((a, r) => a + r.size, 0));
  assert.deepEqual(m.custody.flaggedFiles.map((f) => [f.relPath, f.sha256]), [[c.shellRel, c.shellSha256]]);
  assert.equal(m.custody.verify?.ok, 4);
});

test('quotes find a line among thousands of events, and read a missing one from the file', (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => c.db.close());
  const rel = 'C/inetpub/logs/LogFiles/W3SVC2/u_ex210304.log';
  const lines = ['#Fields: date time c-ip cs-uri-stem sc-status'];
  for (let i = 0; i < 3000; i++) lines.push(`2021-03-04 00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} 10.1.2.${i % 250} /owa/ ${i}`);
  const abs = path.join(c.evidenceRoot, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, lines.join('\n') + '\n');
  const fileId = upsertFile(c.db, { sourceId: 1, relPath: rel, origPath: rel, size: 1, mtime: null, atime: null, ctime: null, btime: null, md5: null, sha1: null, sha256: null, kind: 'iis-log', parser: 'iis' });
  const ins = new EventInserter(c.db);
  c.db.transaction(() => {
    for (let i = 0; i < 3000; i++) {
      if (i === 1234) continue;
      ins.insert({ ts: 1614816000000000 + i, tsDesc: 'Request', source: 'iis', message: `row ${i}`, fields: { 'sc-status': i }, ref: { file: rel, line: i + 2 } }, fileId);
    }
  })();
  const q = new RefQuoter(c.db);
  assert.equal(q.quote({ file: rel, line: 2777 })?.text, 'row 2775');
  assert.equal(q.quote({ file: rel, line: 2 })?.text, 'row 0');
  const fromFile = q.quote({ file: rel, line: 1236 });
  assert.equal(fromFile?.from, 'file');
  assert.equal(fromFile?.text, lines[1235]);
  assert.equal(q.quote({ file: rel, line: 99999 })?.from, 'missing');
  assert.equal(q.quote({ file: rel }), null);
  assert.equal(readLine(path.join(dir, 'nope.log'), 1), null);
});

test('the log period comes from log entries, not from the collected copy\'s file times or manual notes', (t) => {
  const c = buildReportCase(tmpDir(t));
  t.after(() => c.db.close());
  const before = buildReportModel(c.db, { casePath: c.casePath }).evidenceRange;
  const ins = new EventInserter(c.db);
  ins.insert({ ts: Date.UTC(2026, 10, 29) * 1000, tsDesc: 'File Accessed', source: 'filesystem', message: 'copied', fields: {}, ref: { file: 'x' } }, null);
  ins.insert({ ts: Date.UTC(2016, 0, 1) * 1000, tsDesc: 'Analyst Note', source: 'manual', message: 'install date', fields: {}, ref: { file: '(manual)' } }, null, true);
  const after = buildReportModel(c.db, { casePath: c.casePath }).evidenceRange;
  assert.equal(after.first, before.first);
  assert.equal(after.last, before.last);
  assert.ok(after.first !== null && after.last !== null && after.last < Date.UTC(2022, 0, 1) * 1000);
  assert.equal(after.events, before.events + 2);
});
