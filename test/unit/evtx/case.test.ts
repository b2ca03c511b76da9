// Recovered EVTX records in a real case: indexed through the real ingest, marked (recovered: slack / damaged chunk),
// filtered by the timeline (shown by default, hidden, alone), counted per file, and described in the report.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { migrate, openCaseDb } from '../../../electron/case/db.ts';
import { LATEST_VERSION } from '../../../electron/case/migrations/index.ts';
import { decodeFields, FIELDS_COLUMNS } from '../../../electron/case/fields.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import { CaseService } from '../../../electron/service.ts';
import type { ParseOutcome } from '../../../shared/types.ts';
import { newCase } from '../../helpers/case.ts';
import { loupeAsync } from '../../helpers/loupe.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { evtxDir, parseBytes, repoRoot } from './support.ts';

const hard = (name: string) => path.resolve(repoRoot, '../shared/data/evtx-hard', name);
const LOGS: Record<string, string> = {
  'C/Windows/System32/winevt/Logs/Security.evtx': hard('rs__samples__sample_with_a_bad_chunk_magic.evtx'),
  'C/Windows/System32/winevt/Logs/Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx':
    hard('rs__samples__2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx'),
  'C/Windows/System32/winevt/Logs/System.evtx': path.join(evtxDir, 'Privilege_Escalation__System_7045_namedpipe_privesc.evtx'),
};
const missing = Object.values(LOGS).some((f) => !fs.existsSync(f)) && 'shared EVTX samples absent';

async function expectedOutcomes(): Promise<Map<string, ParseOutcome>> {
  const out = new Map<string, ParseOutcome>();
  for (const [rel, src] of Object.entries(LOGS)) {
    await parseBytes(new Uint8Array(fs.readFileSync(src)), rel, 1 << 20, (o) => out.set(rel, o));
  }
  return out;
}

