// The Sigma rule language, one feature at a time: each rule is compiled by the engine and tested on events shaped as
// Loupe stores them (EVTX System values at the top, EventData as data.<Name>; IIS W3C columns).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { compileRule, type SigmaRule } from '../../../electron/detect/sigma/compile.ts';
import { EventView } from '../../../electron/detect/sigma/event-view.ts';
import { loadSigmaRules, formatSigmaError } from '../../../electron/detect/sigma/index.ts';
import { literalTerms } from '../../../electron/detect/sigma/prefilter.ts';
import type { FieldValue } from '../../../shared/types.ts';
import { tmpDir } from '../../helpers/tmp.ts';

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';

function rule(detection: string, logsource = 'category: process_creation\n    product: windows', placeholders: Record<string, string[]> = {}): SigmaRule {
  const text = `title: t\nid: 00000000-0000-0000-0000-000000000001\nlogsource:\n    ${logsource}\ndetection:\n${detection}\nlevel: high\n`;
  return compileRule(parse(text) as Record<string, unknown>, { file: 'x.yml', line: 1 }, placeholders);
}

function proc(data: Record<string, FieldValue>, extra: Record<string, FieldValue> = {}): EventView {
  const fields: Record<string, FieldValue> = { EventID: 1, Channel: SYSMON, Provider: 'Microsoft-Windows-Sysmon', Computer: 'H', ...extra };
  for (const [k, v] of Object.entries(data)) fields[`data.${k}`] = v;
  return new EventView(fields, 'evtx');
}

/** Matches through the rule's first target (Sysmon for process_creation). */
const hit = (r: SigmaRule, ev: EventView): boolean => r.targets[0].match.test(ev);

test('plain values: case-insensitive equality, wildcards * and ?, escapes, backslashes kept', () => {
  const r = rule(`    sel:\n        Image: 'C:\\Windows\\System32\\CMD.exe'\n        CommandLine: 'cmd /c ?hoami\\*'\n    condition: sel`);
  assert.equal(hit(r, proc({ Image: 'c:\\windows\\system32\\cmd.exe', CommandLine: 'cmd /c whoami*' })), true);
  assert.equal(hit(r, proc({ Image: 'c:\\windows\\system32\\cmd.exe', CommandLine: 'cmd /c whoamiX' })), false, '\\* is a literal star');
  assert.equal(hit(r, proc({ Image: 'c:\\windows\\system32\\cmd.exe2', CommandLine: 'cmd /c whoami*' })), false);
  const w = rule(`    sel:\n        CommandLine: '*-enc *'\n    condition: sel`);
  assert.equal(hit(w, proc({ CommandLine: 'powershell -ENC aGk=' })), true);
  assert.equal(hit(w, proc({ CommandLine: 'powershell -encoded' })), false);
});

test('contains, startswith, endswith, all; a list is OR, |all makes it AND; a missing field never matches', () => {
  const r = rule(`    sel:\n        Image|endswith: ['\\rundll32.exe', '\\regsvr32.exe']\n        CommandLine|contains|all: ['comsvcs', 'MiniDump']\n        ParentImage|startswith: 'C:\\Windows\\'\n    condition: sel`);
  const base = { Image: 'C:\\Windows\\System32\\rundll32.exe', CommandLine: 'rundll32 comsvcs.dll, MiniDump 624 x full', ParentImage: 'C:\\Windows\\System32\\cmd.exe' };
  assert.equal(hit(r, proc(base)), true);
  assert.equal(hit(r, proc({ ...base, Image: 'C:\\x\\regsvr32.exe' })), true);
  assert.equal(hit(r, proc({ ...base, CommandLine: 'rundll32 comsvcs.dll,DllRegisterServer' })), false, 'all values needed');
  assert.equal(hit(r, proc({ ...base, ParentImage: 'D:\\Windows\\cmd.exe' })), false);
  const { ParentImage: _, ...noParent } = base;
  assert.equal(hit(r, proc(noParent)), false);
});

