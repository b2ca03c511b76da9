// End to end on the generated evidence corpus: generate, index (real walker, parsers, workers), run detections with
// the generator's attacker IOC list; every planted trace is found, no benign twin is flagged by the checks it names,
// each intrusion is its own story (time order, each request once), the scanner is only a scanner, mail is answered.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GeneratedManifest } from '../../fixtures/generate.ts';
import type { Db } from '../../../electron/case/db.ts';
import { getIntrusions, getVerdicts, getWebshells } from '../../../electron/detect/queries.ts';
import type { EvidenceRef } from '../../../shared/types.ts';
import { isoToMicros } from '../../../shared/types.ts';
import type { IndexProgress } from '../../../shared/api.ts';
import { assertBenignClean, assertPlantedFound, indexGenerated, sameRef } from './generated-case.ts';
import type { GeneratedCase, Row } from './generated-case.ts';

const refKey = (r: EvidenceRef): string => `${r.file}:${r.line ?? ''}:${r.record ?? ''}`;

let g: GeneratedCase;
let manifest: GeneratedManifest;
let db: Db;
let rows: Row[];
const detecting: IndexProgress[] = [];

before(async () => {
  g = await indexGenerated({ scale: 0.1, seed: 11, includeEvtx: false }, (p) => { if (p.phase === 'detecting') detecting.push(p); });
  ({ manifest, db, rows } = g);
});

after(() => g?.close());

