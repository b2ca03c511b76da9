// The timeline as an analyst works in it, in Chromium against browser mode: sorting, column layout kept after a
// reload, the URL holding the filters, saved views, clear search errors, filtered export, the display zone,
// finding badges, bulk tagging, and a 1M-event case opened from "recent cases" and scrolled end to end.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeSession, e2eUnavailable, openSession, screenshot } from './harness.ts';
import type { Session } from './harness.ts';
import { BIG_STEP, writeBigCase } from './big-case.ts';
import { filtersFromParams, toQuery } from '../../renderer/src/timelineUrl.ts';

const skip = e2eUnavailable();
const opts = { skip: skip ?? false };
const grid = '[data-testid=timeline-grid] [role=row]';
const ATTACKER = '203.0.113.7';
const T0 = Date.UTC(2021, 2, 3, 0, 0, 0);
const BIG_EVENTS = 1_000_000;
let s: Session | undefined;
let casePath = '';
let bigPath = '';
let big = { first: 0, last: 0 };

/** 300 IIS requests one minute apart from 2021-03-03 00:00Z; every 25th from the attacker, to a shell. */
function writeEvidence(root: string): void {
  const dir = path.join(root, 'C', 'inetpub', 'logs', 'LogFiles', 'W3SVC1');
  fs.mkdirSync(dir, { recursive: true });
  const lines = ['#Software: Microsoft Internet Information Services 10.0', '#Version: 1.0',
    '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken'];
  for (let i = 0; i < 300; i++) {
    const t = new Date(T0 + i * 60_000).toISOString();
    const attacker = i % 25 === 7;
    const ip = attacker ? ATTACKER : `10.0.0.${i % 9}`;
    const url = attacker ? '/aspnet_client/shell.aspx' : ['/owa/auth/logon.aspx', '/ecp/default.aspx', '/EWS/Exchange.asmx'][i % 3];
    const status = attacker ? 200 : [200, 302, 404, 500][i % 4];
    lines.push(`${t.slice(0, 10)} ${t.slice(11, 19)} 10.0.0.5 ${attacker ? 'POST' : 'GET'} ${url} - 443 - ${ip} Mozilla/5.0 - ${status} 0 0 ${i % 50}`);
  }
  fs.writeFileSync(path.join(dir, 'u_ex210303.log'), lines.join('\r\n') + '\r\n');
}

before(async () => {
  if (skip) return;
  s = await openSession('loupe-e2e-tl-');
  const evidence = path.join(s.tmp, 'EXCH01');
  writeEvidence(evidence);
  casePath = path.join(s.tmp, 'small.loupe');
  await s.service.createCase({ path: casePath, meta: { client: 'Contoso', caseNumber: 'IR-15' } });
  await s.service.addEvidence({ root: evidence });
  await s.service.startIndex({});
  await s.service.indexJob!.done;
  bigPath = path.join(s.tmp, 'big.loupe');
  big = writeBigCase(bigPath, BIG_EVENTS);
  await s.page.goto(s.server.url.replace(/\?token=.*$/, '') + '#/timeline');
  // The case was opened behind the page's back (through the service, not the UI), and a hash-only goto keeps the page
  // loaded before it: reload so the app reads the open case as an analyst's page would.
  await s.page.reload();
  // The first page of a cold browser on a loaded CI machine can take long; say what the page showed if rows never come.
  await s.page.locator(grid).first().waitFor({ timeout: 120_000 })
    .catch(async (e: Error) => { throw new Error(`${e.message}\npage text: ${(await s!.page.textContent('body'))?.slice(0, 600)}`); });
  await s.page.locator('[data-testid=filter-chips] .chip:has-text("→")').waitFor();
  await wholeCase();
});

after(() => closeSession(s));

const count = async (): Promise<string> => (await s!.page.textContent('[data-testid=timeline-count]')) ?? '';
const waitCount = (n: number) => s!.page.waitForSelector(`[data-testid=timeline-count]:text-is("${n.toLocaleString('en-US')} event${n === 1 ? '' : 's'}")`);
const cells = (cls: string) => s!.page.locator(`${grid} .${cls}`).allTextContents();

/** Polls from Node (the page's CSP refuses evaluated strings). */
async function until(what: string, cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await s!.page.waitForTimeout(100)) if (await cond()) return;
  throw new Error(`timed out waiting for ${what}`);
}