test('re with its flags i, m, s; case-sensitive by default; (?i) inline', () => {
  const r = rule(`    sel:\n        CommandLine|re: '\\s-[eE]nc\\s+[A-Za-z0-9+/=]{8,}'\n    condition: sel`);
  assert.equal(hit(r, proc({ CommandLine: 'powershell -enc SQBFAFgAIAAoA' })), true);
  assert.equal(hit(r, proc({ CommandLine: 'powershell -ENC SQBFAFgAIAAoA' })), false);
  const i = rule(`    sel:\n        CommandLine|re|i: 'invoke-mimikatz'\n    condition: sel`);
  assert.equal(hit(i, proc({ CommandLine: 'Invoke-Mimikatz -DumpCreds' })), true);
  const inline = rule(`    sel:\n        CommandLine|re: '(?i)INVOKE-mimikatz'\n    condition: sel`);
  assert.equal(hit(inline, proc({ CommandLine: 'invoke-MIMIKATZ' })), true);
  const m = rule(`    sel:\n        ScriptBlockText|re|m: '^Get-Mailbox$'\n    condition: sel`, 'category: ps_script\n    product: windows');
  const ps = (text: string) => new EventView({ EventID: 4104, Channel: 'Microsoft-Windows-PowerShell/Operational', 'data.ScriptBlockText': text }, 'evtx');
  assert.equal(hit(m, ps('x\nGet-Mailbox\ny')), true);
  assert.equal(hit(rule(`    sel:\n        ScriptBlockText|re: '^Get-Mailbox$'\n    condition: sel`, 'category: ps_script\n    product: windows'), ps('x\nGet-Mailbox\ny')), false);
  const s = rule(`    sel:\n        ScriptBlockText|re|s: 'a.b'\n    condition: sel`, 'category: ps_script\n    product: windows');
  assert.equal(hit(s, ps('a\nb')), true);
});

test('base64, base64offset (with utf16le / wide), and the encoded text matched literally', () => {
  const b = rule(`    sel:\n        CommandLine|base64: 'whoami'\n    condition: sel`);
  assert.equal(hit(b, proc({ CommandLine: Buffer.from('whoami').toString('base64') })), true);
  const off = rule(`    sel:\n        CommandLine|base64offset|contains: 'Invoke-Expression'\n    condition: sel`);
  for (const prefix of ['', 'a', 'ab', 'abc']) {
    const encoded = Buffer.from(`${prefix}Invoke-Expression(x)`).toString('base64');
    assert.equal(hit(off, proc({ CommandLine: `powershell -e ${encoded}` })), true, `offset ${prefix.length}`);
  }
  assert.equal(hit(off, proc({ CommandLine: `powershell -e ${Buffer.from('Get-Date').toString('base64')}` })), false);
  const wide = rule(`    sel:\n        CommandLine|wide|base64offset|contains: 'IEX'\n    condition: sel`);
  assert.equal(hit(wide, proc({ CommandLine: `powershell -enc ${Buffer.from('x;IEX(y)', 'utf16le').toString('base64')}` })), true);
  assert.equal(hit(wide, proc({ CommandLine: `powershell -enc ${Buffer.from('x;IEX(y)', 'utf8').toString('base64')}` })), false);
});

test('windash: -, /, en dash, em dash and horizontal bar', () => {
  const r = rule(`    sel:\n        CommandLine|windash|contains: ' -urlcache '\n    condition: sel`);
  for (const d of ['-', '/', '\u2013', '\u2014', '\u2015']) assert.equal(hit(r, proc({ CommandLine: `certutil ${d}urlcache -f http://x/a a` })), true, d);
  assert.equal(hit(r, proc({ CommandLine: 'certutil +urlcache' })), false);
});

