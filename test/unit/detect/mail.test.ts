// "Was mail accessed or taken?" on targeted evidence: export requests in cmdlet-log and ECP form, the .pst left in a
// web folder and its download, EWS through the SSRF with its operations; an administrator's export stays "needs review".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHttpProxy } from '../../../electron/ingest/sources/httpproxy.ts';
import { parseIis } from '../../../electron/ingest/sources/iis.ts';
import { findSsrfHits } from '../../../electron/detect/cve-2021-26855.ts';
import { checkEwsSsrf, checkExportRequests, checkPstFiles, localPathOf, operationsText, parseExportRequest } from '../../../electron/detect/mail.ts';
import { listFiles } from '../../../electron/detect/rows.ts';
import { isoToMicros } from '../../../shared/types.ts';
import { addFile, addLog, EP_REL, httpProxyLog, insertEvents, newCase } from './helpers.ts';

test('export request parameters in the cmdlet log\'s and the ECP log\'s form; UNC paths to the server\'s own drive', () => {
  assert.deepEqual(parseExportRequest(`New-MailboxExportRequest -Mailbox 'carla.berg' -FilePath '\\\\EXCH01\\C$\\inetpub\\wwwroot\\aspnet_client\\c.pst'`),
    { mailbox: 'carla.berg', filePath: '\\\\EXCH01\\C$\\inetpub\\wwwroot\\aspnet_client\\c.pst' });
  assert.deepEqual(parseExportRequest("S:CMD=New-MailboxExportRequest.Mailbox=''ceo@contoso.com''.FilePath=''\\\\127.0.0.1\\c$\\x\\a.pst'';S:REQID="),
    { mailbox: 'ceo@contoso.com', filePath: '\\\\127.0.0.1\\c$\\x\\a.pst' });
  assert.deepEqual(parseExportRequest('New-MailboxExportRequest -Mailbox lars -FilePath \\\\FS01\\e\\l.pst'), { mailbox: 'lars', filePath: '\\\\FS01\\e\\l.pst' });
  assert.equal(localPathOf('\\\\EXCH01\\C$\\inetpub\\wwwroot\\x.pst'), 'C:\\inetpub\\wwwroot\\x.pst');
  assert.equal(localPathOf('\\\\FS01\\Exports\\l.pst'), null);
  assert.equal(operationsText(['GetItem', 'FindItem', 'GetItem', '']), 'GetItem ×2, FindItem, operation not logged');
});

