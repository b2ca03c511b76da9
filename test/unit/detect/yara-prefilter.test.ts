// The exact probe prefilter: which rule sources it accepts (and refuses), and that batched scanning gives the very
// same matches as scanning every file alone — including hits at a file's first and last byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cheapTerm, planScan } from '../../../electron/detect/yara-plan.ts';
import { buildProbe, gatingStrings, hasAnchoredRegex, parseRules, stringWeights, termStrings } from '../../../electron/detect/yara-prefilter.ts';
import { scanItems } from '../../../electron/detect/yara-batch.ts';
import { YaraEngine } from '../../../electron/detect/yara.ts';
import { BENIGN_GREETING, BENIGN_LOGON, CHOPPER, EXEC_SHELL, FILE_WRITE_SHELL, OAB_DUMP, SIGBASE_STYLE } from './samples.ts';

const GATED = `
import "pe"
// a comment with a brace { and a quote "
rule Start_Anchor : tag1 tag2 {
  meta: note = "braces { } in meta"
  strings: $mz = "MZ" $x = "This program" nocase
  condition: $mz at 0 and filesize < 1MB and $x
}
/* block comment rule Fake { condition: true } */
rule Tail_Word { strings: $w = "endmark" fullword condition: $w }
rule Count_Two { strings: $c = "tick" condition: #c >= 2 }
private rule Priv { strings: $p = "<%@ Page" nocase condition: $p }
rule Uses_Priv { strings: $h = { 65 76 61 6C 28 [0-40] 75 6E 73 61 66 65 } $y = "unused-but-referenced" condition: Priv and ($h or $y) }
rule Wide_One { strings: $u = "runat" wide condition: 1 of them }
`;

test('the rule reader splits rules, ignores comments and meta braces, and finds each gating string set', () => {
  const rules = parseRules(GATED);
  assert.deepEqual(rules?.map((r) => r.name), ['Start_Anchor', 'Tail_Word', 'Count_Two', 'Priv', 'Uses_Priv', 'Wide_One']);
  assert.deepEqual(rules?.map((r) => gatingStrings(r.condition, stringWeights(r.strings))), [['$x'], ['$w'], ['$c'], ['$p'], ['$h', '$y'], ['them']]);
  assert.deepEqual(termStrings('any of ($a*, $b)'), ['$a*', '$b']);
  assert.equal(termStrings('#a < 3'), null);
  assert.equal(termStrings('none of them'), null);
  assert.equal(termStrings('$a or pe.is_dll()'), null);
  assert.equal(gatingStrings('not $a and filesize < 10'), null);
  assert.equal(hasAnchoredRegex('$r = /^MZ/'), true);
  assert.equal(hasAnchoredRegex('$r = /a[^>]{0,5}b\\$/'), false);
  assert.equal(hasAnchoredRegex('$r = /end$/'), true);
});

test('size and header gates read integers in YARA byte order (uintNN little-endian, uintNNbe big-endian)', () => {
  const page = Buffer.from('<%@ Page %>');
  assert.equal(cheapTerm('uint16(0) == 0x253c')?.(page), true, '"<%" is 0x253c little-endian');
  assert.equal(cheapTerm('uint16(0) == 0x3c25')?.(page), false);
  assert.equal(cheapTerm('uint16be(0) == 0x3c25')?.(page), true);
  assert.equal(cheapTerm('uint32(0) == 0x2040253c')?.(page), true);
  assert.equal(cheapTerm('(uint16(0) == 0x5a4d or uint16(0) == 0x253c)')?.(page), true);
  assert.equal(cheapTerm('uint16(10) == 0x3e')?.(page), false, 'past the end: undefined, false');
});

test('the probe is refused when any rule can match without its strings, or the source is not understood', () => {
  assert.ok(buildProbe(GATED));
  assert.equal(buildProbe(SIGBASE_STYLE), null, 'TEST_HAFNIUM_Style_PE_Dropper has no strings');
  assert.equal(buildProbe('rule A { strings: $a = "x" condition: $a or filesize > 100 }'), null);
  assert.equal(buildProbe('rule A { strings: $a = /^MZ/ condition: $a }'), null);
  assert.equal(buildProbe('include "other.yar"\nrule A { strings: $a = "x" condition: $a }'), null);
  assert.equal(buildProbe('rule A { strings: $a = "x" condition: not $a }'), null);
});

test('batched scanning with the probe returns exactly the per-file matches', async () => {
  const files: Array<string | Buffer> = [
    'MZ This Program cannot be run', 'xx MZ This program but not at start', 'tail endmark', 'endmarker is not a word',
    'tick tick', 'tick once', Buffer.from('..runat..', 'utf16le'), CHOPPER, OAB_DUMP, EXEC_SHELL, FILE_WRITE_SHELL,
    BENIGN_GREETING, BENIGN_LOGON, '', 'endmark',
  ];
  for (let i = 0; i < 60; i++) files.push(`<html><body>filler page ${i} ${'lorem ipsum '.repeat(i * 7)}</body></html>`);
  const items = files.map((f, key) => ({ key, bytes: typeof f === 'string' ? Buffer.from(f) : f }));
  const engine = new YaraEngine();
  const probe = planScan(GATED);
  const batched = await scanItems(engine, items, GATED, probe);
  const alone = new Map<number, string[]>();
  for (const it of items) {
    const { matches } = await engine.run(it.bytes, GATED);
    if (matches.length) alone.set(it.key, matches.map((m) => m.rule));
  }
  assert.deepEqual(new Map([...batched].map(([k, m]) => [k, m.map((x) => x.rule)])), alone);
  // MZ at byte 0 only in file 0; `endmark` as a whole word at a file's end (2) and as the whole file (14); two ticks
  // (4); "runat" in UTF-16 (6); the eval(…unsafe hex jump plus the private <%@ Page rule only in the Chopper (7).
  assert.deepEqual([...alone], [[0, ['Start_Anchor']], [2, ['Tail_Word']], [4, ['Count_Two']], [6, ['Wide_One']], [7, ['Uses_Priv']], [14, ['Tail_Word']]]);
});
