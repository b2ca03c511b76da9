// Issue 11, items 5, 6, 7, 16 and 17: exports and reports never land in the evidence (links resolved) or over the case,
// never leave a truncated file under the final name, show bidi overrides visibly, and write CSV a spreadsheet
// cannot split or evaluate.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { EventInserter } from '../../../electron/case/write.ts';
import { exportTimeline, exportTo } from '../../../electron/report/index.ts';
import { isoToMicros } from '../../../shared/types.ts';
import { loupe } from '../../helpers/loupe.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { buildReportCase } from './fixture.ts';

/** `loupe export …` through the real command: its exit code and what it said on stderr. */
function exportCli(args: string[]): { code: number | null; err: string } {
  const r = loupe(['export', ...args]);
  return { code: r.status, err: r.stderr };
}

/** Every file below a folder with its bytes, to prove a folder unchanged. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    if (e.isFile()) out[path.relative(dir, p)] = fs.readFileSync(p).toString('base64');
  }
  return out;
}

test('item 5: --out through a symbolic link into the evidence is refused, for a link folder and a link file alike', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  c.db.close();
  const before = snapshot(c.evidenceRoot);
  fs.symlinkSync(c.evidenceRoot, path.join(dir, 'link-to-evidence'));
  const victim = path.join(c.evidenceRoot, 'C/inetpub/wwwroot/aspnet_client/supp0rt.aspx');
  fs.symlinkSync(victim, path.join(dir, 'innocent.csv'));
  for (const out of [path.join(dir, 'link-to-evidence', 'C/inetpub/wwwroot/aspnet_client/supp0rt.aspx'), path.join(dir, 'link-to-evidence/new/timeline.csv'), path.join(dir, 'innocent.csv')]) {
    const r = exportCli(['--case', c.casePath, '--format', 'csv', '--out', out]);
    assert.equal(r.code, 1, out);
    assert.match(r.err, /inside the evidence folder/);
  }
  assert.deepEqual(snapshot(c.evidenceRoot), before, 'the evidence is unchanged');
  assert.equal(fs.lstatSync(path.join(dir, 'innocent.csv')).isSymbolicLink(), true);
});

test('item 6: exporting over the case file or its -wal/-shm is refused and the case keeps its tags', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  c.db.close();
  const caseBytes = fs.readFileSync(c.casePath);
  fs.symlinkSync(c.casePath, path.join(dir, 'alias.loupe'));
  for (const out of [c.casePath, `${c.casePath}-wal`, `${c.casePath}-shm`, path.join(dir, 'alias.loupe'), path.join(dir, '.', 'sub', '..', path.basename(c.casePath))]) {
    const r = exportCli(['--case', c.casePath, '--format', 'csv', '--out', out]);
    assert.equal(r.code, 1, out);
    assert.match(r.err, /that is the case file/);
  }
  assert.deepEqual(fs.readFileSync(c.casePath), caseBytes);
  for (const side of [`${c.casePath}-wal`, `${c.casePath}-shm`]) {
    if (fs.existsSync(side)) assert.doesNotMatch(fs.readFileSync(side).subarray(0, 64).toString('latin1'), /Timestamp/, `${side} is not an export`);
  }
});

test('item 7: a failed export leaves the earlier file whole and no partial file beside it', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => { if (c.db.open) c.db.close(); });
  const out = path.join(dir, 'exports', 'timeline.csv');
  await exportTimeline(c.db, 'csv', out);
  const good = fs.readFileSync(out);
  // The case goes away after the output was opened: the export is abandoned mid-way.
  const gone = buildReportCase(tmpDir(t)).db;
  gone.close();
  await assert.rejects(exportTimeline(gone, 'csv', out), /not open/);
  assert.deepEqual(fs.readFileSync(out), good);
  assert.deepEqual(fs.readdirSync(path.dirname(out)), ['timeline.csv']);

  // Disk full, for real: a 64 KiB file system holding the good export; the new one does not fit.
  const mnt = path.join(dir, 'full');
  fs.mkdirSync(mnt);
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]).status !== 0) { t.skip('cannot mount a small tmpfs here (needs root)'); return; }
  try {
    await diskFull(c, mnt, good);
  } finally {
    spawnSync('umount', [mnt]);
  }
});

async function diskFull(c: ReturnType<typeof buildReportCase>, mnt: string, good: Buffer): Promise<void> {
  const target = path.join(mnt, 'timeline.csv');
  fs.writeFileSync(target, good);
  const ins = new EventInserter(c.db);
  c.db.transaction(() => {
    for (let i = 0; i < 800; i++) ins.insert({ ts: isoToMicros('2021-03-04T00:00:00Z') + i, tsDesc: 'Request', source: 'iis', message: `padding ${'x'.repeat(100)} ${i}`, fields: {}, ref: { file: 'x.log', line: i + 1 } }, null);
  })();
  await assert.rejects(exportTo(c.db, c.casePath, { format: 'csv', path: target }), /ENOSPC/);
  assert.deepEqual(fs.readFileSync(target), good, 'the good file is still whole');
  assert.deepEqual(fs.readdirSync(mnt), ['timeline.csv'], 'no partial file is left');
}

test('item 16: bidi overrides in names show as ⟨U+202E⟩ in the report (HTML and the text of its PDF)', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => c.db.close());
  const name = 'C:\\inetpub\\wwwroot\\aspnet_client\\\u202excod.aspx';
  c.db.prepare("UPDATE findings SET path = ?, title = ? WHERE check_id = 'webshell'").run(name, `Web shell: ${name}`);
  const html = fs.readFileSync((await exportTo(c.db, c.casePath, { format: 'html', path: path.join(dir, 'r.html') })).path, 'utf8');
  assert.equal(html.includes('\u202e'), false, 'no raw override in the HTML');
  assert.ok(html.includes('aspnet_client\\⟨U+202E⟩xcod.aspx'));
  if (!fs.existsSync('/usr/bin/chromium') || spawnSync('which', ['pdftotext']).status !== 0) { t.skip('Chromium or pdftotext not installed'); return; }
  const pdf = await exportTo(c.db, c.casePath, { format: 'pdf', path: path.join(dir, 'r.pdf'), report: { sections: ['findings'] } });
  const text = spawnSync('pdftotext', ['-enc', 'UTF-8', pdf.path, '-'], { encoding: 'utf8' }).stdout;
  assert.equal(text.includes('\u202e'), false);
  assert.match(text, /U\+202E/);
});

test('item 17: CSV cells with a bare CR or LF are quoted; formulas are neutralised unless --raw-cells', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  const ins = new EventInserter(c.db);
  const hostile = ['=HYPERLINK("http://evil.test","x")\n2021-01-01 00:00:00.000,fake,row', '+1+cmd|\' /C calc\'!A0\rsecond', '-2+3', '@SUM(A1)', '\tTAB', 'plain, with comma "and quote"'];
  c.db.transaction(() => {
    hostile.forEach((m, i) => ins.insert({ ts: isoToMicros('2021-03-09T00:00:00Z') + i, tsDesc: 'Request', source: 'iis', message: m, fields: {}, ref: { file: 'h.log', line: i + 1 } }, null));
  })();
  c.db.close();
  const read = (file: string, column: string): string[] => (parse(fs.readFileSync(file), { columns: true, relax_column_count: false }) as Array<Record<string, string>>)
    .filter((r) => (r.Timestamp ?? r['Timestamp (UTC)'] ?? r.datetime ?? '').startsWith('2021-03-09')).map((r) => r[column]);
  const csv = path.join(dir, 'timeline.csv');
  assert.equal((exportCli(['--case', c.casePath, '--format', 'csv', '--out', csv])).code, 0);
  // One record per event (a bare LF/CR no longer starts a new one), each formula shown as text.
  assert.deepEqual(read(csv, 'Message'), hostile.map((m) => (/^[=+\-@\t\r]/.test(m) ? `'${m}` : m)));
  const raw = path.join(dir, 'raw.csv');
  assert.equal((exportCli(['--case', c.casePath, '--format', 'csv', '--out', raw, '--raw-cells'])).code, 0);
  assert.deepEqual(read(raw, 'Message'), hostile);
  // Timesketch imports its CSV itself: exact cells, quoted.
  const ts = path.join(dir, 'ts.csv');
  assert.equal((exportCli(['--case', c.casePath, '--format', 'timesketch-csv', '--out', ts])).code, 0);
  assert.deepEqual(read(ts, 'message'), hostile);
});
