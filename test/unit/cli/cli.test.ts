// The `loupe` command as a user runs it: a real process, a real case file, real output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { generateEvidence, type GeneratedManifest } from '../../fixtures/generate.ts';
import { repoRoot, tmpDir } from '../../helpers/tmp.ts';

const bin = path.join(repoRoot, 'bin/loupe.mjs');
const loupe = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });

test('npx loupe --help lists every command', () => {
  const r = spawnSync('npx', ['loupe', '--help'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const cmd of ['index', 'timeline', 'files', 'findings', 'verify', 'warnings', 'serve', 'report', 'export']) assert.match(r.stdout, new RegExp(`^  ${cmd}\\b`, 'm'));
});

test('usage errors exit 2 with a hint; a missing case exits 1 saying how to create one', () => {
  const u = loupe('timeline');
  assert.equal(u.status, 2);
  assert.match(u.stderr, /--case FILE is required/);
  const bad = loupe('timeline', '--case', '/nonexistent/x.loupe', '--bogus');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /Unknown option '--bogus'/);
  const missing = loupe('findings', '--case', '/nonexistent/x.loupe');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /case file not found: .*loupe index/);
  assert.equal(loupe('frobnicate').status, 2);
});

describe('on an indexed corpus', () => {
  let m: GeneratedManifest;
  let casePath: string;
  let dir: string;
  before(async () => {
    dir = tmpDir({ after: (fn: () => void) => process.on('exit', fn) });
    m = await generateEvidence(path.join(dir, 'evidence'), { scale: 0.5, seed: 3 });
    casePath = path.join(dir, 'acme.loupe');
    const r = loupe('index', m.root, '--case', casePath, '--iocs', m.attackerIocsCsv, '--client', 'Acme', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { summary: { filesIndexed: number }; counts: { files: number } };
    assert.equal(out.summary.filesIndexed, m.files.length);
    assert.equal(out.counts.files, m.files.length);
  });

  test('findings --json prints exactly the documented shape', () => {
    const r = loupe('findings', '--case', casePath, '--json');
    assert.equal(r.status, 0, r.stderr);
    const findings = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.ok(findings.length > 0);
    for (const f of findings) {
      assert.deepEqual(Object.keys(f).sort(), ['check', 'confidence', 'confidenceReason', 'evidence', 'path', 'severity', 'sha256', 'time', 'title']);
      assert.ok(['critical', 'high', 'medium', 'low', 'info'].includes(f.severity as string));
      assert.ok(['confirmed', 'likely', 'review', 'info'].includes(f.confidence as string), `confidence ${String(f.confidence)}`);
      assert.equal(typeof f.confidenceReason, 'string');
      assert.ok(f.time === null || /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(f.time as string));
      for (const e of f.evidence as Array<Record<string, unknown>>) {
        assert.equal(typeof e.file, 'string');
        assert.ok(!path.isAbsolute(e.file as string) && !(e.file as string).includes('\\'), `POSIX relative: ${e.file}`);
        assert.ok(fs.existsSync(path.join(m.root, e.file as string)), `evidence file exists: ${e.file}`);
        for (const k of Object.keys(e)) assert.ok(['file', 'line', 'record'].includes(k), `evidence key ${k}`);
      }
    }
  });

  test('timeline search finds the attacker IP in text and JSON', () => {
    const ip = m.attackerIps[0];
    const r = loupe('timeline', '--case', casePath, '--query', ip, '--json', '--limit', '1000');
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Array<{ message: string; ip: string | null; ref: { file: string; line?: number } }>;
    assert.ok(rows.length > 0);
    for (const row of rows) assert.ok(row.ip === ip || row.message.includes(ip) || JSON.stringify(row).includes(ip));
    const text = loupe('timeline', '--case', casePath, '--ip', ip, '--source', 'iis');
    assert.equal(text.status, 0);
    assert.match(text.stdout, new RegExp(ip.replace(/\./g, '\\.')));
  });

  test('files finds a file by any of its hashes', () => {
    const f = m.files.find((x) => x.path.endsWith('.aspx'))!;
    const r = loupe('files', '--case', casePath, '--hash', f.sha256.toUpperCase(), '--json');
    const rows = JSON.parse(r.stdout) as Array<{ relPath: string; md5: string }>;
    assert.deepEqual(rows.map((x) => x.relPath), [f.path]);
    const byMd5 = JSON.parse(loupe('files', '--case', casePath, '--hash', rows[0].md5, '--json').stdout) as Array<{ relPath: string }>;
    assert.ok(byMd5.some((x) => x.relPath === f.path));
    const glob = JSON.parse(loupe('files', '--case', casePath, '--glob', '**/aspnet_client/*.aspx', '--json').stdout) as Array<{ relPath: string }>;
    assert.ok(glob.length > 0 && glob.every((x) => /aspnet_client\/[^/]+\.aspx$/.test(x.relPath)));
  });

  test('verify reports unchanged evidence, then a changed, a missing and an added file (exit 3)', () => {
    const ok = loupe('verify', '--case', casePath, '--json');
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).ok, m.files.length);
    const copy = path.join(dir, 'evidence-copy');
    fs.cpSync(m.root, copy, { recursive: true });
    // Verify works on the recorded folder; tamper with it, then put it back.
    const victim = m.files.find((x) => x.path.endsWith('.aspx'))!.path;
    const gone = m.files.find((x) => x.path.endsWith('.LOG'))!.path;
    fs.appendFileSync(path.join(m.root, victim), ' ');
    fs.rmSync(path.join(m.root, gone));
    fs.writeFileSync(path.join(m.root, 'C/new.txt'), 'x');
    const r = loupe('verify', '--case', casePath, '--json');
    fs.rmSync(m.root, { recursive: true });
    fs.renameSync(copy, m.root);
    assert.equal(r.status, 3);
    const res = JSON.parse(r.stdout) as { changed: Array<{ relPath: string }>; missing: string[]; added: string[] };
    assert.deepEqual(res.changed.map((c) => c.relPath), [victim]);
    assert.deepEqual(res.missing, [gone]);
    assert.deepEqual(res.added, ['C/new.txt']);
  });

  test('warnings --json is an array', () => {
    const r = loupe('warnings', '--case', casePath, '--json');
    assert.equal(r.status, 0);
    assert.ok(Array.isArray(JSON.parse(r.stdout)));
  });
});
