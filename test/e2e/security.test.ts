// Hostile text in logs and web shells shows as text and runs nothing; the page carries the CSP.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { closeSession, createAndIndex, e2eUnavailable, openSession, screenshot, writeHostileEvidence } from './harness.ts';
import type { Session } from './harness.ts';

const skip = e2eUnavailable();
let s: Session | undefined;
let hostile: ReturnType<typeof writeHostileEvidence>;

before(async () => {
  if (skip) return;
  s = await openSession('loupe-e2e-sec-');
  hostile = writeHostileEvidence(path.join(s.tmp, 'evidence'));
  await createAndIndex(s.page, path.join(s.tmp, 'hostile.loupe'), path.join(s.tmp, 'evidence'));
});

after(() => closeSession(s));

/** Nothing the attacker wrote may have become markup or run. */
async function assertInert(sess: Session): Promise<void> {
  const scriptTags = sess.page.locator('script');
  const dom = {
    flag: await sess.page.evaluate(() => (globalThis as { __loupe_xss?: number }).__loupe_xss ?? null),
    imgs: await sess.page.locator('img').count(),
    scripts: await Promise.all(Array.from({ length: await scriptTags.count() }, (_, i) => scriptTags.nth(i).getAttribute('src'))),
  };
  assert.equal(dom.flag, null);
  assert.equal(dom.imgs, 0);
  assert.equal(dom.scripts.every((src) => src !== null && src.startsWith('./assets/')), true, JSON.stringify(dom.scripts));
  assert.deepEqual(sess.sideEffects.filter((x) => !/Failed to load resource/.test(x)), []);
}

test('the page is served with the CSP header and the meta CSP, and no inline script', { skip: skip ?? false }, async () => {
  const res = await s!.page.request.get(s!.server.url.replace(/\?.*$/, ''));
  const csp = res.headers()['content-security-policy'];
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const meta = await s!.page.getAttribute('meta[http-equiv=Content-Security-Policy]', 'content');
  assert.match(meta ?? '', /script-src 'self'/);
});

test('a log line with <img onerror> and <script> shows as text in the grid and the detail pane', { skip: skip ?? false }, async () => {
  const { page } = s!;
  await page.click('a:has-text("Timeline")');
  await page.fill('input[name=search]', 'onerror');
  await page.press('input[name=search]', 'Enter');
  // Rows from before the search stay on screen until it answers: wait for the hostile one.
  await page.locator('[data-testid=timeline-grid] [role=row]', { hasText: 'xss.aspx' }).first().waitFor();
  const row = page.locator('[data-testid=timeline-grid] [role=row]').first();
  const message = await row.locator('.c-msg').textContent();
  assert.equal(message, `POST /aspnet_client/system_web/xss.aspx?q=<img+src=x+onerror=alert("xss-log")> → 200 from ${hostile.ip} [<script>alert("xss-ua")</script>]`);
  await row.click();
  const raw = await page.locator('[data-testid=event-raw]').textContent();
  assert.match(raw ?? '', /<script>alert\("xss-ua"\)<\/script>/);
  await screenshot(page, 'security-timeline');
  await assertInert(s!);
});

test('a web shell whose body holds <script> and <img onerror> previews as text', { skip: skip ?? false }, async () => {
  const { page } = s!;
  await page.click('a:has-text("Files & hashes")');
  await page.fill('input[name=fileSearch]', 'xss.aspx');
  await page.press('input[name=fileSearch]', 'Enter');
  // The unfiltered list is on screen until the search answers: wait for the filtered one.
  await page.locator('.files-grid [data-file-id] .f-path', { hasText: 'xss.aspx' }).first().waitFor();
  const path = await page.locator('.files-grid [data-file-id] .f-path').first().textContent();
  assert.equal(path, 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\xss.aspx');
  // The Web shells view needs the detections; the preview itself is checked through it when they exist.
  await page.click('a:has-text("Web shells")');
  const first = page.locator('.webshells .list li button', { hasText: 'xss.aspx' }).first();
  await first.waitFor({ timeout: 10_000 });
  await first.click();
  const preview = await page.locator('[data-testid=preview]').textContent();
  assert.match(preview ?? '', /<script>window.__loupe_xss = 1; alert\("xss-script"\)<\/script>/);
  assert.match(preview ?? '', /<img src=x onerror=alert\("xss-img"\)>/);
  await screenshot(page, 'security-webshell');
  await assertInert(s!);
});

test('item 16: a bidi override in a web shell\'s name shows as ⟨U+202E⟩ in the Web shells view, never reordering it', { skip: skip ?? false }, async () => {
  const { page } = s!;
  await page.click('a:has-text("Web shells")');
  const item = page.locator('.webshells .list li button', { hasText: '⟨U+202E⟩xcod.aspx' }).first();
  await item.waitFor({ timeout: 10_000 });
  assert.equal(await item.textContent(), 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\⟨U+202E⟩xcod.aspx');
  await item.click();
  assert.equal(await page.locator('[data-testid=webshell-detail] h2').textContent(), 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\⟨U+202E⟩xcod.aspx');
  const text = await page.locator('body').innerText();
  assert.equal(text.includes('\u202e'), false, 'no raw override anywhere on the page');
  await screenshot(page, 'security-bidi');
});