test('cidr (IPv4 and IPv6), exists, numeric lt/lte/gt/gte, null and empty values', () => {
  const net = rule(`    sel:\n        DestinationIp|cidr: ['10.0.0.0/8', 'fe80::/10']\n    condition: sel`, 'category: network_connection\n    product: windows');
  const conn = (ip: string) => new EventView({ EventID: 3, Channel: SYSMON, 'data.DestinationIp': ip }, 'evtx');
  assert.equal(hit(net, conn('10.20.30.40')), true);
  assert.equal(hit(net, conn('11.0.0.1')), false);
  assert.equal(hit(net, conn('fe80::1')), true);
  assert.equal(hit(net, conn('2001:db8::1')), false);
  const ex = rule(`    sel:\n        Image|endswith: '\\cmd.exe'\n        OriginalFileName|exists: false\n    condition: sel`);
  assert.equal(hit(ex, proc({ Image: 'C:\\cmd.exe' })), true);
  assert.equal(hit(ex, proc({ Image: 'C:\\cmd.exe', OriginalFileName: 'Cmd.Exe' })), false);
  const num = rule(`    sel:\n        TerminalSessionId|gte: 2\n        ProcessId|lt: 100\n    condition: sel`);
  assert.equal(hit(num, proc({ TerminalSessionId: '2', ProcessId: '99' })), true);
  assert.equal(hit(num, proc({ TerminalSessionId: '1', ProcessId: '99' })), false);
  assert.equal(hit(num, proc({ TerminalSessionId: '3', ProcessId: '100' })), false);
  assert.equal(hit(num, proc({ TerminalSessionId: 'x', ProcessId: '1' })), false);
  const gtLte = rule(`    sel:\n        ProcessId|gt: 10\n        TerminalSessionId|lte: 0\n    condition: sel`);
  assert.equal(hit(gtLte, proc({ ProcessId: '11', TerminalSessionId: '0' })), true);
  const nul = rule(`    sel:\n        Image|endswith: '\\cmd.exe'\n        ParentImage: null\n    condition: sel`);
  assert.equal(hit(nul, proc({ Image: 'C:\\cmd.exe' })), true);
  assert.equal(hit(nul, proc({ Image: 'C:\\cmd.exe', ParentImage: '' })), true);
  assert.equal(hit(nul, proc({ Image: 'C:\\cmd.exe', ParentImage: 'C:\\x.exe' })), false);
  const empty = rule(`    sel:\n        Image|endswith: '\\cmd.exe'\n        CommandLine: ''\n    condition: sel`);
  assert.equal(hit(empty, proc({ Image: 'C:\\cmd.exe', CommandLine: '' })), true);
  assert.equal(hit(empty, proc({ Image: 'C:\\cmd.exe' })), false);
});

test('fieldref (equal, and with endswith), expand with defined placeholders, cased', () => {
  const ref = rule(`    sel:\n        Image|fieldref: ParentImage\n    condition: sel`);
  assert.equal(hit(ref, proc({ Image: 'C:\\A.exe', ParentImage: 'c:\\a.exe' })), true);
  assert.equal(hit(ref, proc({ Image: 'C:\\A.exe', ParentImage: 'c:\\b.exe' })), false);
  const refEnd = rule(`    sel:\n        CommandLine|fieldref|endswith: OriginalFileName\n    condition: sel`);
  assert.equal(hit(refEnd, proc({ CommandLine: 'run x.exe', OriginalFileName: 'X.EXE' })), true);
  const exp = rule(`    sel:\n        User|expand: '%admins%'\n    condition: sel`, 'category: process_creation\n    product: windows', { admins: ['CONTOSO\\Administrator', 'CONTOSO\\exadmin'] });
  assert.equal(hit(exp, proc({ User: 'contoso\\exadmin' })), true);
  assert.equal(hit(exp, proc({ User: 'contoso\\bob' })), false);
  assert.throws(() => rule(`    sel:\n        User|expand: '%nobody%'\n    condition: sel`), /placeholder %nobody% is not defined/);
  const cased = rule(`    sel:\n        CommandLine|contains|cased: 'IEX'\n    condition: sel`);
  assert.equal(hit(cased, proc({ CommandLine: 'a IEX b' })), true);
  assert.equal(hit(cased, proc({ CommandLine: 'a iex b' })), false);
});