test('an export into a web folder, then downloaded: exported and confirmed; an admin\'s export to a share: needs review', async () => {
  const tc = newCase();
  try {
    const mgmt = 'C/Windows/System32/winevt/Logs/MSExchange Management.evtx';
    const fileId = addFile(tc, mgmt, 'ElfFile\0', { kind: 'evtx' });
    const ev = (record: number, at: string, cmdlet: string, params: string) => ({
      ts: isoToMicros(at), tsDesc: 'Event Logged', source: 'evtx' as const, message: `MSExchange CmdletLogs 1: 0=${cmdlet}; 1=${params}`,
      fields: { EventID: 1, Provider: 'MSExchange CmdletLogs', Channel: 'MSExchange Management', 'data.0': cmdlet, 'data.1': params }, ref: { file: mgmt, record },
    });
    insertEvents(tc, fileId, [
      ev(10, '2021-02-25T16:40:12Z', 'New-MailboxExportRequest', "-Mailbox 'lars' -FilePath '\\\\FS01\\Exports\\lars.pst'"),
      ev(11, '2021-03-08T09:15:20Z', 'New-MailboxExportRequest', "-Mailbox 'carla.berg' -FilePath '\\\\EXCH01\\C$\\inetpub\\wwwroot\\aspnet_client\\carla.pst'"),
      ev(12, '2021-03-08T09:26:02Z', 'Remove-MailboxExportRequest', "-Identity 'carla.berg\\MailboxExport' -Confirm:$false"),
    ]);
    addFile(tc, 'C/inetpub/wwwroot/aspnet_client/carla.pst', Buffer.concat([Buffer.from('!BDN'), Buffer.alloc(508)]), { mtime: '2021-03-08T09:24:40Z' });
    await addLog(tc, 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210308.log', 'iis-log', parseIis, [
      '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
      '2021-03-08 09:31:17 10.0.0.5 GET /aspnet_client/carla.pst - 443 - 203.0.113.47 python-requests/2.25.1 - 200 0 0 4812',
      '2021-03-08 09:40:00 10.0.0.5 GET /aspnet_client/carla.pst - 443 - 198.51.100.9 zgrab - 404 0 0 2',
    ].join('\r\n') + '\r\n');
    const files = listFiles(tc.db);
    const [admin, intruder] = checkExportRequests(tc.db, files);
    assert.equal(admin.finding.confidence, 'review');
    assert.equal(admin.finding.severity, 'medium');
    assert.equal(intruder.finding.confidence, 'confirmed');
    assert.equal(intruder.finding.path, 'C:\\inetpub\\wwwroot\\aspnet_client\\carla.pst');
    assert.match(intruder.finding.title, /^Mailbox export request: carla\.berg → \\\\EXCH01\\C\$\\inetpub\\wwwroot\\aspnet_client\\carla\.pst \(2021-03-08 09:15:20\); downloaded by 203\.0\.113\.47 on 2021-03-08 09:31:17$/);
    assert.deepEqual(intruder.finding.evidence, [{ file: mgmt, record: 11 }, { file: mgmt, record: 12 }, { file: 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210308.log', line: 2 }, { file: 'C/inetpub/wwwroot/aspnet_client/carla.pst' }]);
    assert.equal(intruder.details?.removedAt, isoToMicros('2021-03-08T09:26:02Z'));
    const [pst] = checkPstFiles(tc.db, files);
    assert.equal(pst.finding.confidence, 'confirmed');
    assert.deepEqual((pst.details?.downloads as Array<{ ip: string }>).map((d) => d.ip), ['203.0.113.47'], 'the refused 404 is no download');
  } finally { tc.close(); }
});

test('EWS through the SSRF: one finding per IP with the operations the log records; refused requests are an attempt', async () => {
  const tc = newCase();
  try {
    const anchor = 'ServerInfo~a]@EXCH01.contoso.local:444/EWS/Exchange.asmx?a=~1942062522#';
    await addLog(tc, `${EP_REL}/Logging/HttpProxy/Ecp/HttpProxy_2021030301-1.LOG`, 'httpproxy-log', parseHttpProxy, httpProxyLog([
      { time: '2021-03-03T01:14:02.000Z', protocol: 'Ecp', stem: '/ecp/y.js', anchor, ip: '165.232.154.116', status: 200, query: 'action=FindItem' },
      { time: '2021-03-03T01:15:30.000Z', protocol: 'Ecp', stem: '/ecp/y.js', anchor, ip: '165.232.154.116', status: 200 },
      { time: '2021-03-03T01:16:00.000Z', protocol: 'Ecp', stem: '/ecp/y.js', anchor, ip: '203.0.113.5', status: 500 },
      { time: '2021-03-03T01:17:00.000Z', protocol: 'Ecp', stem: '/ecp/y.js', anchor: 'ServerInfo~a]@EXCH01.contoso.local:444/ecp/proxyLogon.ecp#', ip: '165.232.154.116', status: 241 },
    ]));
    const found = checkEwsSsrf(findSsrfHits(tc.db));
    assert.deepEqual(found.map((p) => [p.details?.ip, p.details?.outcome, p.finding.confidence, p.finding.severity]), [
      ['165.232.154.116', 'accessed', 'confirmed', 'critical'],
      ['203.0.113.5', 'attempted', 'likely', 'high'],
    ]);
    assert.equal(found[0].finding.title, 'Mailbox access by 165.232.154.116 via SSRF to EWS: 2 requests, 2021-03-03 01:14:02 – 2021-03-03 01:15:30 (FindItem, operation not logged)');
  } finally { tc.close(); }
});
