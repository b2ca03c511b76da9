// The Report view in the browser mode: live preview in a script-less sandboxed iframe, section choice, export.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { closeSession, e2eUnavailable, openSession, screenshot, writeHostileEvidence, type Session } from '../../e2e/harness.ts';

test('Report view: sandboxed live preview follows the chosen sections, evidence HTML stays text, HTML export writes the file', async (t) => {
  const why = e2eUnavailable();
  if (why) { t.skip(why); return; }
  let s: Session | undefined;
  try {
    s = await openSession('loupe-report-view-');
    const evidence = path.join(s.tmp, 'evidence');
    writeHostileEvidence(evidence);
    const casePath = path.join(s.tmp, 'acme.loupe');
    // The case is made through the same service the UI talks to; then the page is reloaded onto the Report view.
    await s.service.createCase({ path: casePath, meta: { client: 'Contoso Ltd', caseNumber: 'IR-2021-031' } });
    await s.service.addEvidence({ root: evidence });
    await s.service.startIndex({});
    await s.service.indexJob?.done;
    const page = s.page;
    await page.goto(page.url().replace(/#.*$/, '') + '#/report');
    await page.reload();
    const frame = page.frameLocator('iframe[title="Report preview"]');
    await frame.locator('#summary').waitFor({ timeout: 30_000 });
    assert.equal(await page.getAttribute('iframe[title="Report preview"]', 'sandbox'), '');
    assert.equal(await frame.locator('#warnings').count(), 1);
    // Styled: the report stylesheet passes the app's CSP by its hash (headings in the report's accent colour).
    assert.equal(await frame.locator('#summary h2').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color), 'rgb(31, 78, 121)');
    // Hostile log text quoted in the report is text inside the preview, never markup.
    assert.equal(await frame.locator('script, img[onerror]').count(), 0);

    await page.uncheck('input[name=section-warnings]');
    await page.fill('input[name=companyName]', 'Northwind <Forensics>');
    await frame.locator('#warnings').waitFor({ state: 'detached', timeout: 15_000 });
    await frame.locator('.company:has-text("Northwind <Forensics>")').waitFor({ timeout: 15_000 });
    await screenshot(page, 'report-view');

    await page.click('button[data-format=html]');
    const status = await page.locator('[role=status]').textContent({ timeout: 15_000 });
    assert.match(status ?? '', /Wrote .*acme-report\.html/);
    const written = fs.readFileSync(path.join(s.tmp, 'acme-report.html'), 'utf8');
    assert.ok(written.includes('id="summary"') && !written.includes('id="warnings"'));
    assert.ok(written.includes('Northwind &lt;Forensics&gt;'));
    assert.deepEqual(s.sideEffects, []);
  } finally {
    await closeSession(s);
  }
});
