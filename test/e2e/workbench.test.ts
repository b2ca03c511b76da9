// The analyst's path through the workbench, in Chromium against browser mode on a generated ProxyLogon case:
// index from the UI, read the verdicts, open a web shell, search/star/tag/add an event, reload, pivot.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { isoToMicros } from '../../shared/types.ts';
import fs from 'node:fs';
import path from 'node:path';
import { closeSession, createAndIndex, e2eUnavailable, openSession, screenshot } from './harness.ts';
import type { Session } from './harness.ts';
import type { GeneratedManifest } from '../fixtures/generate.ts';

const generatorPath = path.resolve(import.meta.dirname, '../fixtures/generate.ts');
const skip = e2eUnavailable() ?? (fs.existsSync(generatorPath) ? null : 'test/fixtures/generate.ts (evidence generator) is not there yet');
let s: Session | undefined;
let manifest: GeneratedManifest;

before(async () => {
  if (skip) return;
  const { generateEvidence } = await import('../fixtures/generate.ts');
  s = await openSession('loupe-e2e-wb-');
  manifest = await generateEvidence(path.join(s.tmp, 'EXCH01'), { scale: 1, seed: 7 });
  await createAndIndex(s.page, path.join(s.tmp, 'contoso.loupe'), manifest.root, 'case');
});

after(() => closeSession(s));

const opts = { skip: skip ?? false };
const grid = '[data-testid=timeline-grid] [role=row]';

test('indexing from the UI completes and the case counts match the service', opts, async () => {
  const { page, service } = s!;
  const info = (await service.getCase())!;
  assert.ok(info.counts.events > 1000, `only ${info.counts.events} events`);
  assert.equal(await page.textContent('[data-testid=count-events]'), info.counts.events.toLocaleString('en-US'));
  assert.equal(await page.textContent('[data-testid=progress-files]'), `${info.counts.files.toLocaleString('en-US')} / ${info.counts.files.toLocaleString('en-US')}`);
  await screenshot(page, 'case');
});

test('the Findings page shows the planted CVE-2021-26855 hits and a row opens its event', opts, async () => {
  const { page, service } = s!;
  await page.click('a:has-text("Findings")');
  const card = page.locator('[data-testid="verdict-CVE-2021-26855"]');
  await card.waitFor();
  const v = (await service.verdicts()).find((x) => x.cve === 'CVE-2021-26855')!;
  assert.equal(v.verdict, 'exploited');
  assert.ok(v.hits > 0);
  assert.equal(await card.locator('[data-testid=verdict]').textContent(), 'EXPLOITED');
  assert.match((await card.textContent()) ?? '', new RegExp(`${v.hits} hits?`));
  await screenshot(page, 'findings');
  const first = v.evidence[0];
  await card.locator('button.ref').first().click();
  // The timeline shows its first row until it has found the linked event: wait for the event itself.
  const want = first.file + (first.line !== undefined ? `:${first.line}` : '');
  await page.locator('[data-testid=event-ref]', { hasText: want }).waitFor({ timeout: 30_000 })
    .catch(async (e: Error) => { throw new Error(`${e.message}\nshown: ${await page.textContent('[data-testid=event-ref]')} vs ${JSON.stringify(first)}`); });
  const ref = await page.textContent('[data-testid=event-ref]');
  assert.ok(ref?.startsWith(want), `${ref} vs ${JSON.stringify(first)}`);
});

