// Web access logs in the common/combined format (Apache, nginx, Tomcat, reverse proxies): the real Tomcat log of the
// shared data (brute force of the manager, a WAR upload, POST /error/cmd.jsp, a TLS handshake and NUL bytes sent to the
// HTTP port, a quote Tomcat did not escape), crafted combined lines, and every field written to a real case and read back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openCaseDb } from '../../../electron/case/db.ts';
import { decodeFields, FIELDS_COLUMNS } from '../../../electron/case/fields.ts';
import { EventInserter } from '../../../electron/case/write.ts';
import { accessTime, parseAccessLog } from '../../../electron/ingest/sources/access-log.ts';
import { isoToMicros } from '../../../shared/types.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { collect, sharedData } from './helpers.ts';

const TOMCAT = sharedData('weblogs-other/Command_and_Control__web_attack_and_isp_webshell_localhost_access_log.txt');

test('the real Tomcat access log: every line but the one with no time, times to UTC, the unescaped quote and the binary request kept', { skip: !fs.existsSync(TOMCAT) && `missing ${TOMCAT}` }, async () => {
  const lines = fs.readFileSync(TOMCAT, 'latin1').split('\n').filter((l) => l.trim() !== '').length;
  const { events, warnings } = await collect(parseAccessLog, 'var/log/tomcat/localhost_access_log.2018-07-11.txt', TOMCAT, 4096, 'WEB02');
  assert.equal(events.length, lines - 1);
  assert.deepEqual(warnings.map((w) => [w.line, w.message.split(' (')[0]]).sort((a, b) => Number(a[0]) - Number(b[0])), [
    [26, 'time is the Unix epoch'],
    [27, 'binary content: NUL byte at offset 2862'],
  ]);
  const first = events[0];
  assert.equal(first.ts, isoToMicros('2018-07-11T05:41:28Z'), '08:41:28 +0300 is 05:41:28 UTC');
  assert.equal(first.source, 'access-log');
  assert.equal(first.host, 'WEB02');
  assert.equal(first.message, 'GET / → 200 from 192.168.105.83');
  assert.deepEqual(first.fields, {
    'c-ip': '192.168.105.83', ident: null, 'cs-username': null, request: 'GET / HTTP/1.1', 'cs-method': 'GET', 'cs-uri-stem': '/',
    'cs-uri-query': null, 'cs-version': 'HTTP/1.1', 'sc-status': 200, 'sc-bytes': 11444, 'cs(Referer)': null, 'cs(User-Agent)': null,
    extra: null, 'time-zone': '+0300',
  });
  const quoted = events.find((e) => e.ref.line === 879)!;
  assert.equal(quoted.fields['cs-uri-query'], 'postdata="><script>foo</script>');
  assert.equal(quoted.fields['sc-status'], 404);
  const tls = events.find((e) => e.ref.line === 27)!;
  assert.equal(tls.fields['cs-method'], null, 'a TLS handshake is not a request line');
  assert.equal(tls.fields['sc-status'], 400);
  assert.match(tls.message, /^".*" → 400 from 192\.168\.105\.83$/s);
  const shell = events.filter((e) => e.fields['cs-uri-stem'] === '/error/cmd.jsp');
  assert.ok(shell.length > 0 && shell.every((e) => e.fields['c-ip'] === '192.168.105.76'));
});

test('combined lines: referer and user agent with escaped quotes, a negative offset, a custom trailing field, and times checked', async () => {
  const text = [
    '203.0.113.9 - CONTOSO\\bob [04/Mar/2021:10:00:00 -0500] "POST /owa/auth/x.aspx?cmd=connect&target=10.0.0.2&port=445 HTTP/1.1" 200 12 "https://mail.contoso.com/\\"x\\"" "Mozilla/5.0 (\\"quoted\\")" 0.012',
    '203.0.113.9 - - [31/Feb/2021:10:00:00 +0000] "GET / HTTP/1.1" 200 1',
    'not an access log line',
  ].join('\n') + '\n';
  const { events, warnings } = await collect(parseAccessLog, 'nginx/access.log', Buffer.from(text), 16);
  assert.equal(events.length, 1);
  const [e] = events;
  assert.equal(e.ts, isoToMicros('2021-03-04T15:00:00Z'));
  assert.deepEqual([e.fields['cs-username'], e.fields['cs-uri-stem'], e.fields['cs-uri-query'], e.fields['cs(Referer)'], e.fields['cs(User-Agent)'], e.fields.extra], [
    'CONTOSO\\bob', '/owa/auth/x.aspx', 'cmd=connect&target=10.0.0.2&port=445', 'https://mail.contoso.com/"x"', 'Mozilla/5.0 ("quoted")', '0.012',
  ]);
  assert.equal(e.message, 'POST /owa/auth/x.aspx?cmd=connect&target=10.0.0.2&port=445 → 200 from 203.0.113.9 [Mozilla/5.0 ("quoted")]');
  assert.deepEqual(warnings.map((w) => w.line), [2, 3]);
  assert.match(warnings[0].message, /31\/Feb\/2021.*is not a valid date/);
  assert.ok(Number.isNaN(accessTime('32', 'Mar', '2021', '10', '00', '00', '+', '00', '00')));
  assert.equal(accessTime('01', 'jan', '2021', '00', '30', '00', '+', '01', '00'), isoToMicros('2020-12-31T23:30:00Z'));
});

test('every field of the real Tomcat log is read back exactly from a case', { skip: !fs.existsSync(TOMCAT) && `missing ${TOMCAT}` }, async (t) => {
  const { events } = await collect(parseAccessLog, 'var/log/tomcat/localhost_access_log.2018-07-11.txt', TOMCAT);
  const db = openCaseDb(path.join(tmpDir(t), 'c.loupe'), { create: true });
  t.after(() => db.close());
  db.transaction(() => new EventInserter(db).insertMany(events, null))();
  const rows = db.prepare(`SELECT e.message, e.source, ${FIELDS_COLUMNS('e')} FROM events e ORDER BY e.id`).all() as Array<{ message: string; source: string }>;
  assert.equal(rows.length, events.length);
  rows.forEach((r, i) => {
    assert.deepEqual(decodeFields(r), events[i].fields, `line ${events[i].ref.line}`);
    assert.equal(r.message, events[i].message, `line ${events[i].ref.line}: message`);
    assert.equal(r.source, 'access-log');
  });
});
