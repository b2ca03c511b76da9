// Issue 11 item 13: a web shell padded past the 16 MiB YARA cap is still scanned (in overlapping windows, head to
// tail) and the finding says which part of the file was scanned. Before, such files were skipped with a warning.
// Issue 10 item 4: the scan's progress (files and bytes done of to scan) ends exactly at the totals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { scanWebshells, YARA_SIZE_CAP } from '../../../electron/detect/webshell.ts';
import type { ScanProgress } from '../../../electron/detect/webshell.ts';
import { loadRuleSetStrict } from '../../../electron/detect/rules.ts';
import { planWindows } from '../../../electron/detect/yara-windows.ts';
import { addFile, EP_REL, newCase, repoRoot } from './helpers.ts';

const SHELL = '<%@ Page Language="Jscript"%><%eval(Request.Item["z"],"unsafe");%>';

test('item 13: a web shell padded past 16 MiB is scanned in windows and the finding says what was scanned (WASM and command-line engines)', async () => {
  const tc = newCase();
  try {
    const pad = Buffer.alloc(YARA_SIZE_CAP + 3 * 1024 * 1024, 0x20);
    const id = addFile(tc, `${EP_REL}/FrontEnd/HttpProxy/owa/auth/padded.aspx`, Buffer.concat([pad, Buffer.from(SHELL)]));
    addFile(tc, `${EP_REL}/FrontEnd/HttpProxy/owa/auth/logon2.aspx`, Buffer.from('<%@ Page Language="C#" %><html>logon</html>'));
    const rules = await loadRuleSetStrict([path.join(repoRoot, 'resources', 'rules')]);
    for (const cli of [null, undefined]) {
      const warnings: string[] = [];
      const progress: ScanProgress[] = [];
      const out = await scanWebshells({ db: tc.db, rules, bundledRules: new Set(rules.rules), evidenceRoots: tc.roots, warn: (w) => warnings.push(w.message), cli, cliMinFiles: 1, onProgress: (p) => progress.push(p) });
      assertProgress(progress, 2, pad.length + SHELL.length + 43, out.engine);
      assert.match(String(out.engine), cli === null ? /^libyara-wasm$/ : /^libyara-wasm( \+ yara 4)?/, 'progress names the engine in use');
      const f = out.findings.find((x) => x.fileId === id);
      assert.ok(f, `padded shell flagged (engine ${out.engine})`);
      assert.ok(f.details?.rules && (f.details.rules as string[]).includes('Loupe_AspNet_JScript_Eval'));
      assert.match(String(f.details?.scanned), /scanned in 2 overlapping windows of ≤ 16\.0 MiB \(every byte\)/);
      const hit = (f.details?.matches as Array<{ rule: string; strings: Array<{ offset: number }> }>).find((m) => m.rule === 'Loupe_AspNet_JScript_Eval');
      assert.ok(hit && hit.strings.every((s) => s.offset >= pad.length - 1), 'offsets are file offsets, not window offsets');
      assert.deepEqual(warnings.filter((w) => /not scanned/.test(w)), []);
    }
  } finally {
    tc.close();
  }
});

/** Progress starts at nothing done, never goes back, and ends at every file and byte (a windowed file counts its own
 *  size once, not the overlapping windows' bytes). */
function assertProgress(progress: ScanProgress[], files: number, bytes: number, engine: string | null): void {
  assert.deepEqual(progress[0], { filesDone: 0, filesTotal: files, bytesDone: 0, bytesTotal: bytes, engine });
  for (const [i, p] of progress.entries()) if (i > 0) assert.ok(p.filesDone >= progress[i - 1].filesDone && p.bytesDone >= progress[i - 1].bytesDone, 'progress never goes back');
  assert.deepEqual(progress.at(-1), { filesDone: files, filesTotal: files, bytesDone: bytes, bytesTotal: bytes, engine });
}

test('windows cover every byte up to 256 MiB, then the head and the tail', () => {
  const mib = 1024 * 1024;
  assert.deepEqual(planWindows(10 * mib, 16 * mib), [{ start: 0, end: 10 * mib }]);
  assert.deepEqual(planWindows(20 * mib, 16 * mib), [{ start: 0, end: 16 * mib }, { start: 15 * mib, end: 20 * mib }]);
  const big = planWindows(1024 * mib, 16 * mib);
  assert.equal(big[0].start, 0);
  assert.equal(big[big.length - 1].end, 1024 * mib);
  assert.ok(big.reduce((n, w) => n + w.end - w.start, 0) <= 256 * mib + 16 * mib);
});

test('progress moves within one round of scanning, file by file, not only when the 32 MB round ends', async () => {
  const tc = newCase();
  try {
    const page = (i: number): string => `<%@ Page Language="C#" %><html><body><p>Page ${i}: ${Request(i)}</p></body></html>`;
    const Request = (i: number): string => `<%= Server.HtmlEncode(Request["q${i}"]) %>`;
    let bytes = 0;
    for (let i = 0; i < 40; i++) bytes += Buffer.byteLength(page(i)), addFile(tc, `C/inetpub/wwwroot/site/p${i}.aspx`, page(i));
    bytes += SHELL.length;
    addFile(tc, 'C/inetpub/wwwroot/site/shell.aspx', SHELL);
    const rules = await loadRuleSetStrict([path.join(repoRoot, 'resources', 'rules')]);
    const progress: ScanProgress[] = [];
    const out = await scanWebshells({ db: tc.db, rules, bundledRules: new Set(rules.rules), evidenceRoots: tc.roots, warn: () => {}, cli: null, progressMs: 0, onProgress: (p) => progress.push(p) });
    assertProgress(progress, 41, bytes, out.engine);
    // All 41 files fit in one round: before, progress went from 0 straight to 41.
    const between = progress.filter((p) => p.filesDone > 0 && p.filesDone < 41);
    assert.ok(between.length >= 30, `progress within the round: ${progress.map((p) => p.filesDone).join(',')}`);
    assert.equal(out.findings.length, 1);
  } finally {
    tc.close();
  }
});
