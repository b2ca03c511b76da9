// The checks of the waves after March 2021 on real-shaped IIS lines and real EVTX bytes (written by the fixture EVTX
// writer, read by Loupe's parser): each CVE's positive cases, and the benign twins that must stay clean — legitimate
// autodiscover.json requests, an administrator's export to a .pst on a file share, patched-server probes answered
// 400/401, an administrator's remote PowerShell, OWA calendar links, routine children of the PowerShell worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvtx } from '../../../electron/ingest/sources/evtx/index.ts';
import { parseIis } from '../../../electron/ingest/sources/iis.ts';
import { autodiscoverBackend, checkCve202134473 } from '../../../electron/detect/cve-2021-34473.ts';
import { checkCve202134523 } from '../../../electron/detect/cve-2021-34523.ts';
import { checkCve202131207 } from '../../../electron/detect/cve-2021-31207.ts';
import { checkCve202241040 } from '../../../electron/detect/cve-2022-41040.ts';
import { checkCve202241080 } from '../../../electron/detect/cve-2022-41080.ts';
import { CVE_2022_41082_OWASSRF, CVE_2022_41082_PROXYNOTSHELL } from '../../../electron/detect/cve-2022-41082.ts';
import { mayHold, percentDecode } from '../../../electron/detect/proxy-requests.ts';
import { runDetections } from '../../../electron/detect/index.ts';
import { getVerdicts } from '../../../electron/detect/queries.ts';
import { writeEvtx } from '../../fixtures/evtx-writer.ts';
import { cmdletRecord, sysmonProcess, W3WP_IMAGE, w3wpCommandLine } from '../../fixtures/gen/evtx-records.ts';
import { parseEcpServer } from '../../../electron/ingest/sources/ecp-server.ts';
import { addLog, EP_REL, iisLog, newCase } from './helpers.ts';
import type { TestCase } from './helpers.ts';
import type { PendingFinding, RunMemo } from '../../../electron/detect/types.ts';

const LOGS = 'C/Windows/System32/winevt/Logs';
const IIS = 'C/inetpub/logs/LogFiles/W3SVC1';
const HOST = 'EXCH01.contoso.local';
const ADMIN: [string, string] = ['contoso.local/Users/exadmin', 'S-1-5-21-1004336348-1177238915-682003330-1500'];
const SYSTEM: [string, string] = ['contoso.local/Users/SYSTEM', 'S-1-5-18'];
const t = (iso: string): number => Date.parse(iso);

/** [outcome, ip, evidence lines] per finding, for compact assertions. */
const shape = (found: PendingFinding[]): Array<[unknown, unknown, number[]]> =>
  found.map((p) => [p.details?.outcome, p.details?.ip, p.finding.evidence.map((r) => r.line ?? r.record ?? -1)]);

const iisLine = (when: string, method: string, stem: string, query: string, user: string, ip: string, ua: string, status: number): string =>
  `${when} 10.0.0.5 ${method} ${stem} ${query || '-'} 443 ${user || '-'} ${ip} ${ua.replace(/ /g, '+')} - ${status} 0 0 31`;

const PS_Q = '@evil.corp/powershell/?X-Rps-CAT=VgEAVAdXaW5kb3dzQwBBCEtlcmJlcm9zTBlBZG1pbmlzdHJhdG9yQGNvbnRvc28uY29t&Email=autodiscover/autodiscover.json%3F@evil.corp';