describe('generated corpus', () => {
  it('detection progress: files scanned of to scan, and no ETA until the scan rate is known (issue 10 item 4; was 0 s)', () => {
    assert.equal(detecting[0].etaSeconds, null, 'no ETA before the scan has a rate');
    const scan = detecting.map((p) => p.detect).filter((d) => d);
    assert.ok(scan.length >= 2 && scan[0]!.filesDone === 0 && scan[0]!.filesTotal > 0, 'scan progress starts at 0 of the files to scan');
    assert.equal(scan.at(-1)!.filesDone, scan.at(-1)!.filesTotal);
  });

  it('every planted trace is found', () => assertPlantedFound(manifest, rows));

  it('no benign twin is flagged by the checks it names; review-only twins stay "needs review", outside every intrusion', () => assertBenignClean(manifest, rows));

  it('with the web roots collected, every shell requested in the logs is found by its file: no webshell.log-use finding repeats one', () => {
    assert.deepEqual(rows.filter((r) => r.check === 'webshell.log-use').map((r) => r.details.page), []);
  });

  it('every finding carries a confidence and a one-line reason', () => {
    for (const r of rows) {
      assert.ok(['confirmed', 'likely', 'review', 'info'].includes(r.confidence ?? ''), `${r.check}: ${r.confidence}`);
      assert.ok(r.reason && !r.reason.includes('\n'), `${r.check}: ${r.reason}`);
    }
    const stock = rows.find((r) => r.check === 'ioc.path' && r.path?.endsWith('TimeoutLogout.aspx'));
    assert.equal(stock?.confidence, 'review');
    assert.match(stock?.reason ?? '', /stock Exchange file/);
  });

  it('the verdicts: every ProxyLogon CVE exploited, from confirmed or likely hits', () => {
    const v = Object.fromEntries(getVerdicts(db).map((x) => [x.cve, x]));
    for (const cve of ['CVE-2021-26855', 'CVE-2021-26857', 'CVE-2021-26858', 'CVE-2021-27065']) {
      assert.equal(v[cve].verdict, 'exploited', cve);
      assert.ok(v[cve].confidence === 'confirmed' || v[cve].confidence === 'likely', `${cve}: ${v[cve].confidence}`);
      assert.equal(v[cve].window.label, 'Jan–Mar 2021');
    }
  });

  it('one story per intrusion, with its IPs, shells, first trace and mail answer', () => {
    const got = getIntrusions(db);
    assert.equal(got.length, manifest.intrusions.length);
    assert.equal(rows.filter((r) => r.check === 'story').length, manifest.intrusions.length);
    manifest.intrusions.forEach((want, i) => {
      const g = got[i];
      assert.equal(g.id, i + 1);
      assert.deepEqual([...g.ips].sort(), [...want.ips].sort(), `intrusion ${i + 1} IPs`);
      assert.deepEqual([...g.shells].map((x) => x.toLowerCase()).sort(), want.shells.map((x) => x.toLowerCase()).sort(), `intrusion ${i + 1} shells`);
      assert.equal(g.firstSeen, isoToMicros(want.first), `intrusion ${i + 1} first seen`);
      assert.equal(g.mail.answer, want.mail, `intrusion ${i + 1}: ${g.mail.summary}`);
      assert.equal(g.mail.addressBook, want.addressBook);
      assert.ok(g.mail.findingIds.length > 0 && g.mail.findingIds.every((id) => rows.some((r) => r.id === id && r.check.startsWith('mail.'))));
      assert.deepEqual(g.stages, ['scan', 'ssrf', 'config-change', 'shell-written', 'shell-used', 'follow-on']);
    });
    const [one, two] = got;
    assert.ok(one.lastSeen! < two.firstSeen!, 'the intrusions do not overlap');
  });

  it('each story is in time order and lists each request once (IIS line and HttpProxy row joined)', () => {
    for (const g of getIntrusions(db)) {
      const times = g.steps.map((s) => s.ts).filter((t): t is number => t !== null);
      assert.deepEqual(times, [...times].sort((a, b) => a - b), `intrusion ${g.id} in time order`);
      const keys = g.steps.flatMap((s) => [s.ref, ...s.also]).map(refKey);
      assert.equal(new Set(keys).size, keys.length, `intrusion ${g.id}: a ref in two steps`);
      const ssrf = g.steps.filter((s) => s.kind === 'ssrf' || s.kind === 'mailbox-access' || s.kind.startsWith('vdir-'));
      const joined = ssrf.filter((s) => s.also.some((a) => a.file.includes('/W3SVC1/')));
      assert.ok(joined.length >= 5, `intrusion ${g.id}: SSRF requests with their IIS line joined (${joined.length})`);
      for (const ip of g.ips) assert.ok(g.steps.some((s) => s.ip === ip), `${ip} acts in its story`);
    }
  });

  it('the scanner gets its own low, informational finding, joins no story, and its shell GET is no shell use', () => {
    const ip = manifest.scanners[0];
    const scan = rows.filter((r) => r.check === 'scan');
    assert.deepEqual(scan.map((r) => r.details.ip), [ip]);
    assert.equal(scan[0].severity, 'low');
    assert.equal(scan[0].confidence, 'info');
    assert.ok(!rows.some((r) => r.check === 'hafnium.request' && r.details.ip === ip), 'no HAFNIUM-pattern finding for a scanner');
    assert.ok(!getIntrusions(db).some((g) => g.ips.includes(ip)));
    const chopper = getWebshells(db).find((w) => w.origPath.endsWith('discover.aspx'))!;
    assert.ok(chopper.requests.some((r) => r.ip === ip), 'the scanner\'s GET is listed among the requests');
    assert.ok(!chopper.attackerIps.includes(ip), 'but it did not use the shell');
  });

  it('hafnium.request: the CHIRP POSTs are found, only attacker IPs are flagged', () => {
    const chirp = db.prepare(`SELECT f.rel_path AS file, e.line, e.url FROM events e JOIN files f ON f.id = e.file_id
      WHERE e.source = 'iis' AND e.method = 'POST' AND e.url IN ('/ecp/y.js', '/ecp/default.flt', '/ecp/main.css')`).all() as Array<{ file: string; line: number; url: string }>;
    assert.deepEqual([...new Set(chirp.map((c) => c.url))].sort(), ['/ecp/default.flt', '/ecp/main.css', '/ecp/y.js']);
    const hafnium = rows.filter((r) => r.check === 'hafnium.request');
    for (const c of chirp) assert.ok(hafnium.some((r) => r.evidence.some((x) => sameRef(x, c))), `CHIRP POST ${c.url} not found: ${c.file}:${c.line}`);
    assert.ok(hafnium.length > 0);
    for (const r of hafnium) assert.ok(manifest.attackerIps.includes(String(r.details.ip)), `hafnium.request flagged a non-attacker client ${String(r.details.ip)}`);
    const shells = getWebshells(db);
    assert.equal(shells.length, manifest.planted.filter((p) => p.check === 'webshell').length);
    for (const s of shells) assert.ok(s.attackerIps.some((x) => manifest.attackerIps.includes(x)), `${s.origPath} tied to an attacker IP`);
  });
});
