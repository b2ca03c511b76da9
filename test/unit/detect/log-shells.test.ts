// Web-shell use found from the request logs alone (webshell.log-use): crafted IIS logs of a shell whose file is not in
// the evidence and its benign twins (a page many clients use, an administrator's ECP work, refused probes), the real
// Tomcat log of a JSP shell upload, and the real Tunna log, whose page keeps its tunnel finding and gets no second one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseAccessLog } from '../../../electron/ingest/sources/access-log.ts';
import { parseIis } from '../../../electron/ingest/sources/iis.ts';
import { checkLogShellUse, pageKind } from '../../../electron/detect/log-shells.ts';
import { runDetections } from '../../../electron/detect/index.ts';
import { allIndicators, isShareable, readFindings } from '../../../electron/report/indicators.ts';
import { addFile, addLog, iisLog, newCase, sharedData } from './helpers.ts';
import type { TestCase } from './helpers.ts';
import { CHOPPER } from './samples.ts';

const IIS = 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log';
const TOMCAT_LOG = sharedData('weblogs-other', 'Command_and_Control__web_attack_and_isp_webshell_localhost_access_log.txt');
const TUNNA_LOG = sharedData('iis', 'Command_and_Control__Tunna_rdp_tunnel_IIS.log');
const SHELL = '/aspnet_client/system_web/x7Fk2.aspx';

const line = (time: string, method: string, stem: string, ip: string, status: number, ua = 'Mozilla/5.0+(Windows+NT+10.0)'): string =>
  `2021-03-03 ${time} 10.0.0.5 ${method} ${stem} - 443 - ${ip} ${ua} - ${status} 0 0 15`;

/** `n` POSTs to `stem`, one a second from 01:00:00, each from `ipOf(i)`. */
const posts = (stem: string, n: number, ipOf: (i: number) => string, status = 200): string[] =>
  Array.from({ length: n }, (_, i) => line(`01:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`, 'POST', stem, ipOf(i), status));

async function logOnly(lines: string[]): Promise<TestCase> {
  const tc = newCase();
  await addLog(tc, IIS, 'iis-log', parseIis, iisLog(lines));
  return tc;
}

test('which pages the check may flag: 2021 shell folders (not their stock logon pages), other script pages, never Exchange\'s own folders', () => {
  for (const p of [SHELL, '/aspnet_client/a.aspx', '/owa/auth/Current/themes/resources/x.aspx', '/owa/auth/logout.aspx', '/ecp/auth/help.aspx', '/OAB/x.aspx']) {
    assert.equal(pageKind(p), 'shell-folder', p);
  }
  for (const p of ['/owa/auth/logon.aspx', '/owa/auth/errorFE.aspx', '/ecp/auth/TimeoutLogout.aspx', '/owa/auth/OutlookCN.aspx', '/ecp/default.aspx',
    '/ecp/UsersGroups/EditMailbox.aspx', '/EWS/Exchange.asmx', '/owa/service.svc', '/Autodiscover/Autodiscover.xml', '/mapi/emsmdb/', '/PowerShell/']) {
    assert.equal(pageKind(p), null, p);
  }
  for (const p of ['/error/cmd.jsp', '/erp/conn.aspx', '/upload/x.php', '/api/x.php', '/public/x.php']) assert.equal(pageKind(p), 'rare-page', p);
});

test('a shell known only from its IIS lines (POSTs from one IP, 200) is one high, likely finding listing its client, counts and request lines', async () => {
  const tc = await logOnly([
    line('00:59:58', 'GET', SHELL, '203.0.113.9', 200),
    ...posts(SHELL, 5, () => '203.0.113.9'),
    line('01:00:30', 'POST', SHELL, '198.51.100.4', 404),
    // other clients' ordinary traffic around it
    ...posts('/owa/auth.owa', 3, (i) => `10.1.0.${i + 1}`, 302),
  ]);
  try {
    const found = checkLogShellUse(tc.db, []);
    assert.equal(found.length, 1, found.map((p) => p.finding.title).join('\n'));
    const [f] = found;
    assert.equal(f.finding.check, 'webshell.log-use');
    assert.equal(f.finding.severity, 'high');
    assert.equal(f.finding.confidence, 'likely');
    assert.match(f.finding.confidenceReason ?? '', /folder where web shells were planted in 2021/);
    assert.equal(f.finding.title, `Likely web shell driven from the logs: ${SHELL}: 6 POSTs (5 answered 2xx) from 203.0.113.9`);
    assert.equal(f.finding.time, '2021-03-03T01:00:00.000Z');
    assert.equal(f.finding.path, null);
    // the GET before the POSTs, the 5 POSTs and the refused one: every line of the page from its POSTing clients
    assert.deepEqual(f.finding.evidence.map((r) => r.line), [5, 6, 7, 8, 9, 10, 11]);
    const d = f.details!;
    assert.equal(d.page, SHELL.toLowerCase());
    assert.equal(d.posts, 6);
    assert.equal(d.answered2xx, 5);
    assert.deepEqual((d.clients as Array<{ ip: string; posts: number; answered2xx: number }>).map((c) => [c.ip, c.posts, c.answered2xx]), [['203.0.113.9', 5, 5], ['198.51.100.4', 1, 0]]);
    assert.equal(d.ip, undefined, 'no shareable client IP on a finding that is never confirmed');
    assert.equal((d.hits as unknown[]).length, 7);

    // Through the whole run: on the Findings list, still likely, and its clients are not exported as indicators.
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const rows = readFindings(tc.db).filter((x) => x.check === 'webshell.log-use');
    assert.equal(rows.length, 1);
    assert.equal(rows[0].confidence, 'likely');
    const shared = allIndicators(readFindings(tc.db), []).filter(isShareable).map((i) => i.value);
    assert.ok(!shared.includes('203.0.113.9'), shared.join(', '));
  } finally { tc.close(); }
});

