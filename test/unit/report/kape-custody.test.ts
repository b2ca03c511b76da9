// KAPE in the chain of custody: a real evidence folder as KAPE leaves it (console log, copy log, the copied files),
// indexed by the real pipeline; the custody section lists the run and checks each copied file's SHA-1 (KAPE's, taken
// at collection) against the SHA-1 Loupe computed — same, changed since collection, absent, not hashed.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openCaseDb } from '../../../electron/case/db.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import { buildReportModel, renderReportHtml } from '../../../electron/report/index.ts';
import { csv, KAPE_COPY_COLUMNS, kapeConsoleLog } from '../../fixtures/tools.ts';
import { newCase } from '../../helpers/case.ts';
import { tmpDir } from '../../helpers/tmp.ts';

const sha1 = (s: string): string => crypto.createHash('sha1').update(s).digest('hex').toUpperCase();

const IIS = '#Software: Microsoft Internet Information Services 10.0\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n2021-03-03 04:12:31 10.0.0.5 GET /owa/auth/logon.aspx - 443 - 203.0.113.7 Mozilla/5.0 - 200 0 0 15\r\n';
const HOSTS = '127.0.0.1 localhost\r\n';
const SHELL = '<%@ Page Language="C#" %><script runat="server">/* <b>not run</b> */</script>';

function kapeFolder(root: string): void {
  const put = (rel: string, text: string) => { fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true }); fs.writeFileSync(path.join(root, rel), text); };
  put('EXCH01/C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', IIS);
  put('EXCH01/C/Windows/System32/drivers/etc/hosts', HOSTS);
  // changed after KAPE copied it: KAPE hashed the empty original
  put('EXCH01/C/inetpub/wwwroot/aspnet_client/x<b>.aspx', SHELL);
  const dest = (p: string) => `E:\\Collect\\EXCH01\\C\\${p}`;
  const row = (p: string, hash: string, size: number) => ({
    CopiedTimestamp: '2021-03-08 10:00:02.1234567', SourceFile: `C:\\${p}`, DestinationFile: dest(p), FileSize: size,
    SourceFileSha1: hash, DeferredCopy: 'False', CreatedOnUtc: '2021-03-03 00:00:00', ModifiedOnUtc: '2021-03-03 05:00:00',
    LastAccessedOnUtc: '2021-03-08 09:00:00', CopyDuration: '0.001',
  });
  put('EXCH01/2021-03-08T10_00_01_1234567_CopyLog.csv', csv(KAPE_COPY_COLUMNS, [
    row('inetpub\\logs\\LogFiles\\W3SVC1\\u_ex210303.log', sha1(IIS), IIS.length),
    row('Windows\\System32\\drivers\\etc\\hosts', '', HOSTS.length),
    row('inetpub\\wwwroot\\aspnet_client\\x<b>.aspx', sha1(''), 0),
    row('Windows\\System32\\config\\SAM', sha1('sam'), 3),
  ]));
  put('EXCH01/2021-03-08T10_00_01_1234567_ConsoleLog.txt', kapeConsoleLog('EXCH01', 4));
}

test('custody: the KAPE run from its console log, and each copied file\'s SHA-1 at collection checked against the case', async (t) => {
  const dir = tmpDir(t);
  const evidence = path.join(dir, 'evidence');
  kapeFolder(evidence);
  const casePath = await newCase(dir, evidence);
  await new IndexCoordinator({ casePath, detect: false, workers: 1 }).run();
  const db = openCaseDb(casePath);
  t.after(() => db.close());
  const m = buildReportModel(db, { casePath, sections: ['custody'] });
  const { runs, copies } = m.custody.kape;
  assert.deepEqual(runs, [{
    log: 'EXCH01/2021-03-08T10_00_01_1234567_ConsoleLog.txt', startedAt: Date.UTC(2021, 2, 8, 10, 0, 1) * 1000 + 123456,
    kapeVersion: '1.3.0.2', machine: 'EXCH01', user: 'ir-admin', os: 'Windows2016Server (10.0.14393)', copied: '4 of 4', executionSeconds: '14.0212',
    commandLine: '--tsource C: --tdest E:\\Collect\\EXCH01 --target KapeTriage,ExchangeClientAccess,IIS --vhdx EXCH01',
  }]);
  const shell = fs.readFileSync(path.join(evidence, 'EXCH01/C/inetpub/wwwroot/aspnet_client/x<b>.aspx'), 'utf8');
  assert.deepEqual(copies, [{
    log: 'EXCH01/2021-03-08T10_00_01_1234567_CopyLog.csv', rows: 4, same: 1, unhashed: 1,
    differ: [{ source: 'C:\\inetpub\\wwwroot\\aspnet_client\\x<b>.aspx', relPath: 'EXCH01/C/inetpub/wwwroot/aspnet_client/x<b>.aspx', kapeSha1: sha1('').toLowerCase(), caseSha1: sha1(shell).toLowerCase() }],
    differTotal: 1, absent: ['E:\\Collect\\EXCH01\\C\\Windows\\System32\\config\\SAM'], absentTotal: 1,
  }]);
  // in the report, names escaped
  const html = renderReportHtml(m);
  assert.ok(html.includes('<h3>Collection (KAPE)</h3>'));
  assert.ok(html.includes('1 in the evidence with the SHA-1 KAPE recorded, 1 with another SHA-1'));
  assert.ok(html.includes('x&lt;b&gt;.aspx') && !html.includes('x<b>.aspx'));
});

test('custody: a case without KAPE logs has no KAPE part', async (t) => {
  const dir = tmpDir(t);
  const evidence = path.join(dir, 'evidence');
  fs.mkdirSync(evidence);
  fs.writeFileSync(path.join(evidence, 'u_ex210303.log'), IIS);
  const casePath = await newCase(dir, evidence);
  await new IndexCoordinator({ casePath, detect: false, workers: 1 }).run();
  const db = openCaseDb(casePath);
  t.after(() => db.close());
  const m = buildReportModel(db, { casePath, sections: ['custody'] });
  assert.deepEqual(m.custody.kape, { runs: [], copies: [] });
  assert.ok(!renderReportHtml(m).includes('Collection (KAPE)'));
});