test('conditions: and, or, not, parentheses, 1 of / all of / N of with wildcards and them, keywords', () => {
  const det = `    sel_a:\n        Image|endswith: '\\a.exe'\n    sel_b:\n        CommandLine|contains: 'bee'\n    filter:\n        User: 'SYSTEM'\n`;
  const ev = (img: string, cmd: string, user = 'bob') => proc({ Image: img, CommandLine: cmd, User: user });
  const one = rule(`${det}    condition: 1 of sel_* and not filter`);
  assert.equal(hit(one, ev('C:\\a.exe', 'x')), true);
  assert.equal(hit(one, ev('C:\\c.exe', 'x')), false);
  assert.equal(hit(one, ev('C:\\a.exe', 'x', 'SYSTEM')), false);
  const all = rule(`${det}    condition: all of sel_*`);
  assert.equal(hit(all, ev('C:\\a.exe', 'bee')), true);
  assert.equal(hit(all, ev('C:\\a.exe', 'x')), false);
  const paren = rule(`${det}    condition: (sel_a or sel_b) and not (filter)`);
  assert.equal(hit(paren, ev('C:\\c.exe', 'a bee')), true);
  const them = rule(`${det}    condition: 2 of them`);
  assert.equal(hit(them, ev('C:\\a.exe', 'bee')), true);
  assert.equal(hit(them, ev('C:\\a.exe', 'x')), false);
  const list = rule(`${det}    condition:\n        - sel_a and sel_b\n        - filter`);
  assert.equal(hit(list, ev('C:\\q.exe', 'x', 'SYSTEM')), true, 'a list of conditions is OR');
  const kw = rule(`    keywords:\n        - 'New-MailboxExportRequest'\n        - 'Remove-Mailbox*Request'\n    condition: keywords`, 'product: windows\n    service: msexchange-management');
  const mgmt = (...data: string[]) => new EventView({ EventID: 1, Channel: 'MSExchange Management', ...Object.fromEntries(data.map((d, i) => [`data.${i}`, d])) }, 'evtx');
  assert.equal(hit(kw, mgmt('New-MailboxExportRequest', '-Mailbox x')), true);
  assert.equal(hit(kw, mgmt('Remove-MailboxExportRequest', '-Confirm:$false')), true);
  assert.equal(hit(kw, mgmt('Get-Mailbox', '')), false);
  const kwAll = rule(`    keywords:\n        '|all':\n            - 'OabVirtualDirectory'\n            - ' -ExternalUrl '\n    condition: keywords`, 'product: windows\n    service: msexchange-management');
  assert.equal(hit(kwAll, mgmt('Set-OabVirtualDirectory', '-Identity x -ExternalUrl http://f/')), true);
  assert.equal(hit(kwAll, mgmt('Set-OabVirtualDirectory', '-Identity x')), false);
});

test('logsource and field mapping: Security 4688 renames Image; webserver reads IIS and HttpProxy names', () => {
  const r = rule(`    sel:\n        Image|endswith: '\\rundll32.exe'\n        EventID: 4688\n    condition: sel`);
  const t4688 = r.targets.find((t) => t.target.name === 'security:4688')!;
  assert.equal(t4688.match.test(new EventView({ EventID: 4688, Channel: 'Security', 'data.NewProcessName': 'C:\\rundll32.exe' }, 'evtx')), true);
  const web = rule(`    sel:\n        cs-uri-query|contains: 'schema=Reset'\n        cs-user-agent: 'python-requests/2.25.1'\n        sc-status: 200\n    condition: sel`, 'category: webserver');
  const [iis, proxy] = web.targets;
  assert.deepEqual([iis.target.name, proxy.target.name], ['web:iis', 'web:httpproxy']);
  assert.equal(iis.match.test(new EventView({ 'cs-uri-query': 'schema=ResetOAB', 'cs(User-Agent)': 'python-requests/2.25.1', 'sc-status': 200 }, 'iis')), true);
  assert.equal(proxy.match.test(new EventView({ UrlQuery: '?schema=ResetOAB', UserAgent: 'python-requests/2.25.1', HttpStatus: 200 }, 'httpproxy')), true);
  assert.equal(iis.match.test(new EventView({ 'cs-uri-query': 'schema=ResetOAB', 'cs(User-Agent)': 'python-requests/2.25.1', 'sc-status': 404 }, 'iis')), false);
  const sys = rule(`    sel:\n        Provider_Name: 'Service Control Manager'\n        EventID: 7045\n    condition: sel`, 'product: windows\n    service: system');
  assert.equal(sys.targets[0].match.test(new EventView({ EventID: 7045, Channel: 'System', Provider: 'Service Control Manager' }, 'evtx')), true);
});

