// Recovered EVTX records in the real renderer (Chromium, browser mode): a damaged log indexed from the UI shows its
// recovered records with a badge, and the filter hides them or shows them alone, with the counts the service gives.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeSession, createAndIndex, e2eUnavailable, openSession, screenshot } from './harness.ts';
import type { Session } from './harness.ts';
import { filtersFromParams, toQuery } from '../../renderer/src/timelineUrl.ts';

const LOG = path.resolve(import.meta.dirname, '../../../shared/data/evtx-hard/rs__samples__sample_with_a_bad_chunk_magic.evtx');
const skip = e2eUnavailable() ?? (fs.existsSync(LOG) ? null : `shared sample absent: ${LOG}`);
let s: Session | undefined;

before(async () => {
  if (skip) return;
  s = await openSession('loupe-e2e-rec-');
  const logs = path.join(s.tmp, 'EXCH01', 'C', 'Windows', 'System32', 'winevt', 'Logs');
  fs.mkdirSync(logs, { recursive: true });
  fs.copyFileSync(LOG, path.join(logs, 'Security.evtx'));
  await createAndIndex(s.page, path.join(s.tmp, 'damaged.loupe'), path.join(s.tmp, 'EXCH01'));
});

after(() => closeSession(s));

const rows = '[data-testid=timeline-grid] [role=row]';
const count = (n: number) => `[data-testid=timeline-count]:has-text("${n.toLocaleString('en-US')} events")`;
/** The view the page's address asks for (the timeline opens on the logs' period), as the service takes it. */
const viewOf = (url: string) => toQuery(filtersFromParams(new URLSearchParams(url.split('?')[1] ?? '')));

test('recovered records carry a badge; the filter hides them or shows them alone', { skip: skip ?? false }, async () => {
  const { page, service } = s!;
  const total = (await service.queryTimeline({ limit: 1 })).total!;
  const recovered = (await service.queryTimeline({ recovered: 'only', limit: 1 })).total!;
  assert.ok(recovered > 0 && recovered < total);
  await page.click('a:has-text("Timeline")');
  // The timeline opens on the logs' period once it has read it (issue 9): wait for that chip, then for the count of
  // the view the address holds (the whole case's count may show for an instant before, or never).
  await page.waitForSelector('[data-testid=default-range]');
  await page.waitForSelector(count((await service.queryTimeline({ ...viewOf(page.url()), limit: 1 })).total!));

  await page.selectOption('select[aria-label="Recovered records"]', 'only');
  await page.waitForSelector(count(recovered));
  await page.locator(rows).first().waitFor();
  const shown = page.locator(rows);
  const n = await shown.count();
  assert.ok(n > 0);
  assert.equal(await page.locator(`${rows}.recovered [data-testid=recovered-badge]`).count(), n, 'every row shown has its badge');
  assert.match(await page.locator('[data-testid=recovered-badge]').first().getAttribute('title') ?? '', /recovered from (slack space|a damaged chunk)/);
  await screenshot(page, 'timeline-recovered-only');

  await page.selectOption('select[aria-label="Recovered records"]', 'exclude');
  await page.waitForURL(/[?&]recovered=exclude(&|$)/);
  const view = viewOf(page.url());
  const live = (await service.queryTimeline({ ...view, limit: 1 })).total!;
  assert.equal(live, (await service.queryTimeline({ ...view, recovered: 'include', limit: 1 })).total! - recovered, 'the view holds every recovered record');
  await page.waitForSelector(count(live));
  await page.locator(rows).first().waitFor();
  assert.equal(await page.locator('[data-testid=recovered-badge]').count(), 0);
  assert.equal(await page.locator('[data-testid=filter-chips]').textContent().then((t) => t?.includes('recovered records hidden')), true);
  // The filter is part of the view's address: a reload brings the same view back.
  assert.match(page.url(), /[?&]recovered=exclude(&|$)/);
  await page.reload();
  await page.waitForSelector(count(live));
  assert.equal(await page.locator('select[aria-label="Recovered records"]').inputValue(), 'exclude');
});

test('Files & hashes shows each log\'s outcome as text: records read, recovered, unreadable', { skip: skip ?? false }, async () => {
  const { page, service } = s!;
  const [file] = (await service.listFiles({ glob: '**/Security.evtx' })).rows;
  assert.ok(file?.outcome && file.outcome.recovered > 0, 'the damaged log has recovered records');
  const { read, recovered, unreadable } = file.outcome;
  await page.click('a:has-text("Files & hashes")');
  await page.fill('input[name=fileSearch]', 'Security.evtx');
  await page.press('input[name=fileSearch]', 'Enter');
  await page.waitForSelector('[data-testid=files-count]:text-is("1 file")');
  const cell = page.locator(`.files-grid [data-file-id="${file.id}"] [data-testid=file-outcome]`);
  const expected = [`${read.toLocaleString('en-US')} read`, recovered ? `${recovered.toLocaleString('en-US')} recovered` : '', unreadable ? `${unreadable.toLocaleString('en-US')} unreadable` : ''].filter(Boolean).join(' · ');
  assert.equal(await cell.textContent(), expected);
  assert.equal(await cell.locator('*').count(), 0, 'plain text, no markup');
  await screenshot(page, 'files-outcome');
});
