// The `loupe` command as a user runs it: a real process, a real case file, real output.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { openCaseDb } from '../../../electron/case/db.ts';
import { buildSortIndexNow } from '../../../electron/case/sort-index.ts';
import { fieldExpr } from '../../../electron/case/timeline-where.ts';
import { generateEvidence, type GeneratedManifest } from '../../fixtures/generate.ts';
import { inParallel, loupe as run, loupeAsync, loupePiped } from '../../helpers/loupe.ts';
import { repoRoot, tmpDir } from '../../helpers/tmp.ts';

const loupe = (...args: string[]) => run(args);

test('npx loupe --help lists every command', () => {
  const r = spawnSync('npx', ['loupe', '--help'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  for (const cmd of ['index', 'timeline', 'files', 'findings', 'verify', 'warnings', 'serve', 'report', 'export']) assert.match(r.stdout, new RegExp(`^  ${cmd}\\b`, 'm'));
});

test('usage errors exit 2 with a hint; a missing case exits 1 saying how to create one', () => {
  const u = loupe('timeline');
  assert.equal(u.status, 2);
  assert.match(u.stderr, /--case is required: --case FILE/);
  const bad = loupe('timeline', '--case', '/nonexistent/x.loupe', '--bogus');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown option --bogus/);
  const missing = loupe('findings', '--case', '/nonexistent/x.loupe');
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /case file not found: .*loupe index/);
  assert.equal(loupe('frobnicate').status, 2);
});

/** Counts rows straight from the case file, as the ground truth for the command's output. */
function countInCase(casePath: string, sql: string, ...params: unknown[]): number {
  const db = openCaseDb(casePath, { readonly: true });
  try {
    return (db.prepare(sql).get(...params) as { n: number }).n;
  } finally {
    db.close();
  }
}

