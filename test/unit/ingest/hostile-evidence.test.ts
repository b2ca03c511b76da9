// Issue 11, items 10, 11, 12, 14 and 15: evidence that fights back — names that are not UTF-8, FIFOs swapped in for
// files, files that grow while read, access times, and control characters aimed at the analyst's terminal.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openCaseDb } from '../../../electron/case/db.ts';
import { parseFile } from '../../../electron/ingest/parse-file.ts';
import { walkEvidence } from '../../../electron/ingest/walk.ts';
import { CaseService } from '../../../electron/service.ts';
import type { IngestWarning } from '../../../shared/types.ts';
import { repoRoot, tmpDir } from '../../helpers/tmp.ts';

const BIN = path.join(repoRoot, 'bin/loupe.mjs');
const loupe = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: repoRoot, timeout: 120_000 });
const CHOPPER = '<%@ Page Language="Jscript"%><%eval(Request.Item["z"],"unsafe");%>';
const WEB = 'C/inetpub/wwwroot/aspnet_client';
const sha256 = (b: Buffer | string): string => crypto.createHash('sha256').update(b).digest('hex');

test('item 10: a web shell whose name is not valid UTF-8 is hashed, scanned, listed escaped, and verified by its exact bytes', (t) => {
  const dir = tmpDir(t);
  const ev = path.join(dir, 'evidence');
  fs.mkdirSync(path.join(ev, WEB), { recursive: true });
  // "shellé.aspx" with é in Latin-1 (0xE9): not UTF-8.
  const name = Buffer.concat([Buffer.from(path.join(ev, WEB) + '/shell'), Buffer.from([0xe9]), Buffer.from('.aspx')]);
  fs.writeFileSync(name, CHOPPER);
  fs.writeFileSync(path.join(ev, WEB, 'shell\\xE9.aspx'), 'a valid name that reads like the escaped one');
  const casePath = path.join(dir, 'c.loupe');
  const r = loupe('index', ev, '--case', casePath, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  const db = openCaseDb(casePath, { readonly: true });
  const rows = db.prepare('SELECT rel_path, rel_path_bytes, sha256, size FROM files ORDER BY rel_path').all() as Array<{ rel_path: string; rel_path_bytes: Buffer | null; sha256: string; size: number }>;
  const odd = rows.find((x) => x.rel_path_bytes !== null)!;
  // Shown with the bad byte as \xE9; the valid look-alike beside it keeps that text, so this one also shows its bytes.
  assert.equal(odd.rel_path, `${WEB}/shell\\xE9.aspx (name bytes 7368656c6ce92e61737078)`);
  assert.deepEqual(odd.rel_path_bytes, Buffer.concat([Buffer.from(`${WEB}/shell`), Buffer.from([0xe9]), Buffer.from('.aspx')]));
  assert.equal(odd.sha256, sha256(CHOPPER));
  assert.deepEqual(rows.filter((x) => x.rel_path_bytes === null).map((x) => x.rel_path), [`${WEB}/shell\\xE9.aspx`], 'the look-alike keeps its own row');
  const findings = db.prepare("SELECT title, evidence FROM findings WHERE check_id = 'webshell'").all() as Array<{ title: string; evidence: string }>;
  db.close();
  assert.ok(findings.some((f) => f.evidence.includes('shell\\\\xE9.aspx')), `scanned and flagged: ${JSON.stringify(findings)}`);
  assert.match(loupe('files', '--case', casePath).stdout, /aspnet_client\\shell\\xE9\.aspx/);
  const ok = loupe('verify', '--case', casePath);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  fs.appendFileSync(name, ' ');
  const changed = loupe('verify', '--case', casePath);
  assert.equal(changed.status, 3);
  assert.match(changed.stdout, /CHANGED {2}C\/inetpub\/wwwroot\/aspnet_client\/shell\\xE9\.aspx \(name bytes/);
});

test('item 11: a FIFO swapped in for an indexed file is refused at once by verify, previews and every evidence open', async (t) => {
  const dir = tmpDir(t);
  const ev = path.join(dir, 'evidence');
  fs.mkdirSync(path.join(ev, WEB), { recursive: true });
  fs.writeFileSync(path.join(ev, WEB, 'a.aspx'), CHOPPER);
  fs.writeFileSync(path.join(ev, 'C', 'notes.txt'), 'hello');
  const casePath = path.join(dir, 'c.loupe');
  assert.equal(loupe('index', ev, '--case', casePath, '--quiet').status, 0);
  for (const f of [path.join(ev, WEB, 'a.aspx'), path.join(ev, 'C', 'notes.txt')]) {
    fs.rmSync(f);
    execFileSync('mkfifo', [f]);
  }
  const v = loupe('verify', '--case', casePath);
  assert.equal(v.error, undefined, 'verify returned (it did not hang)');
  assert.equal(v.status, 3);
  assert.match(v.stdout, /CHANGED {2}C\/inetpub\/wwwroot\/aspnet_client\/a\.aspx .*not a regular file \(FIFO\)/);
  const svc = new CaseService({ casePath });
  const file = (await svc.listFiles({ text: 'a.aspx' })).rows[0];
  await assert.rejects(svc.previewFile({ id: file.id }), /not a regular file \(FIFO\)/);
  svc.close();
  const { NotRegularFileError, openEvidence } = await import('../../../electron/ingest/evidence-open.ts');
  await assert.rejects(openEvidence(path.join(ev, 'C', 'notes.txt')), NotRegularFileError);
  // A link swapped in is not followed either.
  fs.rmSync(path.join(ev, 'C', 'notes.txt'));
  fs.symlinkSync('/etc/passwd', path.join(ev, 'C', 'notes.txt'));
  await assert.rejects(openEvidence(path.join(ev, 'C', 'notes.txt')), /symbolic link/);
});

test('item 12: a file that grows while it is read is hashed up to its size at open, and the change is warned about', async (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'u_ex210302.log');
  const first = Buffer.alloc(3 << 20, 'a');
  fs.writeFileSync(file, first);
  const st = fs.statSync(file, { bigint: true });
  const warnings: IngestWarning[] = [];
  let grown = false;
  const r = await parseFile({ abs: file, rel: 'u_ex210302.log', size: Number(st.size), mtime: Number(st.mtimeNs / 1000n) }, {
    batch: () => undefined, warn: (w) => warnings.push(w),
    // The evidence is appended to while Loupe reads it.
    progress: () => { if (!grown) { grown = true; fs.appendFileSync(file, Buffer.alloc(1 << 20, 'b')); } },
  });
  assert.equal(r.bytes, first.length, 'read only as far as the size at open');
  assert.equal(r.hashes!.sha256, sha256(first), 'the hash is of exactly those bytes');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0].message, /changed while it was read \(listed 3145728 bytes, 4194304 bytes now; modified time changed\): the hash and events cover the first 3145728 bytes/);

  // Listed at one size, larger when opened: the manifest gets the size hashed, and verify sees the difference.
  const evDir = path.join(dir, 'ev', 'C');
  fs.mkdirSync(evDir, { recursive: true });
  fs.writeFileSync(path.join(evDir, 'x.log'), 'one\n');
  const casePath = path.join(dir, 'c.loupe');
  assert.equal(loupe('index', path.join(dir, 'ev'), '--case', casePath, '--quiet').status, 0);
  fs.appendFileSync(path.join(evDir, 'x.log'), 'two\n');
  const v = loupe('verify', '--case', casePath);
  assert.equal(v.status, 3);
  assert.match(v.stdout, /CHANGED {2}C\/x\.log/);
});

