// IOC list readers: CSV (indicator+type, a column per type), TXT, STIX 2.1 bundles, MISP events, and Microsoft's feed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { inferType, parseIocText, parseStixPattern } from '../../../electron/detect/ioc-import.ts';
import { sharedData } from './helpers.ts';

test('CSV with indicator and type columns (the MSTIC layout) and with a column per type', () => {
  const a = parseIocText('DateAdded,FirstSeen,Indicator,IndicatorType,TLP\n2021-03-10,,C:\\inetpub\\wwwroot\\aspnet_client\\shell.aspx,filepath,White\n2021-03-10,2021-03-03T10:51:16.7363037Z,2F0BC81C2EA269643CAE307239124D1B6479847867B1ADFE9AE712A1D5EF135E,sha256,White\n2021-04-01,,krebsonsecurity.top,domainname,White\n', 'a.csv');
  assert.equal(a.format, 'csv');
  assert.deepEqual(a.indicators, [
    { type: 'path', value: 'C:\\inetpub\\wwwroot\\aspnet_client\\shell.aspx' },
    { type: 'sha256', value: '2f0bc81c2ea269643cae307239124d1b6479847867b1adfe9ae712a1d5ef135e' },
    { type: 'domain', value: 'krebsonsecurity.top' },
  ]);
  const b = parseIocText('ip,user-agent,md5\n165.232.154.116,python-requests/2.25.1,\n86.105.18.116,"Mozilla/5.0 (compatible, antSword/v2.1)",4cb449474c4d522422e40ec4d8b8a3b0\n', 'b.csv');
  assert.deepEqual(b.indicators, [
    { type: 'ip', value: '165.232.154.116' }, { type: 'user-agent', value: 'python-requests/2.25.1' },
    { type: 'ip', value: '86.105.18.116' }, { type: 'user-agent', value: 'Mozilla/5.0 (compatible, antSword/v2.1)' },
    { type: 'md5', value: '4cb449474c4d522422e40ec4d8b8a3b0' },
  ]);
  const c = parseIocText('indicator,type\n104.248.49.97,ipv4\nExchangeServicesClient/0.0.0.0,user-agent\nwhatever,unknown-kind\n', 'attacker-iocs.csv');
  assert.deepEqual(c.indicators, [{ type: 'ip', value: '104.248.49.97' }, { type: 'user-agent', value: 'ExchangeServicesClient/0.0.0.0' }]);
  assert.equal(c.skipped, 1);
});

test('TXT: one bare value a line, type inferred; comments and blanks skipped', () => {
  const r = parseIocText('# attacker infrastructure\n165.232.154.116\n\n2f0bc81c2ea269643cae307239124d1b6479847867b1adfe9ae712a1d5ef135e\nC:\\ProgramData\\x.7z\nnot an indicator at all\n', 'list.txt');
  assert.equal(r.format, 'txt');
  assert.deepEqual(r.indicators.map((i) => i.type), ['ip', 'sha256', 'path']);
  assert.equal(r.skipped, 1);
  assert.equal(inferType('4ef04cba6bec2c3a164b9b755efbeb1c'), 'md5');
  assert.equal(inferType('2001:db8::1'), 'ip');
});

test('STIX 2.1 bundle: hash, IP, domain and user-agent patterns, including OR-ed comparisons', () => {
  const bundle = {
    type: 'bundle', id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
    objects: [
      { type: 'identity', spec_version: '2.1', id: 'identity--1', name: 'CERT' },
      { type: 'indicator', spec_version: '2.1', id: 'indicator--1', name: 'web shell', pattern_type: 'stix', valid_from: '2021-03-02T00:00:00Z',
        pattern: "[file:hashes.'SHA-256' = '2F0BC81C2EA269643CAE307239124D1B6479847867B1ADFE9AE712A1D5EF135E']" },
      { type: 'indicator', spec_version: '2.1', id: 'indicator--2', pattern_type: 'stix', valid_from: '2021-03-02T00:00:00Z',
        pattern: "[ipv4-addr:value = '165.232.154.116'] OR [ipv4-addr:value = '86.105.18.116']" },
      { type: 'indicator', spec_version: '2.1', id: 'indicator--3', pattern_type: 'stix', valid_from: '2021-04-01T00:00:00Z', pattern: "[domain-name:value = 'krebsonsecurity.top']" },
      { type: 'indicator', spec_version: '2.1', id: 'indicator--4', pattern_type: 'sigma', valid_from: '2021-04-01T00:00:00Z', pattern: 'title: x' },
    ],
  };
  const r = parseIocText(JSON.stringify(bundle), 'b.json');
  assert.equal(r.format, 'stix');
  assert.deepEqual(r.indicators, [
    { type: 'sha256', value: '2f0bc81c2ea269643cae307239124d1b6479847867b1adfe9ae712a1d5ef135e', note: 'web shell' },
    { type: 'ip', value: '165.232.154.116' }, { type: 'ip', value: '86.105.18.116' }, { type: 'domain', value: 'krebsonsecurity.top' },
  ]);
  assert.equal(r.skipped, 1);
  assert.deepEqual(parseStixPattern("[network-traffic:extensions.'http-request-ext'.request_header.'User-Agent' = 'antSword/v2.1']"),
    [{ type: 'user-agent', value: 'antSword/v2.1' }]);
  assert.deepEqual(parseStixPattern("[file:hashes.MD5 = '4ef04cba6bec2c3a164b9b755efbeb1c']"), [{ type: 'md5', value: '4ef04cba6bec2c3a164b9b755efbeb1c' }]);
});