test('the same page POSTed by 40 clients is an application page: no finding', async () => {
  const tc = await logOnly(posts(SHELL, 40, (i) => `10.2.0.${i + 1}`));
  try {
    assert.deepEqual(checkLogShellUse(tc.db, []).map((p) => p.finding.title), []);
  } finally { tc.close(); }
});

test('a shell path sprayed by 150 scanners (404) and driven by one client: still a finding; 100 refused clients listed, all counted', async () => {
  const tc = await logOnly([...posts(SHELL, 150, (i) => `198.51.${Math.floor(i / 100)}.${(i % 100) + 1}`, 404), line('03:00:00', 'POST', SHELL, '203.0.113.9', 200)]);
  try {
    const [f, ...more] = checkLogShellUse(tc.db, []);
    assert.equal(more.length, 0);
    assert.equal(f.finding.title, `Likely web shell driven from the logs: ${SHELL}: 151 POSTs (1 answered 2xx) from 203.0.113.9`);
    const clients = f.details?.clients as Array<{ ip: string }>;
    assert.equal(clients.length, 101);
    assert.equal(clients[0].ip, '203.0.113.9');
    assert.equal(f.details?.clientsTotal, 151);
    assert.equal(f.finding.evidence.length, 50, 'evidence capped');
    assert.equal(f.details?.evidenceCapped, true);
  } finally { tc.close(); }
});

test('an administrator\'s POSTs to ECP pages, users\' logons and EWS, and refused probes of a shell path give no finding', async () => {
  const admin = '10.0.0.20';
  const tc = await logOnly([
    ...posts('/ecp/UsersGroups/EditMailbox.aspx', 4, () => admin),
    ...posts('/ecp/DDI/DDIService.svc/SetObject', 2, () => admin),
    ...posts('/owa/auth/logon.aspx', 2, () => '10.1.0.7'),
    ...posts('/EWS/Exchange.asmx', 3, () => '10.1.0.8'),
    ...posts('/aspnet_client/shell.aspx', 6, () => '198.51.100.4', 404),
  ]);
  try {
    assert.deepEqual(checkLogShellUse(tc.db, []).map((p) => p.finding.title), []);
  } finally { tc.close(); }
});

test('a rare script page outside the 2021 shell folders driven by one client is medium and needs review', async () => {
  const tc = await logOnly(posts('/uploads/img/thumb.ashx', 3, () => '203.0.113.50'));
  try {
    const found = checkLogShellUse(tc.db, []);
    assert.equal(found.length, 1);
    assert.equal(found[0].finding.severity, 'medium');
    assert.equal(found[0].finding.confidence, 'review');
    assert.match(found[0].finding.title, /^Script page driven from the logs: \/uploads\/img\/thumb\.ashx: 3 POSTs \(3 answered 2xx\) from 203\.0\.113\.50$/);
  } finally { tc.close(); }
});

test('a shell whose file YARA found gets no second finding from its log lines', async () => {
  const tc = await logOnly(posts('/aspnet_client/s.aspx', 3, () => '203.0.113.9'));
  try {
    addFile(tc, 'C/inetpub/wwwroot/aspnet_client/s.aspx', CHOPPER, { mtime: '2021-03-03T00:58:00Z' });
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const checks = readFindings(tc.db).map((f) => f.check);
    assert.ok(checks.includes('webshell'), checks.join(', '));
    assert.ok(!checks.includes('webshell.log-use'), checks.join(', '));
  } finally { tc.close(); }
});

