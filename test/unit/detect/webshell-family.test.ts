// What a web-shell finding's title calls the shell, on real shells scanned with the bundled rules: an all-in-one page
// (command, files, upload, SQL) is a multi-tool with what it does, not whichever capability rule fired most often; a
// one-capability shell keeps its family.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { scanWebshells } from '../../../electron/detect/webshell.ts';
import { familyLabel } from '../../../shared/webshell-family.ts';
import { loadRuleSetStrict } from '../../../electron/detect/rules.ts';
import { addFile, EP_REL, newCase, repoRoot, sharedData } from './helpers.ts';

const TENNC = sharedData('webshells', 'tennc');

test('familyLabel: one or two families as they are; three or more make a multi-tool, led by a multi-tool family when one matched', () => {
  assert.equal(familyLabel([]), '');
  assert.equal(familyLabel(['uploader']), 'uploader');
  assert.equal(familyLabel(['file manager', 'uploader']), 'file manager + uploader');
  assert.equal(familyLabel(['SQL manager', 'command shell (Process)', 'uploader']), 'multi-tool (SQL manager, command shell (Process), uploader)');
  assert.equal(familyLabel(['ASPXSpy-style multi-tool', 'SQL manager', 'uploader']), 'ASPXSpy-style multi-tool (SQL manager, uploader)');
});

test('real shells: ASPXSpy is named a multi-tool, a China Chopper one-liner and a plain command page keep their family', { skip: fs.existsSync(TENNC) ? false : 'shared/data/webshells/tennc not present' }, async () => {
  const tc = newCase();
  try {
    const ids = new Map<number, string>();
    for (const rel of ['aspx/ASPXspy2.aspx', 'aspx/abcd.aspx', 'aspx/a3.aspx']) {
      ids.set(addFile(tc, `${EP_REL}/FrontEnd/HttpProxy/owa/auth/${path.basename(rel)}`, fs.readFileSync(path.join(TENNC, rel))), rel);
    }
    const rules = await loadRuleSetStrict([path.join(repoRoot, 'resources', 'rules')]);
    const out = await scanWebshells({ db: tc.db, rules, bundledRules: new Set(rules.rules), evidenceRoots: tc.roots, warn: () => {} });
    const title = (rel: string): string => out.findings.find((f) => ids.get(f.fileId as number) === rel)?.finding.title ?? 'not flagged';
    assert.match(title('aspx/ASPXspy2.aspx'), / — ASPXSpy-style multi-tool \(.*command shell.*\) \(/);
    assert.match(title('aspx/abcd.aspx'), / — China Chopper \(JScript eval\) \(/);
    assert.match(title('aspx/a3.aspx'), / — command shell \(Process\) \(/);
  } finally { tc.close(); }
});