test('MISP event JSON: plain, composite (filename|sha256, ip-dst|port) and object attributes', () => {
  const ev = { Event: { info: 'HAFNIUM Exchange', Attribute: [
    { type: 'ip-src', value: '165.232.154.116', comment: 'SSRF source' },
    { type: 'filename|sha256', value: 'C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx|2f0bc81c2ea269643cae307239124d1b6479847867b1adfe9ae712a1d5ef135e' },
    { type: 'ip-dst|port', value: '86.105.18.116|443' },
    { type: 'text', value: 'free text' },
  ], Object: [{ name: 'file', Attribute: [{ type: 'md5', value: '4EF04CBA6BEC2C3A164B9B755EFBEB1C' }, { type: 'user-agent', value: 'antSword/v2.1' }] }] } };
  const r = parseIocText(JSON.stringify(ev), 'misp.json');
  assert.equal(r.format, 'misp');
  assert.deepEqual(r.indicators, [
    { type: 'ip', value: '165.232.154.116', note: 'SSRF source' },
    { type: 'path', value: 'C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx' },
    { type: 'sha256', value: '2f0bc81c2ea269643cae307239124d1b6479847867b1adfe9ae712a1d5ef135e' },
    { type: 'ip', value: '86.105.18.116' },
    { type: 'md5', value: '4ef04cba6bec2c3a164b9b755efbeb1c' },
    { type: 'user-agent', value: 'antSword/v2.1' },
  ]);
  assert.equal(r.skipped, 1);
});

const MSTIC_CSV = sharedData('iocs', 'MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv');

test("Microsoft's March 2021 feed reads as 45 sha256, 104 path and 3 domain rows", { skip: fs.existsSync(MSTIC_CSV) ? false : `test data absent: ${MSTIC_CSV}` }, () => {
  const r = parseIocText(fs.readFileSync(MSTIC_CSV, 'utf8'), MSTIC_CSV);
  const count = (t: string) => r.indicators.filter((i) => i.type === t).length;
  assert.equal(r.indicators.length, 152);
  assert.equal(count('sha256'), 45);
  assert.equal(count('path'), 104);
  assert.equal(count('domain'), 3);
  assert.equal(r.skipped, 0);
});

test('the bundled pack holds every indicator of the feed, with TimeoutLogout.aspx marked as a stock Exchange file', () => {
  const pack = JSON.parse(fs.readFileSync(new URL('../../../resources/iocs/mstic-exchange-march2021.json', import.meta.url), 'utf8')) as { source: { publisher: string }; indicators: Array<{ type: string; value: string; legitimateExchangeFile?: boolean }> };
  assert.match(pack.source.publisher, /MSTIC/);
  const r = parseIocText(JSON.stringify(pack), 'pack.json');
  assert.equal(r.format, 'loupe');
  assert.equal(r.indicators.filter((i) => i.type === 'sha256').length, 45);
  assert.equal(r.indicators.filter((i) => i.type === 'path').length, 99, '104 path rows minus 5 duplicates');
  assert.deepEqual(r.indicators.filter((i) => i.legitimateExchangeFile).map((i) => i.value),
    ['C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\ecp\\auth\\TimeoutLogout.aspx']);
});
