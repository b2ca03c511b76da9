// How sure Loupe is, in Chromium against browser mode on a generated case with two intrusions and a scanner: the
// confidence next to every finding, one story page per intrusion with its mail answer, the timeline opening on the log
// period, and the "incomplete case" banner on every view once an evidence folder is added but not indexed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { CONFIDENCE_LABELS } from '../../shared/types.ts';
import { closeSession, createAndIndex, e2eUnavailable, openSession, screenshot } from './harness.ts';
import type { Session } from './harness.ts';
import type { GeneratedManifest } from '../fixtures/generate.ts';

const skip = e2eUnavailable();
let s: Session | undefined;
let manifest: GeneratedManifest;
const opts = { skip: skip ?? false };
const VIEWS = ['Case', 'Findings', 'Web shells', 'Timeline', 'Files & hashes', 'Report', 'Story'];

before(async () => {
  if (skip) return;
  const { generateEvidence } = await import('../fixtures/generate.ts');
  s = await openSession('loupe-e2e-verdicts-');
  manifest = await generateEvidence(path.join(s.tmp, 'EXCH01'), { scale: 0.2, seed: 21 });
  await createAndIndex(s.page, path.join(s.tmp, 'contoso.loupe'), manifest.root);
});

after(() => closeSession(s));

test('a complete case shows no banner; Findings shows each finding\'s confidence and reason, scanners apart', opts, async () => {
  const { page, service } = s!;
  await page.click('a:has-text("Findings")');
  await page.locator('[data-testid="verdict-CVE-2021-26855"]').waitFor();
  assert.equal(await page.locator('[data-testid=incomplete-banner]').count(), 0);
  const rows = (await service.listFindings({})).filter((f) => f.check !== 'story');
  const items = page.locator('[data-testid=finding]');
  await items.first().waitFor();
  assert.equal(await items.count(), rows.length);
  for (const f of rows) {
    const li = page.locator(`[data-testid=finding][data-check="${f.check}"]`).filter({ hasText: f.title }).first();
    assert.equal(await li.locator('[data-testid=confidence]').textContent(), CONFIDENCE_LABELS[f.confidence!], f.title);
    assert.ok((await li.locator('[data-testid=confidence-reason]').textContent())?.endsWith(f.confidenceReason!), f.title);
  }
  const scanned = page.locator('[data-testid=scanned-by] [data-testid=finding]');
  assert.equal(await scanned.count(), 1);
  assert.match((await scanned.textContent()) ?? '', new RegExp(`Scanned by ${manifest.scanners[0].replace(/\./g, '\\.')}`));
  assert.equal(await scanned.locator('[data-testid=confidence]').textContent(), 'informational');
  const stock = page.locator('[data-testid=finding][data-check="ioc.path"]').filter({ hasText: 'TimeoutLogout.aspx' });
  assert.equal(await stock.locator('[data-testid=confidence]').textContent(), 'needs review');
  await page.selectOption('select[aria-label=Confidence]', 'shareable');
  await page.locator('[data-testid=finding][data-confidence=review]').first().waitFor({ state: 'detached' });
  const shareable = await Promise.all((await page.locator('[data-testid=finding]:not([data-check=scan])').all()).map((l) => l.getAttribute('data-confidence')));
  assert.ok(shareable.length > 0 && shareable.every((c) => c === 'confirmed' || c === 'likely'), shareable.join());
  await page.selectOption('select[aria-label=Confidence]', 'all');
  await screenshot(page, 'findings-confidence');
});

test('the Findings page lists each intrusion with its mail answer; its story is a page of its own, steps in time order', opts, async () => {
  const { page, service } = s!;
  const intrusions = await service.listIntrusions();
  assert.equal(intrusions.length, manifest.intrusions.length);
  await page.click('a:has-text("Findings")');
  for (const i of intrusions) {
    const card = page.locator(`[data-testid=intrusion-${i.id}]`);
    await card.waitFor();
    assert.equal(await card.locator('[data-testid=mail-answer]').textContent(), { exported: 'mail exported', accessed: 'mail accessed', 'no-evidence': 'no sign of mail access', 'not-covered': 'not covered by the logs' }[i.mail.answer]);
  }
  await page.locator('[data-testid=intrusion-2] button:has-text("Open the story")').click();
  await page.locator('[data-testid=story-2]').waitFor();
  for (const i of intrusions) {
    await page.locator('.story-list button').filter({ hasText: `Intrusion ${i.id}` }).click();
    const story = page.locator(`[data-testid=story-${i.id}]`);
    await story.waitFor();
    const steps = story.locator('[data-testid=story-step]');
    assert.equal(await steps.count(), i.steps.length);
    const times = (await steps.locator('td.t').allTextContents()).filter(Boolean);
    assert.deepEqual(times, [...times].sort(), `intrusion ${i.id}: time order`);
    assert.match((await story.locator('[data-testid=story-mail]').textContent()) ?? '', new RegExp(`Was mail accessed or taken\\?.*${i.mail.answer === 'exported' ? 'mail exported' : 'mail accessed'}`));
    assert.equal(manifest.intrusions[i.id - 1].mail, i.mail.answer);
    await screenshot(page, `story-${i.id}`);
  }
  // A step's evidence link opens that request in the timeline.
  const first = intrusions[0].steps.find((x) => x.ref.line !== undefined)!;
  await page.locator('.story-list button').filter({ hasText: 'Intrusion 1' }).click();
  await page.locator('[data-testid=story-1] [data-testid=story-step]').first().locator('button.ref').first().click();
  // The detail pane may still show the event opened before while the step's event loads: wait for that one's ref.
  const want = `${first.ref.file}:${first.ref.line}`;
  await page.locator('[data-testid=event-ref]', { hasText: want }).waitFor({ timeout: 30_000 })
    .catch(async () => assert.fail(`event-ref shows ${await page.textContent('[data-testid=event-ref]')}, not ${want}`));
  assert.ok((await page.textContent('[data-testid=event-ref]'))?.startsWith(want));
});

