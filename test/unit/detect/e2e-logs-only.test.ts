// End to end on the generated multi-wave server when the triage did not collect the web roots (the shells were
// deleted, or inetpub and the Exchange FrontEnd folder were skipped): only the request logs tell the shells were
// used. Every planted shell is still found (by webshell.log-use, or by the check that logged its write), nothing
// benign is, and each shell joins the story of the intruder who drove it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { getIntrusions } from '../../../electron/detect/queries.ts';
import { buildReportModel, escapeHtml, renderReportHtml } from '../../../electron/report/index.ts';
import { isWebRoot, urlPathsFor } from '../../../electron/detect/paths.ts';
import { indexGenerated, sameRef } from './generated-case.ts';
import type { GeneratedCase } from './generated-case.ts';

let g: GeneratedCase;
const removed: string[] = [];

/** Every file under a web root (inetpub\wwwroot, FrontEnd\HttpProxy, ClientAccess, Temporary ASP.NET Files) is left out. */
const dropWebRoots = (m: GeneratedCase['manifest']): void => {
  for (const f of m.files) {
    if (!isWebRoot(f.path.replace(/^C(%3A)?\//, 'C:/'))) continue;
    fs.rmSync(path.join(m.root, f.path), { force: true });
    removed.push(f.path);
  }
};

before(async () => { g = await indexGenerated({ scale: 0.1, seed: 5, includeEvtx: false, waves: true }, undefined, dropWebRoots); });
after(() => g?.close());

const name = (p: string): string => p.split(/[\\/]/).pop()!.toLowerCase();
const logUse = (): GeneratedCase['rows'] => g.rows.filter((r) => r.check === 'webshell.log-use');

describe('generated corpus without its web roots', () => {
  it('no shell file is in the evidence, so no YARA or path finding names one', () => {
    const shells = g.manifest.planted.filter((p) => p.check === 'webshell').map((p) => p.path!);
    assert.equal(shells.length, 5);
    assert.ok(removed.length >= shells.length, `${removed.length} files removed`);
    assert.deepEqual(g.rows.filter((r) => (r.check === 'webshell' && r.details.kind === 'file') || r.check === 'ioc.path' || r.check === 'ioc.hash').map((r) => r.path), []);
  });

  it('every planted shell is found: four by their POSTs in the logs (high, likely, naming the intruder), the fifth by the OAB log line that wrote it', () => {
    const byPage = new Map(logUse().map((r) => [String(r.details.page), r]));
    for (const p of g.manifest.planted.filter((x) => x.check === 'webshell')) {
      const [url] = urlPathsFor(p.path!);
      const f = byPage.get(url);
      if (name(p.path!) === 'discover.aspx') {
        // China Chopper written through CVE-2021-26858: the OABGenerator line names the file, so it has its finding already
        assert.equal(f, undefined, 'no second finding');
        assert.ok(g.rows.some((r) => r.check === 'proxylogon.cve-2021-26858' && r.path === p.path), p.path);
        continue;
      }
      assert.ok(f, `${p.path} (${url}) not found from the logs`);
      assert.equal(f.severity, 'high');
      assert.ok(f.confidence === 'likely', `${url}: ${f.confidence}`);
      const clients = (f.details.clients as Array<{ ip: string }>).map((c) => c.ip);
      assert.ok(clients.length >= 1 && clients.every((ip) => g.manifest.intrusions.some((i) => i.ips.includes(ip))), `${url}: ${clients.join(', ')}`);
    }
    assert.equal(byPage.size, 4, [...byPage.keys()].join(', '));
  });

  it('no benign request is flagged: users\' OWA/EWS/ActiveSync/Autodiscover/MAPI traffic, the administrator\'s ECP visits, monitoring, the scanners, every benign twin', () => {
    const shellUrls = new Set(g.manifest.planted.filter((p) => p.check === 'webshell').flatMap((p) => urlPathsFor(p.path!)));
    for (const r of logUse()) assert.ok(shellUrls.has(String(r.details.page)), `flagged a page that is no shell: ${String(r.details.page)}`);
    for (const b of g.manifest.benign) {
      for (const e of b.evidence ?? []) {
        assert.deepEqual(logUse().filter((r) => r.evidence.some((x) => sameRef(x, e))).map((r) => r.details.page), [], `benign flagged: ${b.what}`);
      }
    }
  });

  it('each shell joins the story of the intruder who drove it, which reaches "shell-used"', () => {
    const got = getIntrusions(g.db);
    assert.equal(got.length, g.manifest.intrusions.length);
    g.manifest.intrusions.forEach((want, i) => {
      assert.deepEqual([...got[i].ips].sort(), [...want.ips].sort(), `intrusion ${i + 1} IPs`);
      assert.deepEqual(got[i].shells.map(name).sort(), want.shells.map(name).sort(), `intrusion ${i + 1} shells`);
      if (want.shells.length) assert.ok(got[i].stages.includes('shell-used'), `intrusion ${i + 1}: ${got[i].stages.join(', ')}`);
    });
  });

  it('the report lists each page with its title and evidence, and its methodology describes the check with its count', () => {
    const m = buildReportModel(g.db, { casePath: path.join(g.dir, 'case.loupe') });
    const html = renderReportHtml(m);
    const check = m.methodology.checks.find((c) => c.check === 'webshell.log-use');
    assert.equal(check?.findings, 4);
    assert.match(check?.description ?? '', /^Web-shell use seen in IIS\/HttpProxy\/access logs when the shell file was not collected/);
    for (const r of logUse()) {
      const title = (g.db.prepare('SELECT title FROM findings WHERE id = ?').pluck().get(r.id)) as string;
      assert.ok(html.includes(escapeHtml(title)), title);
      assert.ok(html.includes(escapeHtml(r.evidence[0].file)), r.evidence[0].file);
    }
  });
});
