// The JavaScript triage in front of libyara: the rule reader, the regex/hex translation and the condition evaluator,
// each checked against libyara itself (the WASM build) on tricky rules and bytes: whatever the triage settles must be
// exactly libyara's answer (rule and every reported string match), and it must settle most pairs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSource } from '../../../electron/detect/yara-parse.ts';
import { hexPattern, regexPattern } from '../../../electron/detect/yara-regex.ts';
import { AnchorSet } from '../../../electron/detect/yara-anchors.ts';
import { planTriage, subsetSource, triageFile } from '../../../electron/detect/yara-triage.ts';
import { wasmScanner } from '../../../electron/detect/yara-scan.ts';
import { yaraEngine } from '../../../electron/detect/yara.ts';
import type { YaraMatch } from '../../../electron/detect/yara.ts';
import { BENIGN_GREETING, BENIGN_LOGON, CHOPPER, EXEC_SHELL, FILE_WRITE_SHELL, OAB_DUMP, SIGBASE_STYLE } from './samples.ts';

const TRICKY = String.raw`
import "pe"
import "math"
// a comment with a brace { and a quote "
global rule Not_Huge { condition: filesize < 2MB }
rule Header_LE : tag1 tag2 {
  meta: note = "braces { } in meta" n = 7 ok = true neg = -3 esc = "a \"quoted\" \\ word"
  condition: uint16(0) == 0x253c or uint16be(0) == 0x4d5a
}
rule Header_Undefined { condition: not (uint32(0) == 0x11223344) }
rule Header_Undefined_And { condition: not (uint32(0) == 0x11223344 and true) }
/* block comment rule Fake { condition: true } */
rule Word_Tail { strings: $w = "endmark" fullword condition: $w }
rule Count_Two { strings: $c = "tick" condition: #c >= 2 and #c in (0..100) < 5 }
rule Offsets { strings: $o = "tick" condition: @o[2] - @o[1] == 5 and !o[1] == 4 }
rule Offset_Past_End { strings: $o = "tick" condition: not (@o[3] > 0) }
rule At_Zero { strings: $mz = "MZ" $t = "program" nocase condition: $mz at 0 and $t in (2..filesize) }
private rule Page_Private { strings: $p = "<%@ Page" nocase condition: $p }
rule Uses_Private { strings: $h = { 65 76 61 6C 28 [0-40] 75 6E 73 61 66 65 } $y = "never-here" condition: Page_Private and ($h or $y) }
rule Wide_Or_Ascii { strings: $u = "runat" wide ascii nocase condition: 1 of them }
rule Anonymous { strings: $ = "Request" $ = "Response" condition: all of them }
rule Percent { strings: $a1 = "alpha" $a2 = "beta" $a3 = "gamma" $a4 = "delta" condition: 50% of ($a*) }
rule None_Of { strings: $n1 = "forbidden" $n2 = "verboten" condition: none of ($n*) and filesize > 3 }
rule For_Of { strings: $f1 = "tick" $f2 = "tock" condition: for any of ($f*) : (# >= 2 and @ < 20) }
rule For_In { strings: $g = "tick" condition: for all i in (1..#g) : (@g[i] < 30) and #g > 0 }
rule For_Enum { condition: for any v in (0x3c, 0x4d) : (uint8(0) == v) }
rule Arith { condition: (filesize \ 2) * 2 + filesize % 2 == filesize and (filesize & 1) | 0 <= 1 and -filesize < 1 }
rule Regex_Words { strings: $r = /eval\s*\(\s*Request(\.Item)?\s*\[/ nocase $s = /[^a-z]unsafe["']/ condition: $r and $s }
rule Regex_Dot { strings: $d = /a.b/ condition: $d }
rule Module_Gated { condition: uint16(0) == 0x5a4d and pe.number_of_sections > 2 }
rule Module_Only { condition: math.entropy(0, filesize) > 7.5 }
rule Fixed_At { strings: $z = "zz" condition: $z at 3 }
`;

