// The literal gate against references: the Aho–Corasick scanner against indexOf on lower-cased text, the text a
// regular expression needs against the RegExp engine itself, and the gate in front of each rule against testing every
// rule on every event (crafted events with field names in other cases, numbers, non-ASCII text and keywords; and
// SigmaHQ's regression data with every Windows rule, the gate's misses listed by rule and event).
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { openCaseDb } from '../../../electron/case/db.ts';
import { EventInserter } from '../../../electron/case/write.ts';
import { compileRule, type SigmaRule } from '../../../electron/detect/sigma/compile.ts';
import { RuleGate } from '../../../electron/detect/sigma/gate.ts';
import { EventView } from '../../../electron/detect/sigma/event-view.ts';
import { LiteralScanner, type Literal } from '../../../electron/detect/sigma/literals.ts';
import type { Needs } from '../../../electron/detect/sigma/needs.ts';
import { regexNeeds } from '../../../electron/detect/sigma/regex-needs.ts';
import { runSigma } from '../../../electron/detect/sigma/run.ts';
import { loadSigmaRules } from '../../../electron/detect/sigma/load.ts';
import { EVTX_SOURCES } from '../../../electron/detect/sigma/logsource.ts';
import { streamRows } from '../../../electron/detect/sigma/scan.ts';
import { FieldsReader } from '../../../electron/case/fields.ts';
import type { FieldValue } from '../../../shared/types.ts';
import { Rng } from '../../fixtures/gen/rng.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { indexRegressionData, REGRESSION_DIR, regressionTests, ruleFilesById, SIGMA_DATA } from './regression-data.ts';

/** Characters that stress the scanner: case, path punctuation, and non-ASCII ones toLowerCase treats specially. */
const ALPHABET = ['a', 'b', 'c', 'A', 'B', 'C', '\\', '.', ' ', '-', 'é', 'É', 'Σ', 'ς', '\u212A', 'k', 'K', '\u0130', 'i', '–'];

function randomText(r: Rng, max: number): string {
  let s = '';
  for (let n = 1 + r.int(max); n > 0; n--) s += r.pick(ALPHABET);
  return s;
}

/** Literal ids found in `text` by indexOf on the lower-cased text, pins kept. */
function naiveHits(literals: Literal[], text: string): Set<number> {
  const low = text.toLowerCase();
  const out = new Set<number>();
  literals.forEach((l, id) => {
    for (let i = low.indexOf(l.s); i >= 0; i = low.indexOf(l.s, i + 1)) {
      if ((!l.left || i === 0) && (!l.right || i + l.s.length === low.length)) { out.add(id); break; }
    }
  });
  return out;
}

test('the literal scanner finds every literal indexOf finds in the lower-cased text, and only those in ASCII text', () => {
  const r = new Rng(1717);
  for (let round = 0; round < 200; round++) {
    const literals: Literal[] = Array.from({ length: 1 + r.int(30) }, () => ({ s: randomText(r, 4).toLowerCase(), left: r.next() < 0.3, right: r.next() < 0.3 }));
    const scanner = new LiteralScanner(literals);
    const marks = new Int32Array(literals.length);
    for (let k = 0; k < 20; k++) {
      const text = randomText(r, 30);
      const found: number[] = [];
      const stamp = round * 100 + k + 1;
      scanner.scan(text, false, marks, stamp, found);
      const want = naiveHits(literals, text);
      for (const id of want) assert.ok(found.includes(id), `${JSON.stringify(literals[id])} in ${JSON.stringify(text)}`);
      const ascii = (s: string) => !/[^\x00-\x7f]/.test(s);
      const exact = found.filter((id) => ascii(text) && ascii(literals[id].s));
      for (const id of exact) assert.ok(want.has(id), `no false hit of ${JSON.stringify(literals[id])} in ${JSON.stringify(text)}`);
      assert.equal(new Set(found).size, found.length, 'each literal reported once per stamp');
    }
  }
});

/** Does a needs formula hold on one value (its fields ignored)? */
function holdsOn(n: Needs, value: string): boolean {
  switch (n.t) {
    case 'true': return true;
    case 'lit': return naiveHits([n], value).size === 1;
    case 'and': return n.c.every((c) => holdsOn(c, value));
    case 'or': return n.c.some((c) => holdsOn(c, value));
  }
}

