// End to end on generated evidence: generate, index (real parsers and detections), mark events like an analyst,
// then the report and every export must carry what was planted.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { openCaseDb } from '../../../electron/case/db.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import { getWebshells } from '../../../electron/detect/queries.ts';
import { buildReportModel, exportTo, reportHtml } from '../../../electron/report/index.ts';
import { REPORT_SECTIONS } from '../../../shared/api.ts';
import { escapeHtml } from '../../../electron/report/escape.ts';
import { generateEvidence, SHARED_EVTX_DIR } from '../../fixtures/generate.ts';
import { tmpDir } from '../../helpers/tmp.ts';

test('generated case: report has every section, the planted findings and the starred events; exports match the case', async (t) => {
  const dir = tmpDir(t);
  const root = path.join(dir, 'evidence');
  t.after(() => fs.rmSync(`${root}.manifest.json`, { force: true }));
  // Real EVTX files (../shared/data, test data only) are copied into the temporary evidence when present.
  const withEvtx = fs.existsSync(path.join(SHARED_EVTX_DIR, 'ORACLE.tsv'));
  const manifest = await generateEvidence(root, { scale: 0.1, seed: 5, includeEvtx: withEvtx });
  const casePath = path.join(dir, 'case.loupe');
  const db0 = openCaseDb(casePath, { create: true });
  db0.prepare('INSERT INTO evidence_sources (root, label, added_at) VALUES (?, ?, ?)').run(root, 'generated EXCH01', new Date().toISOString());
  db0.close();
  await new IndexCoordinator({ casePath, iocs: [manifest.attackerIocsCsv], workers: 1 }).run();

  const db = openCaseDb(casePath);
  t.after(() => db.close());
  // The analyst stars the first request to each planted web shell.
  const shells = getWebshells(db);
  assert.ok(shells.length > 0, 'the generated case has web shells');
  const starred = shells.map((s) => s.requests[0]).filter((r) => r !== undefined);
  for (const r of starred) db.prepare('INSERT INTO event_marks (event_id, starred) VALUES (?, 1)').run(r.eventId);

  const html = reportHtml(db, casePath, { companyName: 'Northwind Forensics' });
  for (const s of REPORT_SECTIONS) assert.ok(html.includes(`id="${s}"`), `section ${s}`);
  for (const p of manifest.planted) {
    assert.ok(html.includes(escapeHtml(p.check)), `planted check ${p.check} in the report`);
    if (p.path && p.check === 'webshell') assert.ok(html.includes(escapeHtml(p.path)), `web shell ${p.path}`);
  }
  const marked = db.prepare('SELECT message FROM events WHERE id = ?');
  for (const r of starred) assert.ok(html.includes(escapeHtml((marked.get(r.eventId) as { message: string }).message)), 'starred event listed');
  assert.equal((html.match(/<script/gi) ?? []).length, 0);

  // A finding resting on an EVTX record quotes that record's event (real Sysmon data: w3wp.exe starting cmd.exe).
  if (withEvtx) {
    const model = buildReportModel(db, { casePath });
    const evtx = model.findings.flatMap((f) => f.quotes).filter((q) => q.ref.record !== undefined);
    assert.ok(evtx.length > 0, 'some finding cites an EVTX record');
    assert.ok(evtx.every((q) => q.from === 'event' && q.fields !== null), 'EVTX records are quoted from their events');
    assert.ok(html.includes(escapeHtml(`${evtx[0].ref.file} record ${evtx[0].ref.record}`)));
  } else {
    t.diagnostic(`EVTX quoting not checked: ${SHARED_EVTX_DIR} is absent`);
  }

  const events = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  const csv = await exportTo(db, casePath, { format: 'csv', path: path.join(dir, 'out', 'timeline.csv') });
  assert.equal(csv.rows, events);
  assert.equal((parse(fs.readFileSync(csv.path), { columns: true }) as unknown[]).length, events);
  const jsonl = await exportTo(db, casePath, { format: 'timesketch', path: path.join(dir, 'out', 'timeline.jsonl') });
  const lines = fs.readFileSync(jsonl.path, 'utf8').trim().split('\n');
  assert.equal(lines.length, events);
  for (const l of lines) {
    const o = JSON.parse(l) as { message?: unknown; datetime?: unknown; timestamp_desc?: unknown };
    assert.ok(typeof o.message === 'string' && typeof o.timestamp_desc === 'string' && /^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(String(o.datetime)));
  }
  const stix = await exportTo(db, casePath, { format: 'stix', path: path.join(dir, 'out', 'iocs.json') });
  const patterns = (JSON.parse(fs.readFileSync(stix.path, 'utf8')) as { objects: Array<{ pattern?: string }> }).objects.map((o) => o.pattern);
  const shellIps = new Set(shells.flatMap((s) => s.attackerIps));
  for (const ip of shellIps) assert.ok(patterns.includes(`[ipv4-addr:value = '${ip}']`), `attacker IP ${ip}`);
  for (const ip of manifest.intrusions.flatMap((i) => i.ips)) assert.ok(patterns.includes(`[ipv4-addr:value = '${ip}']`), `intrusion IP ${ip}`);
  for (const s of shells) if (s.sha256) assert.ok(patterns.includes(`[file:hashes.'SHA-256' = '${s.sha256.toLowerCase()}']`), `shell hash ${s.sha256}`);
  assert.ok([...shellIps].every((ip) => manifest.attackerIps.includes(ip)));
  // Not shareable by default: the scanner, the stock Exchange file at an IOC path; with review they are listed, labelled.
  const names = (JSON.parse(fs.readFileSync(stix.path, 'utf8')) as { objects: Array<{ name?: string }> }).objects.map((o) => (o.name ?? '').toLowerCase());
  for (const x of manifest.notShareable) assert.ok(!names.some((n) => n.endsWith(`: ${x.value.toLowerCase()}`)), `${x.why} exported: ${x.value}`);
  const iocCsv = await exportTo(db, casePath, { format: 'ioc-csv', path: path.join(dir, 'out', 'iocs.csv'), report: { includeReview: true } });
  const iocRows = parse(fs.readFileSync(iocCsv.path), { columns: true }) as Array<Record<string, string>>;
  for (const x of manifest.notShareable) {
    const r = iocRows.find((y) => y.Indicator.toLowerCase() === x.value.toLowerCase());
    assert.ok(r && (r.Confidence === 'needs review' || r.Confidence === 'informational'), `${x.value}: ${r?.Confidence}`);
  }
  // The report answers the client's first question per intrusion.
  const stories = buildReportModel(db, { casePath }).stories;
  assert.deepEqual(stories.map((st) => st.intrusion?.mail.answer), manifest.intrusions.map((i) => i.mail));
  assert.equal((html.match(/Was mail accessed or taken\?/g) ?? []).length, 1 + manifest.intrusions.length, 'in the summary table and in each story');
});