const BUFFERS: Array<string | Buffer> = [
  '', 'A', 'MZ This Program cannot be run', 'xx MZ This program but not at start', 'tail endmark', 'endmarker is not a word',
  '_endmark_', 'tick tick', 'tick once', 'ticktock tick tock tock', Buffer.from('..runat..', 'utf16le'), 'RUNAT server',
  CHOPPER, OAB_DUMP, EXEC_SHELL, FILE_WRITE_SHELL, BENIGN_GREETING, BENIGN_LOGON, 'alpha gamma', 'alpha', 'a\nb a\rb',
  'forbidden fruit', Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03]), 'zzzzzz', 'abzz', Buffer.concat([Buffer.from('Request '), Buffer.alloc(3000000, 0x20), Buffer.from(' Response')]),
  Buffer.from('<%@ page language="JScript" %><% eval ( Request [ "x" ] , "unsafe" ); %>'), Buffer.from('Ä tick É TICK tick'),
];

const bytesOf = (b: string | Buffer): Buffer => (typeof b === 'string' ? Buffer.from(b, 'latin1') : b);

test('the rule reader: imports, modifiers, meta, every string kind, conditions as trees; includes refused', () => {
  const src = parseSource(TRICKY);
  assert.ok(src);
  assert.deepEqual(src.imports, ['import "pe"', 'import "math"']);
  assert.equal(src.rules.length, 24);
  const byName = new Map(src.rules.map((r) => [r.name, r]));
  assert.equal(byName.get('Not_Huge')?.isGlobal, true);
  assert.equal(byName.get('Page_Private')?.isPrivate, true);
  assert.deepEqual(byName.get('Header_LE')?.meta, { note: 'braces { } in meta', n: '7', ok: 'true', neg: '-3', esc: 'a "quoted" \\ word' });
  assert.deepEqual(byName.get('Uses_Private')?.refs, ['Page_Private']);
  assert.deepEqual([...(byName.get('Fixed_At')?.fixedAt ?? [])], [['$z', 3]]);
  assert.deepEqual([...(byName.get('At_Zero')?.fixedAt ?? [])], [['$mz', 0]]);
  assert.deepEqual(byName.get('Anonymous')?.strings.map((s) => s.id), ['$#anon0', '$#anon1']);
  assert.deepEqual(byName.get('Wide_Or_Ascii')?.strings.map((s) => [s.ascii, s.wide, s.nocase]), [[true, true, true]]);
  for (const r of src.rules) assert.ok(r.condition, `${r.name} understood`);
  assert.equal(parseSource('include "other.yar"\nrule A { condition: true }'), null);
  assert.equal(parseSource('rule A { strings: $a = "x" $b = "y" condition: any of (A, B) }')?.rules[0].condition ?? null, null, 'rule sets are left to libyara');
});

