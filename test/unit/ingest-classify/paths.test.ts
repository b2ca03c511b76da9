import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUnder, originalWindowsPath } from '../../../electron/ingest/paths.ts';

test('drive-letter first component becomes X:\\', () => {
  assert.equal(originalWindowsPath('C/inetpub/wwwroot/x.aspx'), 'C:\\inetpub\\wwwroot\\x.aspx');
  assert.equal(originalWindowsPath('c/inetpub/wwwroot/aspnet_client/system_web/a.aspx'), 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\a.aspx');
  assert.equal(originalWindowsPath('C'), 'C:\\');
});

test("KAPE's percent-encoded names are decoded", () => {
  assert.equal(originalWindowsPath('C%3A/inetpub/wwwroot/x.aspx'), 'C:\\inetpub\\wwwroot\\x.aspx');
  assert.equal(originalWindowsPath('D%3A/Program Files/Microsoft/Exchange Server/V15/Logging/HttpProxy/Ecp/HttpProxy_1.LOG'), 'D:\\Program Files\\Microsoft\\Exchange Server\\V15\\Logging\\HttpProxy\\Ecp\\HttpProxy_1.LOG');
  assert.equal(originalWindowsPath('C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx'), 'C:\\Windows\\System32\\winevt\\Logs\\Microsoft-Windows-Sysmon%4Operational.evtx');
  assert.equal(originalWindowsPath('C/a%5Cb/c%20d.txt'), 'C:\\a\\b\\c d.txt');
  assert.equal(originalWindowsPath('C/bad%ZZescape%3a.txt'), 'C:\\bad%ZZescape:.txt');
  // literal %4 in event log names is not an escape
  assert.equal(originalWindowsPath('C%3A/Windows/System32/winevt/Logs/Microsoft-Windows-PowerShell%4Admin.evtx'), 'C:\\Windows\\System32\\winevt\\Logs\\Microsoft-Windows-PowerShell%4Admin.evtx');
});

test('a path that does not start with a drive letter stays as-is with backslashes', () => {
  assert.equal(originalWindowsPath('evidence/x.log'), 'evidence\\x.log');
  assert.equal(originalWindowsPath('EXCH01/C/inetpub/x.aspx'), 'EXCH01\\C\\inetpub\\x.aspx');
});

test('isUnder is case-insensitive and separator-agnostic, and respects component boundaries', () => {
  assert.equal(isUnder('C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx', 'c:\\InetPub\\wwwroot\\'), true);
  assert.equal(isUnder('C:\\inetpub\\wwwroot', 'C:/inetpub/wwwroot'), true);
  assert.equal(isUnder('C:\\inetpub\\wwwroot2\\x.aspx', 'C:\\inetpub\\wwwroot'), false);
  assert.equal(isUnder('C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\OAB\\Temp\\a.tmp', 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\OAB'), true);
  assert.equal(isUnder('C:\\inetpub\\wwwroot\\aspnet_client\\x.aspx', 'C:\\Program Files'), false);
});
