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

const TENNC = sharedData('webshells', 'tennc');
const BENIGN = path.join(repoRoot, 'test', 'fixtures', 'benign-web');
const BUNDLED = path.join(repoRoot, 'resources', 'rules');

/** Family of each tennc file (by its published traits), or 'not a shell'. */
const FAMILY: Array<[RegExp, string]> = [
  [/^asp\/(RemExp|cpanel|klasvayv|xx|Server Variables)\.asp$|^web-malware-collection-13-06-2012\/ASP\/Server Variables\.asp$/, 'not a shell'],
  [/^caidao-shell\/redirect\.asp$/, 'open HTTP proxy (not counted)'],
  [/^(Behinder|Godzilla)\/.*\.as[pmh]x$|^aspx\/AspxSpy2014Final\.aspx$/, 'reflective loader'],
  [/(xslt|\/a1?)\.(aspx|asp)$/, 'XSLT script'],
  [/(editor|abcd|wooyun2015052301|ice)\.aspx$|^caidao-shell\/w0[123]\.asp$|^asp\/bypass_safedog_0[12]\.asp$|cutstomize\.asp$/, 'JScript eval'],
  [/(ASPXspy2|111|icesword|aspx|aspxspy|1|11|01|ASP\.NET Web BackDoor|2013110125222650|con2|wso|view|devilzShell|devshell|customize)\.as[pmh]x$/, 'all-in-one (file manager, command, SQL)'],
  [/(cmd|cmdasp|cmdexec|a3|as|antak)\.as[ph]x$/, 'command shell'],
  [/(filesystembrowser|fileupload)\.aspx$/, 'file manager / uploader'],
  [/(sql|spexec|tuo)\.aspx$/, 'SQL manager'],
  [/\.as[pmh]x$/, 'other ASP.NET'],
  [/^(asp\/(1d|404|CyberSpy5|EFSO_2|Inderxer|Rader|ice|mumaasp\.com|vbencode-bypass|utf7-bypass)|asp\/ajs\/shell|Backdoor Dev Shells\/devshell)\.[Aa]sp$/, 'encoded classic ASP'],
  [/(cmd|cmd-asp-5\.1|cmdasp|webshell|Ajan|ajn)\.asp$/, 'classic command shell / dropper'],
  [/(up|list|shell|RemExp|aspydrv|good_1|zehir4?|elmaliseker|ELMALISEKER Backd00r|ntdaddy|tool|grasp|DarkBlade1\.5|devilzShell|2013110125027897|con2|shell_decoded|MSSQL|radhat|1)\.asp$/, 'classic file manager / all-in-one'],
  [/\.(asp|asa|cer|cdx)$/i, 'classic eval / execute one-liner'],
];

const familyOf = (rel: string): string => FAMILY.find(([re]) => re.test(rel))?.[1] ?? 'unclassified';
const isAspNet = (rel: string): boolean => /\.as[pmhc]x$/i.test(rel);

/** Where each shell goes: Exchange web folders outside aspnet_client, so only YARA can flag it. */
const FOLDERS = [`${EP_REL}/FrontEnd/HttpProxy/owa/auth`, `${EP_REL}/FrontEnd/HttpProxy/ecp/auth`, `${EP_REL}/ClientAccess/ecp`, 'C/inetpub/wwwroot'];

function listAll(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? listAll(path.join(dir, e.name), base)
    : [path.relative(base, path.join(dir, e.name)).split(path.sep).join('/')]);
}

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
    const counted = shells.filter((r) => !['not a shell', 'open HTTP proxy (not counted)'].includes(familyOf(r)));
    const recall = (pick: (r: string) => boolean): number => counted.filter(pick).filter((r) => flagged.has(r)).length / counted.filter(pick).length;
    assert.ok(recall(isAspNet) >= 0.95, `ASP.NET recall ${recall(isAspNet)}`);
    assert.ok(recall((r) => !isAspNet(r)) >= 0.9, `classic ASP recall ${recall((r) => !isAspNet(r))}`);
  } finally {
    tc.close();
  }
});
