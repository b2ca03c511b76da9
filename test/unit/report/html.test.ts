import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { REPORT_SECTIONS } from '../../../shared/api.ts';
import { buildReportModel, findChromium, renderReportHtml } from '../../../electron/report/index.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { buildReportCase, SCRIPT_UA } from './fixture.ts';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

function reportFor(t: Parameters<typeof tmpDir>[0], extra: Parameters<typeof buildReportModel>[1] extends infer O ? Partial<O> : never = {}) {
  const c = buildReportCase(tmpDir(t));
  t.after(() => c.db.close());
  return { c, html: renderReportHtml(buildReportModel(c.db, { casePath: c.casePath, ...extra })) };
}

test('the HTML has every section, the planted findings and the starred events', (t) => {
  const { c, html } = reportFor(t);
  for (const s of REPORT_SECTIONS) assert.match(html, new RegExp(`<section class="section" id="${s}">`), `section ${s}`);
  for (const title of c.findingTitles) assert.ok(html.includes(title.replace(/&/g, '&amp;').replace(/"/g, '&quot;')), `finding ${title}`);
  assert.ok(html.includes('<span class="star">★</span> POST /aspnet_client/supp0rt.aspx 200 86.105.18.116 antSword/v2.1'));
  assert.ok(html.includes('Client IT disconnected EXCH01 from the network'));
  assert.ok(html.includes('<span class="badge exploited">Exploited</span>'));
  assert.ok(html.includes('Contoso Ltd &amp; &quot;Partners&quot;'));
});

test('the HTML is self-contained: inline CSS, no script, no external reference', (t) => {
  const { html } = reportFor(t, { logoDataUrl: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==' });
  assert.equal((html.match(/<script/gi) ?? []).length, 0, 'no script element survives');
  assert.ok(html.includes('&lt;script&gt;alert(&quot;ua&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;'));
  assert.doesNotMatch(html, /<link\b|@import|url\(|\b(?:src|href)="(?!data:)/i);
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
  assert.match(html, /<img src="data:image\/png;base64,/);
  assert.match(html, /@page \{[^}]*size: A4/);
});

test('opened in Chromium the report makes no request and shows evidence <script> as text', async (t) => {
  const executablePath = findChromium();
  if (!executablePath) { t.skip('Chromium not installed (apt install chromium)'); return; }
  const { html } = reportFor(t);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  await page.setContent(html, { waitUntil: 'load' });
  const text = await page.locator('#timeline').innerText();
  assert.ok(text.includes(SCRIPT_UA), 'the user agent with <script> is shown verbatim as text');
  assert.equal(await page.locator('img[onerror], script').count(), 0);
  assert.ok((await page.locator('#findings').innerText()).includes('<script language="JScript" runat="server">'));
  assert.deepEqual(dialogs, []);
  assert.deepEqual(requests.filter((u) => !u.startsWith('data:') && u !== 'about:blank'), []);
});

test('the app CSPs (header and index.html meta) allow the report stylesheet by its hash, never unsafe-inline', async () => {
  const { reportStyleHash } = await import('../../../electron/report/index.ts');
  const { CSP } = await import('../../../electron/web.ts');
  const { repoRoot } = await import('../../helpers/tmp.ts');
  const fs = await import('node:fs');
  const meta = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(fs.readFileSync(`${repoRoot}/renderer/index.html`, 'utf8'))?.[1] ?? '';
  const hash = reportStyleHash();
  for (const policy of [CSP, meta]) {
    assert.ok(policy.includes(`style-src 'self' ${hash}`), `update the report stylesheet hash to ${hash} in: ${policy}`);
    assert.doesNotMatch(policy, /unsafe-inline/);
  }
});
