// Completeness is read from the case's own facts: a case half indexed, with detections never run or older than its
// files, an unreachable folder or an unreadable file is incomplete, and its verdicts are "not assessed", never "no evidence".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setMeta } from '../../../electron/case/db.ts';
import { insertFinding, nowIso, upsertFile } from '../../../electron/case/write.ts';
import { runDetections } from '../../../electron/detect/index.ts';
import { computeCompleteness, DETECTION_MODEL } from '../../../electron/detect/completeness.ts';
import { getVerdicts } from '../../../electron/detect/queries.ts';
import { addFile, newCase } from './helpers.ts';
import type { TestCase } from './helpers.ts';

const pending = (tc: TestCase, rel: string): number => upsertFile(tc.db, {
  sourceId: tc.sourceId, relPath: rel, origPath: rel, size: 10, mtime: null, atime: null, ctime: null, btime: null,
  md5: null, sha1: null, sha256: null, kind: 'other', parser: null,
});

test('a new case with an evidence folder that was never indexed is incomplete', () => {
  const tc = newCase();
  try {
    const c = computeCompleteness(tc.db);
    assert.equal(c.complete, false);
    assert.match(c.headline, /^INCOMPLETE: no evidence has been indexed yet; evidence folder not indexed yet: /);
    assert.deepEqual(c.notIndexed, [tc.root]);
  } finally { tc.close(); }
});

test('files pending (a cancelled or killed run) and detections not run: "412 of 1,544 files indexed"-style headline', () => {
  const tc = newCase();
  try {
    addFile(tc, 'C/a.txt', 'a');
    addFile(tc, 'C/b.txt', 'b');
    pending(tc, 'C/c.txt');
    const c = computeCompleteness(tc.db);
    assert.equal(c.complete, false);
    assert.deepEqual(c.files, { total: 3, indexed: 2, pending: 1, failed: 0 });
    assert.equal(c.headline, 'INCOMPLETE: 2 of 3 files indexed; detections have not run');
    assert.equal(c.detections.state, 'not-run');
  } finally { tc.close(); }
});

test('a finished detection run makes the case complete; a file indexed after it makes the detections stale', async () => {
  const tc = newCase();
  try {
    addFile(tc, 'C/a.txt', 'a');
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const done = computeCompleteness(tc.db);
    assert.equal(done.complete, true, done.headline);
    assert.equal(done.detections.state, 'current');
    assert.match(done.headline, /^Complete: 1 file indexed; detections current$/);
    // A later ingest re-read one file (its indexed_at is after the run started) and added another.
    tc.db.prepare("UPDATE files SET indexed_at = '2999-01-01T00:00:00.000Z'").run();
    addFile(tc, 'C/b.txt', 'b');
    const stale = computeCompleteness(tc.db);
    assert.equal(stale.detections.state, 'stale');
    assert.match(stale.headline, /^INCOMPLETE: detections are older than the last ingest \(2 files changed since\)$/);
  } finally { tc.close(); }
});

test('an unreachable evidence folder, an unreadable file and detections from an older Loupe each make the case incomplete', async () => {
  const tc = newCase();
  try {
    addFile(tc, 'C/a.txt', 'a');
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    tc.db.prepare('UPDATE evidence_sources SET unreachable_at = ?').run(nowIso());
    const id = pending(tc, 'C/locked.bin');
    tc.db.prepare("UPDATE files SET state = 'error', indexed_at = NULL WHERE id = ?").run(id);
    tc.db.prepare("INSERT INTO warnings (file, file_id, message, created_at) VALUES ('C/locked.bin', ?, 'EACCES: permission denied — run as a user that can read it', ?)").run(id, nowIso());
    const c = computeCompleteness(tc.db);
    assert.equal(c.complete, false);
    assert.deepEqual(c.unreachable, [tc.root]);
    assert.deepEqual(c.unreadable, [{ file: 'C/locked.bin', message: 'EACCES: permission denied — run as a user that can read it' }]);
    assert.ok(c.reasons.includes('1 file could not be read'));
    assert.ok(c.reasons.includes(`evidence folder not reachable at the last run: ${tc.root}`));
    setMeta(tc.db, 'detections', JSON.stringify({ model: DETECTION_MODEL - 1, startedAt: nowIso(), finishedAt: nowIso(), files: 2, unreadable: [] }));
    assert.equal(computeCompleteness(tc.db).detections.state, 'outdated');
    tc.db.prepare("DELETE FROM meta WHERE key = 'detections'").run();
    assert.equal(computeCompleteness(tc.db).detections.state, 'outdated', 'findings without a record: detections of an older Loupe');
  } finally { tc.close(); }
});

test('verdicts: "not assessed" on an incomplete case without hits, "no evidence" only once it is complete; hits stand either way', async () => {
  const tc = newCase();
  try {
    addFile(tc, 'C/a.txt', 'a');
    pending(tc, 'C/b.txt');
    const before = Object.fromEntries(getVerdicts(tc.db).map((v) => [v.cve, v]));
    assert.equal(before['CVE-2021-26855'].verdict, 'not-assessed');
    assert.match(before['CVE-2021-26855'].summary, /^Not assessed: 1 of 2 files indexed; detections have not run\.$/);
    insertFinding(tc.db, { check: 'proxylogon.cve-2021-26858', severity: 'critical', confidence: 'confirmed', confidenceReason: 'x', title: 't', path: null, time: null, sha256: null, evidence: [{ file: 'C/a.txt', line: 1 }] }, { details: { outcome: 'exploited' } });
    assert.equal(Object.fromEntries(getVerdicts(tc.db).map((v) => [v.cve, v.verdict]))['CVE-2021-26858'], 'exploited');
    tc.db.prepare("UPDATE files SET state = 'done', indexed_at = ?").run(nowIso());
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const after = Object.fromEntries(getVerdicts(tc.db).map((v) => [v.cve, v.verdict]));
    assert.equal(after['CVE-2021-26855'], 'not-covered', 'complete, but no HttpProxy logs: not covered (never "not assessed")');
  } finally { tc.close(); }
});