/** The timeline opens on the log period (issue 9); these tests compare the grid with the whole case, so they drop
 *  that default time chip whenever it is there. */
async function wholeCase(): Promise<void> {
  const chip = s!.page.locator('[data-testid=filter-chips] .chip:has-text("→") button');
  if (await chip.count()) await chip.first().click();
  await s!.page.locator('[data-testid=filter-chips] .chip:has-text("→")').waitFor({ state: 'detached' });
}

async function search(text: string): Promise<void> {
  await s!.page.fill('input[name=search]', text);
  await s!.page.press('input[name=search]', 'Enter');
}

test('sorting: a header click sorts the whole result by that column, again reverses; Time goes newest first', opts, async () => {
  const { page, service } = s!;
  await wholeCase();
  await page.click('[role=columnheader][data-col=status]');
  await page.waitForSelector('[role=columnheader][data-col=status][aria-sort=ascending]');
  const asc = (await service.queryTimeline({ sort: { field: 'status', dir: 'asc' }, limit: 5 })).rows.map((r) => String(r.id));
  await page.waitForSelector(`${grid}[aria-rowindex="1"][data-event-id="${asc[0]}"]`);
  assert.deepEqual((await cells('c-status')).slice(0, 5), ['200', '200', '200', '200', '200']);
  await page.click('[role=columnheader][data-col=status]');
  await page.waitForSelector('[role=columnheader][data-col=status][aria-sort=descending]');
  await page.waitForSelector(`${grid}[aria-rowindex="1"] .c-status:text-is("500")`);
  assert.match(page.url(), /sort=status&dir=desc/);
  await screenshot(page, 'timeline-sorted-status');
  await page.click('[role=columnheader][data-col=ts]');
  await page.waitForSelector('[role=columnheader][data-col=ts][aria-sort=ascending]');
  await page.click('[role=columnheader][data-col=ts]');
  await page.waitForSelector('[role=columnheader][data-col=ts][aria-sort=descending]');
  const newest = (await service.queryTimeline({ order: 'desc', limit: 1 })).rows[0];
  await page.waitForSelector(`${grid}[data-event-id="${newest.id}"][aria-rowindex="1"]`);
  await page.click('[role=columnheader][data-col=ts]');
  await page.waitForSelector('[role=columnheader][data-col=ts][aria-sort=ascending]');
  assert.doesNotMatch(page.url(), /sort=|order=/);
});

