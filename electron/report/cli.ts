// `loupe report` and `loupe export`: each parses its own options and returns an exit code (0 ok, 1 failed, 2 usage).
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openCaseDb } from '../case/db.ts';
import { audit } from '../case/write.ts';
import type { ExportFormat, RecoveredFilter, ReportOptions, ReportSection, TimelineQuery } from '../../shared/api.ts';
import { RECOVERED_FILTERS, REPORT_SECTIONS } from '../../shared/api.ts';
import { isoToMicros } from '../../shared/types.ts';
import { exportTo } from './index.ts';

const REPORT_USAGE = `usage: loupe report --case FILE --out report.html|report.pdf [--sections ${REPORT_SECTIONS.join(',')}]
                    [--company NAME] [--logo logo.png|.jpg|.svg] [--title TEXT]`;
const EXPORT_USAGE = `usage: loupe export --case FILE --format csv|timesketch|timesketch-csv|stix|ioc-csv --out FILE
                    [--from ISO] [--to ISO] [--query TEXT] [--starred] [--recovered include|exclude|only]`;
const EXPORT_CLI_FORMATS = ['csv', 'timesketch', 'timesketch-csv', 'stix', 'ioc-csv'] as const;

class UsageError extends Error {}

const LOGO_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.svg': 'image/svg+xml', '.gif': 'image/gif', '.webp': 'image/webp' };

function logoDataUrl(file: string): string {
  const type = LOGO_TYPES[path.extname(file).toLowerCase()];
  if (!type) throw new UsageError(`--logo ${file}: use a .png, .jpg, .svg, .gif or .webp image`);
  return `data:${type};base64,${fs.readFileSync(file).toString('base64')}`;
}

function parseSections(list: string | undefined): ReportSection[] | undefined {
  if (!list) return undefined;
  const wanted = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = wanted.filter((s) => !(REPORT_SECTIONS as readonly string[]).includes(s));
  if (bad.length) throw new UsageError(`unknown section(s) ${bad.join(', ')} — choose from ${REPORT_SECTIONS.join(',')}`);
  return wanted as ReportSection[];
}

function recoveredFilter(v: string): RecoveredFilter {
  if ((RECOVERED_FILTERS as readonly string[]).includes(v)) return v as RecoveredFilter;
  throw new UsageError(`--recovered: one of ${RECOVERED_FILTERS.join(', ')} (default include), not ${v}`);
}

function parseTime(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const us = isoToMicros(v);
  if (Number.isNaN(us)) throw new UsageError(`${flag} ${v}: not an ISO-8601 time (e.g. 2021-03-01 or 2021-03-03T07:12:44Z)`);
  return us;
}

/** Opens the case, runs one export, audits it, prints where it went. */
async function runExport(usage: string, casePath: string | undefined, outPath: string | undefined, format: ExportFormat,
  report: ReportOptions | undefined, query: TimelineQuery | undefined): Promise<number> {
  if (!casePath || !outPath) throw new UsageError(usage);
  const db = openCaseDb(casePath);
  try {
    const r = await exportTo(db, path.resolve(casePath), { format, path: outPath, report }, { query });
    audit(db, 'export', { format, path: r.path, bytes: r.bytes, rows: r.rows ?? null, sections: report?.sections ?? null, via: 'cli' });
    console.log(`${format}: wrote ${r.path} (${r.bytes} bytes${r.rows !== undefined ? `, ${r.rows} rows` : ''})`);
    return 0;
  } finally {
    db.close();
  }
}

async function guarded(usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`${(e as Error).message === usage ? '' : `${(e as Error).message}\n`}${usage}`);
      return 2;
    }
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }
}

export function reportCommand(argv: string[]): Promise<number> {
  return guarded(REPORT_USAGE, async () => {
    const { values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: { case: { type: 'string' }, out: { type: 'string' }, sections: { type: 'string' }, company: { type: 'string' }, logo: { type: 'string' }, title: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) { console.log(REPORT_USAGE); return 0; }
    const ext = path.extname(values.out ?? '').toLowerCase();
    const format: ExportFormat | null = ext === '.pdf' ? 'pdf' : ext === '.html' || ext === '.htm' ? 'html' : null;
    if (values.out && !format) throw new UsageError(`--out ${values.out}: the report is written as .html or .pdf`);
    const report: ReportOptions = {
      sections: parseSections(values.sections),
      ...(values.company !== undefined ? { companyName: values.company } : {}),
      ...(values.logo ? { logoDataUrl: logoDataUrl(values.logo) } : {}),
      ...(values.title ? { title: values.title } : {}),
    };
    return runExport(REPORT_USAGE, values.case, values.out, format ?? 'html', report, undefined);
  });
}

export function exportCommand(argv: string[]): Promise<number> {
  return guarded(EXPORT_USAGE, async () => {
    const { values } = parseArgs({
      args: argv, strict: true, allowPositionals: false,
      options: { case: { type: 'string' }, out: { type: 'string' }, format: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, query: { type: 'string' }, starred: { type: 'boolean' }, recovered: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) { console.log(EXPORT_USAGE); return 0; }
    const format = values.format as (typeof EXPORT_CLI_FORMATS)[number] | undefined;
    if (!format || !EXPORT_CLI_FORMATS.includes(format)) throw new UsageError(`--format: choose one of ${EXPORT_CLI_FORMATS.join(', ')}`);
    const query: TimelineQuery = {
      from: parseTime('--from', values.from), to: parseTime('--to', values.to),
      ...(values.query ? { text: values.query } : {}), ...(values.starred ? { starredOnly: true } : {}),
      ...(values.recovered ? { recovered: recoveredFilter(values.recovered) } : {}),
    };
    return runExport(EXPORT_USAGE, values.case, values.out, format, undefined, query);
  });
}
