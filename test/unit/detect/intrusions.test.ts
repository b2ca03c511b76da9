// Clustering, scanners and "each request once" on a small targeted case written through the real parsers: two
// intruders on different IPs, shells and days are two stories; a scanner and an internal client that GET a shell join
// none; a failed exploit POST is an attempt, not a scan; an IIS line and its HttpProxy row are one request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { parseHttpProxy } from '../../../electron/ingest/sources/httpproxy.ts';
import { parseIis } from '../../../electron/ingest/sources/iis.ts';
import { runDetections } from '../../../electron/detect/index.ts';
import { getIntrusions, getVerdicts } from '../../../electron/detect/queries.ts';
import { joinRequests } from '../../../electron/detect/requests.ts';
import { queryEvents } from '../../../electron/detect/rows.ts';
import { addFile, addLog, EP_REL, httpProxyLog, iisLog, newCase } from './helpers.ts';
import type { ProxyRow, TestCase } from './helpers.ts';
import { CHOPPER, OAB_DUMP } from './samples.ts';

const A = '203.0.113.10';
const B = '203.0.113.20';
const FAILED = '203.0.113.30';
const SCANNER = '198.51.100.7';
const INTERNAL = '10.1.1.20';
const FE = `${EP_REL}/FrontEnd/HttpProxy`;
const anchor = (target: string): string => `ServerInfo~a]@EXCH01.contoso.local:444/${target}#`;
/** The RequestId helpers.proxyRow derives for a row (so an IIS line can name it in cafeReqId). */
const reqId = (r: ProxyRow): string => crypto.createHash('md5').update(r.time + r.stem + r.ip).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
const cafe = (r: ProxyRow): string => `&CorrelationID=<empty>;&cafeReqId=${reqId(r)};`;

const rowsA: ProxyRow[] = [
  { time: '2021-03-03T01:10:00.000Z', protocol: 'Ecp', stem: '/ecp/y.js', anchor: anchor('ecp/proxyLogon.ecp'), ip: A, status: 200 },
  { time: '2021-03-03T01:11:00.000Z', protocol: 'Ecp', stem: '/ecp/y.js', anchor: anchor('ecp/DDI/DDIService.svc/SetObject?msExchEcpCanary=x&schema=ResetOABVirtualDirectory'), ip: A, status: 200 },
];
const rowB: ProxyRow = { time: '2021-03-06T09:00:00.000Z', protocol: 'Ecp', stem: '/ecp/z.js', anchor: anchor('mapi/emsmdb/?'), ip: B, status: 200 };
const rowFailed: ProxyRow = { time: '2021-03-04T12:00:00.000Z', protocol: 'Ecp', stem: '/ecp/q.js', anchor: anchor('ecp/proxyLogon.ecp'), ip: FAILED, status: 500 };
const rowScanner: ProxyRow = { time: '2021-03-05T10:00:02.000Z', protocol: 'Owa', stem: '/owa/auth/x.js', anchor: 'ServerInfo~localhost/owa/auth/logon.aspx?~3#', ip: SCANNER, status: 500, method: 'GET', ua: 'Mozilla/5.0 zgrab/0.x' };


async function plant(tc: TestCase): Promise<void> {
  await addLog(tc, `${EP_REL}/Logging/HttpProxy/Ecp/HttpProxy_2021030301-1.LOG`, 'httpproxy-log', parseHttpProxy, httpProxyLog([...rowsA, rowFailed, rowB, rowScanner]));
  await addLog(tc, 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', 'iis-log', parseIis, iisLog([
    // The IIS line of the first SSRF names its HttpProxy row (logged 3 s later: only the cafeReqId can join them).
    `2021-03-03 01:10:03 10.0.0.5 POST /ecp/y.js ${cafe(rowsA[0])} 443 - ${A} python-requests/2.25.1 - 200 0 0 31`,
    // The Reset has no cafeReqId: joined on client, method, URL and time.
    `2021-03-03 01:11:00 10.0.0.5 POST /ecp/y.js - 443 - ${A} python-requests/2.25.1 - 200 0 0 31`,
    `2021-03-03 01:20:00 10.0.0.5 POST /owa/auth/aBcDeFgH.aspx - 443 - ${A} python-requests/2.25.1 - 200 0 0 15`,
    `2021-03-04 12:00:00 10.0.0.5 POST /ecp/q.js ${cafe(rowFailed)} 443 - ${FAILED} python-requests/2.25.1 - 500 0 0 12`,
    '2021-03-05 10:00:01 10.0.0.5 GET /ecp/default.flt - 443 - 198.51.100.7 Mozilla/5.0+zgrab/0.x - 200 0 0 3',
    `2021-03-05 10:00:02 10.0.0.5 GET /owa/auth/x.js ${cafe(rowScanner)} 443 - ${SCANNER} Mozilla/5.0+zgrab/0.x - 500 0 0 3`,
    '2021-03-05 10:00:03 10.0.0.5 GET /owa/auth/aBcDeFgH.aspx - 443 - 198.51.100.7 Mozilla/5.0+zgrab/0.x - 200 0 0 3',
    `2021-03-05 11:00:00 10.0.0.5 GET /owa/auth/aBcDeFgH.aspx - 443 - ${INTERNAL} Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 4`,
    `2021-03-06 09:00:00 10.0.0.5 POST /ecp/z.js ${cafe(rowB)} 443 - ${B} python-requests/2.25.1 - 200 0 0 31`,
    `2021-03-06 09:07:30 10.0.0.5 POST /aspnet_client/s.aspx - 443 - ${B} antSword/v2.1 - 200 0 0 40`,
  ]));
  addFile(tc, `${FE}/owa/auth/aBcDeFgH.aspx`, OAB_DUMP, { mtime: '2021-03-03T01:11:01Z' });
  addFile(tc, 'C/inetpub/wwwroot/aspnet_client/s.aspx', CHOPPER, { mtime: '2021-03-06T09:05:00Z' });
}

