// The `re` modifier reads patterns as Hayabusa's and Chainsaw's Rust regex crate does: Unicode-aware (JavaScript's `u`
// flag), with Rust's literal escapes, each of `re|i`, `re|m`, `re|s`; a pattern invalid under `u` still loads (without
// it) and is counted. And the text a regex needs (for the gate and the FTS prefilter) never drops a Unicode match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { compileRule, type SigmaRule } from '../../../electron/detect/sigma/compile.ts';
import { EventView } from '../../../electron/detect/sigma/event-view.ts';
import { loadSigmaRules } from '../../../electron/detect/sigma/index.ts';
import type { Needs } from '../../../electron/detect/sigma/needs.ts';
import { compileSigmaRegex } from '../../../electron/detect/sigma/regex-cidr.ts';
import type { FieldValue } from '../../../shared/types.ts';
import { tmpDir } from '../../helpers/tmp.ts';

const KELVIN = '\u212a', LONG_S = '\u017f';

function re(mods: string, pattern: string): SigmaRule {
  const text = `title: t\nid: 00000000-0000-0000-0000-0000000000re\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        CommandLine|re${mods}: ${JSON.stringify(pattern)}\n    condition: sel\nlevel: high\n`;
  return compileRule(parse(text) as Record<string, unknown>, { file: 'x.yml', line: 1 });
}

const fields = (cmd: string): Record<string, FieldValue> => ({ EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', 'data.CommandLine': cmd });

/** The exact test through the rule's first target. */
const hit = (r: SigmaRule, cmd: string): boolean => r.targets[0].match.test(new EventView(fields(cmd), 'evtx'));

/** What the gate and prefilter assume: each needed literal occurs in the lower-cased value of its field. */
function needsHold(n: Needs, f: Record<string, FieldValue>): boolean {
  switch (n.t) {
    case 'true': return true;
    case 'lit': {
      const vals = n.field === null ? Object.values(f) : [f[n.field]];
      return vals.some((v) => {
        const s = String(v ?? '').toLowerCase();
        return n.left && n.right ? s === n.s : n.left ? s.startsWith(n.s) : n.right ? s.endsWith(n.s) : s.includes(n.s);
      });
    }
    case 'and': return n.c.every((c) => needsHold(c, f));
    default: return n.c.some((c) => needsHold(c, f));
  }
}

/** Matches, and the rule's needs let the event through (so a gated or prefiltered run finds it too). */
function found(r: SigmaRule, cmd: string): boolean {
  const m = hit(r, cmd);
  if (m) assert.ok(needsHold(r.targets[0].match.needs, fields(cmd)), `needs of a matching rule hold on ${JSON.stringify(cmd)}`);
  return m;
}

test('re|i folds case the Unicode way, as Rust does: the Kelvin sign is k, the long s is s', () => {
  const i = re('|i', 'invoke-mimikatz');
  assert.equal(found(i, `Invo${KELVIN}e-Mimi${KELVIN}atz`), true, 'Kelvin sign K (U+212A) ~ k');
  assert.equal(found(re('', '(?i)powershell'), `power${LONG_S}hell -enc`), true, 'ſ (U+017F) ~ s, with the (?i) inline flag');
  assert.equal(found(re('|i', 'POWERSHELL'), `POWER${LONG_S}HELL`), true);
  assert.equal(found(re('', 'invoke-mimikatz'), `invo${KELVIN}e-mimikatz`), false, 'without i there is no folding');
  assert.equal(found(i, 'invoke-mimikat'), false);
  assert.equal(found(re('|i', 'straße'), 'STRASSE'), false, 'simple folding only (ß is not ss), as in Rust');
  assert.equal(found(re('|i', 'ǅ'), 'ǆ'), true, 'title-case digraph folds to its lower case');
});

test('re reads code points: . is one character even outside the BMP, \\x{…} escapes, \\p{…} classes', () => {
  assert.equal(found(re('', '^a.b$'), 'a😀b'), true, 'one . for one code point');
  assert.equal(found(re('', '^a..b$'), 'a😀b'), false);
  assert.equal(found(re('', 'x\\x{1F600}y'), 'x😀y'), true, 'Rust \\x{…} escape');
  assert.equal(found(re('', '^\\p{Lu}+$'), 'ÄÖÜ'), true, 'Unicode property classes');
  assert.equal(found(re('', '^\\p{Lu}+$'), 'äöü'), false);
});

test('re|m and re|s with Unicode text', () => {
  const m = re('|m', '^Get-Mailbox ü$');
  assert.equal(found(m, 'x\nGet-Mailbox ü\ny'), true);
  assert.equal(found(re('', '^Get-Mailbox ü$'), 'x\nGet-Mailbox ü\ny'), false, 'without m ^ and $ are the value ends');
  const s = re('|s', 'a.b');
  assert.equal(found(s, 'a\nb'), true);
  assert.equal(found(re('', 'a.b'), 'a\nb'), false, 'without s . stops at a line break');
  const all = re('|i|m|s', '^€.X$');
  assert.equal(found(all, 'z\n€\nx\nq'), true, 'the three flags together');
});

test('Rust literal escapes and lone brackets compile under u: \\" \\- \\: \\_ ] { }', () => {
  for (const [pattern, text] of [['say \\"hi\\"', 'say "hi"'], ['a\\-b\\:c\\_d', 'a-b:c_d'], ['clipboard]::', 'clipboard]::'], ['x{y}', 'x{y}'], ['[\\-a]{2}', '-a'], ['[]a]+', ']a]'], ['a{2}', 'aa']] as const) {
    const c = compileSigmaRegex(pattern, new Set());
    assert.equal(c.unicode, true, `${pattern} runs with u`);
    assert.equal(c.re.test(text), true, `${pattern} matches ${text}`);
  }
  assert.equal(compileSigmaRegex('a{2}', new Set()).re.test('a{2}'), false, 'a real quantifier stays a quantifier');
});

test('a pattern invalid under u still loads without it, and the load counts the rule', (t) => {
  const c = compileSigmaRegex('caf\\é', new Set(['i']));
  assert.equal(c.unicode, false);
  assert.ok(c.reason);
  assert.equal(c.re.test('CAFÉ'), true, 'still runs (without Unicode semantics)');
  const dir = tmpDir(t);
  const doc = (id: string, pattern: string) => `title: r${id}\nid: 00000000-0000-4000-8000-00000000000${id}\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    sel:\n        CommandLine|re: ${JSON.stringify(pattern)}\n    condition: sel\nlevel: low\n`;
  fs.writeFileSync(path.join(dir, 'a.yml'), doc('1', 'caf\\é'));
  fs.writeFileSync(path.join(dir, 'b.yml'), doc('2', 'plain\\-text'));
  fs.writeFileSync(path.join(dir, 'c.yml'), doc('3', '(unclosed'));
  const set = loadSigmaRules([dir]);
  assert.deepEqual(set.rules.map((r) => [r.title, r.regexNotUnicode]), [['r1', ['caf\\é']], ['r2', []]]);
  assert.deepEqual(set.errors.map((e) => [path.basename(e.file), e.kind]), [['c.yml', 'regex']], 'invalid either way: reported, not loaded');
});