test('the real Tomcat log: /error/cmd.jsp flagged with its client and 16 POSTs; the manager upload and the deployed /jsp_app/ folder are not script pages', { skip: fs.existsSync(TOMCAT_LOG) ? false : 'shared/data/weblogs-other not present' }, async () => {
  const tc = newCase();
  try {
    const raw = fs.readFileSync(TOMCAT_LOG);
    await addLog(tc, 'var/log/tomcat/localhost_access_log.2018-07-11.txt', 'access-log', parseAccessLog, raw);
    const found = checkLogShellUse(tc.db, []);
    assert.deepEqual(found.map((p) => p.details?.page), ['/error/cmd.jsp'], found.map((p) => p.finding.title).join('\n'));
    const [f] = found;
    const text = raw.toString('latin1');
    const postLines = text.split('\n').filter((l) => l.includes('"POST /error/cmd.jsp ')).length;
    assert.equal(postLines, 16);
    assert.equal(f.finding.title, 'Script page driven from the logs: /error/cmd.jsp: 16 POSTs (16 answered 2xx) from 192.168.105.76');
    assert.equal(f.finding.severity, 'medium');
    assert.equal(f.finding.confidence, 'review');
    // its 5 GETs (the attacker checking the upload) and 16 POSTs, in log order
    const pageLines = text.split('\n').map((l, i) => (l.includes(' /error/cmd.jsp ') ? i + 1 : 0)).filter(Boolean);
    assert.equal(pageLines.length, 21);
    assert.deepEqual(f.finding.evidence.map((r) => r.line), pageLines);
    assert.equal(f.finding.time, '2018-07-11T12:10:19.000Z', 'the first POST, 15:10:19 +0300');
  } finally { tc.close(); }
});

test('the real Tunna log: /erp/conn.aspx keeps its webshell.tunnel finding and gets no log-use duplicate', { skip: fs.existsSync(TUNNA_LOG) ? false : 'shared/data/iis not present' }, async () => {
  const tc = newCase();
  try {
    await addLog(tc, 'C/inetpub/logs/LogFiles/W3SVC1/u_ex190903.log', 'iis-log', parseIis, fs.readFileSync(TUNNA_LOG));
    // on its own the page is driven like a shell (POSTs answered 200 from one client) …
    assert.deepEqual(checkLogShellUse(tc.db, []).map((p) => p.details?.page), ['/erp/conn.aspx']);
    // … but the tunnel check found it first
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const checks = readFindings(tc.db).map((f) => f.check);
    assert.equal(checks.filter((c) => c === 'webshell.tunnel').length, 1);
    assert.equal(checks.filter((c) => c === 'webshell.log-use').length, 0, checks.join(', '));
  } finally { tc.close(); }
});

test('a rare script page driven by a client that exploited the server joins its intrusion and is raised to likely; the same POSTs alone make no attacker', async () => {
  const attacker = '203.0.113.66';
  const exploit = line('00:50:00', 'POST', '/ecp/y.js', attacker, 200, 'python-requests/2.25.1');
  const use = posts('/uploads/img/thumb.ashx', 3, () => attacker);
  const tc = await logOnly([exploit, ...use]);
  const alone = await logOnly(use);
  try {
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const f = readFindings(tc.db).find((x) => x.check === 'webshell.log-use');
    assert.equal(f?.confidence, 'likely');
    assert.match(f?.confidenceReason ?? '', /; part of intrusion 1$/);
    assert.equal(f?.severity, 'medium', 'the severity stays the check\'s own');
    const stories = readFindings(tc.db).filter((x) => x.check === 'story');
    assert.equal(stories.length, 1);
    assert.deepEqual(stories[0].details?.shells, ['/uploads/img/thumb.ashx']);
    assert.ok((stories[0].details?.stages as string[]).includes('shell-used'));

    await runDetections(alone.db, { evidenceRoots: alone.roots });
    const rows = readFindings(alone.db);
    assert.equal(rows.find((x) => x.check === 'webshell.log-use')?.confidence, 'review');
    assert.deepEqual(rows.filter((x) => x.check === 'story').map((x) => x.title), [], 'a page driven from the logs alone makes no intrusion');
  } finally { tc.close(); alone.close(); }
});

test('in a 2021 shell folder a shell driven by GETs with parameters is found too; elsewhere, or without parameters, such GETs are ordinary', async () => {
  const get = (time: string, stem: string, query: string, ip = '203.0.113.9', status = 200): string =>
    `2021-03-03 ${time} 10.0.0.5 GET ${stem} ${query} 443 - ${ip} Mozilla/5.0 - ${status} 0 0 15`;
  const tc = await logOnly([
    get('01:00:00', SHELL, 'cmd=whoami'), get('01:00:05', SHELL, 'cmd=ipconfig+/all'), get('01:00:09', SHELL, 'cmd=net+user', '198.51.100.4', 404),
    // a rare application page read with parameters by one client, a shell-folder page read without any, the front end's own suffix
    get('01:01:00', '/reports/view.aspx', 'id=42'), get('01:02:00', '/aspnet_client/other.aspx', '-'),
    get('01:03:00', '/owa/auth/third.aspx', '&CorrelationID=<empty>;&cafeReqId=0f5e1c1a-7a5b-4c1e-9d3f-1b2c3d4e5f60;'),
  ]);
  try {
    const found = checkLogShellUse(tc.db, []);
    assert.deepEqual(found.map((p) => p.finding.title), [`Likely web shell driven from the logs: ${SHELL}: 3 GETs with parameters (2 answered 2xx) from 203.0.113.9`]);
    assert.match(found[0].finding.confidenceReason ?? '', /answered 2xx to POSTs or GETs with parameters from 1 client only/);
    assert.equal(found[0].details?.paramGets, 3);
    assert.equal(found[0].finding.evidence.length, 3);
  } finally { tc.close(); }
});
