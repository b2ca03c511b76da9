import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { exportCommand, reportCommand } from '../../../electron/report/cli.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { buildReportCase } from './fixture.ts';

/** Runs a command with console output captured. */
async function run(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  console.error = (...a: unknown[]) => { err.push(a.join(' ')); };
  try {
    return { code: await fn(), out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

function closedCase(t: Parameters<typeof tmpDir>[0]) {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  c.db.close();
  return { dir, c };
}

test('loupe report writes the chosen sections with company and logo, and audits the export', async (t) => {
  const { dir, c } = closedCase(t);
  const logo = path.join(dir, 'logo.svg');
  fs.writeFileSync(logo, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
  const out = path.join(dir, 'out', 'report.html');
  const r = await run(() => reportCommand(['--case', c.casePath, '--out', out, '--sections', 'summary,custody', '--company', 'Acme IR <b>', '--logo', logo]));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /html: wrote .*report\.html \(\d+ bytes\)/);
  const html = fs.readFileSync(out, 'utf8');
  assert.ok(html.includes('id="summary"') && html.includes('id="custody"') && !html.includes('id="findings"'));
  assert.ok(html.includes('Acme IR &lt;b&gt;'));
  assert.ok(html.includes('src="data:image/svg+xml;base64,'));
  const { openCaseDb } = await import('../../../electron/case/db.ts');
  const db = openCaseDb(c.casePath, { readonly: true });
  const audit = db.prepare("SELECT details FROM audit WHERE action = 'export'").all() as Array<{ details: string }>;
  db.close();
  assert.equal(audit.length, 1);
  assert.equal(JSON.parse(audit[0].details).format, 'html');
});

test('loupe report and export reject bad options with usage and exit code 2', async (t) => {
  const { dir, c } = closedCase(t);
  const bad = await run(() => reportCommand(['--case', c.casePath, '--out', path.join(dir, 'r.html'), '--sections', 'summary,nope']));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown section\(s\) nope/);
  assert.match(bad.err, /usage: loupe report/);
  assert.equal((await run(() => reportCommand(['--case', c.casePath, '--out', path.join(dir, 'r.docx')]))).code, 2);
  assert.equal((await run(() => reportCommand(['--bogus']))).code, 2);
  assert.equal((await run(() => exportCommand(['--case', c.casePath, '--format', 'xml', '--out', path.join(dir, 'x')]))).code, 2);
  assert.equal((await run(() => exportCommand(['--case', c.casePath, '--format', 'csv', '--out', path.join(dir, 'x'), '--from', 'yesterday']))).code, 2);
  const missing = await run(() => exportCommand(['--case', path.join(dir, 'none.loupe'), '--format', 'csv', '--out', path.join(dir, 'x.csv')]));
  assert.equal(missing.code, 1);
  assert.match(missing.err, /case file not found/);
});

test('loupe export writes csv, timesketch and stix files', async (t) => {
  const { dir, c } = closedCase(t);
  for (const [format, file] of [['csv', 't.csv'], ['timesketch', 't.jsonl'], ['stix', 'iocs.json']] as const) {
    const r = await run(() => exportCommand(['--case', c.casePath, '--format', format, '--out', path.join(dir, file)]));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^${format}: wrote .*${file.replace('.', '\\.')} \\(\\d+ bytes, \\d+ rows\\)$`));
  }
  const ranged = await run(() => exportCommand(['--case', c.casePath, '--format', 'csv', '--out', path.join(dir, 'r.csv'), '--from', '2021-03-03T02:25:00Z', '--to', '2021-03-04']));
  assert.match(ranged.out, /\(\d+ bytes, 4 rows\)/);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'iocs.json'), 'utf8')).type, 'bundle');
});

test('loupe export takes a TimelineQuery (--filter) or a saved view (--view) and writes just those rows', async (t) => {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  const { queryTimeline } = await import('../../../electron/case/read.ts');
  const { saveView } = await import('../../../electron/case/analyst.ts');
  const filter = { text: 'NOT source:ecp-server', columns: [{ field: 'status', op: 'equals' as const, value: '200' }], sort: { field: 'ip', dir: 'desc' as const } };
  const expected = queryTimeline(c.db, { ...filter, limit: 5000 }).rows;
  const all = queryTimeline(c.db, { limit: 5000 }).rows.length;
  assert.ok(expected.length > 0 && expected.length < all, `${expected.length} of ${all}`);
  saveView(c.db, 'Status 200', filter);
  c.db.close();
  for (const args of [['--filter', JSON.stringify(filter)], ['--view', 'Status 200']]) {
    const out = path.join(dir, `f${args[0]}.csv`);
    const r = await run(() => exportCommand(['--case', c.casePath, '--format', 'csv', '--out', out, ...args]));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`, ${expected.length} rows\\)`));
    const lines = fs.readFileSync(out, 'utf8').trim().split(/\r?\n/).slice(1);
    assert.equal(lines.length, expected.length);
    assert.deepEqual(lines.map((l) => l.split(',')[5]), expected.map((e) => e.ip ?? ''), 'rows in the sort order of the filter');
  }
  const bad = await run(() => exportCommand(['--case', c.casePath, '--format', 'csv', '--out', path.join(dir, 'x.csv'), '--filter', '{"text": 3}']));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--filter\.text must be a string/);
  const noView = await run(() => exportCommand(['--case', c.casePath, '--format', 'csv', '--out', path.join(dir, 'y.csv'), '--view', 'nope']));
  assert.equal(noView.code, 2);
  assert.match(noView.err, /no such saved view .*saved: Status 200/);
  const badSearch = await run(() => exportCommand(['--case', c.casePath, '--format', 'csv', '--out', path.join(dir, 'z.csv'), '--query', 'a OR']));
  assert.equal(badSearch.code, 1);
  assert.match(badSearch.err, /OR at character 3 needs a term after it/);
});