test('regex and hex strings: the JavaScript pattern finds a match exactly when libyara does; every match holds an anchor', async () => {
  const cases: Array<[string, string, string[]]> = [
    ['/Process\\s*\\.\\s*Start\\s*\\(/', '', ['Process . Start(', 'Process.Start (', 'ProcessStart(', 'process.start(']],
    ['/Process\\s*\\.\\s*Start\\s*\\(/', 'nocase', ['process.START(', 'PROCESS . start  (']],
    ['/a.b/', '', ['a\nb', 'a\rb', 'axb']],
    ['/a.b/s', '', ['a\nb']],
    ['/[^"\'\\r\\n]{0,5}eval/', '', ['\neval', 'xxxxxxeval', '"eval']],
    ['/\\beval\\b/', '', ['eval', 'xeval', 'eval_', 'e eval ']],
    ['/(then|else|[\\r\\n:%])[ \\t]*execute[ \\t]*\\(/', 'nocase', ['Then Execute(', ':execute (', 'xexecute(']],
    ['/cmd(\\.exe)?["\']?\\s*,?\\s*["\']?\\s*\\/[ck]\\s/', 'nocase', ['cmd.exe /c ', 'CMD", "/K ', 'cmd/c']],
    ['/\\x41\\x42[\\x00-\\x1f]+/', '', ['AB\x01\x02', 'AB ']],
    ['/r.u.n/', 'wide', [Buffer.from('r.u.n', 'utf16le').toString('latin1'), 'r.u.n']],
    ['/colou?r{2,3}/', 'ascii wide', ['colorr', Buffer.from('colourrr', 'utf16le').toString('latin1'), 'colr']],
    ['/\\d{3}-\\w+\\S/', '', ['123-ab!', '12-ab!', '123-a ']],
    ['{ 4D 5A ?? 00 [2-4] 0? ( 01 | 02 03 ) 7? }', '', ['MZ\x90\x00xx\x05\x02\x03\x70', 'MZ\x90\x00xx\x05\x01\xff', 'MZ\x90\x00x\x05\x01\x7f']],
  ];
  for (const [pat, mods, inputs] of cases) {
    const p = pat.startsWith('{') ? hexPattern(pat.slice(1, -1)) : regexPattern(pat.slice(1, pat.lastIndexOf('/')), pat.slice(pat.lastIndexOf('/') + 1), { nocase: / nocase|^nocase/.test(mods), ascii: !/wide/.test(mods) || /ascii/.test(mods), wide: /wide/.test(mods) });
    assert.ok(p.re, `${pat} translated`);
    for (const input of inputs) {
      const bytes = Buffer.from(input, 'latin1');
      const { matches, errors } = await yaraEngine().run(bytes, `rule r { strings: $a = ${pat} ${mods} condition: $a }`);
      assert.deepEqual(errors.filter((e) => !e.warning), [], pat);
      assert.equal(p.re.test(input), matches.length > 0, `${pat} ${mods} on ${JSON.stringify(input)}`);
      for (const s of matches[0]?.strings ?? []) {
        const hit = bytes.subarray(s.offset, s.offset + s.length).toString('latin1').toLowerCase();
        assert.ok(!p.anchors.length || p.anchors.some((a) => hit.includes(a)), `${pat}: match ${JSON.stringify(hit)} holds an anchor of ${JSON.stringify(p.anchors)}`);
      }
    }
  }
  assert.equal(regexPattern('(?=x)y', '', { nocase: false, ascii: true, wide: false }).re, null, 'lookahead is not YARA: not translated');
});

test('the anchor pass finds anchors case-insensitively, at the first and the last bytes', () => {
  const a = new AnchorSet();
  const ids = ['request', 'eval(', '<%@ p', 'zzzz'].map((x) => a.add(x));
  a.build();
  assert.deepEqual(ids, [0, 1, 2, 3]);
  assert.deepEqual([...a.scan(Buffer.from('<%@ Page x REQUEST'))], [1, 0, 1, 0]);
  assert.deepEqual([...a.scan(Buffer.from('eval('))], [0, 1, 0, 0]);
  assert.deepEqual([...a.scan(Buffer.from('zzz'))], [0, 0, 0, 0]);
});

/** What libyara says for every buffer (whole source, one call per buffer). */
async function libyara(source: string, buffers: Buffer[]): Promise<YaraMatch[][]> {
  const out: YaraMatch[][] = [];
  for (const b of buffers) out.push((await yaraEngine().run(b, source)).matches);
  return out;
}

test('whatever the triage settles is libyara\'s answer (rule and string matches), and it settles most pairs', async () => {
  const buffers = BUFFERS.map(bytesOf);
  const theirs = await libyara(TRICKY, buffers);
  const t = planTriage(TRICKY);
  assert.ok(t);
  let settled = 0;
  let pairs = 0;
  buffers.forEach((b, i) => {
    const v = triageFile(t, b);
    const publicRules = t.rules.filter((r) => !r.isPrivate).map((r) => r.name);
    pairs += publicRules.length;
    for (const name of publicRules) {
      if (v.open.includes(name)) continue;
      settled++;
      const mine = v.matches.find((m) => m.rule === name);
      const real = theirs[i].find((m) => m.rule === name);
      assert.deepEqual(mine && { ...mine, meta: {} }, real && { ...real, meta: {} }, `${name} on buffer ${i} ${JSON.stringify(b.subarray(0, 40).toString('latin1'))}`);
    }
  });
  assert.ok(settled / pairs > 0.9, `settled ${settled} of ${pairs} (file, rule) pairs`);
  // The scanner (triage + libyara for the open pairs) equals libyara on every buffer, metadata included.
  const scanned = await wasmScanner(TRICKY).scan(buffers.map((bytes, key) => ({ key, bytes })));
  buffers.forEach((_, i) => assert.deepEqual(scanned.get(i) ?? [], theirs[i], `buffer ${i}`));
});

