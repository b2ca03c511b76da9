import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { exportTo, findChromium, NO_CHROMIUM_MESSAGE, writeReportPdf, writeReportPdfWith } from '../../../electron/report/index.ts';
import { repoRoot, tmpDir } from '../../helpers/tmp.ts';
import { buildReportCase } from './fixture.ts';

const hasPoppler = spawnSync('pdftoppm', ['-v']).status === 0 && spawnSync('pdftotext', ['-v']).status === 0;
const SCREENSHOTS = path.join(repoRoot, 'test-output', 'screenshots');

/** Mean and variance of the grey levels of one page rendered at 50 dpi (PGM from pdftoppm). */
function pageGreyStats(pdf: string, page: number, dir: string): { mean: number; variance: number; dark: number } {
  const base = path.join(dir, `grey-${page}`);
  execFileSync('pdftoppm', ['-gray', '-r', '50', '-f', String(page), '-l', String(page), '-singlefile', pdf, base]);
  const pgm = fs.readFileSync(`${base}.pgm`);
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 40).toString('latin1'));
  assert.ok(header, 'pdftoppm wrote a binary PGM');
  const pixels = pgm.subarray(header[0].length);
  assert.equal(pixels.length, Number(header[1]) * Number(header[2]));
  let sum = 0;
  let sq = 0;
  let dark = 0;
  for (const v of pixels) { sum += v; sq += v * v; if (v < 128) dark++; }
  const mean = sum / pixels.length;
  return { mean, variance: sq / pixels.length - mean * mean, dark: dark / pixels.length };
}

test('the PDF renders: page 1 is not blank, the text holds the verdicts, pages 1–2 are saved as PNG', async (t) => {
  if (!findChromium()) { t.skip('Chromium not installed (apt install chromium)'); return; }
  if (!hasPoppler) { t.skip('poppler-utils (pdftoppm/pdftotext) not installed'); return; }
  const dir = tmpDir(t);
  const c = buildReportCase(dir);
  t.after(() => c.db.close());
  const out = path.join(dir, 'out', 'report.pdf');
  const r = await exportTo(c.db, c.casePath, { format: 'pdf', path: out, report: { companyName: 'Northwind Forensics' } });
  assert.equal(r.bytes, fs.statSync(out).size);
  assert.equal(fs.readFileSync(out).subarray(0, 5).toString(), '%PDF-');
  const stats = pageGreyStats(out, 1, dir);
  assert.ok(stats.variance > 100, `page 1 has contrast (variance ${stats.variance.toFixed(1)})`);
  assert.ok(stats.dark > 0.005 && stats.mean > 180, `page 1 is mostly white with text (dark ${stats.dark}, mean ${stats.mean})`);
  const text = execFileSync('pdftotext', ['-layout', out, '-']).toString();
  assert.match(text, /CVE-2021-26855[\s\S]*EXPLOITED/i);
  assert.match(text, /CVE-2021-27065/);
  assert.match(text, /Not covered|No evidence/i);
  assert.match(text, /Chain of custody/);
  assert.match(text, /Page 2 of \d+/, 'running footer with page numbers');
  assert.match(text, /Case IR-2021-0042/, 'running header');
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  for (const page of [1, 2]) {
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', String(page), '-l', String(page), '-singlefile', out, path.join(SCREENSHOTS, `report-page-${page}`)]);
    assert.ok(fs.statSync(path.join(SCREENSHOTS, `report-page-${page}.png`)).size > 5000);
  }
});

test('without Chromium the PDF export fails with a message that says what to install', async (t) => {
  const saved = process.env.CHROMIUM_PATH;
  process.env.CHROMIUM_PATH = path.join(tmpDir(t), 'no-such-chromium');
  t.after(() => { if (saved === undefined) delete process.env.CHROMIUM_PATH; else process.env.CHROMIUM_PATH = saved; });
  assert.equal(findChromium(), null);
  await assert.rejects(writeReportPdf('<p>x</p>', path.join(tmpDir(t), 'x.pdf')), (e: Error) => e.message === NO_CHROMIUM_MESSAGE && /apt install chromium/.test(e.message));
});

test('in Electron the injected printToPDF callback writes the file', async (t) => {
  const out = path.join(tmpDir(t), 'electron.pdf');
  let seen: { html: string; format: string } | null = null;
  await writeReportPdfWith(async (html, opts) => { seen = { html, format: opts.format }; return new TextEncoder().encode('%PDF-1.7 fake'); }, '<h1>r</h1>', out);
  assert.deepEqual(seen, { html: '<h1>r</h1>', format: 'A4' });
  assert.equal(fs.readFileSync(out, 'utf8'), '%PDF-1.7 fake');
});