test('the text a regular expression needs is in every text it matches (checked with the RegExp engine)', () => {
  const cases: Array<[string, string, string[]]> = [
    // [source, flags, texts it matches]
    ['\\w+`(?:\\w+|-|.)`[\\w+|\\s]', '', ['i`e`x ', 'a`-`b']],
    ['powershell.*-enc(odedcommand)?\\s', 'i', ['PowerShell.exe -EncodedCommand ', 'powershell -enc x']],
    ['(?:cmd|powershell)\\.exe /c', 'i', ['CMD.EXE /c dir', 'x powershell.exe /c y']],
    ['a+b{2}c?d', '', ['aabbd', 'abbcd']],
    ['^C:\\\\Windows\\\\Temp\\\\[a-z]{8}\\.exe$', 'i', ['c:\\windows\\temp\\abcdefgh.EXE']],
    ['(?<=x)abc|(?!q)zz\\x41\\u0042', '', ['xabc', 'zzAB']],
    ['(ab)*cd|e(f|g)?h', '', ['cd', 'abcd', 'eh', 'egh']],
    ['\\bnet1?\\.exe\\b.+\\buser\\b', 'i', ['NET.exe user x', 'c:\\net1.exe  /add user']],
    ['[a-z]{2}\\d\\.\\-\\/x\\tz', '', ['ab1.-/x\tz']],
    ['k{0}ab|\\k', '', ['ab', 'k']],
    ['(?<n>xy)+z\\k<n>', '', ['xyxyzxy']],
    ['Σ+abc', 'i', ['ςabc', 'σABC']],
    ['\u212Aey', 'i', ['\u212Aey']],
  ];
  for (const [src, flags, texts] of cases) {
    const re = new RegExp(src, flags);
    const needs = regexNeeds(re);
    for (const t of texts) {
      assert.ok(re.test(t), `${src} matches ${t}`);
      assert.ok(holdsOn(needs, t), `${src}: needs ${JSON.stringify(needs)} hold on ${JSON.stringify(t)}`);
    }
  }
  // and they say something where they can
  assert.deepEqual(regexNeeds(/(?:cmd|powershell)\.exe \/c/i), { t: 'and', c: [
    { t: 'or', c: [{ t: 'lit', s: 'cmd', left: false, right: false, field: null }, { t: 'lit', s: 'powershell', left: false, right: false, field: null }] },
    { t: 'lit', s: '.exe /c', left: false, right: false, field: null },
  ] });
  assert.deepEqual(regexNeeds(/a?|b/), { t: 'true' });
});

test('the text a regular expression needs, on random texts: a match always holds its needs', () => {
  const r = new Rng(99);
  const atoms = ['a', 'b', 'B', '\\.', '.', '[ab]', '\\d', '(?:a|bc)', '(b)?', 'c+', 'a{2}', 'x*', '\\s', '(?:ab)+', 'é', 'Σ'];
  for (let i = 0; i < 500; i++) {
    let src = '';
    for (let n = 1 + r.int(5); n > 0; n--) src += r.pick(atoms);
    if (r.next() < 0.2) src += `|${r.pick(atoms)}${r.pick(atoms)}`;
    const re = new RegExp(src, r.next() < 0.5 ? 'i' : '');
    const needs = regexNeeds(re);
    for (let k = 0; k < 40; k++) {
      const text = Array.from({ length: r.int(12) }, () => r.pick(['a', 'b', 'B', 'c', 'x', '.', ' ', '1', 'é', 'É', 'ς', 'σ'])).join('');
      if (re.test(text)) assert.ok(holdsOn(needs, text), `/${src}/${re.flags} on ${JSON.stringify(text)}: ${JSON.stringify(needs)}`);
    }
  }
});

function rule(id: number, logsource: string, detection: string): SigmaRule {
  const text = `title: r${id}\nid: 00000000-0000-0000-0000-${String(id).padStart(12, '0')}\nlogsource:\n    ${logsource}\ndetection:\n${detection}\nlevel: high\n`;
  return compileRule(parse(text) as Record<string, unknown>, { file: `r${id}.yml`, line: 1 });
}

