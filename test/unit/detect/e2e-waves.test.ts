// End to end on the multi-wave server: the generator plants ProxyLogon (March 2021), ProxyShell (Aug 2021),
// ProxyNotShell (Oct 2022) and OWASSRF (Dec 2022) on the same EXCH01, each in its own period with its benign twins;
// indexed for real, every CVE gets the expected verdict, every planted trace is found, no twin is flagged, each wave's
// intruder is its own story and each scanner only a scanner.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { CVE_CHECKS } from '../../../electron/detect/cve-registry.ts';
import { getIntrusions, getVerdicts, getWebshells } from '../../../electron/detect/queries.ts';
import { buildReportModel, escapeHtml, renderReportHtml } from '../../../electron/report/index.ts';
import { waveFacts } from '../../../electron/report/waves.ts';
import { isoToMicros } from '../../../shared/types.ts';
import { assertBenignClean, assertPlantedFound, indexGenerated } from './generated-case.ts';
import type { GeneratedCase } from './generated-case.ts';

let g: GeneratedCase;

before(async () => { g = await indexGenerated({ scale: 0.1, seed: 5, includeEvtx: false, waves: true }); });
after(() => g?.close());

/** The verdict table the closing note quotes: check → [CVE, wave, verdict]. */
export const EXPECTED: Record<string, [string, string, string]> = {
  'proxylogon.cve-2021-26855': ['CVE-2021-26855', 'ProxyLogon (March 2021)', 'exploited'],
  'proxylogon.cve-2021-26857': ['CVE-2021-26857', 'ProxyLogon (March 2021)', 'exploited'],
  'proxylogon.cve-2021-26858': ['CVE-2021-26858', 'ProxyLogon (March 2021)', 'exploited'],
  'proxylogon.cve-2021-27065': ['CVE-2021-27065', 'ProxyLogon (March 2021)', 'exploited'],
  'proxyshell.cve-2021-34473': ['CVE-2021-34473', 'ProxyShell (August 2021)', 'exploited'],
  'proxyshell.cve-2021-34523': ['CVE-2021-34523', 'ProxyShell (August 2021)', 'exploited'],
  'proxyshell.cve-2021-31207': ['CVE-2021-31207', 'ProxyShell (August 2021)', 'exploited'],
  'proxynotshell.cve-2022-41040': ['CVE-2022-41040', 'ProxyNotShell (September 2022)', 'exploited'],
  'proxynotshell.cve-2022-41082': ['CVE-2022-41082', 'ProxyNotShell (September 2022)', 'exploited'],
  'owassrf.cve-2022-41080': ['CVE-2022-41080', 'OWASSRF (December 2022)', 'exploited'],
  'owassrf.cve-2022-41082': ['CVE-2022-41082', 'OWASSRF (December 2022)', 'exploited'],
};