async function proxyShellLog(tc: TestCase): Promise<void> {
  await addLog(tc, `${IIS}/u_ex210812.log`, 'iis-log', parseIis, iisLog([
    // 5, 6: legitimate autodiscover.json (benign twins)
    iisLine('2021-08-12 08:00:01', 'GET', '/autodiscover/autodiscover.json', 'Email=greta.berg%40contoso.com&Protocol=ActiveSync&RedirectCount=1', 'CONTOSO\\greta.berg', '91.64.38.201', 'Outlook-iOS/2.0', 200),
    iisLine('2021-08-12 08:00:02', 'GET', '/autodiscover/autodiscover.json/v1.0/greta.berg@contoso.com', 'Protocol=AutodiscoverV1&RedirectCount=1', '', '91.64.38.201', 'Microsoft Office/16.0', 200),
    // 7, 8, 9: the ProxyShell chain from 192.0.2.81 (mapi/nspi, then remote PowerShell with X-Rps-CAT)
    iisLine('2021-08-12 09:00:00', 'POST', '/autodiscover/autodiscover.json', '@evil.corp/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@evil.corp', '', '192.0.2.81', 'python-requests/2.26.0', 200),
    iisLine('2021-08-12 09:00:05', 'POST', '/autodiscover/autodiscover.json', PS_Q, '', '192.0.2.81', 'python-requests/2.26.0', 200),
    iisLine('2021-08-12 09:00:09', 'POST', '/autodiscover/autodiscover.json', `a=x%40evil.corp%2Fpowershell%2F%3FX-Rps-CAT%3DVgEAVAdX`, '', '192.0.2.81', 'python-requests/2.26.0', 200),
    // 10, 11: patched-server probes answered 400/401 from a scanner (GETs only)
    iisLine('2021-08-13 10:00:00', 'GET', '/autodiscover/autodiscover.json', '@test.com/owa/?&Email=autodiscover/autodiscover.json%3F@test.com', '', '198.51.100.140', 'Mozilla/5.0 zgrab/0.x', 400),
    iisLine('2021-08-13 10:00:01', 'GET', '/autodiscover/autodiscover.json', '@test.com/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@test.com', '', '198.51.100.140', 'Mozilla/5.0 zgrab/0.x', 401),
    // 12: a refused exploit POST from another client (an attempt, not a scan)
    iisLine('2021-08-14 11:00:00', 'POST', '/autodiscover/autodiscover.json', '@x.y/EWS/Exchange.asmx?&Email=autodiscover/autodiscover.json%3F@x.y', '', '203.0.113.9', 'python-requests/2.26.0', 401),
  ]));
}

test('URL decoding and the ProxyShell back-end parser: "@host/<back end>" or the explicit-logon Email=, never a user\'s own address', () => {
  assert.equal(percentDecode('a%40b%252Fc'), 'a@b/c');
  assert.equal(autodiscoverBackend('/autodiscover/autodiscover.json?@evil.corp/mapi/nspi/?&Email=autodiscover/autodiscover.json?@evil.corp'), 'mapi/nspi');
  assert.equal(autodiscoverBackend('/autodiscover/autodiscover.json?a=x@evil.corp/powershell/?X-Rps-CAT=Vg'), 'powershell');
  assert.equal(autodiscoverBackend('/autodiscover/autodiscover.json?x=1&Email=autodiscover/autodiscover.json?@a'), 'explicit-logon');
  assert.equal(autodiscoverBackend('/autodiscover/autodiscover.json?Email=greta.berg@contoso.com&Protocol=ActiveSync&RedirectCount=1'), null);
  assert.equal(autodiscoverBackend('/autodiscover/autodiscover.json/v1.0/greta.berg@contoso.com?Protocol=AutodiscoverV1'), null);
  assert.equal(autodiscoverBackend('/owa/?@evil.corp/mapi/nspi/'), null);
});

test('CVE-2021-34473/34523: the chain\'s POSTs answered 200 are exploited, probes and a refused POST are attempts, legitimate autodiscover.json is clean', async () => {
  const tc = newCase();
  try {
    await proxyShellLog(tc);
    assert.deepEqual(shape(checkCve202134473(tc.db)), [
      ['exploited', '192.0.2.81', [7, 8, 9]], ['attempted', '198.51.100.140', [10, 11]], ['attempted', '203.0.113.9', [12]],
    ]);
    const ps = checkCve202134523(tc.db);
    assert.deepEqual(shape(ps), [['exploited', '192.0.2.81', [8, 9]]]);
    assert.equal(ps[0].finding.confidence, 'confirmed');
    assert.deepEqual((ps[0].details?.hits as Array<{ rpsCat: boolean }>).map((h) => h.rpsCat), [true, true], 'the encoded X-Rps-CAT is read after decoding');
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const scan = tc.db.prepare("SELECT confidence FROM findings WHERE check_id = 'proxyshell.cve-2021-34473' AND json_extract(details, '$.ip') = '198.51.100.140'").get() as { confidence: string };
    assert.equal(scan.confidence, 'info', 'a client that only probed (400/401) is a scanner: informational');
    const v = getVerdicts(tc.db).find((x) => x.cve === 'CVE-2021-34473')!;
    assert.deepEqual([v.verdict, v.hits, v.excluded], ['exploited', 4, 2]);
  } finally { tc.close(); }
});