const PROC = 'category: process_creation\n    product: windows';
// (r8: in Sigma `\*` is a literal asterisk, so a backslash before a wildcard is written `\\*`)
const RULES = [
  rule(1, PROC, `    sel:\n        Image|endswith: '\\whoami.exe'\n    condition: sel`),
  rule(2, PROC, `    sel:\n        IntegrityLevel: System\n        CommandLine|contains: ' -enc '\n    filter:\n        ParentImage|endswith: '\\svchost.exe'\n    condition: sel and not filter`),
  rule(3, PROC, `    sel:\n        CommandLine|re: '(?i)invoke-(mimikatz|expression)'\n    condition: sel`),
  rule(4, PROC, `    sel:\n        CommandLine|contains|windash: ' -decode '\n    condition: sel`),
  rule(5, PROC, `    sel:\n        CommandLine|base64offset|contains: 'IEX'\n    condition: sel`),
  rule(6, PROC, `    sel:\n        CommandLine|cased|contains: 'Kiwi'\n    condition: sel`),
  rule(7, PROC, `    sel:\n        ParentImage|endswith: '\\w3wp.exe'\n    filter:\n        Image|endswith: '\\csc.exe'\n    condition: sel and not filter`),
  rule(8, PROC, `    sel:\n        Image: '*\\temp\\\\*.exe'\n        User|contains: 'AUTHORI'\n    condition: sel`),
  rule(9, 'product: windows', `    keywords:\n        - 'sekurlsa::'\n        - 'Kiwi Legit'\n    condition: keywords`),
  rule(10, 'product: windows\n    service: security', `    sel:\n        EventID: 4625\n        LogonType: 3\n    condition: sel`),
  rule(11, PROC, `    sel:\n        CommandLine|contains: 'mimikatz'\n    condition: sel`),
  rule(12, PROC, `    sel:\n        CommandLine|endswith: '.ps1'\n        CommandLine|startswith: 'powershell'\n    condition: sel`),
  rule(13, PROC, `    sel:\n        TerminalSessionId|gt: 1\n    condition: sel`),
];

/** Crafted events: matches and near misses, with field names in other cases and non-ASCII look-alikes. */
function craftedEvents(): Array<Record<string, FieldValue>> {
  const proc = (data: Record<string, FieldValue>, lowerNames = false): Record<string, FieldValue> => {
    const f: Record<string, FieldValue> = { EventID: 1, Channel: 'Microsoft-Windows-Sysmon/Operational', Provider: 'Microsoft-Windows-Sysmon', Computer: 'H' };
    for (const [k, v] of Object.entries(data)) f[lowerNames ? `data.${k.toLowerCase()}` : `data.${k}`] = v;
    return f;
  };
  return [
    proc({ Image: 'C:\\Windows\\System32\\WHOAMI.EXE', CommandLine: 'whoami /all', User: 'NT AUTHORITY\\SYSTEM', IntegrityLevel: 'System' }),
    proc({ Image: 'C:\\Windows\\System32\\whoami.exe' }, true),
    proc({ Image: 'C:\\x\\powershell.exe', CommandLine: 'powershell -enc SQBFAFgA', IntegrityLevel: 'SYSTEM', ParentImage: 'C:\\Windows\\cmd.exe' }),
    proc({ Image: 'C:\\x\\powershell.exe', CommandLine: 'powershell -enc SQBFAFgA', IntegrityLevel: 'System', ParentImage: 'C:\\Windows\\System32\\svchost.exe' }),
    proc({ CommandLine: 'powershell Invoke-Expression (x)' }),
    proc({ CommandLine: 'powershell INVOKE-MIMI\u212AATZ' }),
    proc({ CommandLine: 'certutil \u2013decode a b' }),
    proc({ CommandLine: 'certutil /decode a b' }),
    proc({ CommandLine: `powershell -e ${Buffer.from('xIEX(New-Object)').toString('base64')}` }),
    proc({ CommandLine: 'mimikatz Kiwi' }), proc({ CommandLine: 'mimikatz kiwi' }),
    proc({ ParentImage: 'C:\\Windows\\System32\\inetsrv\\w3wp.exe', Image: 'C:\\Windows\\System32\\cmd.exe' }),
    proc({ ParentImage: 'C:\\Windows\\System32\\inetsrv\\W3WP.exe', Image: 'C:\\Windows\\Microsoft.NET\\csc.exe' }),
    proc({ Image: 'C:\\Users\\a\\AppData\\Local\\Temp\\x.exe', User: 'NT AUTHORITY\\SYSTEM' }),
    proc({ Image: 'C:\\Users\\a\\AppData\\Local\\TEMP\\x.exe', User: 'CONTOSO\\a' }),
    proc({ CommandLine: 'PowerShell c:\\x\\run.PS1', TerminalSessionId: '2' }),
    proc({ CommandLine: 'powershell c:\\x\\run.ps1 x', TerminalSessionId: 1 }),
    proc({ CommandLine: 'mİmikatz', Image: 'İ' }),
    { EventID: 4625, Channel: 'Security', Provider: 'Microsoft-Windows-Security-Auditing', 'data.LogonType': '3', 'data.Note': 'sekurlsa::logonpasswords' },
    { EventID: 4625, Channel: 'Security', Provider: 'Microsoft-Windows-Security-Auditing', 'data.LogonType': 3, 'data.x': 'KIWI LEGIT printer' },
    { EventID: 4624, Channel: 'Security', Provider: 'Microsoft-Windows-Security-Auditing', 'data.LogonType': '3' },
  ];
}

