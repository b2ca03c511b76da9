// Windows-path helpers: Exchange-relative paths, web-scan candidates and the URLs a web file answers to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exchangeRelative, isExchangeWebFolder, isWebCandidate, urlPathsFor } from '../../../electron/detect/paths.ts';
import { isDumpFolder, isProgramData } from '../../../electron/detect/suspicious-files.ts';

const EP = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15';

test('file paths map to the URL paths IIS serves them under', () => {
  assert.deepEqual(urlPathsFor('C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx'), ['/aspnet_client/discover.aspx']);
  assert.deepEqual(urlPathsFor(`${EP}\\FrontEnd\\HttpProxy\\owa\\auth\\x8Kd2mQp.aspx`), ['/owa/auth/x8kd2mqp.aspx']);
  assert.deepEqual(urlPathsFor(`${EP}\\FrontEnd\\HttpProxy\\ecp\\auth\\help.aspx`), ['/ecp/auth/help.aspx']);
  assert.deepEqual(urlPathsFor(`${EP}\\ClientAccess\\ecp\\y.js`), ['/ecp/y.js']);
  assert.deepEqual(urlPathsFor('D:\\Exchange\\V15\\FrontEnd\\HttpProxy\\OAB\\log.aspx'), ['/oab/log.aspx']);
  assert.deepEqual(urlPathsFor('C:\\Users\\Public\\x.aspx'), []);
});

test('Exchange-relative paths work for any install folder; web candidates and folders are recognised', () => {
  assert.equal(exchangeRelative(`${EP}\\FrontEnd\\HttpProxy\\ecp\\auth\\TimeoutLogout.aspx`), '\\FrontEnd\\HttpProxy\\ecp\\auth\\TimeoutLogout.aspx');
  assert.equal(exchangeRelative('E:\\Exchange Server\\V15\\ClientAccess\\owa\\auth.owa'), '\\ClientAccess\\owa\\auth.owa');
  assert.equal(exchangeRelative('C:\\inetpub\\wwwroot\\x.aspx'), null);
  assert.equal(isExchangeWebFolder(`${EP}\\ClientAccess\\OAB\\Temp\\x.tmp`), true);
  assert.equal(isExchangeWebFolder(`${EP}\\Bin\\x.dll`), false);
  assert.equal(isWebCandidate('C:\\inetpub\\wwwroot\\aspnet_client\\x.txt'), true);
  assert.equal(isWebCandidate(`${EP}\\ClientAccess\\owa\\prem\\img.png`), false);
  assert.equal(isWebCandidate(`${EP}\\ClientAccess\\owa\\x.ashx`), true);
  assert.equal(isWebCandidate('C:\\Users\\admin\\notes.txt'), false);
});

test('suspicious-file folders: C:\\root, %WINDIR%\\Temp, web roots; archives only under ProgramData', () => {
  assert.equal(isDumpFolder('C:\\root\\lsass.dmp'), true);
  assert.equal(isDumpFolder('C:\\Windows\\Temp\\lsass_2.dmp'), true);
  assert.equal(isDumpFolder('C:\\inetpub\\wwwroot\\aspnet_client\\l.dmp'), true);
  assert.equal(isDumpFolder('C:\\Users\\admin\\lsass.dmp'), false);
  assert.equal(isProgramData('C:\\ProgramData\\comsvcs\\x.7z'), true);
  assert.equal(isProgramData('C:\\Users\\admin\\Downloads\\tools.zip'), false);
});