test('a web shell shows the highlighted match and the attacker IP', opts, async () => {
  const { page, service } = s!;
  const shells = await service.listWebshells();
  const shell = shells.find((w) => w.attackerIps.some((ip) => manifest.attackerIps.includes(ip)) && w.fileId !== null);
  assert.ok(shell, `no flagged web shell with a planted attacker IP among ${shells.map((w) => w.relPath).join(', ')}`);
  await page.click('a:has-text("Web shells")');
  await page.locator('.webshells .list button').filter({ hasText: shell.origPath || shell.relPath }).first().click();
  await page.locator('[data-testid=preview]').waitFor();
  const marks = await page.locator('[data-testid=preview] mark').allTextContents();
  const preview = await service.previewFile({ id: shell.fileId! });
  assert.ok(preview.highlights.length > 0, 'previewFile returned no highlights');
  assert.equal(marks[0], preview.text!.slice(preview.highlights[0].start, preview.highlights[0].end));
  const ips = await page.locator('[data-testid=attacker-ips] li').allTextContents();
  assert.ok(ips.some((ip) => manifest.attackerIps.includes(ip)), `attacker IPs shown: ${ips}`);
  await screenshot(page, 'webshells');
});

test('searching the timeline for the attacker IP, starring, tagging and a manual event survive a reload', opts, async () => {
  const { page, service } = s!;
  const ip = manifest.attackerIps[0];
  await page.click('a:has-text("Timeline")');
  await page.locator('input[name=search]').waitFor();
  // The view's key handler is attached just after it renders: press again until it has taken effect.
  for (let i = 0; i < 20 && !(await page.locator('input[name=search]:focus').count()); i++) {
    await page.keyboard.press('Control+f');
    await page.waitForTimeout(100);
  }
  assert.equal(await page.locator(':focus').getAttribute('name'), 'search');
  await page.keyboard.type(`"${ip}"`);
  await page.keyboard.press('Enter');
  await page.locator(grid).first().waitFor();
  const expected = (await service.queryTimeline({ text: `"${ip}"`, limit: 1 })).total!;
  assert.ok(expected > 0);
  await page.waitForSelector(`[data-testid=timeline-count]:has-text("${expected.toLocaleString('en-US')} events")`);
  const shown = await page.locator(grid).allTextContents();
  assert.ok(shown.length > 0);
  assert.deepEqual(shown.filter((t) => !t.includes(ip)), [], 'rows without the searched IP');
  await screenshot(page, 'timeline-search');

  // j moves to the second row, s stars it, t tags it.
  await page.locator(grid).first().click();
  await page.keyboard.press('j');
  const second = page.locator(`${grid}[aria-selected=true]`);
  const starredId = Number(await second.getAttribute('data-event-id'));
  await page.keyboard.press('s');
  await page.waitForSelector(`${grid}[data-event-id="${starredId}"] .c-star:has-text("★")`);
  await page.keyboard.press('t');
  await page.fill('.modal input[name=value]', 'initial-access');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`${grid}[data-event-id="${starredId}"] .c-tags:has-text("initial-access")`);

  await page.keyboard.press('m');
  await page.fill('.modal input[name=ts]', '2021-03-06T10:00:00Z');
  await page.fill('.modal input[name=message]', 'EXCH01 isolated from the network by the client');
  await page.fill('.modal input[name=tags]', 'containment');
  await page.click('.modal button:has-text("Add event")');
  // The search stays (it used to be wiped); the new event does not match it, and the analyst is told so.
  await page.locator('.notice:has-text("hidden by the current filters")').waitFor();
  assert.equal(await page.inputValue('input[name=search]'), `"${ip}"`);
  await page.click('.notice button:has-text("Show it")');
  await page.waitForSelector(`${grid}.manual[aria-selected=true]`);

  await page.reload();
  await page.click('a:has-text("Timeline")');
  await page.fill('input[name=search]', 'isolated');
  await page.press('input[name=search]', 'Enter');
  await page.waitForSelector(`${grid}.manual .c-msg:has-text("EXCH01 isolated from the network by the client")`);
  assert.equal(await page.locator(`${grid}.manual .c-tags`).textContent(), 'containment');
  await page.fill('input[name=search]', '');
  await page.press('input[name=search]', 'Enter');
  await page.check('label:has-text("starred") input');
  await page.waitForSelector(`${grid}[data-event-id="${starredId}"]`);
  assert.equal(await page.locator(grid).count(), 1);
  assert.equal(await page.locator(`${grid} .c-tags`).textContent(), 'initial-access');
  const audit = (await service.auditLog({ limit: 20 })).map((a) => a.action);
  for (const action of ['event.star', 'event.tag', 'event.manual.add']) assert.ok(audit.includes(action), `${action} not audited`);
  await screenshot(page, 'timeline-starred');
});

