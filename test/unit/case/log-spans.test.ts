// Each file's first and last log entry is kept on its manifest row by the writers (files.log_first / log_last), so log
// coverage and the verdicts read the manifest instead of every event. The spans must equal what a pass over the events
// gives (file-system times and implausible times left out), on real logs, after a file changes, and in a case migrated
// from schema 8.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { migrate, openCaseDb, type Db } from '../../../electron/case/db.ts';
import { computeFileSpans, plausibleLogTimes } from '../../../electron/detect/coverage.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import { CaseService } from '../../../electron/service.ts';
import { sharedData, tmpDir } from '../../helpers/tmp.ts';

/** The spans from the events themselves: the query coverage used before the writers kept them. */
function spansFromEvents(db: Db): Map<string, [number | null, number | null]> {
  const { from, to } = plausibleLogTimes();
  const rows = db.prepare(`SELECT f.rel_path AS rel, min(e.ts) AS lo, max(e.ts) AS hi FROM files f
      LEFT JOIN events e ON e.file_id = f.id AND e.source != 'filesystem' AND e.ts BETWEEN ? AND ?
    GROUP BY f.id`).all(from, to) as Array<{ rel: string; lo: number | null; hi: number | null }>;
  return new Map(rows.map((r) => [r.rel, [r.lo, r.hi]]));
}

function storedSpans(db: Db): Map<string, [number | null, number | null]> {
  const rows = db.prepare('SELECT rel_path AS rel, log_first AS lo, log_last AS hi FROM files').all() as Array<{ rel: string; lo: number | null; hi: number | null }>;
  return new Map(rows.map((r) => [r.rel, [r.lo, r.hi]]));
}

const index = (casePath: string): Promise<unknown> => new IndexCoordinator({ casePath, detect: false, workers: 2 }).run();

test('real IIS and EVTX logs (a 1601 record among them): stored spans equal the events\' own, and coverage reads them', async (t) => {
  const dir = tmpDir(t);
  const casePath = path.join(dir, 'real.loupe');
  const svc = new CaseService();
  await svc.createCase({ path: casePath });
  await svc.addEvidence({ root: path.join(sharedData, 'iis') });
  await svc.addEvidence({ root: path.join(sharedData, 'evtx-hard') });
  svc.close();
  await index(casePath);
  const db = openCaseDb(casePath, { readonly: true });
  try {
    const stored = storedSpans(db);
    assert.deepEqual(stored, spansFromEvents(db));
    const hello = [...stored].find(([rel]) => rel.includes('HelloForBusiness'))!;
    assert.ok(hello[1][0]! > Date.UTC(2000, 0, 1) * 1000, 'the 1601 record does not stretch the span');
    const tunna = stored.get('Command_and_Control__Tunna_rdp_tunnel_IIS.log')!;
    assert.deepEqual(tunna, [Date.UTC(2019, 8, 3, 10, 13, 36) * 1000, tunna[1]]);
    assert.ok(tunna[1]! > tunna[0]!);
    assert.ok(db.prepare('SELECT count(*) FROM files WHERE log_first IS NOT NULL').pluck().get() as number > 20);
    const spans = computeFileSpans(db);
    assert.deepEqual(spans.find((s) => s.folder === '.' && s.kind === 'iis-log')?.oldest, tunna[0]);
  } finally {
    db.close();
  }
});

const line = (hhmmss: string): string => `2021-03-02 ${hhmmss} 10.0.0.5 GET /owa/ - 443 - 10.0.0.20 Mozilla/5.0 - 200 0 0 15`;
const iis = (lines: string[]): string => ['#Software: Microsoft Internet Information Services 10.0', '#Version: 1.0',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  ...lines, ''].join('\r\n');

test('a log that grows widens its span; one rewritten shorter narrows it (its events are read again)', async (t) => {
  const dir = tmpDir(t);
  const ev = path.join(dir, 'evidence');
  const log = path.join(ev, 'W3SVC1', 'u_ex210302.log');
  fs.mkdirSync(path.dirname(log), { recursive: true });
  fs.writeFileSync(log, iis([line('02:00:00'), line('03:00:00')]));
  const casePath = path.join(dir, 'grow.loupe');
  const svc = new CaseService();
  await svc.createCase({ path: casePath });
  await svc.addEvidence({ root: ev });
  svc.close();
  const span = (): [number | null, number | null] => {
    const db = openCaseDb(casePath, { readonly: true });
    try {
      assert.deepEqual(storedSpans(db), spansFromEvents(db));
      return storedSpans(db).get('W3SVC1/u_ex210302.log')!;
    } finally { db.close(); }
  };
  const at = (hhmmss: string): number => Date.parse(`2021-03-02T${hhmmss}Z`) * 1000;
  await index(casePath);
  assert.deepEqual(span(), [at('02:00:00'), at('03:00:00')]);
  fs.appendFileSync(log, `${line('05:00:00')}\r\n`);
  await index(casePath);
  assert.deepEqual(span(), [at('02:00:00'), at('05:00:00')]);
  fs.writeFileSync(log, iis([line('02:30:00'), line('02:40:00')]));
  await index(casePath);
  assert.deepEqual(span(), [at('02:30:00'), at('02:40:00')]);
});

test('migration 9: a schema-8 case gains the spans of its files\' events; a plain INSERT INTO events keeps them too', (t) => {
  const file = path.join(tmpDir(t), 'old.loupe');
  const old = new Database(file);
  migrate(old, 0, 8);
  old.prepare("INSERT INTO evidence_sources (root, label, added_at) VALUES ('/e', 'e', 'now')").run();
  const addFile = old.prepare("INSERT INTO files (source_id, rel_path, orig_path, size, kind, state) VALUES (1, ?, ?, 1, 'evtx', 'done')");
  addFile.run('a.evtx', 'C:\\a.evtx');
  addFile.run('b.evtx', 'C:\\b.evtx');
  const add = old.prepare("INSERT INTO events (ts, ts_desc, source, message, file_id) VALUES (?, 'Event Logged', ?, 'm', ?)");
  const us = (iso: string): number => Date.parse(iso) * 1000;
  add.run(us('2021-03-02T01:00:00Z'), 'evtx', 1);
  add.run(us('2021-03-04T01:00:00Z'), 'evtx', 1);
  add.run(Date.UTC(1601, 0, 1) * 1000, 'evtx', 1);
  add.run(us('2026-11-29T00:00:00Z'), 'filesystem', 1);
  add.run(us('2021-03-05T00:00:00Z'), 'filesystem', 2);
  old.close();

  const db = openCaseDb(file);
  try {
    assert.deepEqual(storedSpans(db), new Map([['a.evtx', [us('2021-03-02T01:00:00Z'), us('2021-03-04T01:00:00Z')]], ['b.evtx', [null, null]]]));
    db.prepare("INSERT INTO events (ts, ts_desc, source, message, file_id) VALUES (?, 'Event Logged', 'evtx', 'm', 2)").run(us('2021-03-06T00:00:00Z'));
    db.prepare("INSERT INTO events (ts, ts_desc, source, message, file_id) VALUES (?, 'Event Logged', 'evtx', 'm', 1)").run(us('2021-03-01T00:00:00Z'));
    assert.deepEqual(storedSpans(db), spansFromEvents(db));
    assert.deepEqual(storedSpans(db).get('b.evtx'), [us('2021-03-06T00:00:00Z'), us('2021-03-06T00:00:00Z')]);
  } finally {
    db.close();
  }
});
