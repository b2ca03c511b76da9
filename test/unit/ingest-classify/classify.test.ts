import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { classify, looksBinary } from '../../../electron/ingest/classify.ts';
import { parserFor } from '../../../electron/ingest/sources/index.ts';
import { sample, sharedData } from '../sources/helpers.ts';

const TUNNA = sharedData('iis/Command_and_Control__Tunna_rdp_tunnel_IIS.log');
const APACHE = sharedData('weblogs-other/Command_and_Control__web_attack_and_isp_webshell_localhost_access_log.txt');
const EVTX = sharedData('evtx/Command_and_Control__tunna_iis_rdp_smb_tunneling_sysmon_3.evtx');

const head = (file: string): Uint8Array => fs.readFileSync(file).subarray(0, 8192);
const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

function randomBytes(n: number): Uint8Array {
  let seed = 42;
  return Uint8Array.from({ length: n }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff);
}

test('magic numbers win over names', () => {
  assert.equal(classify('C/Windows/System32/winevt/Logs/Security.evtx', bytes('ElfFile\0', [3, 0, 1])), 'evtx');
  assert.equal(classify('C/root/lsass.dmp', bytes('MDMP', [0x93, 0xa7])), 'minidump');
  assert.equal(classify('C/ProgramData/a.zip', bytes([0x50, 0x4b, 3, 4, 20, 0])), 'archive');
  assert.equal(classify('C/ProgramData/a.7z', bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4])), 'archive');
  assert.equal(classify('C/ProgramData/a.rar', bytes('Rar!', [0x1a, 7, 0])), 'archive');
  assert.equal(classify('C/Windows/Temp/x.aspx', bytes('MZ', [0x90, 0, 3])), 'pe');
  assert.equal(classify('anything', new Uint8Array(0)), 'empty');
});

test('real EVTX file is evtx', { skip: !fs.existsSync(EVTX) && `missing ${EVTX}` }, () => {
  assert.equal(classify('C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx', head(EVTX)), 'evtx');
});

test('IIS by header or by u_ex*.log under W3SVC*', { skip: !fs.existsSync(TUNNA) && `missing ${TUNNA}` }, () => {
  assert.equal(classify('evidence/Tunna_rdp_tunnel_IIS.log', head(TUNNA)), 'iis-log');
  const noSoftware = bytes('#Fields: date time c-ip cs-method\r\n2021-03-03 00:00:00 1.2.3.4 GET\r\n');
  assert.equal(classify('C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', noSoftware), 'iis-log');
  assert.equal(classify('C/inetpub/logs/LogFiles/W3SVC2/u_ex210303.log', bytes('2021-03-03 00:00:00 10.0.0.5 GET /owa/ - 443\r\n')), 'iis-log');
  assert.equal(classify('C/somewhere/u_ex210303.log', noSoftware), 'text');
  assert.equal(classify('C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', fs.readFileSync(sample('iis-utf16le.log'))), 'iis-log');
});

test('the Apache access log is an access log, not IIS, even under a W3SVC folder', { skip: !fs.existsSync(APACHE) && `missing ${APACHE}` }, () => {
  assert.equal(classify('weblogs-other/localhost_access_log.txt', head(APACHE)), 'access-log');
  assert.equal(classify('C/inetpub/logs/LogFiles/W3SVC1/u_ex180711.log', head(APACHE)), 'access-log');
  const combined = '203.0.113.9 - bob [04/Mar/2021:10:00:00 +0100] "POST /owa/auth/x.aspx HTTP/1.1" 200 12 "-" "Mozilla/5.0"\n';
  assert.equal(classify('nginx/access.log', Buffer.from(combined.repeat(3))), 'access-log');
  assert.equal(classify('notes.txt', Buffer.from(`${combined}a note about the log\nanother line\nand one more\n`)), 'text', 'most lines must be access-log lines');
  assert.equal(looksBinary(head(APACHE)), false);
});

test('a binary file named u_ex*.log under an IIS folder is binary (and gets no parser)', () => {
  const kind = classify('C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', randomBytes(8192));
  assert.equal(kind, 'binary');
  assert.equal(parserFor(kind), null);
});

test('Exchange logs by folder or header', () => {
  const proxyHeader = bytes('DateTime,RequestId,MajorVersion,MinorVersion,BuildVersion,RevisionVersion,ClientRequestId,Protocol,UrlHost,UrlStem,ProtocolAction,AuthenticationType,IsAuthenticated,AuthenticatedUser,Organization,AnchorMailbox,UserAgent\r\n');
  assert.equal(classify('C/Program Files/Microsoft/Exchange Server/V15/Logging/HttpProxy/Ecp/HttpProxy_2021030302-1.LOG', fs.readFileSync(sample('HttpProxy_2021030303-1.LOG'))), 'httpproxy-log');
  assert.equal(classify('collected/proxy.log', proxyHeader), 'httpproxy-log');
  assert.equal(classify('collected/HttpProxy_2021030302-1.LOG', fs.readFileSync(sample('HttpProxy_2021030302-1.LOG'))), 'httpproxy-log');
  assert.equal(classify('V15/Logging/ECP/Server/ECPServer2021030300-1.LOG', bytes('#Software: Microsoft Exchange Server\r\n')), 'ecp-server-log');
  assert.equal(classify('collected/ecp.log', fs.readFileSync(sample('ECPServer2021030300-1.LOG'))), 'ecp-server-log');
  assert.equal(classify('V15/Logging/OABGeneratorLog/OABGenerator_2021030305-1.LOG', fs.readFileSync(sample('OABGenerator_2021030305-1.LOG'))), 'oab-generator-log');
});

test('bodyfile by name or by content', () => {
  assert.equal(classify('timeline/c.body', bytes('whatever\n')), 'bodyfile');
  assert.equal(classify('timeline/bodyfile.txt', bytes('whatever\n')), 'bodyfile');
  assert.equal(classify('timeline/fls-output.txt', fs.readFileSync(sample('sample.body'))), 'bodyfile');
  assert.equal(classify('notes/pipes.txt', bytes('a|b|c\nd|e\n')), 'text');
});

test('web scripts by extension; text vs binary by content', () => {
  for (const ext of ['aspx', 'ashx', 'asmx', 'asp', 'asax', 'config', 'js', 'ASPX']) {
    assert.equal(classify(`C/inetpub/wwwroot/aspnet_client/x.${ext}`, bytes('<%@ Page Language="Jscript"%>')), 'web-script', ext);
  }
  assert.equal(classify('C/Users/a/notes.txt', bytes('hello\r\nworld\r\n')), 'text');
  assert.equal(classify('C/Users/a/utf16.txt', bytes([0xff, 0xfe, 0x68, 0, 0x69, 0])), 'text');
  assert.equal(classify('C/Users/a/blob.dat', randomBytes(4096)), 'binary');
});

test('parserFor covers the five text formats and nothing else yet', () => {
  assert.deepEqual(
    (['iis-log', 'httpproxy-log', 'ecp-server-log', 'oab-generator-log', 'bodyfile', 'text', 'web-script', 'binary'] as const).map((k) => parserFor(k)?.id ?? null),
    ['iis', 'httpproxy', 'ecp-server', 'oab-generator', 'bodyfile', null, null, null],
  );
});

test('a carved EVTX chunk without its file header is still evtx', () => {
  const head = new Uint8Array(512);
  head.set(new TextEncoder().encode('ElfChnk\0'));
  assert.equal(classify('carved/chunk-0001.bin', head), 'evtx');
});
