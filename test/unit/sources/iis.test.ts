import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { isoToMicros } from '../../../shared/types.ts';
import { parseIis } from '../../../electron/ingest/sources/iis.ts';
import { collect, sample, sharedData } from './helpers.ts';

const TUNNA = sharedData('iis/Command_and_Control__Tunna_rdp_tunnel_IIS.log');
const APACHE = sharedData('weblogs-other/Command_and_Control__web_attack_and_isp_webshell_localhost_access_log.txt');

test('real Tunna IIS log: 4298 requests, two header blocks, comment and empty line skipped', { skip: !fs.existsSync(TUNNA) && `missing ${TUNNA}` }, async () => {
  const { events, warnings } = await collect(parseIis, 'C/inetpub/logs/LogFiles/W3SVC1/u_ex190903.log', TUNNA, 64 * 1024, 'WEB01');
  assert.equal(events.length, 4298);
  assert.deepEqual(warnings, []);
  const first = events[0];
  assert.equal(first.ts, isoToMicros('2019-09-03T10:13:36Z'));
  assert.equal(events[events.length - 1].ts, isoToMicros('2019-09-03T11:08:51Z'));
  assert.deepEqual(first.ref, { file: 'C/inetpub/logs/LogFiles/W3SVC1/u_ex190903.log', line: 7, offset: 327 });
  assert.equal(events[events.length - 1].ref.line, 4308);
  assert.equal(first.source, 'iis');
  assert.equal(first.tsDesc, 'Request');
  assert.equal(first.host, 'WEB01');
  assert.equal(first.message, 'GET /erp/conn.aspx?proxy&port=3389&ip=127.0.0.1 → 200 from 10.0.2.17');
  assert.deepEqual(first.fields, {
    date: '2019-09-03', time: '10:13:36', 's-ip': '10.0.2.15', 'cs-method': 'GET', 'cs-uri-stem': '/erp/conn.aspx',
    'cs-uri-query': 'proxy&port=3389&ip=127.0.0.1', 's-port': 80, 'cs-username': null, 'c-ip': '10.0.2.17',
    'cs(User-Agent)': null, 'cs(Referer)': null, 'sc-status': 200, 'sc-substatus': 0, 'sc-win32-status': 0, 'time-taken': 7,
  });
  assert.ok(events.every((e) => e.fields['cs-uri-stem'] === '/erp/conn.aspx'));
  assert.equal(events.filter((e) => e.fields['cs-method'] === 'POST').length + events.filter((e) => e.fields['cs-method'] === 'GET').length, 4298);
});

test('#Fields changing mid-file; CRLF; truncated last line; s-computername becomes host', async () => {
  const { events, warnings } = await collect(parseIis, 'iis/u_ex210303.log', sample('iis-fields-change.log'), 100, 'FALLBACK');
  assert.deepEqual(events.map((e) => e.fields['cs-uri-stem']), [
    '/owa/auth/logon.aspx', '/ecp/y.js', '/owa/auth/Current/themes/resources/a.aspx',
    '/aspnet_client/system_web/shell.aspx', '/ecp/DDI/DDIService.svc/SetObject',
  ]);
  assert.deepEqual(events.map((e) => e.host), ['FALLBACK', 'FALLBACK', 'EXCH01', 'EXCH01', 'EXCH01']);
  assert.equal(events[1].message, 'POST /ecp/y.js → 200 from 104.248.49.97 [ExchangeServicesClient/0.0.0.0]');
  assert.equal(events[2].fields['sc-bytes'], 512);
  assert.equal(events[2].fields['s-sitename'], 'W3SVC1');
  assert.equal(events[2].fields['cs(Referer)'], undefined);
  // truncated last line (no CRLF) still parses
  assert.equal(events[4].fields['cs-username'], 'CONTOSO\\administrator');
  assert.equal(events[4].ts, isoToMicros('2021-03-03T03:01:05Z'));
  assert.equal(events[4].ref.line, 16);
  // the old-layout line after the second #Fields is warned and skipped
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].line, 14);
  assert.match(warnings[0].message, /expected 17 space-separated fields \(the current #Fields\), found 15/);
});