test('a resized, moved and hidden column is kept in the case and comes back after a reload', opts, async () => {
  const { page, service } = s!;
  const head = page.locator('[role=columnheader][data-col=ip]');
  const before = (await head.boundingBox())!.width;
  const handle = (await page.locator('[data-testid=resize-ip]').boundingBox())!;
  await page.mouse.move(handle.x + 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(handle.x + 122, handle.y + handle.height / 2, { steps: 6 });
  await page.mouse.up();
  const widened = (await head.boundingBox())!.width;
  assert.ok(Math.abs(widened - (before + 120)) <= 2, `${before} → ${widened}`);
  await page.click('button:has-text("Columns")');
  await page.uncheck('[data-testid=columns-menu] input[name=col-host]');
  await page.click('[data-testid=columns-menu] button[aria-label="move IP up"]'); // past the hidden Host
  await page.click('[data-testid=columns-menu] button[aria-label="move IP up"]'); // past Source
  await page.click('[data-testid=columns-menu] button:has-text("Close")');
  const order = async (): Promise<Array<string | null>> => {
    const heads = page.locator('[role=columnheader]');
    const out: Array<string | null> = [];
    for (let i = 0; i < await heads.count(); i++) out.push(await heads.nth(i).getAttribute('data-col'));
    return out;
  };
  const shown = await order();
  assert.ok(!shown.includes('host') && shown.indexOf('ip') < shown.indexOf('source'), shown.join());
  await page.reload();
  await page.locator(grid).first().waitFor();
  await until('the stored width', async () => Math.abs(((await head.boundingBox())?.width ?? 0) - widened) <= 2);
  assert.deepEqual(await order(), shown);
  const stored = JSON.parse((await service.getUiSettings())['ui.timeline.columns']) as { widths: Record<string, number> };
  assert.ok(Math.abs(stored.widths.ip - widened) <= 2);
  await screenshot(page, 'timeline-columns-after-reload');
});

test('the URL holds search, column filter and sort: reload, Back from another view and a pasted link restore them', opts, async () => {
  const { page, service } = s!;
  await wholeCase();
  await search(`status:404 NOT ip:10.0.0.1`);
  await page.fill('input[name=cf-field]', 'url');
  await page.selectOption('select[name=cf-op]', 'contains');
  await page.fill('input[name=cf-value]', 'owa');
  await page.click('[data-testid=column-filter] button:has-text("Filter")');
  const q = { text: 'status:404 NOT ip:10.0.0.1', columns: [{ field: 'url', op: 'contains' as const, value: 'owa' }] };
  const n = (await service.queryTimeline({ ...q, limit: 1 })).total!;
  assert.ok(n > 0 && n < 300);
  await waitCount(n);
  const link = page.url();
  assert.match(link, /q=status%3A404/);
  await page.reload();
  await waitCount(n);
  assert.equal(await page.inputValue('input[name=search]'), q.text);
  await page.click('a:has-text("Findings")');
  await page.waitForSelector('h1:has-text("Findings")');
  await page.goBack();
  await waitCount(n);
  const ctx = await s!.browser.newContext({ viewport: { width: 1400, height: 900 } });
  // Another tab of the same browser: the session cookie comes along (the printed token is good once only).
  await ctx.addCookies(await page.context().cookies());
  const other = await ctx.newPage();
  await other.goto(link);
  await other.waitForSelector(`[data-testid=timeline-count]:text-is("${n} events")`);
  assert.ok(await other.locator('[data-testid=filter-chips] .chip:has-text("url contains owa")').count());
  await ctx.close();
  await screenshot(page, 'timeline-url-state');
});

test('a search that cannot be read says what is wrong instead of showing nothing', opts, async () => {
  const { page } = s!;
  await search('(shell.aspx OR');
  await page.locator('.error[role=alert]:has-text("OR at character 13 needs a term after it")').waitFor();
  await page.click('button[aria-label="Search help"]');
  await page.locator('[data-testid=search-help]:has-text("field:value")').or(page.locator('[data-testid=search-help]:has-text("ip:165.232.154.116")')).first().waitFor();
  await screenshot(page, 'timeline-search-error-help');
  // One refused request per query (the grid and the histogram), not a retry loop.
  const refused = s!.sideEffects.filter((e) => /status of 400/.test(e)).length;
  assert.ok(refused <= 3, `${refused} refused requests`);
  await page.click('[data-testid=search-help] button:has-text("Close")');
});

test('a saved view is kept in the case (audited) and brings its filters back', opts, async () => {
  const { page, service } = s!;
  await page.click('[data-testid=filter-chips] button:has-text("clear all")').catch(() => undefined);
  await search(`ip:${ATTACKER}`);
  const n = (await service.queryTimeline({ text: `ip:${ATTACKER}`, limit: 1 })).total!;
  await waitCount(n);
  await page.click('[data-testid=views] button:has-text("Save view")');
  await page.fill('.modal input[name=value]', 'Attacker requests');
  await page.keyboard.press('Enter');
  await page.waitForSelector('select[aria-label="Saved views"] option:text-is("Attacker requests")', { state: 'attached' });
  await search('');
  await waitCount((await service.queryTimeline({ limit: 1 })).total!);
  await page.selectOption('select[aria-label="Saved views"]', 'Attacker requests');
  await waitCount(n);
  assert.deepEqual((await service.listViews()).map((v) => [v.name, v.query.text]), [['Attacker requests', `ip:${ATTACKER}`]]);
  assert.ok((await service.auditLog({ limit: 50 })).some((a) => a.action === 'view.save'));
});

test('the export writes exactly the filtered rows the grid counts', opts, async () => {
  const { page, tmp, service } = s!;
  await search('status:500 OR shell.aspx');
  // The count shown before the search's answer arrives is the previous view's: wait for the address to hold the
  // search, then for the count the service gives for that view.
  await page.waitForURL(/[?&]q=status%3A500/);
  const view = toQuery(filtersFromParams(new URLSearchParams(page.url().split('?')[1] ?? '')));
  const shown = (await service.queryTimeline({ ...view, limit: 1 })).total!;
  assert.ok(shown > 0 && shown < 300, String(shown));
  await waitCount(shown);
  await page.click('button:has-text("Export…")');
  const out = path.join(tmp, 'filtered.csv');
  await page.fill('input[name=exportPath]', out);
  await page.click('.modal button:has-text("Export")');
  await page.locator(`[data-testid=export-result]:has-text("Wrote ${shown} rows")`).waitFor();
  const lines = fs.readFileSync(out, 'utf8').trim().split(/\r?\n/);
  assert.equal(lines.length, shown + 1, 'header + one line per row in the grid');
  assert.ok(lines.slice(1).every((l) => /,500,|shell\.aspx/.test(l)));
  await screenshot(page, 'timeline-export');
  await page.click('.modal button:has-text("Close")');
});

test('display zone: chosen in the top bar, kept in the case, used to read typed times and to show rows', opts, async () => {
  const { page, service } = s!;
  await wholeCase();
  await search('');
  await page.click('[data-testid=zone]');
  await page.fill('input[name=displayZone]', 'Europe/Oslo');
  await page.click('button:has-text("Set zone")');
  await page.waitForSelector('[data-testid=zone]:text-is("Europe/Oslo")');
  await page.reload();
  await page.waitForSelector('[data-testid=zone]:text-is("Europe/Oslo")');
  assert.equal((await service.getCase())!.meta.displayZone, 'Europe/Oslo');
  // 01:00–02:00 in Oslo is 00:00–01:00Z: the first 60 requests.
  await page.fill('input[name=from]', '2021-03-03 01:00');
  await page.fill('input[name=to]', '2021-03-03 02:00');
  await page.click('button:has-text("Range")');
  await waitCount(60);
  assert.equal((await cells('c-ts'))[0], '2021-03-03 01:00:00.000000 GMT+1');
  await screenshot(page, 'timeline-zone-oslo');
  await page.click('[data-testid=filter-chips] button:has-text("clear all")');
  await page.click('[data-testid=zone]');
  await page.fill('input[name=displayZone]', 'UTC');
  await page.click('button:has-text("Set zone")');
});

test('rows cited by a finding are marked, and the badge opens that finding', opts, async () => {
  const { page, service } = s!;
  // A user's request no finding cites (the attacker's POSTs to the shell are cited by webshell.log-use already).
  const target = (await service.queryTimeline({ text: 'ip:10.0.0.1', limit: 1 })).rows[0];
  const db = service.handle;
  const id = Number(db.prepare(`INSERT INTO findings (check_id, severity, title, evidence, created_at) VALUES ('webshell.request', 'high', 'Request to a web shell', ?, ?)`)
    .run(JSON.stringify([target.ref]), new Date().toISOString()).lastInsertRowid);
  await search('ip:10.0.0.1');
  const row = page.locator(`${grid}[data-event-id="${target.id}"]`);
  await page.waitForSelector(`${grid}[data-event-id="${target.id}"].cited [data-testid=finding-badge]`);
  assert.equal(await page.locator(`${grid}.cited`).count(), 1);
  await screenshot(page, 'timeline-finding-badge');
  await row.locator('[data-testid=finding-badge]').click();
  await page.waitForSelector(`li.finding.focused[data-finding-id="${id}"]`);
  assert.match(page.url(), new RegExp(`#/findings\\?finding=${id}$`));
  await page.goBack();
  await page.locator(grid).first().waitFor();
  // The attacker's 12 POSTs to /aspnet_client/shell.aspx (no file collected) are the evidence of a webshell.log-use finding.
  await search(`ip:${ATTACKER}`);
  await page.waitForSelector(`${grid}.cited [data-testid=finding-badge]`);
  assert.equal(await page.locator(`${grid}.cited`).count(), 12);
});

test('bulk: shift-click selects a range to tag at once; "tag all results" tags every match; a tag has a colour', opts, async () => {
  const { page, service } = s!;
  await wholeCase();
  await search('status:302');
  const rows = page.locator(grid);
  await rows.nth(0).click();
  await rows.nth(2).click({ modifiers: ['Shift'] });
  await page.waitForSelector('[data-testid=picked-count]:has-text("3 selected")');
  await page.keyboard.press('t');
  await page.fill('.modal input[name=value]', 'triage');
  await page.keyboard.press('Enter');
  await until('three tagged rows', async () => (await cells('c-tags')).slice(0, 3).every((c) => c.includes('triage')));
  assert.equal((await service.queryTimeline({ tags: ['triage'], limit: 10 })).total, 3);
  const all = (await service.queryTimeline({ text: 'status:302', limit: 1 })).total!;
  await page.click('button:has-text("Tag all results…")');
  await page.fill('.modal input[name=value]', 'redirect');
  await page.keyboard.press('Enter');
  await page.locator(`.notice:has-text("Tagged ${all} events")`).waitFor();
  assert.equal((await service.queryTimeline({ tags: ['redirect'], limit: 1 })).total, all);
  await rows.nth(0).click();
  await page.locator('input[aria-label="colour of tag triage"]').fill('#e53935');
  await until('a coloured tag', async () => /229, 57, 53/.test((await page.locator(`${grid} .c-tags .tag.colored`).first().getAttribute('style').catch(() => null)) ?? ''));
  await screenshot(page, 'timeline-bulk-tags');
  const audit = (await service.auditLog({ limit: 20 })).map((a) => a.action);
  assert.ok(audit.includes('event.bulk') && audit.includes('tag.color'));
});

test('switching to a 1M-event case from recent cases: End reaches the last event, the scrollbar spans the whole result', opts, async () => {
  const { page, service } = s!;
  await service.openCase({ path: bigPath });
  // Opened behind the page's back (another window, the command line): moving to another view reads the case again.
  await page.click('a:has-text("Case")');
  await page.waitForSelector('[data-testid=case-name]:has-text("BIG-1")');
  await service.openCase({ path: casePath }); // both now in "recent cases"
  await page.click('a:has-text("Findings")');
  await page.waitForSelector('[data-testid=case-name]:has-text("IR-15")');
  await page.click('a:has-text("Case")');
  await page.locator('[data-testid=recent-cases]').waitFor();
  await screenshot(page, 'case-recent');
  await page.click(`[data-testid=recent-cases] button:has-text("${bigPath}")`);
  await page.waitForSelector('[data-testid=case-name]:has-text("BIG-1")');
  await page.click('a:has-text("Timeline")');
  await waitCount(BIG_EVENTS);
  const last = (await service.queryTimeline({ order: 'desc', limit: 1 })).rows[0];
  assert.equal(last.ts, big.last);
  await page.locator(grid).first().click();
  await page.keyboard.press('End');
  await page.waitForSelector(`${grid}[data-event-id="${last.id}"][aria-selected=true]`);
  assert.equal(await page.textContent('[data-testid=timeline-position]'), `row ${BIG_EVENTS.toLocaleString('en-US')} of ${BIG_EVENTS.toLocaleString('en-US')}`);
  await screenshot(page, 'timeline-1m-end');
  // Dragging the scrollbar to the middle shows the middle of the case, not the rows loaded so far.
  await page.keyboard.press('Home');
  await page.$eval('[data-testid=timeline-grid]', (el) => { el.scrollTop = (el.scrollHeight - el.clientHeight) / 2; });
  const mid = page.locator(`${grid}[data-event-id]`).first();
  await until('rows from the middle', async () => Number(await page.locator(`${grid}[data-event-id]`).first().getAttribute('aria-rowindex').catch(() => '0')) > 400_000);
  const index = Number(await mid.getAttribute('aria-rowindex'));
  assert.ok(index > 490_000 && index < 510_000, `row ${index} at half the scrollbar`);
  const midRow = (await service.queryTimeline({ offset: index - 1, limit: 1 })).rows[0];
  await page.waitForSelector(`${grid}[aria-rowindex="${index}"][data-event-id="${midRow.id}"]`);
  // Go to time: the first event at or after 2021-03-05 12:00Z.
  await page.fill('input[name=goto]', '2021-03-05 12:00');
  await page.press('input[name=goto]', 'Enter');
  const at = Date.UTC(2021, 2, 5, 12) * 1000;
  const expected = Math.ceil((at - big.first) / BIG_STEP);
  await page.waitForSelector(`${grid}[aria-selected=true][aria-rowindex="${expected + 1}"]`);
  await screenshot(page, 'timeline-1m-goto');
  await page.click('a:has-text("Case")');
  await page.click('button:has-text("Close case")');
  await page.locator('[data-testid=open-case]').waitFor();
  assert.equal(await service.getCase(), null);
  assert.deepEqual(s!.sideEffects.filter((e) => !/status of 400/.test(e)), []);
});
