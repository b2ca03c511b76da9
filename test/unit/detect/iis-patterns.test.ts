// hafnium.request on real-shaped IIS W3C lines (and one HttpProxy row) read through the real parsers: CHIRP POSTs,
// exploit/web-shell user agents and Sentinel's short-script stems fire once per client IP; the benign twins
// (internal GETs, a normal OWA login, browser requests to real static files) stay quiet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIis } from '../../../electron/ingest/sources/iis.ts';
import { parseHttpProxy } from '../../../electron/ingest/sources/httpproxy.ts';
import { checkHafniumRequests, EVIDENCE_CAP, isPrivateIp } from '../../../electron/detect/iis-patterns.ts';
import type { PendingFinding } from '../../../electron/detect/types.ts';
import { addLog, EP_REL, httpProxyLog, newCase } from './helpers.ts';

const EXPLOIT = '165.232.154.116';
const SHELL = '104.140.114.110';
const BROWSER = 'Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/88.0.4324.190+Safari/537.36';
const IIS_REL = 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log';

const iisLog = (lines: string[]): string => [
  '#Software: Microsoft Internet Information Services 10.0', '#Version: 1.0', '#Date: 2021-03-03 00:00:00',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  ...lines,
].join('\r\n') + '\r\n';

// Physical line numbers: the 4 header lines come first, so data line i is line 5 + i.
const ATTACK = [
  `2021-03-03 01:09:50 10.0.0.5 POST /ecp/default.flt - 443 - ${EXPLOIT} ExchangeServicesClient/0.0.0.0 - 200 0 0 62`,
  `2021-03-03 01:09:55 10.0.0.5 POST /ecp/main.css - 443 - ${EXPLOIT} ExchangeServicesClient/0.0.0.0 - 200 0 0 48`,
  `2021-03-03 01:10:22 10.0.0.5 POST /ecp/y.js - 443 - ${EXPLOIT} python-requests/2.25.1 - 241 0 0 109`,
  `2021-03-03 01:11:02 10.0.0.5 POST /owa/auth/Current/themes/resources/logon.css - 443 - ${EXPLOIT} DuckDuckBot/1.0;+(+http://duckduckgo.com/duckduckbot.html) - 200 0 0 31`,
  `2021-03-03 01:11:40 10.0.0.5 POST /ecp/DDI/DDIService.svc/SetObject schema=OABVirtualDirectory 443 - ${EXPLOIT} python-requests/2.25.1 - 200 0 0 77`,
  `2021-03-03 01:31:48 10.0.0.5 POST /aspnet_client/discover.aspx - 443 - ${SHELL} antSword/v2.1 - 200 0 0 15`,
  `2021-03-03 01:40:00 10.0.0.5 GET /owa/auth/Ab12.js - 443 - ${SHELL} ${BROWSER} - 404 0 2 3`,
];
const BENIGN = [
  `2021-03-03 02:00:00 10.0.0.5 GET /ecp/default.flt - 443 - 10.1.1.20 ${BROWSER} - 404 0 2 2`,
  `2021-03-03 02:00:01 10.0.0.5 GET /owa/auth/x.js - 443 - 10.1.1.20 ${BROWSER} - 404 0 2 2`,
  `2021-03-03 02:00:02 10.0.0.5 GET /ecp/y.js - 443 - 192.168.7.14 ${BROWSER} - 404 0 2 2`,
  `2021-03-03 02:01:00 10.0.0.5 POST /owa/auth.owa - 443 CONTOSO\\jdoe 198.51.100.23 ${BROWSER} https://mail.contoso.com/owa/auth/logon.aspx?replaceCurrent=1 302 0 0 140`,
  `2021-03-03 02:01:01 10.0.0.5 GET /owa/auth/15.1.2176/scripts/premium/flogon.js - 443 - 198.51.100.23 ${BROWSER} - 200 0 0 4`,
  `2021-03-03 02:01:02 10.0.0.5 GET /owa/auth/Current/themes/resources/logon.css - 443 - 198.51.100.23 ${BROWSER} - 200 0 0 4`,
  `2021-03-03 02:02:00 10.0.0.5 POST /ecp/DDI/DDIService.svc/GetList schema=MailboxService 443 CONTOSO\\admin 198.51.100.23 ${BROWSER} - 200 0 0 90`,
  `2021-03-03 02:03:00 10.0.0.5 POST /ecp/DDI/DDIService.svc/GetList schema=MailboxService 443 CONTOSO\\svc 198.51.100.40 ExchangeServicesClient/15.00.0913.015 - 200 0 0 90`,
  `2021-03-03 02:04:00 10.0.0.5 GET /ecp/thisnameisfarlongerthanthirtycharacters.js - 443 - 198.51.100.23 ${BROWSER} - 404 0 2 2`,
];

const lineOf = (i: number): number => 5 + i;

