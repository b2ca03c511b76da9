// Sorting by a column without an index (Message), in Chromium against browser mode: the grid says it is building a
// sort index and shows time order meanwhile, then shows the sorted rows; after a reload the sort is immediate (the index
// is kept in the case); the Case page lists it with its size and removes it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { closeSession, e2eUnavailable, openSession, screenshot } from './harness.ts';
import type { Session } from './harness.ts';
import { writeBigCase } from './big-case.ts';
import { queryTimeline } from '../../electron/case/read.ts';

const skip = e2eUnavailable();
const opts = { skip: skip ?? false };
const grid = '[data-testid=timeline-grid] [role=row]';
/** Enough events that the build takes more than its first slice (so the grid shows it building). */
const EVENTS = 30_000;
let s: Session | undefined;

before(async () => {
  if (skip) return;
  s = await openSession('loupe-e2e-sort-');
  const casePath = path.join(s.tmp, 'sort.loupe');
  writeBigCase(casePath, EVENTS);
  await s.service.openCase({ path: casePath });
  await s.page.goto(s.server.url.replace(/\?token=.*$/, '') + '#/timeline');
  await s.page.reload();
  await s.page.locator(grid).first().waitFor({ timeout: 120_000 });
});

after(() => closeSession(s));

const firstMessages = (): Promise<string[]> => s!.page.locator(`${grid} .c-msg`).allTextContents().then((m) => m.slice(0, 5));

test('sorting by Message builds a sort index (progress shown, time order meanwhile), then sorts; kept after a reload, listed and removable', opts, async () => {
  const { page, service } = s!;
  const db = service.handle;
  // The reference: the whole result sorted by SQLite (no index), first five rows.
  const want = queryTimeline(db, { sort: { field: 'message', dir: 'asc' }, limit: 5 }, { unindexedSort: 'sort' }).rows.map((r) => r.message);
  const timeOrder = (await service.queryTimeline({ limit: 5 })).rows.map((r) => r.message);
  assert.notDeepEqual(want, timeOrder, 'the sort changes the order');
  await page.click('[role=columnheader][data-col=message]');
  const note = page.locator('[data-testid=sort-index-progress]');
  await note.waitFor();
  assert.match((await note.textContent()) ?? '', /^Building sort index for Message… \d+%/);
  await screenshot(page, 'timeline-sort-index-building');
  await note.waitFor({ state: 'detached', timeout: 120_000 });
  await page.waitForSelector(`${grid}[aria-rowindex="1"] .c-msg:text-is("${want[0]}")`);
  assert.deepEqual(await firstMessages(), want);
  assert.match(page.url(), /sort=message/);
  await screenshot(page, 'timeline-sort-index-sorted');

  // Kept in the case: after a reload the rows come sorted at once, with no build.
  await page.reload();
  await page.waitForSelector(`${grid}[aria-rowindex="1"] .c-msg:text-is("${want[0]}")`);
  assert.equal(await note.count(), 0);
  assert.deepEqual(await firstMessages(), want);

  // Listed on the Case page with its size; Remove drops it (audited).
  await page.click('a:has-text("Case")');
  const card = page.locator('[data-testid=sort-indexes]');
  await card.waitFor();
  assert.match((await card.textContent()) ?? '', /message.*ready.*\d+(\.\d+)? [KMG]?B/);
  await screenshot(page, 'case-sort-indexes');
  await card.locator('button:has-text("Remove")').click();
  await card.waitFor({ state: 'detached' });
  assert.deepEqual(await service.listSortIndexes(), []);
  const actions = (await service.auditLog({ limit: 20 })).map((a) => a.action);
  assert.ok(actions.includes('sort-index.create') && actions.includes('sort-index.drop'), actions.join());
  assert.deepEqual(s!.sideEffects, []);
});