test('the gate lets through every rule that matches: crafted events, against testing every rule on every event', (t) => {
  const db = openCaseDb(`${tmpDir(t)}/gate.loupe`, { create: true });
  t.after(() => db.close());
  const ins = new EventInserter(db);
  const events = craftedEvents();
  db.transaction(() => events.forEach((fields, i) => ins.insert({ ts: i, tsDesc: 'Event Logged', source: 'evtx', message: `event ${i}`, fields, ref: { file: 'x.evtx', record: i + 1 } }, null)))();
  const full = runSigma(db, RULES, { prefilter: false });
  const sorted = (r: typeof full) => [...r.hits].sort(([a], [b]) => a - b);
  for (const opts of [{}, { fts: 'off' as const }, { fts: 'always' as const, gate: false }, { fts: 'always' as const }]) {
    const run = runSigma(db, RULES, opts);
    assert.deepEqual(sorted(run), sorted(full), JSON.stringify(opts));
  }
  // what the reference finds (rule index → event numbers from 1), so both cannot be wrong the same way
  const got = Object.fromEntries(sorted(full).map(([r, ids]) => [RULES[r].title, ids]));
  assert.deepEqual(got, {
    // r3: `re` runs Unicode-aware (the u flag, as Rust's regex), whose i folds the Kelvin sign into k (event 6);
    // r11: `contains` compares lower-cased text: the Kelvin sign lowers to k (event 6), İ to i + U+0307 (not event 18)
    r1: [1, 2], r2: [3], r3: [5, 6], r4: [7, 8], r5: [9], r6: [10], r7: [12], r8: [14], r9: [19, 20], r10: [19, 20],
    r11: [6, 10, 11], r12: [16], r13: [16],
  });
});

test('the gate on one event: rules without needs always, the others only when their literals are there', () => {
  const plans = RULES.flatMap((r) => r.targets.filter((x) => x.target.name === 'sysmon:process_creation').map((x) => x.match));
  const gate = new RuleGate(plans, (p) => p.needs);
  assert.equal(gate.shape.always, 1, 'only the numeric rule constrains nothing');
  const passed = (fields: Record<string, FieldValue>) => { const out: typeof plans = []; gate.candidates(new EventView(fields, 'evtx'), out); return out.map((p) => plans.indexOf(p)); };
  assert.deepEqual(passed({ 'data.CommandLine': 'notepad x.txt' }), [10]);
  assert.deepEqual(passed({ 'data.commandline': 'x mimikatz y' }).sort((a, b) => a - b), [8, 10]);
});

const noData = fs.existsSync(REGRESSION_DIR) ? false : 'test data absent: ../shared/data/sigma';

/** Every Windows rule of the snapshot and the rules of the regression tests, with each rule's targets as plans. */
function regressionRules(): { rules: SigmaRule[]; plans: Array<{ rule: SigmaRule; match: SigmaRule['targets'][number]['match'] }> } {
  const byId = ruleFilesById();
  const files = regressionTests().flatMap((x) => (byId.has(x.ruleId) ? [byId.get(x.ruleId)!] : []));
  const windows = path.join(SIGMA_DATA, 'rules', 'windows');
  const set = loadSigmaRules([windows, ...new Set(files.filter((f) => !f.startsWith(windows + path.sep)))]);
  return { rules: set.rules, plans: set.rules.flatMap((rule) => rule.targets.map(({ match }) => ({ rule, match }))) };
}