test('item 14: listing folders that changes their access time is reported once per run; a non-owner is told O_NOATIME is refused', (t) => {
  const dir = tmpDir(t);
  const ev = path.join(dir, 'evidence');
  fs.mkdirSync(path.join(ev, 'a', 'b'), { recursive: true });
  fs.writeFileSync(path.join(ev, 'a', 'b', 'f.txt'), 'x');
  const old = new Date('2021-03-01T00:00:00Z');
  for (const d of [ev, path.join(ev, 'a'), path.join(ev, 'a', 'b')]) fs.utimesSync(d, old, fs.statSync(d).mtime);
  const warnings: IngestWarning[] = [];
  walkEvidence(ev, (w) => warnings.push(w));
  const changed = [ev, path.join(ev, 'a'), path.join(ev, 'a', 'b')].filter((d) => fs.statSync(d).atimeMs !== old.getTime()).length;
  const about = warnings.filter((w) => /access times of .* folder/.test(w.message));
  if (changed === 0) assert.equal(about.length, 0, 'no claim when nothing changed (noatime mount)');
  else {
    assert.equal(about.length, 1, 'one warning for the run');
    assert.match(about[0].message, new RegExp(`^access times of ${changed} evidence folder\\(s\\) changed when they were listed: Node\\.js lists folders without O_NOATIME`));
  }

  if (process.getuid?.() !== 0) { t.skip('needs root to run as a non-owner'); return; }
  fs.chmodSync(dir, 0o755);
  const caseDir = path.join(dir, 'case');
  fs.mkdirSync(caseDir, { mode: 0o777 });
  fs.chmodSync(caseDir, 0o777);
  const asNobody = { uid: 65534, gid: 65534, encoding: 'utf8' as const, cwd: repoRoot, env: { ...process.env, HOME: caseDir } };
  if (spawnSync(process.execPath, ['-e', `require('fs').readFileSync(${JSON.stringify(BIN)})`], asNobody).status !== 0) { t.skip('the checkout is not readable by user nobody'); return; }
  const r = spawnSync(process.execPath, [BIN, 'index', ev, '--case', path.join(caseDir, 'c.loupe'), '--quiet'], asNobody);
  assert.equal(r.status, 0, r.stderr);
  const db = openCaseDb(path.join(caseDir, 'c.loupe'), { readonly: true });
  const w = db.prepare("SELECT message FROM warnings WHERE message LIKE 'access times of % evidence file(s)%'").all() as Array<{ message: string }>;
  db.close();
  assert.equal(w.length, 1);
  assert.match(w[0].message, /access times of 1 evidence file\(s\) change when they are read: Linux refuses O_NOATIME to a user who neither owns the files nor is root/);
});