test('an IIS line and its HttpProxy row are one request: joined on cafeReqId, else on client, method, URL and a 2 s window', async () => {
  const tc = newCase();
  try {
    await plant(tc);
    const reqs = joinRequests(queryEvents(tc.db, `e.ip = ? AND e.source IN ('iis', 'httpproxy')`, [A]));
    assert.deepEqual(reqs.map((r) => [r.hit.source, r.url, r.also.map((x) => x.line)]), [
      ['httpproxy', '/ecp/y.js', [5]],
      ['httpproxy', '/ecp/y.js', [6]],
      ['iis', '/owa/auth/abcdefgh.aspx', []],
    ]);
    assert.equal(reqs[0].ts, Date.parse(rowsA[0].time) * 1000, 'the HttpProxy row (millisecond time, anchor, status) leads');
  } finally { tc.close(); }
});

test('two intruders are two stories; the scanner and an internal client that GET a shell join none; a failed POST is an attempt', async () => {
  const tc = newCase();
  try {
    await plant(tc);
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const stories = getIntrusions(tc.db);
    assert.deepEqual(stories.map((s) => [s.ips, s.shells.map((x) => x.split('\\').pop())]), [
      [[A], ['aBcDeFgH.aspx']],
      [[B], ['s.aspx']],
    ]);
    const [one, two] = stories;
    assert.deepEqual(one.steps.map((s) => [s.kind, s.ip]), [
      ['ssrf', A], ['vdir-reset', A], ['shell-write', A], ['shell-use', A],
    ], 'the shell written one second after A\'s Reset is A\'s; the scanner\'s and the internal client\'s GETs are not in it');
    assert.deepEqual(one.steps[0].also, [{ file: 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', line: 5 }]);
    assert.deepEqual(two.steps.map((s) => s.kind), ['ssrf', 'shell-write', 'shell-use']);

    const f = tc.db.prepare('SELECT check_id AS c, confidence, details FROM findings').all() as Array<{ c: string; confidence: string; details: string | null }>;
    const ofIp = (ip: string) => f.filter((x) => x.details && JSON.parse(x.details).ip === ip).map((x) => [x.c, x.confidence]);
    assert.deepEqual(ofIp(SCANNER), [['scan', 'info']], 'the scanner: only its low, informational scan finding (no HAFNIUM-pattern finding)');
    assert.deepEqual(ofIp(FAILED), [['proxylogon.cve-2021-26855', 'likely'], ['hafnium.request', 'likely']], 'a refused exploit POST is an attempt, not a scan');
    assert.deepEqual(ofIp(INTERNAL), []);
    const ssrf = getVerdicts(tc.db).find((v) => v.cve === 'CVE-2021-26855')!;
    assert.equal(ssrf.verdict, 'exploited');
    assert.equal(ssrf.hits, 4);
  } finally { tc.close(); }
});

test('a scanner\'s forged requests are informational and stay out of the verdict', async () => {
  const tc = newCase();
  try {
    await addLog(tc, `${EP_REL}/Logging/HttpProxy/Owa/HttpProxy_2021030510-1.LOG`, 'httpproxy-log', parseHttpProxy, httpProxyLog([
      { time: '2021-03-05T10:00:00.000Z', protocol: 'Owa', stem: '/owa/auth/x.js', anchor: anchor('ecp/default.flt'), ip: SCANNER, status: 404, method: 'GET', ua: 'Mozilla/5.0 zgrab/0.x' },
    ]));
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const rows = tc.db.prepare('SELECT check_id AS c, confidence, confidence_reason AS r FROM findings ORDER BY id').all() as Array<{ c: string; confidence: string; r: string }>;
    assert.deepEqual(rows.map((x) => [x.c, x.confidence]), [['proxylogon.cve-2021-26855', 'info'], ['scan', 'info']]);
    assert.match(rows[0].r, /^from 198\.51\.100\.7, which only scanned this server/);
    const v = getVerdicts(tc.db).find((x) => x.cve === 'CVE-2021-26855')!;
    assert.equal(v.hits, 0);
    assert.equal(v.excluded, 1);
    assert.notEqual(v.verdict, 'attempted');
    assert.match(v.summary, /1 scanner request not counted/);
  } finally { tc.close(); }
});

test('shells written seconds apart with no request in the logs are one intrusion, whatever order the files were listed in', async () => {
  const tc = newCase();
  try {
    // listed later, written first: the order that used to make two intrusions of one drop
    addFile(tc, 'C/inetpub/wwwroot/aspnet_client/zz.aspx', CHOPPER, { mtime: '2021-03-03T04:10:05Z' });
    addFile(tc, 'C/inetpub/wwwroot/aspnet_client/aa.aspx', CHOPPER.replace('zk8zWHK', 'q1'), { mtime: '2021-03-03T04:10:09Z' });
    addFile(tc, 'C/inetpub/wwwroot/aspnet_client/system_web/bb.aspx', CHOPPER.replace('zk8zWHK', 'r2'), { mtime: '2021-03-03T04:09:58Z' });
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const stories = getIntrusions(tc.db);
    assert.equal(stories.length, 1, stories.map((s) => s.title).join('\n'));
    assert.equal(stories[0].shells.length, 3);
  } finally {
    tc.close();
  }
});
