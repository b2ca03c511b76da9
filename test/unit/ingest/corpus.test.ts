// The index of a generated compromised-Exchange corpus matches the generator's own counts exactly.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openCaseDb } from '../../../electron/case/db.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import { newCase } from '../../helpers/case.ts';
import { generateEvidence, type GeneratedManifest } from '../../fixtures/generate.ts';
import { repoRoot, tmpDir } from '../../helpers/tmp.ts';

const PARSED = ['iis', 'httpproxy', 'ecp-server', 'oab-generator', 'bodyfile', 'evtx'] as const;

function countsBySource(casePath: string): Record<string, number> {
  const db = openCaseDb(casePath, { readonly: true });
  const rows = db.prepare('SELECT source, count(*) AS n FROM events GROUP BY source').all() as Array<{ source: string; n: number }>;
  db.close();
  return Object.fromEntries(rows.map((r) => [r.source, r.n]));
}

function expectedFsEvents(m: GeneratedManifest): number {
  let births = 0;
  for (const f of m.files) if (fs.statSync(path.join(m.root, f.path), { bigint: true }).birthtimeNs > 0n) births++;
  return m.files.length * 2 + births;
}

test('index of the generated corpus: files, hashes and events per source equal the generator\'s counts', async (t) => {
  const dir = tmpDir(t);
  const m = await generateEvidence(path.join(dir, 'evidence'), { scale: 1, seed: 11, includeEvtx: true });
  const casePath = await newCase(dir, m.root);
  const s = await new IndexCoordinator({ casePath, detect: false }).run();
  assert.equal(s.filesSeen, m.files.length);
  const counts = countsBySource(casePath);
  for (const src of PARSED) assert.equal(counts[src] ?? 0, m.events[src] ?? 0, `events from ${src}`);
  assert.equal(counts.filesystem, expectedFsEvents(m));

  const db = openCaseDb(casePath, { readonly: true });
  const stored = new Map((db.prepare('SELECT rel_path, sha256, size FROM files').all() as Array<{ rel_path: string; sha256: string; size: number }>).map((r) => [r.rel_path, r]));
  db.close();
  assert.equal(stored.size, m.files.length);
  const sums = new Map<string, string>();
  const abs = m.files.map((f) => path.join(m.root, f.path));
  for (let i = 0; i < abs.length; i += 200) {
    for (const line of execFileSync('sha256sum', abs.slice(i, i + 200), { maxBuffer: 16 << 20 }).toString().trim().split('\n')) {
      const [hash, ...rest] = line.split('  ');
      sums.set(path.relative(m.root, rest.join('  ')).split(path.sep).join('/'), hash);
    }
  }
  for (const f of m.files) {
    const row = stored.get(f.path);
    assert.ok(row, `manifest file ${f.path} indexed`);
    assert.equal(row.sha256, f.sha256, f.path);
    assert.equal(row.sha256, sums.get(f.path), `sha256sum of ${f.path}`);
    assert.equal(row.size, f.size);
  }
});

test('an index killed midway and run again ends with exactly the counts of an uninterrupted run', async (t) => {
  const dir = tmpDir(t);
  const m = await generateEvidence(path.join(dir, 'evidence'), { scale: 4, seed: 5 });
  const casePath = await newCase(dir, m.root);
  const bin = path.join(repoRoot, 'bin/loupe.mjs');
  const child = spawn(process.execPath, [bin, 'index', m.root, '--case', casePath, '--quiet'], { stdio: 'ignore' });
  // Kill it hard once some events are in the case but before it finishes.
  let killedMidway = false;
  for (let i = 0; i < 600 && child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      const db = openCaseDb(casePath, { readonly: true });
      const done = (db.prepare("SELECT count(*) AS n FROM files WHERE state = 'done'").get() as { n: number }).n;
      db.close();
      if (done > 3) { child.kill('SIGKILL'); killedMidway = true; break; }
    } catch { /* the file may be busy for a moment */ }
  }
  await new Promise((r) => child.once('exit', r));
  assert.ok(killedMidway, 'the run was killed before it finished');
  const partial = countsBySource(casePath);
  assert.ok((partial.httpproxy ?? 0) + (partial.iis ?? 0) < m.events.httpproxy + m.events.iis, 'the killed run had not finished');
  const s = await new IndexCoordinator({ casePath, detect: false }).run();
  assert.ok(s.filesUnchanged > 0, 'files finished before the kill are not read again');
  const counts = countsBySource(casePath);
  for (const src of PARSED) assert.equal(counts[src] ?? 0, m.events[src] ?? 0, `events from ${src}`);
  assert.equal(counts.filesystem, expectedFsEvents(m));
  const db = openCaseDb(casePath, { readonly: true });
  const fts = (db.prepare("SELECT count(*) AS n FROM events_fts WHERE events_fts MATCH 'Request OR File OR Logged OR GET OR POST'").get() as { n: number }).n;
  const pending = (db.prepare("SELECT count(*) AS n FROM files WHERE state != 'done'").get() as { n: number }).n;
  db.close();
  assert.equal(pending, 0);
  assert.ok(fts > 0);
});

test('cancel stops an index job cleanly; the next run completes to the exact counts', async (t) => {
  const dir = tmpDir(t);
  const m = await generateEvidence(path.join(dir, 'evidence'), { scale: 4, seed: 9 });
  const casePath = await newCase(dir, m.root);
  const { startIndexJob } = await import('../../../electron/ingest/index.ts');
  let cancelled = false;
  const job = startIndexJob(casePath, {}, (p) => {
    if (!cancelled && p.phase === 'indexing' && p.filesDone >= 2) { cancelled = true; job.cancel(); }
  });
  const s = await job.done;
  assert.ok(cancelled, 'cancel was requested during indexing');
  assert.equal(s.cancelled, true);
  assert.ok(s.filesIndexed < m.files.length, 'stopped before the end');
  const again = await new IndexCoordinator({ casePath, detect: false }).run();
  assert.equal(again.cancelled, false);
  const counts = countsBySource(casePath);
  for (const src of PARSED) assert.equal(counts[src] ?? 0, m.events[src] ?? 0, `events from ${src}`);
});