/** `rule (id) on event N of file` for each match of a run. */
function matchPairs(rules: SigmaRule[], run: ReturnType<typeof runSigma>, fileOf: (id: number) => string): Set<string> {
  return new Set([...run.hits].flatMap(([i, ids]) => ids.map((id) => `${rules[i].title} (${rules[i].id}) on event ${id} of ${fileOf(id)}`)));
}

test('SigmaHQ regression data, every Windows rule: the gate drops no match, alone (all rules in one gate) or in the run', { skip: noData }, async (t) => {
  const { db, fileOf, isLive } = await indexRegressionData(tmpDir(t));
  t.after(() => db.close());
  const { rules, plans } = regressionRules();
  const reader = new FieldsReader(db);
  assert.ok(plans.length > 2400, `${plans.length} rule targets`);
  const events = [...streamRows(db, reader, EVTX_SOURCES, EVTX_SOURCES)].map((row) => ({ id: row.id, ev: new EventView(reader.read(row), row.source) }));
  assert.equal(events.filter((e) => isLive(e.id)).length, 174, 'live records (recovered ones are checked too)');
  // the reference: every rule target's exact test on every event, whatever its logsource
  const matching = events.map(({ ev }) => plans.filter((p) => p.match.test(ev)));
  assert.ok(matching.flat().length >= 150, `${matching.flat().length} matches`);
  const gate = new RuleGate(plans, (p) => p.match.needs);
  const dropped: string[] = [];
  let passed = 0;
  const out: typeof plans = [];
  // three passes over the events: the gate re-chooses its triggers after 256 events and again after 512
  for (let pass = 0; pass < 3; pass++) {
    events.forEach(({ id, ev }, k) => {
      out.length = 0;
      gate.candidates(ev, out);
      const through = new Set(out);
      passed += through.size;
      for (const p of matching[k]) if (!through.has(p)) dropped.push(`pass ${pass}: ${p.rule.title} (${p.rule.id}) on event ${id} of ${fileOf(id)}`);
    });
  }
  assert.deepEqual(dropped, [], 'the gate dropped matches');
  // and it does gate: far fewer rule tests than rules × events
  assert.ok(passed * 20 < plans.length * events.length * 3, `${passed} of ${plans.length * events.length * 3} tests passed the gate`);
  // the whole run, by logsource group: gated, on FTS candidates, and both, against every rule on every event
  const full = runSigma(db, rules, { prefilter: false });
  assert.equal(full.stats.anchored, 0);
  const exact = matchPairs(rules, full, fileOf);
  for (const opts of [{ fts: 'off' as const }, { fts: 'always' as const, gate: false }, {}]) {
    const run = runSigma(db, rules, opts);
    if (opts.fts === 'always') assert.ok(run.stats.anchored > 1000, `${run.stats.anchored} rule targets anchored on FTS words`);
    if (opts.fts === 'off') assert.ok(run.stats.tests * 20 < full.stats.tests, `the gate leaves ${run.stats.tests} of ${full.stats.tests} rule tests`);
    const gated = matchPairs(rules, run, fileOf);
    assert.deepEqual([...exact].filter((p) => !gated.has(p)), [], `matches the gated run (${JSON.stringify(opts)}) dropped`);
    assert.deepEqual([...gated].filter((p) => !exact.has(p)), [], `matches only the gated run (${JSON.stringify(opts)}) found`);
  }
  // without the rules that search every value (SigmaHQ's "Mimikatz Use" applies to every log), a group's events are
  // decoded with only the fields its rules read: the same matches as the reference, which decodes every field
  const fielded = rules.filter((r) => r.targets.every((x) => x.reads !== null));
  assert.ok(fielded.length > 2300, `${fielded.length} rules read named fields only`);
  const reference = matchPairs(fielded, runSigma(db, fielded, { prefilter: false }), fileOf);
  assert.ok(reference.size >= 150, `${reference.size} matches`);
  assert.deepEqual([...matchPairs(fielded, runSigma(db, fielded, { fts: 'off' }), fileOf)].sort(), [...reference].sort(), 'the run on the fields rules read');
});
