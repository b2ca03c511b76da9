import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { parse as csvParse } from 'csv-parse/sync';
import { isoToMicros } from '../../../shared/types.ts';
import { splitCsvLine } from '../../../electron/ingest/sources/csv-line.ts';
import { parseEcpServer } from '../../../electron/ingest/sources/ecp-server.ts';
import { parseHttpProxy, protocolFromPath } from '../../../electron/ingest/sources/httpproxy.ts';
import { collect, sample } from './helpers.ts';

const TRICKY = [
  'a,b,c',
  ',,',
  'a,"b,c",d',
  '"a ""quoted"" word",x',
  '"",""""',
  'x,"S:CMD=Set-OabVirtualDirectory.ExternalUrl=\'\'http://f/<script language=""JScript"" runat=""server"">x</script>\'\'",y',
  '"trailing comma",',
  '2021-03-03T02:15:30.451Z,"Mozilla/5.0 (KHTML, like Gecko)",,200',
];

test('splitCsvLine agrees with csv-parse on tricky lines', () => {
  for (const line of TRICKY) {
    const expected = csvParse(line, { relax_column_count: true })[0] as string[];
    assert.deepEqual(splitCsvLine(line), expected, line);
  }
  assert.equal(splitCsvLine('a,"open'), null);
  assert.deepEqual(splitCsvLine('a,"line one\nline two",b'), ['a', 'line one\nline two', 'b']);
});

test('HttpProxy layout 1: plain CSV header line, then #Software…#Fields; quoted commas and doubled quotes', async () => {
  const rel = 'C/Program Files/Microsoft/Exchange Server/V15/Logging/HttpProxy/Ecp/HttpProxy_2021030302-1.LOG';
  const { events, warnings } = await collect(parseHttpProxy, rel, sample('HttpProxy_2021030302-1.LOG'), 512);
  assert.deepEqual(warnings, []);
  assert.equal(events.length, 2);
  const [ssrf, reset] = events;
  assert.equal(ssrf.ts, isoToMicros('2021-03-03T02:15:30.451Z'));
  assert.equal(ssrf.source, 'httpproxy');
  assert.equal(ssrf.tsDesc, 'Request');
  assert.equal(ssrf.host, 'EXCH01');
  assert.equal(ssrf.fields.AnchorMailbox, 'ServerInfo~a]@EXCH01.contoso.local:444/autodiscover/autodiscover.xml?#');
  assert.equal(ssrf.fields.AuthenticatedUser, null);
  assert.equal(ssrf.fields.HttpStatus, 200);
  assert.equal(ssrf.fields.Protocol, 'Ecp');
  assert.equal(ssrf.fields.UrlStem, '/ecp/y.js');
  assert.equal(ssrf.fields.UserAgent, 'python-requests/2.25.1');
  assert.equal(ssrf.fields.ClientIpAddress, '104.248.49.97');
  assert.equal(Object.keys(ssrf.fields).length, 74);
  assert.equal(ssrf.message, 'POST 10.0.0.5/ecp/y.js → 200 from 104.248.49.97 anchor=ServerInfo~a]@EXCH01.contoso.local:444/autodiscover/autodiscover.xml?# [python-requests/2.25.1]');
  assert.deepEqual(ssrf.ref, { file: rel, line: 7, offset: fs.readFileSync(sample('HttpProxy_2021030302-1.LOG')).indexOf('2021-03-03T02:15:30.451Z') });
  assert.equal(reset.fields.UserAgent, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.190 Safari/537.36');
  assert.equal(reset.fields.GenericInfo, 'Note=a, b;Err="quoted";');
  assert.equal(reset.fields.UrlQuery, '?schema=ResetOABVirtualDirectory&msExchEcpCanary=x');
  assert.equal(reset.fields.BackEndCookie, 'Server~EXCH01.contoso.local~1942062522~');
  assert.equal(reset.fields.AuthenticatedUser, 'CONTOSO\\administrator');
});

test('HttpProxy layout 2: #Fields only; a quoted field across a line break; a short row warned', async () => {
  const rel = 'Logging/HttpProxy/Owa/HttpProxy_2021030303-1.LOG';
  const { events, warnings } = await collect(parseHttpProxy, rel, sample('HttpProxy_2021030303-1.LOG'), 300);
  assert.equal(events.length, 2);
  assert.equal(events[0].fields.GenericErrors, 'line one\nline two, with comma');
  assert.equal(events[0].fields.Protocol, 'Owa');
  assert.equal(events[0].fields.AnchorMailbox, null);
  assert.equal(events[0].ref.line, 6);
  assert.equal(events[1].ref.line, 9);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].line, 8);
  assert.match(warnings[0].message, /expected 74 comma-separated fields \(from the header\), found 3/);
});

