// ioc.domain: the real MSTIC feed's domainname rows and analyst domain IOCs matched (exact host or subdomain, any
// case) against IIS cs-host / cs(Referer), HttpProxy UrlHost and a real Sysmon 3 record's DestinationHostname;
// look-alike hosts and a domain that only appears in a query string stay quiet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseIis } from '../../../electron/ingest/sources/iis.ts';
import { parseHttpProxy } from '../../../electron/ingest/sources/httpproxy.ts';
import { parseEvtx } from '../../../electron/ingest/sources/evtx/index.ts';
import { loadIocFile } from '../../../electron/detect/ioc.ts';
import type { IocList } from '../../../electron/detect/ioc.ts';
import { hostOfUrl, matchDomains, matchHost, normHost } from '../../../electron/detect/ioc-domain.ts';
import { addLog, EP_REL, httpProxyLog, newCase, sharedData } from './helpers.ts';

const MSTIC_CSV = sharedData('iocs', 'MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv');
const PANACHE = sharedData('evtx', 'AutomatedTestingTools__PanacheSysmon_vs_AtomicRedTeam01.evtx');
const skipMstic = fs.existsSync(MSTIC_CSV) ? false : 'test data absent: ../shared/data/iocs';
const skipPanache = fs.existsSync(PANACHE) ? false : 'test data absent: ../shared/data/evtx';
const BROWSER = 'Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/88.0.4324.190+Safari/537.36';
const IIS_REL = 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210405.log';

const iisLog = [
  '#Software: Microsoft Internet Information Services 10.0', '#Version: 1.0', '#Date: 2021-04-05 00:00:00',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs-host cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  '2021-04-05 08:00:00 10.0.0.5 GET /owa/ - 443 - 203.0.113.9 KrebsOnSecurity.TOP:443 ' + BROWSER + ' - 200 0 0 10',
  '2021-04-05 08:00:01 10.0.0.5 GET /owa/ - 443 - 203.0.113.9 mail.contoso.com ' + BROWSER + ' https://www.krebsonsecurity.top/2021/03/ 200 0 0 10',
  '2021-04-05 08:00:02 10.0.0.5 GET /owa/ - 443 - 203.0.113.9 mail.contoso.com ' + BROWSER + ' https://brian.krebsonsecurity.top/x?y=1 200 0 0 10',
  // benign twins: look-alike hosts, and the domain only as a query-string value
  '2021-04-05 08:00:03 10.0.0.5 GET /owa/ - 443 - 203.0.113.9 krebsonsecurity.top.contoso.com ' + BROWSER + ' https://notkrebsonsecurity.top/ 200 0 0 10',
  '2021-04-05 08:00:04 10.0.0.5 GET /owa/ u=krebsonsecurity.top 443 - 203.0.113.9 mail.contoso.com ' + BROWSER + ' https://mail.contoso.com/owa/?r=brian.krebsonsecurity.top 200 0 0 10',
].join('\r\n') + '\r\n';

function writeIocCsv(dir: string, name: string, rows: string[]): IocList {
  const file = path.join(dir, name);
  fs.writeFileSync(file, ['indicator,type', ...rows].join('\n') + '\n');
  const list = loadIocFile(file, (w) => assert.fail(w.message));
  assert.ok(list);
  return list;
}

test('host helpers: normalised host, referer host, most specific suffix on label boundaries', () => {
  assert.equal(normHost(' Mail.Contoso.COM.:443 '), 'mail.contoso.com');
  assert.equal(normHost('-'), '');
  assert.equal(normHost('a b'), '');
  assert.equal(hostOfUrl('https://user@Evil.Example:8443/a?b'), 'evil.example');
  assert.equal(hostOfUrl('//cdn.example.org/x'), 'cdn.example.org');
  assert.equal(hostOfUrl('/owa/auth/logon.aspx'), '');
  const idx = new Map([['krebsonsecurity.top', 1], ['brian.krebsonsecurity.top', 1]]);
  assert.equal(matchHost('brian.krebsonsecurity.top', idx), 'brian.krebsonsecurity.top');
  assert.equal(matchHost('x.brian.krebsonsecurity.top', idx), 'brian.krebsonsecurity.top');
  assert.equal(matchHost('www.krebsonsecurity.top', idx), 'krebsonsecurity.top');
  assert.equal(matchHost('notkrebsonsecurity.top', idx), null);
  assert.equal(matchHost('krebsonsecurity.top.contoso.com', idx), null);
});