test('a broken rule is file:line and the folder loads on; correlation and unknown modifiers are explained', (t) => {
  const dir = tmpDir(t);
  const good = 'title: ok\nid: 00000000-0000-0000-0000-00000000000a\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        Image|endswith: x.exe\n    condition: sel\n';
  fs.writeFileSync(path.join(dir, 'a-good.yml'), good);
  fs.writeFileSync(path.join(dir, 'b-yaml.yml'), 'title: bad\ndetection:\n    sel: [unclosed\n    condition: sel\n');
  fs.writeFileSync(path.join(dir, 'c-mod.yml'), good.replace('00a', '00c').replace('Image|endswith', 'Image|frobnicate'));
  fs.writeFileSync(path.join(dir, 'd-corr.yml'), 'title: c\nid: 00000000-0000-0000-0000-00000000000d\ncorrelation:\n    type: event_count\n    rules: [x]\n');
  fs.writeFileSync(path.join(dir, 'e-dup.yml'), good);
  fs.writeFileSync(path.join(dir, 'f-linux.yml'), good.replace('00a', '00f').replace('product: windows', 'product: linux'));
  const set = loadSigmaRules([dir, path.join(dir, 'missing')]);
  assert.deepEqual(set.rules.map((r) => r.title), ['ok']);
  const lines = set.errors.map((e) => formatSigmaError(e).replace(dir + path.sep, ''));
  assert.equal(lines.length, 6, lines.join('\n'));
  assert.match(lines[0], /^b-yaml\.yml:4: YAML error: Flow sequence/);
  assert.equal(lines[1], 'c-mod.yml:8: unsupported modifier "frobnicate"');
  assert.equal(lines[2], 'd-corr.yml:1: correlation rule (not supported yet: single-event rules only)');
  assert.match(lines[3], /^e-dup\.yml:1: rule id 00000000-0000-0000-0000-00000000000a is already loaded from .*a-good\.yml$/);
  assert.match(lines[4], /^f-linux\.yml:3: logsource category: process_creation, product: linux: no such logs/);
  assert.match(lines[5], /missing:0: Sigma rule folder not readable \(ENOENT\)/);
  assert.deepEqual(set.errors.map((e) => e.kind), ['yaml', 'modifier', 'correlation', 'duplicate', 'logsource', 'other']);
});

test('prefilter words: whole words only, a word cut on its right is a prefix, no words from digits or non-ASCII', () => {
  assert.deepEqual(literalTerms('\\certutil.exe', false, true), [{ term: 'certutil', prefix: false }, { term: 'exe', prefix: false }]);
  assert.deepEqual(literalTerms('urlcache', false, false), [], 'cut on both sides');
  assert.deepEqual(literalTerms(' -urlcache', false, false), [{ term: '-urlcache', prefix: true }]);
  assert.deepEqual(literalTerms('ftp.exe', true, true), [{ term: 'ftp', prefix: false }, { term: 'exe', prefix: false }]);
  assert.deepEqual(literalTerms('4104', true, true), []);
  assert.deepEqual(literalTerms('x\u2013decode ', false, false), [], 'a run holding a non-ASCII character is not used');
});