test('HttpProxy without a Protocol column takes the protocol from the parent folder', async () => {
  const text = 'DateTime,RequestId,UrlStem,HttpStatus\r\n2021-03-03T02:15:30.451Z,abc,/owa/auth/x.js,404\r\n';
  const { events } = await collect(parseHttpProxy, 'V15/Logging/HttpProxy/Autodiscover/HttpProxy_1.LOG', Buffer.from(text), 16);
  assert.equal(events.length, 1);
  assert.equal(events[0].fields.Protocol, 'Autodiscover');
  assert.equal(events[0].fields.HttpStatus, 404);
  assert.equal(protocolFromPath('HttpProxy_1.LOG'), null);
});

test('HttpProxy data before any header is warned, not guessed', async () => {
  const { events, warnings } = await collect(parseHttpProxy, 'x/Ecp/a.LOG', Buffer.from('2021-03-03T02:15:30.451Z,abc,/x\n'), 64);
  assert.equal(events.length, 0);
  assert.match(warnings[0].message, /before any header/);
});

test('ECP Server log: doubled quotes and an HTML tag in EventData; a bad TimeStamp is warned', async () => {
  const rel = 'V15/Logging/ECP/Server/ECPServer2021030300-1.LOG';
  const { events, warnings } = await collect(parseEcpServer, rel, sample('ECPServer2021030300-1.LOG'), 128);
  assert.equal(events.length, 3);
  const attack = events[1];
  assert.equal(attack.source, 'ecp-server');
  assert.equal(attack.tsDesc, 'Logged');
  assert.equal(attack.host, 'EXCH01');
  assert.equal(attack.ts, isoToMicros('2021-03-03T04:52:51.917Z'));
  assert.equal(attack.fields.EventId, 'ECP.Request');
  const data = String(attack.fields.EventData);
  assert.ok(data.includes(`S:CMD=Set-OabVirtualDirectory.ExternalUrl=''http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["code"],"unsafe");}</script>''`));
  // The message says what happened: the cmdlet and its parameters, not the raw S:TIME=… pairs.
  assert.equal(attack.message, `ECP.Request: Set-OabVirtualDirectory -ExternalUrl 'http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["code"],"unsafe");}</script>' -Identity '3a4b5c6d-0000-4000-8000-00000000000a' (/ecp/DDI/DDIService.svc/SetObject)`);
  assert.equal(events[2].message, `ECP.Request: Set-OabVirtualDirectory -ExternalUrl 'https://mail.contoso.com/OAB' -Identity 'EXCH01\\OAB (Default Web Site)' (/ecp/DDI/DDIService.svc/SetObject)`);
  assert.equal(events[0].message, 'ECP.Request: Get-InboxRule (/ecp/RulesEditor/InboxRules.svc/GetList)');
  assert.equal(events[2].fields.EventData, `S:TIME=210;S:CMD=Set-OabVirtualDirectory.ExternalUrl=''https://mail.contoso.com/OAB''.Identity=''EXCH01\\OAB (Default Web Site)'';S:URL=/ecp/DDI/DDIService.svc/SetObject?schema=OABVirtualDirectory`);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].line, 9);
  assert.match(warnings[0].message, /TimeStamp "not-a-time"/);
});
