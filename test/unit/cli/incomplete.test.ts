// An index killed with SIGKILL halfway: findings, report and export must say the case is incomplete (from the case
// file alone: the killed process left nothing else) and exit 4, unless --allow-incomplete; a resumed run completes it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { generateEvidence } from '../../fixtures/generate.ts';
import { repoRoot, tmpDir } from '../../helpers/tmp.ts';

const bin = path.join(repoRoot, 'bin/loupe.mjs');
const loupe = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });

/** Files done / total in the case, read as any other reader would (WAL), or null before the manifest exists. */
function progress(casePath: string): { done: number; total: number } | null {
  if (!fs.existsSync(casePath)) return null;
  try {
    const db = new Database(casePath, { readonly: true, fileMustExist: true });
    try {
      return db.prepare("SELECT coalesce(sum(state = 'done'), 0) AS done, count(*) AS total FROM files").get() as { done: number; total: number };
    } finally { db.close(); }
  } catch { return null; }
}

test('after kill -9 mid-index: INCOMPLETE on stderr and exit 4 from findings, report and export; a resumed run completes the case', async (t) => {
  const dir = tmpDir(t);
  const m = await generateEvidence(path.join(dir, 'evidence'), { scale: 0.2, seed: 9 });
  t.after(() => fs.rmSync(`${m.root}.manifest.json`, { force: true }));
  const casePath = path.join(dir, 'case.loupe');
  const child = spawn(process.execPath, [bin, 'index', m.root, '--case', casePath, '--quiet'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let killedAt: { done: number; total: number } | null = null;
  for (let i = 0; i < 6000 && child.exitCode === null; i++) {
    const p = progress(casePath);
    // Killed once the file manifest is in the case and files are still pending (the writer commits in large
    // transactions, so on a quick machine the first files may not be committed as done yet: 0 of N is mid-index too).
    if (p && p.total > 0 && p.done < p.total) { child.kill('SIGKILL'); killedAt = p; break; }
    await new Promise((r) => setTimeout(r, 10));
  }
  await exited;
  assert.ok(killedAt, 'the index was killed while files were still pending');

  const after = progress(casePath)!;
  assert.ok(after.done < after.total, `files still pending after the kill: ${after.done}/${after.total}`);
  const headline = `INCOMPLETE: ${after.done.toLocaleString('en-US')} of ${after.total.toLocaleString('en-US')} files indexed; detections have not run`;

  const findings = loupe('findings', '--case', casePath);
  assert.equal(findings.status, 4, findings.stderr);
  assert.ok(findings.stderr.includes(`loupe findings: ${headline} (exit 4; --allow-incomplete to accept it)`), findings.stderr);
  const json = loupe('findings', '--case', casePath, '--json');
  assert.equal(json.status, 4);
  assert.ok(Array.isArray(JSON.parse(json.stdout)));
  const env = JSON.parse(json.stderr.trim().split('\n').pop()!) as { completeness: { complete: boolean; headline: string; files: { pending: number } } };
  assert.equal(env.completeness.complete, false);
  assert.equal(env.completeness.headline, headline);
  assert.equal(env.completeness.files.pending, after.total - after.done);
  assert.equal(loupe('findings', '--case', casePath, '--allow-incomplete').status, 0);

  const reportPath = path.join(dir, 'out', 'report.html');
  const report = loupe('report', '--case', casePath, '--out', reportPath);
  assert.equal(report.status, 4, report.stderr);
  const html = fs.readFileSync(reportPath, 'utf8');
  assert.ok(html.includes(`${headline}.`), 'the first page says INCOMPLETE');
  assert.ok(html.indexOf('data-incomplete') < html.indexOf('id="summary"'), 'on the cover, before the first section');
  assert.match(html, new RegExp(`indexed ${after.done.toLocaleString('en-US')} of ${after.total.toLocaleString('en-US')} evidence files`));
  assert.ok(!html.includes('>No evidence<'), 'no verdict reads "no evidence"');
  assert.equal(loupe('report', '--case', casePath, '--out', reportPath, '--allow-incomplete').status, 0);
  const iocs = loupe('export', '--case', casePath, '--format', 'ioc-csv', '--out', path.join(dir, 'out', 'iocs.csv'));
  assert.equal(iocs.status, 4, iocs.stderr);
  assert.match(iocs.stderr, /loupe export: INCOMPLETE: /);

  const resumed = loupe('index', m.root, '--case', casePath, '--quiet');
  assert.equal(resumed.status, 0, resumed.stderr);
  const done = loupe('findings', '--case', casePath);
  assert.equal(done.status, 0, done.stderr);
  assert.ok(!done.stderr.includes('INCOMPLETE'));
});
