// Recall of the bundled rules on real web shells (../shared/data/webshells/tennc, MIT) placed in an Exchange-shaped
// tree at test time (never copied into the repository), beside benign ASP.NET / classic ASP pages that must stay clean.
// The tennc files are classified by hand below; six are not server-side shells (a saved hosting error page, five
// copies, and a page that only prints server variables), one is an open HTTP proxy (not counted as a shell).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { scanWebshells } from '../../../electron/detect/webshell.ts';
import { loadRuleSetStrict } from '../../../electron/detect/rules.ts';
import { addFile, EP_REL, newCase, repoRoot, sharedData } from './helpers.ts';
import { familyOf, isAspNet, listAll, NOT_COUNTED } from './tennc-families.ts';

const TENNC = sharedData('webshells', 'tennc');
const BENIGN = path.join(repoRoot, 'test', 'fixtures', 'benign-web');
const BUNDLED = path.join(repoRoot, 'resources', 'rules');

/** Where each shell goes: Exchange web folders outside aspnet_client, so only YARA can flag it. */
const FOLDERS = [`${EP_REL}/FrontEnd/HttpProxy/owa/auth`, `${EP_REL}/FrontEnd/HttpProxy/ecp/auth`, `${EP_REL}/ClientAccess/ecp`, 'C/inetpub/wwwroot'];


test('bundled rules flag ≥ 95% of real ASP.NET and ≥ 90% of real classic ASP shells in an Exchange tree, per family, and no benign page', { skip: fs.existsSync(TENNC) ? false : 'shared/data/webshells/tennc not present' }, async () => {
  const tc = newCase();
  try {
    const shells = listAll(TENNC).filter((r) => r !== 'LICENSE');
    const where = new Map<number, string>();
    shells.forEach((rel, i) => {
      const dest = `${FOLDERS[i % FOLDERS.length]}/t${i}_${path.basename(rel).replace(/\s+/g, '_')}`;
      where.set(addFile(tc, dest, fs.readFileSync(path.join(TENNC, rel))), rel);
    });
    const benign = listAll(BENIGN);
    for (const rel of benign) {
      const dest = rel.startsWith('owa/') || rel.startsWith('ecp/') ? `${EP_REL}/FrontEnd/HttpProxy/${rel}` : `C/inetpub/wwwroot/${rel}`;
      where.set(addFile(tc, dest, fs.readFileSync(path.join(BENIGN, rel))), `benign:${rel}`);
    }
    const rules = await loadRuleSetStrict([BUNDLED]);
    const out = await scanWebshells({ db: tc.db, rules, bundledRules: new Set(rules.rules), evidenceRoots: tc.roots, warn: () => {} });
    const flagged = new Set(out.findings.map((f) => where.get(f.fileId as number)));
    assert.deepEqual([...flagged].filter((r) => r?.startsWith('benign:')), [], 'no benign page is flagged');
    for (const f of out.findings) {
      assert.ok((f.details?.families as string[]).length > 0, `${f.finding.path} names a family`);
      assert.match(f.finding.title, / — /);
    }

    const perFamily: Record<string, string> = {};
    const tally = (rel: string): void => {
      const fam = familyOf(rel);
      const [hit, all] = (perFamily[fam] ?? '0/0').split('/').map(Number);
      perFamily[fam] = `${hit + (flagged.has(rel) ? 1 : 0)}/${all + 1}`;
    };
    shells.forEach(tally);
    assert.deepEqual(perFamily, {
      'not a shell': '0/6',
      'open HTTP proxy (not counted)': '0/1',
      'reflective loader': '5/5',
      'XSLT script': '5/5',
      'JScript eval': '10/10',
      'all-in-one (file manager, command, SQL)': '20/20',
      'command shell': '8/8',
      'file manager / uploader': '4/4',
      'SQL manager': '5/5',
      'encoded classic ASP': '12/12',
      'classic command shell / dropper': '7/7',
      'classic file manager / all-in-one': '27/27',
      'classic eval / execute one-liner': '15/15',
    });
    const counted = shells.filter((r) => !NOT_COUNTED.includes(familyOf(r)));
    const recall = (pick: (r: string) => boolean): number => counted.filter(pick).filter((r) => flagged.has(r)).length / counted.filter(pick).length;
    assert.ok(recall(isAspNet) >= 0.95, `ASP.NET recall ${recall(isAspNet)}`);
    assert.ok(recall((r) => !isAspNet(r)) >= 0.9, `classic ASP recall ${recall((r) => !isAspNet(r))}`);
  } finally {
    tc.close();
  }
});