test('the timeline opens on the log period, leaving the evidence copy\'s own times out', opts, async () => {
  const { page, service } = s!;
  const range = await service.timelineRange();
  assert.equal(range.default?.basis, 'logs');
  assert.ok(range.copyEvents > 0, 'the copy made today gave every file a "File Created (copy)" event');
  // A plain link to the timeline (no filters in it); the Timeline tab would bring back the view left earlier.
  await page.click('a:has-text("Case")');
  await page.goto(new URL('#/timeline', page.url()).href);
  await page.locator('[data-testid=default-range]').waitFor();
  assert.match((await page.textContent('[data-testid=default-range]')) ?? '', /^Opened on the log period \(2021-02-20 → 2021-03-10\); [\d,]+ evidence-copy times/);
  const inRange = (await service.queryTimeline({ from: range.default!.from, to: range.default!.to, limit: 1 })).total!;
  await page.waitForSelector(`[data-testid=timeline-count]:has-text("${inRange.toLocaleString('en-US')} events")`);
  const axis = await page.locator('.hist-axis span').allTextContents();
  assert.ok(axis[0].startsWith('2021-02-20') && axis[1].startsWith('2021-03-1'), `histogram axis ${axis.join(' … ')}`);
  await screenshot(page, 'timeline-default-range');
  const copies = await service.queryTimeline({ sources: ['filesystem'], limit: 5000 });
  assert.ok(copies.rows.some((r) => r.tsDesc === 'File Created (copy)'));
  await page.click('[data-testid=filter-chips] button[aria-label^="remove filter"]');
  const all = (await service.queryTimeline({ limit: 1 })).total!;
  await page.waitForSelector(`[data-testid=timeline-count]:has-text("${all.toLocaleString('en-US')} events")`);
});

test('an evidence folder added but not indexed: the banner says INCOMPLETE on every view, the report too; indexing clears it', opts, async () => {
  const { page, service } = s!;
  const extra = path.join(s!.tmp, 'second-drive');
  fs.mkdirSync(path.join(extra, 'C', 'inetpub', 'wwwroot'), { recursive: true });
  fs.writeFileSync(path.join(extra, 'C', 'inetpub', 'wwwroot', 'iisstart.htm'), '<html>IIS</html>');
  await page.click('a:has-text("Case")');
  await page.fill('input[name=evidenceRoot]', extra);
  await page.click('button:has-text("Add evidence folder")');
  const banner = page.locator('[data-testid=incomplete-banner]');
  await banner.waitFor();
  const c = (await service.getCase())!.completeness;
  assert.equal(c.complete, false);
  assert.equal(c.headline, `INCOMPLETE: evidence folder not indexed yet: ${extra}`);
  for (const view of VIEWS) {
    await page.click(`.topbar nav a:has-text("${view}")`);
    await banner.waitFor();
    assert.equal(await page.textContent('[data-testid=incomplete-headline]'), c.headline, view);
    if (view === 'Findings') await screenshot(page, 'banner-incomplete');
  }
  await page.click('a:has-text("Report")');
  const preview = page.frameLocator('iframe[title="Report preview"]');
  await preview.locator('.incomplete').first().waitFor();
  assert.match((await preview.locator('.cover .incomplete').textContent()) ?? '', /INCOMPLETE: evidence folder not indexed yet/);
  await page.click('a:has-text("Case")');
  await page.click('[data-testid=indexing] button:has-text("Index")');
  await page.waitForSelector('[data-testid=index-phase]:text-is("done")', { timeout: 90_000 });
  await page.waitForSelector('[data-testid=incomplete-banner]', { state: 'detached', timeout: 10_000 });
  assert.equal((await service.getCase())!.completeness.complete, true);
  assert.deepEqual(s!.sideEffects, []);
});