test('MSTIC domainname rows match IIS cs-host and referer hosts and an HttpProxy UrlHost; look-alikes do not', { skip: skipMstic }, async () => {
  const tc = newCase();
  try {
    const mstic = loadIocFile(MSTIC_CSV, () => {});
    assert.ok(mstic);
    assert.ok(mstic.indicators.some((i) => i.type === 'domain' && i.value === 'krebsonsecurity.top'));
    await addLog(tc, IIS_REL, 'iis-log', parseIis, iisLog);
    const proxyRel = `${EP_REL}/Logging/HttpProxy/Owa/HttpProxy_2021040508-1.LOG`;
    const proxy = httpProxyLog([
      { time: '2021-04-05T08:05:00.000Z', protocol: 'Owa', stem: '/owa/', anchor: '', ip: '203.0.113.9', status: 200, method: 'GET' },
      { time: '2021-04-05T08:06:00.000Z', protocol: 'Owa', stem: '/owa/', anchor: '', ip: '203.0.113.9', status: 200, method: 'GET' },
    ]);
    // the first row was sent with a bad Host header (UrlHost); the second keeps mail.contoso.com
    await addLog(tc, proxyRel, 'httpproxy-log', parseHttpProxy, proxy.replace(',mail.contoso.com,', ',Jennifer.KrebsOnSecurity.top,'));

    const found = matchDomains(tc.db, [mstic]);
    const byDomain = new Map(found.map((f) => [(f.details?.indicators as Array<{ value: string }>)[0].value, f]));
    assert.deepEqual([...byDomain.keys()].sort(), ['brian.krebsonsecurity.top', 'jennifer.krebsonsecurity.top', 'krebsonsecurity.top']);
    for (const f of found) {
      assert.equal(f.finding.check, 'ioc.domain');
      assert.equal(f.finding.severity, 'high');
    }
    const apex = byDomain.get('krebsonsecurity.top');
    assert.equal(apex?.finding.title, 'Activity involving a known-bad domain krebsonsecurity.top: 2 events');
    assert.deepEqual(apex?.finding.evidence, [{ file: IIS_REL, line: 5 }, { file: IIS_REL, line: 6 }]);
    assert.deepEqual((apex?.details?.matches as Array<{ field: string; host: string }>).map((m) => [m.field, m.host]),
      [['cs-host', 'krebsonsecurity.top'], ['cs(Referer)', 'www.krebsonsecurity.top']]);
    assert.deepEqual(byDomain.get('brian.krebsonsecurity.top')?.finding.evidence, [{ file: IIS_REL, line: 7 }]);
    assert.deepEqual(byDomain.get('jennifer.krebsonsecurity.top')?.finding.evidence, [{ file: proxyRel, line: 7 }]);
    assert.equal(byDomain.get('jennifer.krebsonsecurity.top')?.finding.time, '2021-04-05T08:05:00.000Z');
  } finally {
    tc.close();
  }
});

test('an analyst domain matches a real Sysmon 3 DestinationHostname as a subdomain; a label-straddling suffix does not', { skip: skipPanache }, async () => {
  const tc = newCase();
  try {
    const rel = 'C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx';
    await addLog(tc, rel, 'evtx', parseEvtx, fs.readFileSync(PANACHE));
    const good = writeIocCsv(tc.dir, 'analyst.csv', ['1E100.net,domain']);
    const found = matchDomains(tc.db, [good]);
    assert.equal(found.length, 1);
    assert.deepEqual(found[0].finding.evidence, [{ file: rel, record: 3757 }]);
    assert.deepEqual(found[0].details?.matches, [{ eventId: (found[0].details?.eventIds as number[])[0], source: 'evtx', field: 'data.DestinationHostname', host: 'ams15s30-in-f4.1e100.net' }]);
    assert.deepEqual(found[0].details?.indicators, [{ type: 'domain', value: '1e100.net', list: 'analyst.csv' }]);

    const lookalike = writeIocCsv(tc.dir, 'lookalike.csv', ['100.net,domain', 'f4.1e100.net.example,domain']);
    assert.deepEqual(matchDomains(tc.db, [lookalike]), []);
  } finally {
    tc.close();
  }
});