describe('multi-wave server', () => {
  it('the manifest records each wave\'s period and what was written in it', () => {
    assert.deepEqual(g.manifest.waves.map((w) => [w.wave, w.from.slice(0, 10), w.to.slice(0, 10)]), [
      ['ProxyShell (August 2021)', '2021-08-10', '2021-08-14'],
      ['ProxyNotShell (September 2022)', '2022-10-03', '2022-10-07'],
      ['OWASSRF (December 2022)', '2022-12-05', '2022-12-09'],
    ]);
    assert.deepEqual(g.manifest.waves.map((w) => w.planted), [
      { 'proxyshell.cve-2021-34473': 6, 'proxyshell.cve-2021-34523': 3, 'proxyshell.cve-2021-31207': 3, webshell: 1, scan: 1 },
      { 'proxynotshell.cve-2022-41040': 3, 'proxynotshell.cve-2022-41082': 2, scan: 2 },
      { 'proxynotshell.cve-2022-41040': 1, 'owassrf.cve-2022-41080': 3, 'owassrf.cve-2022-41082': 1 },
    ]);
    for (const w of g.manifest.waves) assert.ok((w.events.iis ?? 0) > 0 && w.benign > 0, w.wave);
  });

  it('the expected verdict per CVE, grouped by wave', () => {
    const got = Object.fromEntries(getVerdicts(g.db).map((v) => [v.check, [v.cve, v.wave, v.verdict]]));
    assert.deepEqual(got, EXPECTED);
  });

  it('every planted trace is found', () => assertPlantedFound(g.manifest, g.rows));

  it('no benign twin is flagged by the checks it names', () => assertBenignClean(g.manifest, g.rows));

  it('each wave\'s intruder is its own story, in the order they came, with its first trace', () => {
    const got = getIntrusions(g.db);
    assert.equal(got.length, g.manifest.intrusions.length);
    g.manifest.intrusions.forEach((want, i) => {
      assert.deepEqual([...got[i].ips].sort(), [...want.ips].sort(), `intrusion ${i + 1} IPs`);
      assert.deepEqual(got[i].shells.map((x) => x.toLowerCase()).sort(), want.shells.map((x) => x.toLowerCase()).sort(), `intrusion ${i + 1} shells`);
      assert.equal(got[i].firstSeen, isoToMicros(want.first), `intrusion ${i + 1} first seen`);
      assert.equal(got[i].mail.answer, want.mail, `intrusion ${i + 1}: ${got[i].mail.summary}`);
    });
    const [, , ps, pns, owa] = got;
    assert.ok(ps.stages.includes('shell-written') && ps.stages.includes('shell-used'), `ProxyShell stages ${ps.stages.join(',')}`);
    assert.ok(pns.steps.some((s) => /CVE-2022-41082/.test(s.text)), 'the PowerShell worker\'s children are in the ProxyNotShell story');
    assert.ok(owa.steps.some((s) => /CVE-2022-41082/.test(s.text)), 'and in the OWASSRF story');
  });

  it('the ProxyShell web shell is matched by the PST-export rule and tied to its intruder', () => {
    const shell = getWebshells(g.db).find((w) => w.origPath.endsWith('x7Fq2.aspx'))!;
    assert.ok(shell.rules.includes('Loupe_WebShell_PST_Export_Script'), shell.rules.join(','));
    assert.deepEqual(shell.attackerIps, ['192.0.2.81']);
  });

  it('each scanner gets its own informational finding and joins no story', () => {
    const scans = g.rows.filter((r) => r.check === 'scan').map((r) => String(r.details.ip)).sort();
    assert.deepEqual(scans, [...g.manifest.scanners].sort());
    const ips = getIntrusions(g.db).flatMap((x) => x.ips);
    for (const ip of g.manifest.scanners) assert.ok(!ips.includes(ip), ip);
  });

  it('the report names the waves that reached the server, each one\'s first trace and what followed; its methodology cites each check\'s source', () => {
    const m = buildReportModel(g.db, { casePath: path.join(g.dir, 'case.loupe') });
    const html = renderReportHtml(m);
    const summary = html.slice(html.indexOf('id="summary"'), html.indexOf('id="', html.indexOf('id="summary"') + 5));
    assert.match(summary, /<b>ProxyLogon \(March 2021\), ProxyShell \(August 2021\), ProxyNotShell \(September 2022\) and OWASSRF \(December 2022\)<\/b> reached this server/);
    const facts = waveFacts(m.verdicts, m.stories);
    assert.deepEqual(facts.map((f) => [f.wave, f.reached]), Object.values(EXPECTED).map(([, w]) => w).filter((w, i, a) => a.indexOf(w) === i).map((w) => [w, 'exploited']));
    for (const w of g.manifest.waves) {
      const f = facts.find((x) => x.wave === w.wave)!;
      const mine = g.manifest.intrusions.filter((i) => f.intrusions.some((x) => x.ips.some((ip) => i.ips.includes(ip))));
      assert.ok(mine.length > 0, `${w.wave}: an intrusion follows it`);
      const intruderFirst = Math.min(...mine.map((i) => isoToMicros(i.first)));
      // The OWASSRF intruder first tried ProxyNotShell's pattern (refused 403): that attempt is ProxyNotShell's, not OWASSRF's.
      if (w.wave === 'OWASSRF (December 2022)') assert.ok(f.firstSeen! > intruderFirst, `${w.wave} first seen after the intruder's ProxyNotShell attempt`);
      else assert.equal(f.firstSeen, intruderFirst, `${w.wave} first seen`);
      assert.ok(f.firstSeen! >= isoToMicros(w.from) && f.firstSeen! <= isoToMicros(w.to), `${w.wave} first seen inside its period`);
    }
    const ps = facts.find((f) => f.wave === 'ProxyShell (August 2021)')!;
    assert.ok(ps.intrusions.some((i) => i.shells.some((x) => x.endsWith('x7Fq2.aspx')) && i.stages.includes('shell-used')), 'what followed ProxyShell: its web shell, used');
    assert.ok(summary.includes('x7Fq2.aspx'), 'the summary names the shell that followed');
    for (const c of CVE_CHECKS) {
      assert.equal(m.methodology.checks.find((x) => x.check === c.check)?.source, c.source, c.check);
      assert.ok(html.includes(escapeHtml(c.source)), `methodology cites ${c.source}`);
    }
  });
});
