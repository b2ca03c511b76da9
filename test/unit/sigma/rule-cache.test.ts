// The parsed-rules cache (rule-cache.ts): a load through a warm cache gives what parsing the YAML gives (rules,
// errors with their lines, files); a rule file edited since is read again; a corrupt cache is ignored; a file with a
// broken rule is not cached, so its error keeps its line.
import { test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { loadSigmaRules, type SigmaSet } from '../../../electron/detect/sigma/load.ts';
import { tmpDir } from '../../helpers/tmp.ts';

const rule = (id: string, title: string, image: string): string => `title: ${title}
id: ${id}
level: high
logsource: { category: process_creation, product: windows }
detection:
  sel:
    Image|endswith: '${image}'
  condition: sel
`;

/** A load as plain data: every rule's metadata, targets, needs and fields read, the errors and the files. */
const shape = (set: SigmaSet): string => JSON.stringify({
  rules: set.rules.map((r) => ({ ...r, source: undefined, targets: r.targets.map((x) => ({ target: x.target, needs: x.match.needs, reads: x.reads })) })),
  errors: set.errors, files: set.files,
});

test('a load through the parsed-rules cache equals parsing the YAML, and follows edits of the rule files', (t) => {
  const dir = tmpDir(t);
  const rules = path.join(dir, 'rules');
  fs.mkdirSync(rules);
  fs.writeFileSync(path.join(rules, 'a.yml'), rule('11111111-1111-4111-8111-111111111111', 'A', '\\a.exe'));
  fs.writeFileSync(path.join(rules, 'b.yml'), `${rule('22222222-2222-4222-8222-222222222222', 'B', '\\b.exe')}---\n${rule('33333333-3333-4333-8333-333333333333', 'C', '\\c.exe')}`);
  fs.writeFileSync(path.join(rules, 'broken.yml'), `${rule('44444444-4444-4444-8444-444444444444', 'D', '\\d.exe')}\n  extra: [unclosed\n`);
  fs.writeFileSync(path.join(rules, 'unsupported.yml'), rule('55555555-5555-4555-8555-555555555555', 'E', '\\e.exe').replace('Image|endswith', 'Image|nosuchmodifier'));
  const cache = path.join(dir, 'cache', 'sigma-rules.json');
  const reference = loadSigmaRules([rules], { cache: null });
  assert.equal(reference.rules.length, 3);
  assert.equal(reference.errors.length, 2);

  const cold = loadSigmaRules([rules], { cache });
  assert.ok(fs.existsSync(cache), 'the cache is written');
  const cached = Object.keys((JSON.parse(fs.readFileSync(cache, 'utf8')) as { files: object }).files);
  assert.equal(cached.length, 2, 'only the files read without a fault are cached');
  const warm = loadSigmaRules([rules], { cache });
  assert.equal(shape(cold), shape(reference));
  assert.equal(shape(warm), shape(reference), 'warm load = YAML load, errors and lines included');

  // an edited rule is read again (the cache is keyed by content, not by path)
  fs.writeFileSync(path.join(rules, 'a.yml'), rule('11111111-1111-4111-8111-111111111111', 'A edited', '\\z.exe'));
  const edited = loadSigmaRules([rules], { cache });
  assert.equal(edited.rules.find((r) => r.id.startsWith('1111'))!.title, 'A edited');
  assert.equal(shape(edited), shape(loadSigmaRules([rules], { cache: null })));

  // a load of another folder keeps this folder's files in the cache (it does not evict them)
  const other = path.join(dir, 'other');
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'f.yml'), rule('66666666-6666-4666-8666-666666666666', 'F', '\\f.exe'));
  loadSigmaRules([other], { cache });
  assert.equal(Object.keys((JSON.parse(fs.readFileSync(cache, 'utf8')) as { files: object }).files).length, 4, 'a, b (edited a too), f');

  // a cache that is not what it should be is ignored
  for (const junk of ['{"format":1,"yaml":"2.9.1","files":', '[]', '{"format":1,"yaml":"2.9.1","files":{"x":1}}']) {
    fs.writeFileSync(cache, junk);
    assert.equal(shape(loadSigmaRules([rules], { cache })), shape(edited), junk);
  }

  // a cache that cannot be written (its folder is a file here; another user's folder in real life) costs nothing but the parse
  const blocked = path.join(dir, 'not-a-folder');
  fs.writeFileSync(blocked, '');
  assert.equal(shape(loadSigmaRules([rules], { cache: path.join(blocked, 'sigma-rules.json') })), shape(edited));
});
