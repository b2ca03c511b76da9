// The streamed event readers the checks use (keptEvents, lightEvents) against the reference that reads every row
// whole (queryEvents): same events, same order, same fields, and a test that sees only the fields it asked for.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { FieldSelection } from '../../../electron/case/fields.ts';
import { keptEvents, lightEvents, queryEvents, str } from '../../../electron/detect/rows.ts';
import type { EventHit } from '../../../electron/detect/rows.ts';
import { parseHttpProxy } from '../../../electron/ingest/sources/httpproxy.ts';
import { parseIis } from '../../../electron/ingest/sources/iis.ts';
import { addLog, EP_REL, httpProxyLog, iisLog, newCase } from './helpers.ts';
import type { TestCase } from './helpers.ts';

let tc: TestCase;
const WHERE = `e.source IN ('iis', 'httpproxy')`;

before(async () => {
  tc = newCase();
  await addLog(tc, 'C/inetpub/logs/LogFiles/W3SVC1/u_ex221002.log', 'iis-log', parseIis, iisLog([
    '2022-10-02 09:00:03 10.0.0.5 POST /autodiscover/autodiscover.json @evil.corp/powershell/?X-Rps-CAT=VgEA&Email=autodiscover/autodiscover.json%3F@evil.corp 443 CONTOSO\\mallory 192.0.2.81 python-requests/2.26.0 - 200 0 0 31',
    '2022-10-02 09:00:01 10.0.0.5 GET /owa/ - 443 - 198.51.100.7 Mozilla/5.0 - 302 0 0 15',
    '2022-10-02 09:00:02 10.0.0.5 GET /autodiscover/autodiscover.json Email=greta.berg%40contoso.com&Protocol=ActiveSync 443 CONTOSO\\greta.berg 91.64.38.201 Outlook-iOS/2.0 - 200 0 0 12',
  ]));
  await addLog(tc, `${EP_REL}/Logging/HttpProxy/Autodiscover/HttpProxy_2022100209-1.LOG`, 'httpproxy-log', parseHttpProxy, httpProxyLog([
    { time: '2022-10-02T09:00:03.120Z', protocol: 'Autodiscover', stem: '/autodiscover/autodiscover.json', anchor: 'SMTP:mallory@contoso.com', ip: '192.0.2.81', status: 200, user: 'CONTOSO\\mallory', method: 'POST', query: '?@evil.corp/powershell/?X-Rps-CAT=VgEA' },
    { time: '2022-10-02T09:00:00.500Z', protocol: 'Autodiscover', stem: '/autodiscover/autodiscover.json', anchor: 'SMTP:greta.berg@contoso.com', ip: '91.64.38.201', status: 200, user: 'CONTOSO\\greta.berg', method: 'GET' },
  ]));
});
after(() => tc.close());

const QUERY = new FieldSelection(['cs-uri-query', 'UrlQuery']);
const queryText = (h: EventHit): string => str(h.fields, 'cs-uri-query') + str(h.fields, 'UrlQuery');

test('keptEvents: the same events in the same order as queryEvents filtered, kept ones decoded whole; the test sees only the fields it names', () => {
  const all = queryEvents(tc.db, WHERE);
  assert.equal(all.length, 5);
  const seen: string[][] = [];
  const kept = [...keptEvents(tc.db, WHERE, [], QUERY, (h) => {
    seen.push(Object.keys(h.fields));
    return /powershell/i.test(queryText(h));
  })];
  assert.deepEqual(kept, all.filter((h) => /powershell/i.test(queryText(h))));
  assert.deepEqual(kept.map((h) => h.source), ['iis', 'httpproxy']);
  assert.equal(seen.length, 5);
  for (const names of seen) assert.ok(names.length === 1 && QUERY.lower.has(names[0].toLowerCase()), `the test saw ${names.join(', ')}`);
  // a kept event carries every field, not only those the test read
  assert.ok(Object.keys(kept[1].fields).length > 60);
});

test('lightEvents: every matching event in time order with only the named fields, capped when asked', () => {
  const all = queryEvents(tc.db, WHERE);
  const light = lightEvents(tc.db, WHERE, [], QUERY);
  assert.deepEqual(light.map((h) => [h.id, h.ts, h.ref, h.ip, h.url, h.userAgent]), all.map((h) => [h.id, h.ts, h.ref, h.ip, h.url, h.userAgent]));
  light.forEach((h, i) => assert.equal(queryText(h), queryText(all[i])));
  assert.deepEqual(lightEvents(tc.db, WHERE, []).map((h) => h.fields), all.map(() => ({})));
  assert.deepEqual(lightEvents(tc.db, WHERE, [], QUERY, 2).map((h) => h.id), queryEvents(tc.db, WHERE, [], 2).map((h) => h.id));
  assert.deepEqual(lightEvents(tc.db, WHERE, [], QUERY, 0), []);
});
