// A web shell known only from the IIS log (the web root was not collected), in Chromium against browser mode: the
// webshell.log-use finding on the Findings page with its confidence, reason and evidence links, the link opening the
// request in the timeline, and the attacker-chosen page name shown as text.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { closeSession, createAndIndex, e2eUnavailable, openSession, screenshot } from './harness.ts';
import type { Session } from './harness.ts';

const skip = e2eUnavailable();
let s: Session | undefined;
const opts = { skip: skip ?? false };
const IP = '203.0.113.9';
const PAGE = '/aspnet_client/system_web/<img+src=x+onerror=alert("log-use")>.aspx';
const LOG = 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log';

before(async () => {
  if (skip) return;
  s = await openSession('loupe-e2e-log-shells-');
  const root = path.join(s.tmp, 'EXCH01');
  fs.mkdirSync(path.join(root, path.dirname(LOG)), { recursive: true });
  fs.writeFileSync(path.join(root, LOG), [
    '#Software: Microsoft Internet Information Services 10.0', '#Version: 1.0', '#Date: 2021-03-03 01:00:00',
    '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
    ...[0, 1, 2].map((i) => `2021-03-03 01:0${i}:00 10.0.0.5 POST ${PAGE} - 443 - ${IP} antSword/v2.1 - 200 0 0 15`),
    `2021-03-03 01:05:00 10.0.0.5 GET /owa/auth/logon.aspx - 443 - 10.1.0.7 Mozilla/5.0 - 200 0 0 15`,
    '',
  ].join('\r\n'));
  await createAndIndex(s.page, path.join(s.tmp, 'case.loupe'), root);
});

after(() => closeSession(s));

test('the shell seen only in the log is a finding on the Findings page, its name as text, its evidence opening the request', opts, async () => {
  const { page, service, sideEffects } = s!;
  const [f] = (await service.listFindings({})).filter((x) => x.check === 'webshell.log-use');
  assert.equal(f?.title, `Likely web shell driven from the logs: ${PAGE}: 3 POSTs (3 answered 2xx) from ${IP}`);
  await page.click('a:has-text("Findings")');
  const li = page.locator('[data-testid=finding][data-check="webshell.log-use"]');
  await li.waitFor();
  assert.equal(await li.locator('strong').textContent(), f.title);
  assert.equal(await li.locator('[data-testid=confidence]').textContent(), 'likely');
  assert.match((await li.locator('[data-testid=confidence-reason]').textContent()) ?? '', /folder where web shells were planted in 2021/);
  assert.equal(await li.locator('img').count(), 0, 'the page name is text, not markup');
  assert.equal(await li.locator('button.ref').count(), 3);
  await screenshot(page, 'findings-log-use');
  await li.locator('button.ref').first().click();
  const want = `${LOG}:5`;
  await page.locator('[data-testid=event-ref]', { hasText: want }).waitFor({ timeout: 30_000 })
    .catch(async () => assert.fail(`event-ref shows ${await page.textContent('[data-testid=event-ref]')}, not ${want}`));
  assert.deepEqual(sideEffects, []);
});