test('CHIRP, user-agent and Sentinel patterns: one high finding per client IP listing exactly the matching requests', async () => {
  const tc = newCase();
  try {
    await addLog(tc, IIS_REL, 'iis-log', parseIis, iisLog([...ATTACK, ...BENIGN]));
    const proxyRel = `${EP_REL}/Logging/HttpProxy/Ecp/HttpProxy_2021030301-1.LOG`;
    await addLog(tc, proxyRel, 'httpproxy-log', parseHttpProxy, httpProxyLog([
      { time: '2021-03-03T01:10:22.117Z', protocol: 'Ecp', stem: '/ecp/y.js', anchor: 'ServerInfo~a]@EXCH01.contoso.local:444/ecp/proxyLogon.ecp#', ip: EXPLOIT, status: 241 },
    ]));
    const found = checkHafniumRequests(tc.db);
    const byIp = new Map(found.map((f) => [f.details?.ip, f]));
    assert.deepEqual([...byIp.keys()].sort(), [SHELL, EXPLOIT].sort(), 'only the two attacker IPs');

    const e = byIp.get(EXPLOIT) as PendingFinding;
    assert.equal(e.finding.check, 'hafnium.request');
    assert.equal(e.finding.severity, 'high');
    assert.equal(e.finding.time, '2021-03-03T01:09:50.000Z');
    assert.deepEqual(e.finding.evidence, [
      { file: IIS_REL, line: lineOf(0) }, { file: IIS_REL, line: lineOf(1) }, { file: IIS_REL, line: lineOf(2) },
      { file: proxyRel, line: 7 }, { file: IIS_REL, line: lineOf(3) }, { file: IIS_REL, line: lineOf(4) },
    ]);
    assert.match(e.finding.title, /^HAFNIUM request patterns: 5 requests \(6 log lines\) from 165\.232\.154\.116 \(/, 'the IIS line and HttpProxy row of /ecp/y.js are one request');
    const hits = e.details?.hits as Array<{ url: string; rules: string[]; source: string }>;
    assert.deepEqual(hits.map((h) => [h.source, h.url, h.rules]), [
      ['iis', '/ecp/default.flt', ['chirp-post', 'exploit-user-agent', 'sentinel-stem']],
      ['iis', '/ecp/main.css', ['chirp-post', 'exploit-user-agent', 'sentinel-stem']],
      ['iis', '/ecp/y.js', ['chirp-post', 'exploit-user-agent', 'sentinel-stem']],
      ['httpproxy', '/ecp/y.js', ['chirp-post', 'exploit-user-agent', 'sentinel-stem']],
      ['iis', '/owa/auth/Current/themes/resources/logon.css', ['chirp-post']],
      ['iis', '/ecp/DDI/DDIService.svc/SetObject', ['exploit-user-agent']],
    ]);

    const s = byIp.get(SHELL) as PendingFinding;
    assert.deepEqual(s.finding.evidence, [{ file: IIS_REL, line: lineOf(5) }, { file: IIS_REL, line: lineOf(6) }]);
    assert.deepEqual((s.details?.hits as Array<{ rules: string[] }>).map((h) => h.rules), [['shell-user-agent'], ['sentinel-stem']]);
    assert.equal(s.details?.count, 2);
  } finally {
    tc.close();
  }
});

test('no finding at all from the benign twins alone', async () => {
  const tc = newCase();
  try {
    await addLog(tc, IIS_REL, 'iis-log', parseIis, iisLog(BENIGN));
    assert.deepEqual(checkHafniumRequests(tc.db), []);
  } finally {
    tc.close();
  }
});

test('evidence is capped but the title and details state the full count', async () => {
  const tc = newCase();
  try {
    const n = EVIDENCE_CAP + 25;
    const lines = Array.from({ length: n }, (_, i) =>
      `2021-03-03 03:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')} 10.0.0.5 POST /ecp/y.js - 443 - ${EXPLOIT} python-requests/2.25.1 - 200 0 0 20`);
    await addLog(tc, IIS_REL, 'iis-log', parseIis, iisLog(lines));
    const [f, ...rest] = checkHafniumRequests(tc.db);
    assert.equal(rest.length, 0);
    assert.equal(f.finding.evidence.length, EVIDENCE_CAP);
    assert.match(f.finding.title, new RegExp(`: ${n} requests from `));
    assert.equal(f.details?.count, n);
    assert.equal(f.details?.evidenceCapped, true);
  } finally {
    tc.close();
  }
});

test('private client addresses: RFC 1918, loopback, link-local, IPv6 unique-local and IPv4-mapped', () => {
  for (const ip of ['10.1.1.20', '172.16.0.1', '172.31.255.255', '192.168.0.9', '127.0.0.1', '169.254.10.1', '::1', 'fe80::1c2:3', 'fd12:3456::1', '::ffff:10.0.0.7', '[::1]']) {
    assert.equal(isPrivateIp(ip), true, ip);
  }
  for (const ip of ['165.232.154.116', '172.32.0.1', '172.15.9.9', '192.169.0.1', '8.8.8.8', '2001:db8::1', '::ffff:8.8.8.8', '', null]) {
    assert.equal(isPrivateIp(ip), false, String(ip));
  }
});