test('a subset compiled for libyara keeps the imports, the global rules and every referenced rule', () => {
  const t = planTriage(TRICKY);
  assert.ok(t);
  const sub = subsetSource(t, ['Uses_Private']);
  assert.match(sub, /^import "pe"\nimport "math"\n/);
  assert.deepEqual([...sub.matchAll(/rule (\w+)/g)].map((m) => m[1]), ['Not_Huge', 'Page_Private', 'Uses_Private']);
});

test('a pack in signature-base style and the samples: triage + libyara equal libyara alone', async () => {
  const buffers = BUFFERS.map(bytesOf);
  const scanned = await wasmScanner(SIGBASE_STYLE).scan(buffers.map((bytes, key) => ({ key, bytes })));
  const theirs = await libyara(SIGBASE_STYLE, buffers);
  buffers.forEach((_, i) => assert.deepEqual(scanned.get(i) ?? [], theirs[i], `buffer ${i}`));
});

test('a pattern that backtracks catastrophically on a crafted file does not stall the triage', { timeout: 60_000 }, () => {
  const t = planTriage('rule Slow { strings: $r = /(a+)+b/ condition: $r }');
  assert.ok(t);
  const { matches, open } = triageFile(t, Buffer.alloc(200_000, 0x61));
  assert.deepEqual({ matches, open }, { matches: [], open: [] });
});

test('files left open are probed together: libyara matches their open strings over the files concatenated; a match over a file edge sends that file to a scan of its own', async () => {
  const rules = String.raw`
rule Start_Call { strings: $p = /Process\s*\.\s*Start\s*\(/ condition: $p }
rule Leading_Blanks { strings: $b = /\s*Request\.Form/ condition: #b == 1 and @b[1] == 0 }
rule Anchored { strings: $a = /^<%@/ condition: $a }
rule Hex_Jump { strings: $h = { 65 76 61 6C [0-20] 52 65 71 } condition: $h and filesize < 1KB }
rule One_Start { strings: $p = /Process\s*\.\s*Start\s*\(/ condition: #p == 1 }
rule Blanks_Count { strings: $b = /\s*Request\.Form/ condition: #b <= 2 }
rule Xor_Secret { strings: $x = "secret" xor(1-255) condition: $x and filesize < 100 }
rule Base64_Secret { strings: $b = "secret" base64 condition: #b == 1 }
`;
  const files = [
    'x = Process.Start("cmd");',                 // settled by the probe: a match inside the file
    'y = Process.',                              // ends so that the next file's start would complete a match
    'Start(z); Process . Start (w)',
    '   Request.Form["a"]',                      // the match starts at the first byte only when scanned alone
    '<%@ Page %> Request.Form',                  // ^ holds only at the start of the scanned data
    'eval(  Req',
    'no shells here, Process.Stop()',
    'Request.Form and Request.Form',
    'Process.Start(a) and then Process.',       // one match inside; with the next file, a second one over the edge
    'Start(b); Process.Start(c)',
    'x Request.Form  ',                          // trailing blanks: with the next file, matches starting here reach into it
    'Request.Form',
    `xored: ${Buffer.from(Buffer.from('secret').map((c) => c ^ 0x21)).toString('latin1')}`,   // xor and base64 strings: libyara matches them in the probe
    `b64: ${Buffer.from('..secret..').toString('base64')}`,
  ].map((s) => Buffer.from(s, 'latin1'));
  const scanner = wasmScanner(rules);
  const ours = await scanner.scan(files.map((bytes, key) => ({ key, bytes })));
  const theirs = await libyara(rules, files);
  files.forEach((_, i) => assert.deepEqual(ours.get(i) ?? [], theirs[i], `file ${i} ${JSON.stringify(files[i].toString('latin1'))}`));
  assert.ok(theirs.filter((m) => m.length).length >= 4, 'the corpus matches');
  const { openFiles, aloneFiles } = scanner.stats;
  assert.ok(aloneFiles > 0 && aloneFiles < openFiles, `some open files settled by the probe, some scanned alone (${aloneFiles} of ${openFiles})`);
});
