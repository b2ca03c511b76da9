// Both scan engines give exactly `yara -r`'s results — the same rules per file and the same string matches (offset,
// length; the first MATCHES_PER_STRING of each string) — with the bundled rules and with the bundled rules plus a
// generated signature-base-style pack (imports, string-less rules, private rules referenced by others, `for … of`,
// `at`, header checks). Three paths after the JavaScript triage: libyara-wasm with the probes (what a packaged app
// without yara uses), libyara-wasm scanning each open file alone, and the yara command line for every open file.
// Files: the real tennc shells, the benign fixtures and pages of the bench's synthetic web root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listRuleFiles, loadRuleSetStrict } from '../../../electron/detect/rules.ts';
import { openScanner } from '../../../electron/detect/yara-scan.ts';
import { findYaraCli } from '../../../electron/detect/yara-cli.ts';
import { keepFirstMatches } from '../../../electron/detect/yara.ts';
import type { YaraMatch } from '../../../electron/detect/yara.ts';
import { writeSignatureBaseStylePack } from '../../../bench/sigpack.ts';
import { makeWebRoot } from '../../../bench/yara.ts';
import { repoRoot, sharedData } from './helpers.ts';

const haveYara = spawnSync('yara', ['--version']).status === 0;
const TENNC = sharedData('webshells', 'tennc');

function listAll(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listAll(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

type Found = Record<string, Record<string, string[]>>;

/** file → rule → "$id@offset+length" for the first matches of each string, in yara's order. */
function summarize(files: string[], found: Map<number, YaraMatch[]>): Found {
  const out: Found = {};
  for (const [k, ms] of [...found].sort((a, b) => a[0] - b[0])) {
    if (!ms.length) continue;
    out[files[k]] = Object.fromEntries(ms.map((m) => [m.rule, keepFirstMatches(m.strings).map((s) => `${s.identifier}@${s.offset}+${s.length}`)]));
  }
  return out;
}

/** `yara -s -L` over a file list: the reference. */
function yaraReference(ruleFiles: string[], files: string[], listFile: string): Map<number, YaraMatch[]> {
  fs.writeFileSync(listFile, files.join('\n') + '\n');
  const out = execFileSync('yara', ['-w', '-s', '-L', ...ruleFiles, '--scan-list', listFile], { encoding: 'latin1', maxBuffer: 256 << 20 });
  const found = new Map<number, YaraMatch[]>();
  let cur: YaraMatch | null = null;
  const index = new Map(files.map((f, i) => [f, i]));
  for (const line of out.split('\n')) {
    const s = /^0x([0-9a-f]+):(\d+):(\$[A-Za-z0-9_]*): /.exec(line);
    if (s && cur) { cur.strings.push({ identifier: s[3], offset: parseInt(s[1], 16), length: Number(s[2]) }); continue; }
    const sp = line.indexOf(' ');
    const k = index.get(line.slice(sp + 1));
    if (sp < 0 || k === undefined) continue;
    cur = { rule: line.slice(0, sp), meta: {}, strings: [] };
    found.set(k, [...(found.get(k) ?? []), cur]);
  }
  return found;
}

test('both engines equal yara -r per file (rules and string matches), with the bundled rules and with a generated 200-rule pack',
  { skip: haveYara && fs.existsSync(TENNC) ? false : 'yara or tennc data missing' }, async (t) => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-engines-'));
    t.after(() => fs.rmSync(work, { recursive: true, force: true }));
    const packDir = path.join(work, 'pack');
    writeSignatureBaseStylePack(packDir, 200);
    const webRoot = path.join(work, 'web');
    makeWebRoot(webRoot, 40);
    const bundled = path.join(repoRoot, 'resources', 'rules');
    const files = [...listAll(TENNC), ...listAll(path.join(repoRoot, 'test', 'fixtures', 'benign-web')), ...listAll(webRoot)]
      .filter((f) => !f.endsWith('LICENSE')).sort();
    const items = files.map((f, key) => ({ key, bytes: fs.readFileSync(f) }));
    for (const dirs of [[bundled], [bundled, packDir]]) {
      const theirs = summarize(files, yaraReference(dirs.flatMap(listRuleFiles), files, path.join(work, 'list.txt')));
      assert.ok(Object.keys(theirs).length > 100, 'the corpus exercises the rules');
      const set = await loadRuleSetStrict(dirs);
      // The command line for every open file; WASM with the probes (the packaged app); WASM, each open file alone.
      for (const [cli, probe] of [[findYaraCli(), false], [null, true], [null, false]] as const) {
        const scanner = await openScanner(set.source, { cli, probe, cliMinFiles: 1, onFallback: (why) => assert.fail(why) });
        const ours = summarize(files, await scanner.scan(items));
        scanner.close();
        assert.deepEqual(ours, theirs, `${scanner.engine}${probe ? ' with probes' : ''} with ${dirs.length === 1 ? 'the bundled rules' : 'the bundled rules and the pack'}`);
        const { openFiles, aloneFiles } = scanner.stats;
        assert.ok(openFiles < files.length, `the triage settled files alone (${openFiles} of ${files.length} left open)`);
        assert.ok(probe ? aloneFiles < openFiles / 4 : aloneFiles === openFiles, `${aloneFiles} of ${openFiles} open files scanned alone`);
      }
    }
  });