test('recovered EVTX records in a case: marked, filtered (shown by default, hidden, alone), counted per file, in the report', { skip: missing, timeout: 120_000 }, async (t) => {
  const dir = tmpDir(t);
  const ev = path.join(dir, 'evidence');
  for (const [rel, src] of Object.entries(LOGS)) {
    fs.mkdirSync(path.dirname(path.join(ev, rel)), { recursive: true });
    fs.copyFileSync(src, path.join(ev, rel));
  }
  const casePath = await newCase(dir, ev);
  await new IndexCoordinator({ casePath, detect: false, workers: 1 }).run();
  const expected = await expectedOutcomes();

  const db = openCaseDb(casePath, { readonly: true });
  try {
    const outcomes = db.prepare('SELECT f.rel_path AS rel, o.read, o.recovered, o.unreadable FROM file_outcomes o JOIN files f ON f.id = o.file_id ORDER BY f.rel_path').all() as Array<ParseOutcome & { rel: string }>;
    assert.deepEqual(outcomes.map(({ rel, ...o }) => [rel, o]),
      [...expected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([rel, o]) => [rel, { read: o.read, recovered: o.recovered, unreadable: o.unreadable }]));
    // Every event whose fields say recovered carries the mark, and only those.
    const rows = db.prepare(`SELECT e.id, ${FIELDS_COLUMNS('e')}, r.how FROM events e LEFT JOIN event_recovered r ON r.event_id = e.id WHERE e.source = 'evtx'`).all() as Array<{ id: number; how: string | null }>;
    for (const r of rows) assert.equal(r.how, decodeFields(r).recovered ?? null, `event ${r.id}`);
    const marked = rows.filter((r) => r.how);
    assert.equal(marked.length, [...expected.values()].reduce((n, o) => n + o.recovered, 0));
    assert.deepEqual(new Set(marked.map((r) => r.how)), new Set(['slack', 'damaged chunk']));
    const unreadable = db.prepare(`SELECT message FROM warnings WHERE message LIKE '%could not be decoded%'`).all() as Array<{ message: string }>;
    assert.deepEqual(unreadable.map((w) => w.message.slice(0, 49)), ['evtx: 2 of 1912 records could not be decoded (at ']);
  } finally {
    db.close();
  }

  const svc = new CaseService({ casePath });
  try {
    const all = await svc.queryTimeline({ limit: 5000 });
    const hidden = await svc.queryTimeline({ recovered: 'exclude', limit: 5000 });
    const only = await svc.queryTimeline({ recovered: 'only', limit: 5000 });
    const recoveredCount = [...expected.values()].reduce((n, o) => n + o.recovered, 0);
    assert.equal(all.total, all.rows.length);
    assert.equal(hidden.total, all.total! - recoveredCount);
    assert.equal(only.total, recoveredCount);
    assert.equal(only.rows.length, recoveredCount);
    assert.ok(only.rows.every((r) => r.recovered === 'slack' || r.recovered === 'damaged chunk'));
    assert.ok(hidden.rows.every((r) => r.recovered === undefined));
    assert.equal(all.rows.filter((r) => r.recovered).length, recoveredCount, 'shown by default, each marked');
    // Counts and histograms from the per-minute table take the hidden records off too, over any range.
    const from = all.rows[Math.floor(all.rows.length / 3)].ts;
    const to = all.rows[Math.floor((2 * all.rows.length) / 3)].ts;
    const inRange = all.rows.filter((r) => r.ts >= from && r.ts < to);
    assert.equal((await svc.queryTimeline({ recovered: 'exclude', from, to, sources: ['evtx', 'filesystem'] })).total, inRange.filter((r) => !r.recovered).length);
    const histogram = await svc.histogram({ recovered: 'exclude', buckets: 50 });
    assert.equal(histogram.buckets.reduce((n, b) => n + b.count, 0), hidden.total);
    // The Files view's rows carry each log's outcome (what it shows as "N read · R recovered · U unreadable").
    const files = await svc.listFiles({ kinds: ['evtx'] });
    assert.deepEqual(files.rows.map((f) => [f.relPath.replace(/^.*?(C\/Windows)/, '$1'), f.outcome]).sort(),
      [...expected].map(([rel, o]) => [rel, { read: o.read, recovered: o.recovered, unreadable: o.unreadable }]).sort());
    const detail = await svc.getEvent({ id: only.rows[0].id });
    assert.equal(detail?.fields.recovered, only.rows[0].recovered);
    const report = await svc.renderReportHtml({ sections: ['methodology'] });
    const read = [...expected.values()].reduce((n, o) => n + o.read, 0).toLocaleString('en-US');
    assert.match(report, new RegExp(`3 EVTX file\\(s\\): ${read} live record\\(s\\) read`));
    assert.match(report, new RegExp(`${recoveredCount} more recovered from the logs&#39; slack space|${recoveredCount} more recovered from the logs' slack space`));
  } finally {
    svc.close();
  }

  // The command line takes the same filter: timeline and export with --recovered, each row marked.
  const recoveredCount = [...expected.values()].reduce((n, o) => n + o.recovered, 0);
  const [only, hidden, bad, csv] = await Promise.all([
    loupeAsync(['timeline', '--case', casePath, '--recovered', 'only', '--jsonl']),
    loupeAsync(['timeline', '--case', casePath, '--recovered', 'exclude', '--source', 'evtx']),
    loupeAsync(['timeline', '--case', casePath, '--recovered', 'maybe']),
    loupeAsync(['export', '--case', casePath, '--format', 'csv', '--recovered', 'exclude', '--source', 'evtx', '--out', path.join(dir, 'live.csv'), '--allow-incomplete']),
  ]);
  assert.equal(only.status, 0, only.stderr);
  const onlyRows = only.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { recovered?: string });
  assert.equal(onlyRows.length, recoveredCount);
  assert.ok(onlyRows.every((r) => r.recovered === 'slack' || r.recovered === 'damaged chunk'));
  assert.equal(hidden.status, 0, hidden.stderr);
  const liveCount = [...expected.values()].reduce((n, o) => n + o.read, 0);
  assert.equal(hidden.stdout.split('\n').filter(Boolean).length, liveCount);
  assert.doesNotMatch(hidden.stdout, /\[recovered: /);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--recovered.*include, exclude, only/);
  assert.equal(csv.status, 0, csv.stderr);
  assert.match(csv.stderr, new RegExp(`${liveCount} rows`));

  // Re-reading a changed log replaces its marks and outcome; nothing is left behind or doubled.
  const sec = path.join(ev, 'C/Windows/System32/winevt/Logs/Security.evtx');
  fs.utimesSync(sec, new Date(), new Date());
  await new IndexCoordinator({ casePath, detect: false, workers: 1 }).run();
  const again = openCaseDb(casePath, { readonly: true });
  try {
    const n = (again.prepare('SELECT count(*) AS n FROM event_recovered').get() as { n: number }).n;
    assert.equal(n, [...expected.values()].reduce((k, o) => k + o.recovered, 0));
    assert.equal((again.prepare('SELECT count(*) AS n FROM event_recovered r LEFT JOIN events e ON e.id = r.event_id WHERE e.id IS NULL').get() as { n: number }).n, 0);
    assert.equal((again.prepare('SELECT count(*) AS n FROM file_outcomes').get() as { n: number }).n, 3);
  } finally {
    again.close();
  }
});

test('migration 5 on a schema-1 case: its events stay, the mark and outcome tables appear and follow deletions', (t) => {
  const file = path.join(tmpDir(t), 'old.loupe');
  const raw = new Database(file);
  migrate(raw, 0, 1);
  raw.prepare(`INSERT INTO evidence_sources (root, label, added_at) VALUES ('/e', 'e', 'now')`).run();
  raw.prepare(`INSERT INTO files (source_id, rel_path, orig_path, size, kind, state) VALUES (1, 'a.evtx', 'C:\\a.evtx', 1, 'evtx', 'done')`).run();
  raw.prepare(`INSERT INTO events (ts, ts_desc, source, message, file_id) VALUES (1, 'Event Logged', 'evtx', 'm', 1)`).run();
  raw.close();
  const db = openCaseDb(file);
  try {
    assert.equal(db.pragma('user_version', { simple: true }), LATEST_VERSION);
    assert.equal((db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n, 1);
    db.prepare(`INSERT INTO event_recovered (event_id, how) VALUES (1, 'slack')`).run();
    db.prepare('INSERT INTO file_outcomes (file_id, read, recovered, unreadable) VALUES (1, 0, 1, 0)').run();
    assert.throws(() => db.prepare(`INSERT INTO event_recovered (event_id, how) VALUES (1, 'elsewhere')`).run(), /CHECK|UNIQUE/);
    db.prepare('DELETE FROM events').run();
    db.prepare('DELETE FROM files').run();
    assert.equal((db.prepare('SELECT count(*) AS n FROM event_recovered').get() as { n: number }).n, 0);
    assert.equal((db.prepare('SELECT count(*) AS n FROM file_outcomes').get() as { n: number }).n, 0);
  } finally {
    db.close();
  }
});