test('pivoting: right-click "exclude this IP", then keyboard p → "only this IP"', opts, async () => {
  const { page, service } = s!;
  await page.click('a:has-text("Case")');
  await page.click('a:has-text("Timeline")');
  // The Timeline tab comes back with the filters it had (starred only, from the test above): start afresh.
  await page.locator('[data-testid=filter-chips] .chip:has-text("starred only")').waitFor();
  await page.click('[data-testid=filter-chips] button:has-text("clear all")');
  await page.selectOption('select[aria-label=Source]', 'iis');
  await page.waitForSelector('[data-testid=filter-chips] .chip:has-text("source = iis")');
  await page.locator(grid).first().waitFor();
  const ipCell = page.locator(`${grid} .c-ip:not(:empty)`).first();
  const ip = (await ipCell.textContent())!;
  await ipCell.click({ button: 'right' });
  await page.click(`[data-testid=pivot-menu] li:has-text("Exclude ip = ")`);
  await page.waitForSelector(`[data-testid=filter-chips] .chip:has-text("ip ≠ ${ip}")`);
  const rest = await page.locator(`${grid} .c-ip`).allTextContents();
  assert.ok(rest.length > 0 && !rest.includes(ip), `${ip} still shown`);
  const withoutIp = (await service.queryTimeline({ sources: ['iis'], fieldNotEquals: [{ field: 'ip', value: ip }], limit: 1 })).total!;
  await page.waitForSelector(`[data-testid=timeline-count]:has-text("${withoutIp.toLocaleString('en-US')} events")`);

  await page.click('[data-testid=filter-chips] button[aria-label^="remove filter ip"]');
  const row = page.locator(grid).filter({ has: page.locator('.c-ip:not(:empty)') }).first();
  await row.click();
  const rowIp = (await row.locator('.c-ip').textContent())!;
  await page.keyboard.press('p');
  await page.locator('[data-testid=pivot-menu]').waitFor();
  await page.keyboard.press('Enter');
  await page.waitForSelector(`[data-testid=filter-chips] .chip:has-text("ip = ${rowIp}")`, { timeout: 5000 }).catch(async (e: Error) => {
    await screenshot(page, 'debug-pivot');
    throw new Error(`${e.message}; chips: ${await page.locator('[data-testid=filter-chips]').textContent()}; menu: ${await page.locator('[data-testid=pivot-menu]').count()}`);
  });
  const only = await page.locator(`${grid} .c-ip`).allTextContents();
  assert.ok(only.length > 0 && only.every((x) => x === rowIp), `other IPs shown: ${[...new Set(only)]}`);
  await screenshot(page, 'timeline-pivot');
});

