// The `loupe` command as scripters use it: strict arguments (exit 2, one line naming the option and the fix), errors as
// sentences (exit 1, no stack unless --debug), no case file left by a failed index, help, version and completion.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { CaseService } from '../../../electron/service.ts';
import { LOUPE_VERSION } from '../../../electron/version.ts';
import { inParallel, loupe, loupeAsync, type LoupeRun } from '../../helpers/loupe.ts';
import { tmpDir } from '../../helpers/tmp.ts';

/** Checks a run failed with `code` and exactly one line on stderr matching `message`, nothing on stdout. */
function failedWith(r: LoupeRun, args: string[], code: number, message: RegExp): string {
  assert.equal(r.status, code, `${args.join(' ')} → ${r.status}: ${r.stderr}`);
  assert.equal(r.stdout, '', args.join(' '));
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
  assert.match(lines[0], message, args.join(' '));
  assert.doesNotMatch(r.stderr, /\n\s+at |SqliteError|datatype mismatch|ambiguous/, args.join(' '));
  return lines[0];
}

const fails = (args: string[], code: number, message: RegExp): string => failedWith(loupe(args), args, code, message);

test('every bad value is refused before anything runs, with the option named and the fix (exit 2)', async () => {
  // The case does not exist: a usage error must win over "case file not found", so nothing was opened.
  const c = ['--case', '/nonexistent/none.loupe'];
  const table: Array<[string[], RegExp]> = [
    [['timeline', ...c, '--limit', 'abc'], /--limit "abc" is not a whole number: .*leave --limit out for every row/],
    [['timeline', ...c, '--limit', '-5'], /--limit "-5" is not a whole number/],
    [['timeline', ...c, '--limit', '0'], /--limit 0 is out of range: give a whole number from 1/],
    [['timeline', ...c, '--limit', '1e3'], /--limit "1e3" is not a whole number/],
    [['timeline', ...c, '--offset', '2.5'], /--offset "2\.5" is not a whole number/],
    [['files', ...c, '--limit', ''], /--limit "" is not a whole number/],
    [['findings', ...c, '--severity', 'urgent'], /--severity "urgent" is not one of the allowed values: critical, high, medium, low, info/],
    [['timeline', ...c, '--source', 'iis,apache'], /--source "apache" is not one of the allowed values: iis, httpproxy, ecp-server/],
    [['files', ...c, '--kind', 'webshell'], /--kind "webshell" is not one of the allowed values: iis-log, .*web-script/],
    [['export', ...c, '--format', 'xlsx', '--out', '/tmp/x'], /--format "xlsx" is not one of the allowed values: csv, timesketch/],
    [['timeline', ...c, '--from', '2021-03-08', '--to', '2021-03-01'], /--from 2021-03-08 is after --to 2021-03-01: swap them/],
    [['export', ...c, '--format', 'csv', '--out', '/tmp/x', '--from', '2021-03-08T10:00Z', '--to', '2021-03-08T09:59'], /--from 2021-03-08T10:00Z is after --to 2021-03-08T09:59/],
    [['timeline', ...c, '--from', '2021-02-30'], /--from "2021-02-30" is not a real date or time: give an ISO date or date-time/],
    [['timeline', ...c, '--to', 'March 8'], /--to "March 8" is not a date or time/],
    [['timeline', ...c, '--ip', '165.232.154'], /--ip "165\.232\.154" is not an IPv4 or IPv6 address/],
    [['timeline', ...c, '--status', 'OK'], /--status "OK" is not a whole number/],
    [['timeline', ...c, '--where', 'cs-method'], /--where "cs-method" is not FIELD=VALUE/],
    [['files', ...c, '--hash', 'abc123'], /--hash "abc123" is not an MD5, SHA-1 or SHA-256/],
    [['index', '/nonexistent/evidence', ...c, '--zone', 'Mars/Olympus'], /--zone "Mars\/Olympus" is not an IANA time zone/],
    [['serve', '--port', '70000'], /--port 70000 is out of range: give a whole number from 0 to 65535/],
    [['timeline', ...c, '--json', '--jsonl'], /--json and --jsonl are given together/],
    [['timeline', ...c, '--bogus'], /unknown option --bogus/],
    [['findings', ...c, '--severty', 'high'], /unknown option --severty: did you mean --severity\?/],
    [['timeline', '--case'], /--case needs a value/],
    [['timeline', '--case', '--json'], /--case needs a value: --case FILE \(a value that starts with a dash is written --case=--json\)/],
    [['timeline', ...c, '--limit', '5', '--limit', '6'], /--limit is given twice/],
    [['timeline', ...c, '--json=yes'], /--json takes no value/],
    [['timeline', ...c, 'extra'], /unexpected argument "extra"/],
    [['timeline'], /--case is required/],
    [['index', '--case', 'x.loupe'], /missing the evidence folder/],
    [['report', ...c], /--out is required/],
    [['report', ...c, '--out', 'r.docx'], /--out r\.docx: the report is written as \.html or \.pdf/],
    [['completion', 'fish'], /unknown shell "fish": choose one of bash, zsh, powershell/],
    [['help', 'timelines'], /unknown command "timelines": choose one of index, timeline/],
  ];
  const runs = await inParallel(table, ([args]) => loupeAsync(args));
  for (const [i, [args, message]] of table.entries()) {
    const line = failedWith(runs[i], args, 2, message);
    assert.match(line, new RegExp(`^loupe ${args[0]}: .*\\(see \`loupe help ${args[0]}\`\\)$`), line);
  }
  fails(['frobnicate'], 2, /^loupe: unknown command "frobnicate" \(commands: index, timeline, files/);
  fails(['timline'], 2, /did you mean timeline\?/);
});

test('errors are one sentence (exit 1): a folder as --case, a file that is not a case, a newer case, a missing evidence folder', async (t) => {
  const dir = tmpDir(t);
  fs.writeFileSync(path.join(dir, 'acme.loupe'), '');
  fails(['timeline', '--case', dir], 1, /--case .* is a folder, not a case file; it holds acme\.loupe: give one with --case .*acme\.loupe/);
  fails(['findings', '--case', path.join(dir, 'acme.loupe')], 1, /acme\.loupe is empty \(0 bytes\), not a Loupe case/);
  const text = path.join(dir, 'notes.txt');
  fs.writeFileSync(text, 'x'.repeat(8192));
  fails(['timeline', '--case', text], 1, /not a Loupe case: .*notes\.txt is not a SQLite database — Loupe leaves it unchanged/);
  const newer = path.join(dir, 'newer.loupe');
  const svc = new CaseService();
  await svc.createCase({ path: newer });
  svc.close();
  const db = new Database(newer);
  db.pragma('user_version = 999');
  db.close();
  fails(['files', '--case', newer], 1, /was written by a newer Loupe \(schema 999, this build knows up to \d+\) — open it with a newer Loupe/);
  fails(['findings', '--case', path.join(dir, 'none.loupe')], 1, /case file not found: .*none\.loupe — create it with `loupe index/);
  // --debug adds the stack trace after the sentence, and only then.
  const debug = loupe(['files', '--case', newer, '--debug']);
  assert.equal(debug.status, 1);
  assert.match(debug.stderr, /^loupe files: case file .* newer Loupe.*\n.*Error.*\n\s+at /);
});

test('an index that fails before indexing anything leaves no case file (and no folder made for it)', (t) => {
  const dir = tmpDir(t);
  const evidence = path.join(dir, 'evidence');
  fs.mkdirSync(evidence);
  fs.writeFileSync(path.join(evidence, 'a.txt'), 'hello');
  const casePath = path.join(dir, 'cases', 'new', 'acme.loupe');
  fails(['index', path.join(dir, 'missing'), '--case', casePath], 1, /evidence folder not found: .*missing — check the path/);
  fails(['index', path.join(evidence, 'a.txt'), '--case', casePath], 1, /evidence folder is not a folder/);
  fails(['index', evidence, '--case', casePath, '--iocs', path.join(dir, 'no-iocs.csv')], 1, /IOC file not found: .*no-iocs\.csv/);
  fails(['index', evidence, '--case', casePath, '--rules', path.join(evidence, 'a.txt')], 1, /rules folder is not a folder/);
  fails(['index', evidence, '--case', evidence], 1, /--case .*evidence is a folder, not a case file/);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['evidence']);
  const ok = loupe(['index', evidence, '--case', casePath, '--quiet', '--json']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).counts.files, 1);
});

test('--version, loupe help COMMAND and COMMAND --help print on stdout and exit 0', () => {
  const v = loupe(['--version']);
  assert.equal(v.status, 0);
  assert.equal(v.stdout, `${LOUPE_VERSION}\n`);
  const overview = loupe(['help']);
  for (const cmd of ['index', 'timeline', 'files', 'findings', 'verify', 'warnings', 'serve', 'report', 'export', 'help', 'completion']) {
    assert.match(overview.stdout, new RegExp(`^  ${cmd}\\b`, 'm'));
  }
  assert.match(overview.stdout, /Exit codes: 0 success .* 1 error, 2 usage error, 3 verify found differences/);
  for (const cmd of ['timeline', 'export', 'report']) {
    const h = loupe(['help', cmd]);
    assert.equal(h.status, 0);
    assert.equal(h.stderr, '');
    assert.deepEqual(loupe([cmd, '--help']).stdout, h.stdout);
    // The shared filters, each with its help line, in every command that takes them.
    for (const opt of ['--query TEXT', '--from TIME', '--to TIME', '--source S,..', '--host NAME,..', '--ip IP,..', '--status N,..', '--tag TAG,..', '--starred', '--where FIELD=VALUE', '--exclude FIELD=VALUE']) {
      assert.ok(h.stdout.includes(opt), `${cmd} help lists ${opt}`);
    }
    assert.match(h.stdout, /a date-only --to takes in that whole day/);
  }
});

test('loupe completion bash completes commands, options and allowed values in a real bash', (t) => {
  const dir = tmpDir(t);
  const script = path.join(dir, 'loupe.bash');
  const r = loupe(['completion', 'bash']);
  assert.equal(r.status, 0, r.stderr);
  fs.writeFileSync(script, r.stdout);
  fs.writeFileSync(path.join(dir, 'acme.loupe'), '');
  fs.mkdirSync(path.join(dir, 'evidence'));
  const complete = (...words: string[]): string[] => {
    const b = spawnSync('bash', ['-c', `source ${JSON.stringify(script)}; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _loupe; printf '%s\\n' "\${COMPREPLY[@]}"`, 'bash', ...words], { cwd: dir, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
    return b.stdout.split('\n').filter(Boolean).sort();
  };
  assert.deepEqual(complete('loupe', 'ti'), ['timeline']);
  assert.deepEqual(complete('loupe', 'timeline', '--so'), ['--sort', '--source']);
  assert.deepEqual(complete('loupe', 'timeline', '--source', 'iis,ht'), ['iis,httpproxy']);
  assert.deepEqual(complete('loupe', 'findings', '--severity', ''), ['critical', 'high', 'info', 'low', 'medium']);
  assert.deepEqual(complete('loupe', 'export', '--format', 'time'), ['timesketch', 'timesketch-csv']);
  assert.deepEqual(complete('loupe', 'export', '--f'), ['--filter', '--format', '--from']);
  assert.deepEqual(complete('loupe', 'timeline', '--case', ''), ['acme.loupe', 'evidence']);
  assert.deepEqual(complete('loupe', 'index', ''), ['evidence']);
  assert.deepEqual(complete('loupe', 'completion', ''), ['bash', 'powershell', 'zsh']);
});

test('loupe completion zsh and powershell name every command and enumeration; zsh parses the script', (t) => {
  const zsh = loupe(['completion', 'zsh']);
  const ps = loupe(['completion', 'powershell']);
  assert.equal(zsh.status, 0, zsh.stderr);
  assert.equal(ps.status, 0, ps.stderr);
  assert.match(zsh.stdout, /^#compdef loupe\n/);
  assert.match(ps.stdout, /Register-ArgumentCompleter -Native -CommandName loupe/);
  for (const cmd of ['index', 'timeline', 'files', 'findings', 'verify', 'warnings', 'serve', 'report', 'export']) {
    assert.match(zsh.stdout, new RegExp(`^    ${cmd}\\) _arguments`, 'm'));
    assert.match(ps.stdout, new RegExp(`^  '${cmd}' = @\\{`, 'm'));
  }
  assert.ok(zsh.stdout.includes("'--severity[only these severities]:S,..:_sequence compadd - critical high medium low info'"));
  assert.ok(ps.stdout.includes("'--format' = @('csv', 'timesketch', 'timesketch-csv', 'stix', 'ioc-csv')"));
  const hasZsh = spawnSync('zsh', ['--version']).status === 0;
  if (!hasZsh) { t.diagnostic('zsh is not installed: syntax check skipped'); return; }
  const dir = tmpDir(t);
  fs.writeFileSync(path.join(dir, '_loupe'), zsh.stdout);
  const check = spawnSync('zsh', ['-n', path.join(dir, '_loupe')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
});
