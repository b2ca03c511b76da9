// `loupe report` and `loupe export` through the real command: files written, audit kept, bad options refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openCaseDb } from '../../../electron/case/db.ts';
import { loupe } from '../../helpers/loupe.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { buildReportCase } from './fixture.ts';

function closedCase(t: Parameters<typeof tmpDir>[0]) {
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  c.db.close();
  return { dir, c };
}

test('loupe report writes the chosen sections with company and logo, and audits the export', (t) => {
  const { dir, c } = closedCase(t);
  const logo = path.join(dir, 'logo.svg');
  fs.writeFileSync(logo, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
  const out = path.join(dir, 'out', 'report.html');
  const r = loupe(['report', '--case', c.casePath, '--out', out, '--sections', 'summary,custody', '--company', 'Acme IR <b>', '--logo', logo]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^html: wrote .*report\.html \(\d+ bytes\)\n$/);
  const html = fs.readFileSync(out, 'utf8');
  assert.ok(html.includes('id="summary"') && html.includes('id="custody"') && !html.includes('id="findings"'));
  assert.ok(html.includes('Acme IR &lt;b&gt;'));
  assert.ok(html.includes('src="data:image/svg+xml;base64,'));
  const db = openCaseDb(c.casePath, { readonly: true });
  const audit = db.prepare("SELECT details FROM audit WHERE action = 'export'").all() as Array<{ details: string }>;
  db.close();
  assert.equal(audit.length, 1);
  assert.equal(JSON.parse(audit[0].details).format, 'html');
});

test('loupe report and export reject bad options with one line naming the option, exit code 2', (t) => {
  const { dir, c } = closedCase(t);
  const cases: Array<[string[], RegExp]> = [
    [['report', '--case', c.casePath, '--out', path.join(dir, 'r.html'), '--sections', 'summary,nope'], /--sections "nope" is not one of the allowed values: summary, findings/],
    [['report', '--case', c.casePath, '--out', path.join(dir, 'r.docx')], /--out .*r\.docx: the report is written as \.html or \.pdf/],
    [['report', '--bogus'], /unknown option --bogus/],
    [['export', '--case', c.casePath, '--format', 'xml', '--out', path.join(dir, 'x')], /--format "xml" is not one of the allowed values: csv, timesketch, timesketch-csv, stix, ioc-csv/],
    [['export', '--case', c.casePath, '--format', 'csv', '--out', path.join(dir, 'x'), '--from', 'yesterday'], /--from "yesterday" is not a date or time/],
    [['export', '--case', c.casePath, '--format', 'stix', '--out', path.join(dir, 'x'), '--ip', '1.2.3.4'], /--format stix writes the case's indicators/],
    [['report', '--case', c.casePath, '--out', path.join(dir, 'r.html'), '--sections', 'summary', '--tag', 'x'], /add timeline to --sections/],
  ];
  for (const [args, message] of cases) {
    const r = loupe(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
  }
  for (const f of ['r.html', 'r.docx', 'x']) assert.ok(!fs.existsSync(path.join(dir, f)), `${f} was not written`);
  const missing = loupe(['export', '--case', path.join(dir, 'none.loupe'), '--format', 'csv', '--out', path.join(dir, 'x.csv')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /case file not found/);
});

test('loupe export writes csv, timesketch and stix files, and takes the timeline filters', (t) => {
  const { dir, c } = closedCase(t);
  for (const [format, file] of [['csv', 't.csv'], ['timesketch', 't.jsonl'], ['stix', 'iocs.json']] as const) {
    const r = loupe(['export', '--case', c.casePath, '--format', format, '--out', path.join(dir, file)]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^${format}: wrote .*${file.replace('.', '\\.')} \\(\\d+ bytes, \\d+ rows\\)\n$`));
  }
  const ranged = loupe(['export', '--case', c.casePath, '--format', 'csv', '--out', path.join(dir, 'r.csv'), '--from', '2021-03-03T02:25:00Z', '--to', '2021-03-03', '--json']);
  assert.equal(ranged.status, 0, ranged.stderr);
  assert.equal(JSON.parse(ranged.stdout).rows, 4);
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
    const r = loupe(['export', '--case', c.casePath, '--format', 'csv', '--out', out, ...args]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`, ${expected.length} rows\\)`));
    const [header, ...lines] = fs.readFileSync(out, 'utf8').trim().split(/\r?\n/);
    assert.equal(lines.length, expected.length);
    // Found by name: a case whose display zone is not UTC has a local-time column beside the UTC one.
    const ipColumn = header.split(',').indexOf('Client IP');
    assert.ok(ipColumn > 0, header);
    assert.deepEqual(lines.map((l) => l.split(',')[ipColumn]), expected.map((e) => e.ip ?? ''), 'rows in the sort order of the filter');
  }
  const ip = expected.find((e) => e.ip)!.ip!;
  const narrowed = loupe(['export', '--case', c.casePath, '--format', 'csv', '--out', path.join(dir, 'n.csv'), '--view', 'Status 200', '--ip', ip, '--json']);
  assert.equal(narrowed.status, 0, narrowed.stderr);
  assert.equal(JSON.parse(narrowed.stdout).rows, expected.filter((e) => e.ip === ip).length, 'an option narrows the saved view further');
  const bad = loupe(['export', '--case', c.casePath, '--format', 'csv', '--out', path.join(dir, 'x.csv'), '--filter', '{"text": 3}']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--filter\.text must be a string/);
  const noView = loupe(['export', '--case', c.casePath, '--format', 'csv', '--out', path.join(dir, 'y.csv'), '--view', 'nope']);
  assert.equal(noView.status, 1);
  assert.match(noView.stderr, /--view "nope": no view of that name in this case \(saved: Status 200\)/);
  const badSearch = loupe(['export', '--case', c.casePath, '--format', 'csv', '--out', path.join(dir, 'z.csv'), '--query', 'a OR']);
  assert.equal(badSearch.status, 1);
  assert.match(badSearch.stderr, /OR at character 3 needs a term after it/);
});

test('loupe report takes the timeline filters: the analyst timeline holds the marked events that match, and says so', (t) => {
  const { dir, c } = closedCase(t);
  const out = path.join(dir, 'week.html');
  const r = loupe(['report', '--case', c.casePath, '--out', out, '--sections', 'timeline', '--from', '2021-03-05', '--to', '2021-03-05']);
  assert.equal(r.status, 0, r.stderr);
  const html = fs.readFileSync(out, 'utf8');
  assert.match(html, /limited to those from 2021-03-05T00:00:00\.000Z, to 2021-03-05T23:59:59\.999999Z\./);
  assert.ok(html.includes('Client IT disconnected EXCH01 from the network'), 'the manual event of March 5');
  assert.ok(!html.includes('Attacker sets OAB ExternalUrl'), 'the annotated event of March 3 is left out');
  const tagged = loupe(['report', '--case', c.casePath, '--out', out, '--sections', 'timeline', '--tag', 'containment,ssrf']);
  assert.equal(tagged.status, 0, tagged.stderr);
  const rows = fs.readFileSync(out, 'utf8').match(/<tr>/g)?.length ?? 0;
  const all = loupe(['report', '--case', c.casePath, '--out', path.join(dir, 'all.html'), '--sections', 'timeline']);
  assert.equal(all.status, 0, all.stderr);
  const allRows = fs.readFileSync(path.join(dir, 'all.html'), 'utf8').match(/<tr>/g)?.length ?? 0;
  assert.equal(allRows - rows, 3, 'two of the five marked events are tagged containment or ssrf');
  assert.ok(!fs.readFileSync(path.join(dir, 'all.html'), 'utf8').includes('limited to those'));
});