test('dragging across the histogram zooms the timeline to that time range', opts, async () => {
  const { page, service } = s!;
  await page.click('a:has-text("Timeline")');
  const removers = page.locator('[data-testid=filter-chips] button[aria-label^="remove filter"]');
  while (await removers.count()) await removers.first().click();
  const all = (await service.queryTimeline({ limit: 1 })).total!;
  await page.waitForSelector(`[data-testid=timeline-count]:has-text("${all.toLocaleString('en-US')} events")`);
  const hist = page.locator('svg[aria-label="Event density; drag to zoom"]');
  const box = (await hist.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
  const chip = page.locator('[data-testid=filter-chips] .chip:has-text("→")');
  await chip.waitFor();
  const [fromText, toText] = (await chip.textContent())!.replace(/×$/, '').split(' → ').map((x) => x.trim());
  const micros = (t: string): number => isoToMicros(t.replace(' ', 'T').replace(/[^0-9TZ:.-].*$/, ''));
  const from = micros(fromText);
  const to = micros(toText);
  assert.ok(Number.isFinite(from) && Number.isFinite(to) && from < to, `chip: ${fromText} → ${toText}`);
  const zoomed = (await service.queryTimeline({ from, to, limit: 1 })).total!;
  assert.ok(zoomed > 0 && zoomed < all, `zoomed ${zoomed} of ${all}`);
  await page.waitForSelector(`[data-testid=timeline-count]:has-text("${zoomed.toLocaleString('en-US')} event")`);
  await screenshot(page, 'timeline-zoom');
});

test('an IOC list added in the Case view is kept with the case and listed after a reload', opts, async () => {
  const { page, service } = s!;
  await page.click('a:has-text("Case")');
  const card = page.locator('[data-testid=detection-inputs]');
  await card.waitFor();
  await card.locator('input[name=add-iocs]').fill(manifest.attackerIocsCsv);
  await card.locator('form:has(input[name=add-iocs]) button[type=submit]').click();
  await card.locator(`code:has-text("${manifest.attackerIocsCsv}")`).waitFor();
  assert.deepEqual((await service.getDetectionInputs()).iocs, [manifest.attackerIocsCsv]);
  await card.locator('input[name=add-rules]').fill('/nonexistent/rules');
  await card.locator('form:has(input[name=add-rules]) button[type=submit]').click();
  await card.locator('.error:has-text("rules folder not found")').waitFor();
  // The refused call is a 400 the browser logs; it is the expected one, not a side effect of evidence text.
  const expected = s!.sideEffects.findIndex((e) => /status of 400/.test(e));
  assert.ok(expected >= 0, 'the refused call reached the server');
  s!.sideEffects.splice(expected, 1);
  await page.reload();
  await page.click('a:has-text("Case")');
  await page.locator(`[data-testid=detection-inputs] code:has-text("${manifest.attackerIocsCsv}")`).waitFor();
  await screenshot(page, 'case-detection-inputs');
});

test('Files & hashes: search by SHA-256 finds the web shell, IOC/flag marked; report placeholder; light theme', opts, async () => {
  const { page, service } = s!;
  const shell = (await service.listWebshells()).find((w) => w.sha256)!;
  await page.click('a:has-text("Files & hashes")');
  await page.fill('input[name=fileSearch]', shell.sha256!.toUpperCase());
  await page.press('input[name=fileSearch]', 'Enter');
  await page.waitForSelector('[data-testid=files-count]:text-is("1 file")');
  const row = page.locator('.files-grid [data-file-id]').first();
  assert.equal(await row.locator('.f-hash').textContent(), shell.sha256);
  assert.match((await row.locator('.f-flag').textContent()) ?? '', /IOC|⚑/);
  // A long Exchange path is cut in its folder: the file name stays whole inside the cell.
  const name = shell.origPath.split(/[\\/]/).pop()!;
  assert.equal(await row.locator('.f-path .path-name').textContent(), name);
  const [cell, shown] = await Promise.all([row.locator('.f-path').boundingBox(), row.locator('.f-path .path-name').boundingBox()]);
  assert.ok(cell && shown && shown.x >= cell.x && shown.x + shown.width <= cell.x + cell.width + 1, `file name inside its cell: ${JSON.stringify({ cell, shown })}`);
  await screenshot(page, 'files');
  await page.click('a:has-text("Report")');
  await page.waitForSelector('h1:has-text("Report")');
  await screenshot(page, 'report');
  await page.click('button:has-text("Light")');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
  await page.click('a:has-text("Findings")');
  await page.locator('[data-testid="verdict-CVE-2021-26855"]').waitFor();
  await screenshot(page, 'findings-light');
  assert.deepEqual(s!.sideEffects, []);
});