const jsonl = (stdout: string): Array<Record<string, unknown>> => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('on an indexed corpus', () => {
  let m: GeneratedManifest;
  let casePath: string;
  let dir: string;
  let events: number;
  before(async () => {
    dir = tmpDir({ after: (fn: () => void) => process.on('exit', fn) });
    m = await generateEvidence(path.join(dir, 'evidence'), { scale: 0.5, seed: 3 });
    casePath = path.join(dir, 'acme.loupe');
    const r = loupe('index', m.root, '--case', casePath, '--iocs', m.attackerIocsCsv, '--client', 'Acme', '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { summary: { filesIndexed: number }; counts: { files: number } };
    assert.equal(out.summary.filesIndexed, m.files.length);
    assert.equal(out.counts.files, m.files.length);
    events = countInCase(casePath, 'SELECT count(*) AS n FROM events');
    assert.ok(events > 5000, `a case with more rows than one page (${events})`);
  });

  test('findings as text: one block per finding, its why/path/time/evidence on lines of their own (not escaped into one line)', () => {
    const r = loupe('findings', '--case', casePath);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter(Boolean);
    const heads = lines.filter((l) => /^(CRITICAL|HIGH|MEDIUM|LOW|INFO) /.test(l));
    assert.equal(heads.length, JSON.parse(loupe('findings', '--case', casePath, '--json').stdout).length);
    assert.ok(lines.some((l) => l.startsWith('         why:  ')) && lines.some((l) => l.startsWith('         evidence: ')));
    assert.doesNotMatch(r.stdout, /\\x0a/);
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

  test('timeline without --limit prints every event: --json one array, --jsonl one object per line, text one line each', () => {
    const json = loupe('timeline', '--case', casePath, '--json');
    assert.equal(json.status, 0, json.stderr);
    assert.equal(json.stderr, '');
    const rows = JSON.parse(json.stdout) as Array<{ id: number; ts: number; time: string }>;
    assert.equal(rows.length, events);
    assert.equal(new Set(rows.map((r) => r.id)).size, events, 'no row twice across pages');
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].ts < rows[i].ts || (rows[i - 1].ts === rows[i].ts && rows[i - 1].id < rows[i].id), `order at ${i}`);
    const lines = loupe('timeline', '--case', casePath, '--jsonl');
    assert.equal(lines.status, 0, lines.stderr);
    assert.equal(lines.stderr, '');
    assert.deepEqual(jsonl(lines.stdout).map((r) => r.id), rows.map((r) => r.id));
    const text = loupe('timeline', '--case', casePath, '--desc');
    assert.equal(text.status, 0, text.stderr);
    assert.equal(text.stderr, `${events.toLocaleString('en-US')} events\n`);
    assert.ok(text.stdout.startsWith(rows[rows.length - 1].time), 'newest first');
  });

  test('timeline --sort prints every event in the column\'s order, through its sort index when the case has one', () => {
    const db = openCaseDb(casePath);
    let want: number[];
    let wantUser: number[];
    try {
      buildSortIndexNow(db, 'status');
      want = db.prepare('SELECT id FROM events ORDER BY status IS NULL, status DESC, ts DESC, id DESC').pluck().all() as number[];
      const user = fieldExpr('cs-username');
      wantUser = db.prepare(`SELECT id FROM events WHERE source = 'iis' ORDER BY (${user.sql}) IS NULL, ${user.sql}, ts, id`).pluck().all(...user.params, ...user.params) as number[];
    } finally {
      db.close();
    }
    const sorted = loupe('timeline', '--case', casePath, '--sort', 'status:desc', '--jsonl');
    assert.equal(sorted.status, 0, sorted.stderr);
    assert.deepEqual(jsonl(sorted.stdout).map((r) => r.id), want, 'every page, in the order of the sort index');
    const byField = loupe('timeline', '--case', casePath, '--sort', 'cs-username', '--source', 'iis', '--jsonl');
    assert.deepEqual(jsonl(byField.stdout).map((r) => r.id), wantUser, 'a field without a sort index is sorted whole');
    assert.equal(loupe('timeline', '--case', casePath, '--sort', ':desc').status, 2);
  });

  test('--limit N returns exactly N, --offset skips, and a cut is said on stderr', async () => {
    const limits = [1, 1000, 1001, 5000, 5001, events];
    const runs = await inParallel(limits, (n) => loupeAsync(['timeline', '--case', casePath, '--jsonl', '--limit', String(n)]));
    for (const [i, n] of limits.entries()) {
      const r = runs[i];
      assert.equal(r.status, 0, r.stderr);
      assert.equal(jsonl(r.stdout).length, n, `--limit ${n}`);
      assert.equal(r.stderr, n < events ? `${n.toLocaleString('en-US')} event${n === 1 ? '' : 's'} (--limit ${n}; more match)\n` : '', `--limit ${n}`);
    }
    const all = loupe('timeline', '--case', casePath, '--jsonl', '--limit', '100000000');
    assert.equal(jsonl(all.stdout).length, events);
    const page2 = jsonl(loupe('timeline', '--case', casePath, '--jsonl', '--offset', '4990', '--limit', '20').stdout);
    const whole = jsonl(loupe('timeline', '--case', casePath, '--jsonl', '--limit', '5010').stdout);
    assert.deepEqual(page2.map((r) => r.id), whole.slice(4990).map((r) => r.id));
  });

  test('files and warnings list every row; filters count exactly what the case holds', () => {
    const files = loupe('files', '--case', casePath, '--jsonl');
    assert.equal(jsonl(files.stdout).length, m.files.length);
    assert.equal(JSON.parse(loupe('files', '--case', casePath, '--json', '--kind', 'iis-log').stdout).length, countInCase(casePath, "SELECT count(*) AS n FROM files WHERE kind = 'iis-log'"));
    const warnings = loupe('warnings', '--case', casePath, '--json');
    assert.equal(JSON.parse(warnings.stdout).length, countInCase(casePath, 'SELECT count(*) AS n FROM warnings'));
    const ip = m.attackerIps[0];
    const byIp = jsonl(loupe('timeline', '--case', casePath, '--jsonl', '--ip', ip, '--source', 'iis,httpproxy').stdout);
    assert.equal(byIp.length, countInCase(casePath, "SELECT count(*) AS n FROM events WHERE ip = ? AND source IN ('iis', 'httpproxy')", ip));
    assert.ok(byIp.length > 0);
  });

  test('a date-only --to takes in the whole day; a date-time --to the whole unit it names', () => {
    const day = countInCase(casePath, 'SELECT min(ts) AS n FROM events WHERE source = ?', 'iis');
    const date = new Date(day / 1000).toISOString().slice(0, 10);
    const start = Date.parse(`${date}T00:00:00Z`) * 1000;
    const expected = countInCase(casePath, 'SELECT count(*) AS n FROM events WHERE ts >= ? AND ts < ?', start, start + 86_400e6);
    const r = loupe('timeline', '--case', casePath, '--jsonl', '--from', date, '--to', date);
    assert.equal(jsonl(r.stdout).length, expected);
    assert.ok(expected > 0);
    const minute = loupe('timeline', '--case', casePath, '--jsonl', '--from', `${date}T00:00`, '--to', `${date}T10:15`);
    assert.equal(jsonl(minute.stdout).length, countInCase(casePath, 'SELECT count(*) AS n FROM events WHERE ts >= ? AND ts < ?', start, start + (10 * 60 + 16) * 60e6));
  });

  test('export takes the same filters as timeline and writes exactly the rows timeline prints', () => {
    const ip = m.attackerIps[0];
    const filters = ['--ip', ip, '--source', 'iis', '--from', '2021-01-01', '--to', '2021-12-31'];
    const shown = jsonl(loupe('timeline', '--case', casePath, '--jsonl', ...filters).stdout);
    const out = path.join(dir, 'ip.jsonl');
    const r = loupe('export', '--case', casePath, '--format', 'timesketch', '--out', out, '--json', ...filters);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).rows, shown.length);
    assert.equal(fs.readFileSync(out, 'utf8').split('\n').filter(Boolean).length, shown.length);
    assert.ok(shown.length > 0);
  });

  test('findings --check takes a check or a family, and refuses a check that does not exist', async () => {
    const [family, bad, sev] = await Promise.all([
      loupeAsync(['findings', '--case', casePath, '--check', 'proxylogon', '--jsonl']),
      loupeAsync(['findings', '--case', casePath, '--check', 'proxylogon.cve-2021-2685']),
      loupeAsync(['findings', '--case', casePath, '--severity', 'critical,high', '--json']),
    ]);
    const rows = jsonl(family.stdout);
    assert.ok(rows.length > 0 && rows.every((r) => String(r.check).startsWith('proxylogon.')), family.stderr);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^loupe findings: --check proxylogon\.cve-2021-2685 is not a check: choose from .*proxylogon\.cve-2021-26855/);
    const bySeverity = JSON.parse(sev.stdout) as Array<{ severity: string }>;
    assert.equal(bySeverity.length, countInCase(casePath, "SELECT count(*) AS n FROM findings WHERE severity IN ('critical', 'high')"));
  });

  test('closed pipes end every command quietly with exit 0', async () => {
    const commands: string[][] = [
      ['timeline', '--case', casePath], ['timeline', '--case', casePath, '--json'], ['timeline', '--case', casePath, '--jsonl'],
      ['files', '--case', casePath], ['findings', '--case', casePath], ['warnings', '--case', casePath], ['verify', '--case', casePath],
      ['help'], ['help', 'timeline'], ['completion', 'bash'], ['--version'], ['verify', '--case', casePath, '--json'],
      ['export', '--case', casePath, '--format', 'csv', '--out', path.join(dir, 'piped.csv'), '--json'],
      ['report', '--case', casePath, '--out', path.join(dir, 'piped.html')],
    ];
    // `true` exits without reading, so every write of loupe's meets a closed pipe.
    const runs = await inParallel(commands, (args) => loupePiped(args, 'true'));
    for (const [i, args] of commands.entries()) {
      const r = runs[i];
      assert.equal(r.pipeStatus[0], 0, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /EPIPE|Error|\n\s+at /, args.join(' '));
    }
    const head = await loupePiped(['timeline', '--case', casePath], 'head -n 3');
    assert.equal(head.pipeStatus[0], 0, head.stderr);
    assert.equal(head.stdout.split('\n').filter(Boolean).length, 3);
    assert.equal(head.stderr, '', 'no count once the reader has gone');
  });
});