test('lines before any #Fields use the IIS default field set; a wrong count is warned per line', async () => {
  const { events, warnings } = await collect(parseIis, 'u_ex210304.log', sample('iis-no-fields.log'));
  assert.deepEqual(events.map((e) => e.ref.line), [1, 3, 6]);
  assert.equal(events[0].fields['cs(Referer)'], null);
  assert.equal(events[1].fields['cs(Referer)'], 'https://mail.contoso.com/owa/auth/logon.aspx');
  assert.equal(events[1].fields['cs-username'], 'CONTOSO\\jdoe');
  assert.deepEqual(events[2].fields, { date: '2021-03-04', time: '10:05:00', 'c-ip': '10.0.0.9', 'cs-method': 'GET', 'cs-uri-stem': '/ecp/', 'sc-status': 200 });
  assert.deepEqual(warnings.map((w) => w.line), [2, 7]);
  assert.match(warnings[0].message, /IIS default field set \(no #Fields line yet\)/);
  assert.equal(warnings[0].offset, fs.readFileSync(sample('iis-no-fields.log')).indexOf('2021-03-04 10:00:01'));
});

test('Exchange EWS lines (plaso #3529) parse: ; and = in the query, DOMAIN\\user, a space inside the query', async () => {
  const { events, warnings } = await collect(parseIis, 'u_ex151231.log', sample('iis-ews.log'));
  assert.equal(events.length, 3);
  assert.equal(events[0].fields['cs-uri-query'], 'SoapAction=GetUserOofSettingsResponse;MailboxRPCRequests=10;MailboxRPCLatency=15;ADRequests=2;ADLatency=0;TimeInGetUserOOFSettings=28;');
  assert.equal(events[0].fields['cs-username'], 'domain.local\\johndoe');
  assert.equal(events[0].fields['sc-status'], 200);
  assert.equal(events[1].fields['cs-uri-stem'], '/owa/');
  assert.equal(events[2].fields['cs-uri-query'], 'SoapAction=GetUserOofSettingsResponse;MailboxRPCRequests=10;MailboxRPCLatency=15;ADRequests=2; ADLatency=0;TimeInGetUserOOFSettings=28;');
  assert.equal(events[2].fields['time-taken'], 46);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0].message, /folded back/);
  assert.equal(warnings[0].line, 5);
});

test('UTF-16LE IIS log with BOM', async () => {
  const { events, warnings } = await collect(parseIis, 'u.log', sample('iis-utf16le.log'), 33);
  assert.deepEqual(warnings, []);
  assert.equal(events.length, 2);
  assert.equal(events[0].fields['cs-uri-query'], 'msg=Übergröße');
  assert.equal(events[0].ts, isoToMicros('2021-03-05T08:00:00Z'));
  assert.equal(events[1].ref.offset, fs.readFileSync(sample('iis-utf16le.log')).indexOf(Buffer.from('2021-03-05 08:00:01', 'utf16le')));
});

test('Apache access log fed to the IIS parser: no events, capped warnings, no crash', { skip: !fs.existsSync(APACHE) && `missing ${APACHE}` }, async () => {
  const { events, warnings } = await collect(parseIis, 'weblogs/access_log.txt', APACHE);
  assert.equal(events.length, 0);
  // 100 line warnings + one NUL warning inside them + one summary
  assert.equal(warnings.length, 101);
  const lineWarnings = warnings.filter((w) => /IIS default field set/.test(w.message));
  assert.equal(lineWarnings[0].line, 1);
  assert.ok(warnings.some((w) => w.offset === 2862 && /NUL byte/.test(w.message)));
  assert.match(warnings[100].message, /further warnings for this file were suppressed \(2\d{3} in total\)/);
});

test('a binary .log fed to the IIS parser anyway: warnings, no events', async () => {
  let seed = 7;
  const bytes = Uint8Array.from({ length: 20000 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
  const { events, warnings } = await collect(parseIis, 'W3SVC1/u_ex210303.log', bytes, 4096);
  assert.equal(events.length, 0);
  assert.ok(warnings.length > 0 && warnings.length <= 101);
  assert.ok(warnings.some((w) => /NUL byte/.test(w.message)));
});

test('a #Fields without date takes the day from #Date; an empty #Fields is warned and ignored', async () => {
  const text = '#Version: 1.0\r\n#Date: 2021-03-06 00:00:00\r\n#Fields: time c-ip cs-method cs-uri-stem sc-status\r\n23:59:59.123 10.0.0.9 GET /owa/ 200\r\n#Fields:\r\n23:59:59 10.0.0.9 GET /ecp/ 302\r\n';
  const { events, warnings } = await collect(parseIis, 'u_ex.log', Buffer.from(text), 10);
  assert.deepEqual(events.map((e) => e.ts), [isoToMicros('2021-03-06T23:59:59.123Z'), isoToMicros('2021-03-06T23:59:59Z')]);
  assert.equal(events[1].fields['sc-status'], 302);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].line, 5);
});

test('a cancelled parse stops with the abort reason', async () => {
  const ac = new AbortController();
  ac.abort(new Error('cancelled by user'));
  const run = async (): Promise<number> => {
    let n = 0;
    for await (const _ of parseIis({ rel: 'u.log', chunks: fs.createReadStream(sample('iis-fields-change.log')) }, { warn: () => {}, signal: ac.signal })) n++;
    return n;
  };
  await assert.rejects(run(), /cancelled by user/);
});