test('patched-server probes and legitimate autodiscover.json alone leave CVE-2021-34473 at "no evidence" with the probes set apart', async () => {
  const tc = newCase();
  try {
    await addLog(tc, `${IIS}/u_ex210801.log`, 'iis-log', parseIis, iisLog([
      iisLine('2021-08-01 00:00:01', 'GET', '/owa/healthcheck.htm', '', '', '127.0.0.1', 'AMProbe/Local/ClientAccess', 200),
      iisLine('2021-08-12 08:00:01', 'GET', '/autodiscover/autodiscover.json', 'Email=greta.berg%40contoso.com&Protocol=ActiveSync&RedirectCount=1', 'CONTOSO\\greta.berg', '91.64.38.201', 'Outlook-iOS/2.0', 200),
      iisLine('2021-08-13 10:00:00', 'GET', '/autodiscover/autodiscover.json', '@test.com/owa/?&Email=autodiscover/autodiscover.json%3F@test.com', '', '198.51.100.140', 'Mozilla/5.0 zgrab/0.x', 400),
      iisLine('2021-08-13 10:00:01', 'GET', '/autodiscover/autodiscover.json', '@test.com/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@test.com', '', '198.51.100.140', 'Mozilla/5.0 zgrab/0.x', 401),
      iisLine('2021-08-31 23:59:59', 'GET', '/owa/healthcheck.htm', '', '', '127.0.0.1', 'AMProbe/Local/ClientAccess', 200),
    ]));
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const v = getVerdicts(tc.db).find((x) => x.cve === 'CVE-2021-34473')!;
    assert.deepEqual([v.verdict, v.hits, v.excluded, v.covered], ['no-evidence', 0, 2, true]);
    assert.match(v.summary, /2 scanner requests not counted/);
  } finally { tc.close(); }
});

async function cmdletLog(tc: TestCase): Promise<string> {
  const rel = `${LOGS}/MSExchange Management.evtx`;
  const unc = '\\\\127.0.0.1\\C$\\inetpub\\wwwroot\\aspnet_client\\x7Fq2.aspx';
  await addLog(tc, rel, 'evtx', parseEvtx, Buffer.from(writeEvtx([
    // An administrator grants the role and exports a leaver's mailbox to a file share (benign twin).
    cmdletRecord(9001, t('2021-08-02T10:00:00Z'), HOST, 'New-ManagementRoleAssignment', '-Role "Mailbox Import Export" -User "exadmin"', ADMIN),
    cmdletRecord(9002, t('2021-08-02T10:05:00Z'), HOST, 'New-MailboxExportRequest', '-Mailbox "lars.klein" -FilePath "\\\\FS01\\Exports\\lars.klein.pst"', ADMIN),
    // The ProxyShell sequence: grant, export to an .aspx in aspnet_client, removal.
    cmdletRecord(9003, t('2021-08-12T09:01:00Z'), HOST, 'New-ManagementRoleAssignment', '-Role "Mailbox Import Export" -User "Administrator@contoso.com"', SYSTEM),
    cmdletRecord(9004, t('2021-08-12T09:01:30Z'), HOST, 'New-MailboxExportRequest', `-Mailbox "Administrator@contoso.com" -IncludeFolders "#Drafts#" -ContentFilter "(Subject -eq 'kx9')" -FilePath "${unc}"`, SYSTEM),
    cmdletRecord(9005, t('2021-08-12T09:02:40Z'), HOST, 'Remove-MailboxExportRequest', '-Identity "Administrator@contoso.com\\MailboxExport" -Confirm "False"', SYSTEM),
    // A .pst exported into a web folder with no grant before it: the mail check's business, not CVE-2021-31207.
    cmdletRecord(9006, t('2021-08-20T12:00:00Z'), HOST, 'New-MailboxExportRequest', '-Mailbox "carla.berg" -FilePath "\\\\EXCH01\\C$\\inetpub\\wwwroot\\aspnet_client\\c.pst"', SYSTEM),
  ])));
  return rel;
}

test('CVE-2021-31207: grant → export to an .aspx in a web folder → removal is one confirmed finding; an admin\'s .pst on a share and an ungranted .pst stay out', async () => {
  const tc = newCase();
  try {
    const rel = await cmdletLog(tc);
    const found = checkCve202131207(tc.db);
    assert.deepEqual(shape(found), [['exploited', null, [9003, 9004, 9005]]]);
    assert.equal(found[0].finding.confidence, 'confirmed');
    assert.deepEqual((found[0].details?.hits as Array<{ kind: string }>).map((h) => h.kind), ['role-grant', 'export-request', 'export-removed']);
    assert.equal(found[0].finding.evidence[0].file, rel);
  } finally { tc.close(); }
});