test('item 15: control characters from evidence never reach the terminal in human lines; JSON keeps them exact', (t) => {
  const dir = tmpDir(t);
  const ev = path.join(dir, 'evidence');
  fs.mkdirSync(path.join(ev, WEB), { recursive: true });
  // ESC [2K erases the line, ESC [1A moves up: it would wipe the CRITICAL line above it. U+202E reverses the rest.
  const evil = 'x\u001b[2K\u001b[1A\u009b2J\u202excod.aspx';
  fs.writeFileSync(path.join(ev, WEB, evil), CHOPPER);
  const casePath = path.join(dir, 'c.loupe');
  assert.equal(loupe('index', ev, '--case', casePath, '--quiet').status, 0);
  for (const args of [['findings'], ['files'], ['timeline', '--limit', '50']]) {
    const r = loupe(...args, '--case', casePath);
    assert.equal(r.status, 0, r.stderr);
    const all = r.stdout + r.stderr;
    assert.doesNotMatch(all, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/, `${args[0]}: no raw control or override character`);
    assert.ok(all.includes('x\\x1b[2K\\x1b[1A\\x9b2J⟨U+202E⟩xcod.aspx'), `${args[0]}: shown escaped`);
  }
  const json = JSON.parse(loupe('findings', '--case', casePath, '--json').stdout) as Array<{ path: string | null }>;
  assert.ok(json.some((f) => f.path?.endsWith(evil)), 'JSON output holds the exact name');
});