const PNS_Q = '@evil.com/Powershell/?Email=autodiscover/autodiscover.json%3F@evil.com';

async function laterRequests(tc: TestCase): Promise<void> {
  await addLog(tc, `${IIS}/u_ex221005.log`, 'iis-log', parseIis, iisLog([
    // 5: ProxyNotShell with a stolen account, answered 200; 6: an encoded variant the first rewrite rule missed; 7: blocked (403)
    iisLine('2022-10-05 02:10:00', 'POST', '/autodiscover/autodiscover.json', PNS_Q, 'CONTOSO\\jonas.weber', '203.0.113.112', 'python-requests/2.28.1', 200),
    iisLine('2022-10-05 02:10:04', 'POST', '/autodiscover/autodiscover.json', 'a..evil.com%2fPowerShell%2f%3fEmail%3dautodiscover%2fautodiscover.json', 'CONTOSO\\jonas.weber', '203.0.113.112', 'python-requests/2.28.1', 200),
    iisLine('2022-12-07 03:00:00', 'POST', '/autodiscover/autodiscover.json', PNS_Q, 'CONTOSO\\jonas.weber', '192.0.2.199', 'python-requests/2.28.1', 403),
    // 8: an administrator's Exchange Management Shell (benign); 9: an OWA calendar link with '@' (benign)
    iisLine('2022-10-05 08:00:00', 'POST', '/powershell', 'serializationLevel=Full;ExchClientVer=15.1.2507.6;clientApplication=ManagementShell;TargetServer=;PSVersion=5.1.14393.5066', 'CONTOSO\\exadmin', '10.0.0.20', 'Microsoft WinRM Client', 200),
    iisLine('2022-12-07 08:00:00', 'GET', '/owa/calendar/9f0e@contoso.com/c2a1/calendar.html', '', '', '91.64.38.201', 'Mozilla/5.0', 200),
    // 10: OWASSRF with a stolen account, answered 200; 11: the legitimate remote-PowerShell agent on the same path shape (excluded)
    iisLine('2022-12-07 03:05:00', 'POST', '/owa/mastermailbox%40outlook.com/powershell', 'clientApplication=ManagementShell', 'CONTOSO\\jonas.weber', '192.0.2.199', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/105.0.5195.54 Safari/537.36', 200),
    iisLine('2022-12-07 03:06:00', 'POST', '/owa/x%40contoso.com/powershell', '', 'CONTOSO\\exadmin', '10.0.0.20', 'Microsoft WinRM Client', 200),
  ]));
}

test('CVE-2022-41040 needs an account and Microsoft\'s pattern (the rewrite\'s 403 is an attempt); CVE-2022-41080 is /owa/…@…/powershell; admins\' shells and calendar links stay clean', async () => {
  const tc = newCase();
  try {
    await laterRequests(tc);
    const pns = checkCve202241040(tc.db);
    assert.deepEqual(shape(pns), [['exploited', '203.0.113.112', [5, 6]], ['attempted', '192.0.2.199', [7]]]);
    assert.deepEqual((pns[0].details?.hits as Array<{ pattern: string }>).map((h) => h.pattern.split(' ')[0]), ['autodiscover.json.*@.*Powershell', '(?=.*autodiscover)(?=.*powershell)']);
    assert.deepEqual(shape(checkCve202241080(tc.db)), [['exploited', '192.0.2.199', [10]]]);
    assert.deepEqual(checkCve202134473(tc.db), [], 'with an account, the ProxyShell-shaped request is ProxyNotShell');
  } finally { tc.close(); }
});

test('CVE-2022-41040 reads "powershell" after percent-decoding: a query that spells it only in escapes (%50owershell) is found, users\' autodiscover.json requests are not read', async () => {
  const tc = newCase();
  try {
    await addLog(tc, `${IIS}/u_ex221006.log`, 'iis-log', parseIis, iisLog([
      // 5: the bypass of Microsoft's first rewrite rule, "powershell" only after decoding; 6: Outlook's own request (user@ encoded)
      iisLine('2022-10-06 01:00:00', 'POST', '/autodiscover/autodiscover.json', '@evil.com/owa/?&Email=autodiscover/autodiscover.json%3F@evil.com&Protocol=XYZ&FooProtocol=%50owershell', 'CONTOSO\\jonas.weber', '203.0.113.113', 'python-requests/2.28.1', 200),
      iisLine('2022-10-06 01:01:00', 'GET', '/autodiscover/autodiscover.json', 'Email=jonas.weber%40contoso.com&Protocol=ActiveSync&RedirectCount=1', 'CONTOSO\\jonas.weber', '91.64.38.201', 'Outlook-iOS/2.0', 200),
      // 7: no escape and no "powershell": never read by the check (the SQL prefilter), and not a hit
      iisLine('2022-10-06 01:02:00', 'POST', '/autodiscover/autodiscover.xml', '', 'CONTOSO\\jonas.weber', '91.64.38.201', 'Microsoft Office/16.0', 200),
    ]));
    assert.deepEqual(shape(checkCve202241040(tc.db)), [['exploited', '203.0.113.113', [5]]]);
  } finally { tc.close(); }
});

test('the request prefilter (mayHold) keeps what lower() and instr() kept: any case, any % escape, numbers as text', () => {
  assert.equal(mayHold('@evil.com/PowerShell/?X-Rps-CAT=x', 'powershell'), 1);
  assert.equal(mayHold('Email=a%40b.com', 'powershell'), 1, 'an escape may spell the word');
  assert.equal(mayHold('Protocol=ActiveSync', 'powershell', 'activesync'), 1, 'any of the words');
  assert.equal(mayHold('Protocol=ActiveSync', 'powershell'), 0);
  assert.equal(mayHold(null, 'powershell'), 0);
  assert.equal(mayHold(31207, '312'), 1, 'a number is read as its text');
});

test('CVE-2022-41040: a mixed-case "PowerShell" in the query, with no escape, passes the prefilter and is found', async () => {
  const tc = newCase();
  try {
    await addLog(tc, `${IIS}/u_ex221006.log`, 'iis-log', parseIis, iisLog([
      // 5: the word as written in mixed case and nothing escaped: only a case-blind prefilter keeps it
      iisLine('2022-10-06 01:00:00', 'POST', '/autodiscover/autodiscover.json', '@evil.com/PowerShell/?X-Rps-CAT=VgEAVAdX', 'CONTOSO\\jonas.weber', '203.0.113.113', 'python-requests/2.28.1', 200),
      iisLine('2022-10-06 01:02:00', 'POST', '/autodiscover/autodiscover.xml', '', 'CONTOSO\\jonas.weber', '91.64.38.201', 'Microsoft Office/16.0', 200),
    ]));
    assert.deepEqual(shape(checkCve202241040(tc.db)), [['exploited', '203.0.113.113', [5]]]);
  } finally { tc.close(); }
});

test('CVE-2022-41082: PowerShell-pool children go to the wave whose SSRF reached PowerShell last; routine children and other pools stay out', async () => {
  const tc = newCase();
  try {
    await laterRequests(tc);
    const pool = w3wpCommandLine('MSExchangePowerShellAppPool');
    const proc = (recordId: number, iso: string, image: string, commandLine: string, parentCommandLine = pool) =>
      sysmonProcess({ recordId, time: t(iso), computer: HOST, image, commandLine, parentImage: W3WP_IMAGE, parentCommandLine, pid: 4000 + recordId, parentPid: 3120 });
    await addLog(tc, `${LOGS}/Microsoft-Windows-Sysmon%4Operational.evtx`, 'evtx', parseEvtx, Buffer.from(writeEvtx([
      proc(501, '2022-10-05T02:10:07Z', 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c whoami'),
      proc(502, '2022-10-05T02:11:00Z', 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe', 'csc.exe /noconfig @"C:\\Windows\\TEMP\\x.cmdline"'),
      proc(503, '2022-12-07T03:05:04Z', 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', 'powershell -enc SQBFAFgA'),
      proc(504, '2022-12-07T04:00:00Z', 'C:\\Windows\\System32\\cmd.exe', 'cmd.exe /c dir', w3wpCommandLine('MSExchangeOWAAppPool')),
    ])));
    const pns = CVE_2022_41082_PROXYNOTSHELL.run(tc.db);
    assert.deepEqual(shape(pns), [['attempted', '203.0.113.112', [5, 6]], ['exploited', null, [501]]]);
    assert.equal(pns[1].finding.confidence, 'confirmed');
    const owa = CVE_2022_41082_OWASSRF.run(tc.db);
    assert.deepEqual(shape(owa), [['attempted', '192.0.2.199', [10]], ['exploited', null, [503]]]);
    // One detection run shares the SSRF scans between the SSRF checks and both RCE checks: same findings as run alone.
    const memo: RunMemo = new Map();
    const shared = [checkCve202241040, CVE_2022_41082_PROXYNOTSHELL.run, checkCve202241080, CVE_2022_41082_OWASSRF.run].map((run) => run(tc.db, memo));
    assert.deepEqual(shared, [checkCve202241040(tc.db), pns, checkCve202241080(tc.db), owa]);
    assert.deepEqual([...memo.keys()].sort(), ['cve-2022-41040.requests', 'cve-2022-41080.requests', 'cve-2022-41082.children', 'cve-2022-41082.reached']);
  } finally { tc.close(); }
});

test('a window is covered only without a hole: logs from late July and late August leave CVE-2021-34473 "not covered" until the middle is there', async () => {
  const tc = newCase();
  try {
    const probe = (day: string): string => iisLine(`${day} 00:00:01`, 'GET', '/owa/healthcheck.htm', '', '', '127.0.0.1', 'AMProbe/Local/ClientAccess', 200);
    const days = (from: number, to: number, month: string): string[] => Array.from({ length: to - from + 1 }, (_, i) => probe(`2021-${month}-${String(from + i).padStart(2, '0')}`));
    await addLog(tc, `${IIS}/u_ex2107.log`, 'iis-log', parseIis, iisLog([...days(25, 31, '07'), ...days(1, 5, '08')]));
    await addLog(tc, `${IIS}/u_ex2108b.log`, 'iis-log', parseIis, iisLog([...days(25, 31, '08'), ...days(1, 3, '09')]));
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const v = getVerdicts(tc.db).find((x) => x.cve === 'CVE-2021-34473')!;
    assert.deepEqual([v.verdict, v.covered], ['not-covered', false]);
    assert.match(v.summary, /with no entries from 2021-08-05 to 2021-08-25/);
    await addLog(tc, `${IIS}/u_ex2108a.log`, 'iis-log', parseIis, iisLog(days(5, 25, '08')));
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const again = getVerdicts(tc.db).find((x) => x.cve === 'CVE-2021-34473')!;
    assert.deepEqual([again.verdict, again.covered], ['no-evidence', true]);
  } finally { tc.close(); }
});

test('CVE-2021-31207 in the ECP server log\'s form: grant, export to an .aspx over the server\'s own C$ share, removal; an admin\'s .pst export on a share stays out', async () => {
  const tc = newCase();
  try {
    const rel = `${EP_REL}/Logging/ECP/Server/ECPServer2021081201-1.LOG`;
    const cmd = (at: string, text: string): string => `${at},EXCH01,AdminAction,"S:CMD=${text};S:REQID="`;
    await addLog(tc, rel, 'ecp-server-log', parseEcpServer, [
      '#Software: Microsoft Exchange Server', '#Version: 15.01.2176.002', '#Log-type: ECP Server Log', '#Date: 2021-08-12T00:00:00.000Z',
      '#Fields: TimeStamp,ServerName,EventId,EventData',
      cmd('2021-08-12T09:00:00.000Z', "New-MailboxExportRequest.Mailbox=''lars''.FilePath=''\\\\FS01\\Exports\\lars.pst''"),
      cmd('2021-08-12T09:14:10.000Z', "New-ManagementRoleAssignment.Role=''Mailbox Import Export''.User=''administrator@contoso.local''"),
      cmd('2021-08-12T09:14:20.000Z', "New-MailboxExportRequest.Mailbox=''administrator@contoso.local''.FilePath=''\\\\127.0.0.1\\c$\\inetpub\\wwwroot\\aspnet_client\\e3Xq.aspx''"),
      cmd('2021-08-12T09:15:00.000Z', "Remove-MailboxExportRequest.Identity=''administrator@contoso.local\\MailboxExport''.Confirm=''False''"),
    ].join('\r\n') + '\r\n');
    const found = checkCve202131207(tc.db);
    assert.deepEqual(shape(found), [['exploited', null, [7, 8, 9]]]);
    assert.equal(found[0].finding.confidence, 'confirmed');
    assert.equal(found[0].finding.path, 'C:\\inetpub\\wwwroot\\aspnet_client\\e3Xq.aspx');
    assert.deepEqual((found[0].details?.hits as Array<{ kind: string }>).map((h) => h.kind), ['role-grant', 'export-request', 'export-removed']);
  } finally { tc.close(); }
});
