// `loupe report` and `loupe export`: their options (the timeline filters are the same definition `loupe timeline`
// uses), checked before the case is opened; the work itself is exportTo, audited as the app's exports are.
import fs from 'node:fs';
import path from 'node:path';
import type { Completeness, ExportFormat, ExportResult, ReportOptions, ReportSection, TimelineQuery } from '../../shared/api.ts';
import { getCompleteness } from '../detect/queries.ts';
import { ALLOW_INCOMPLETE, INCOMPLETE_NOTE, incompleteExit } from './incomplete.ts';
import { REPORT_SECTIONS } from '../../shared/api.ts';
import { openCase } from '../cli/case.ts';
import { CASE_OPTION, defineCommand, type Ctx } from '../cli/command.ts';
import { CliError } from '../cli/errors.ts';
import { describeFilters, FILTER_OPTIONS, savedViewQuery, timelineQuery } from '../cli/filters.ts';
import type { CaseService } from '../service.ts';
import { flag, list, UsageError, value } from '../cli/options.ts';
import { oneOf, text } from '../cli/values.ts';
import { audit } from '../case/write.ts';
import { isBusy } from '../case/db.ts';

const EXPORT_CLI_FORMATS = ['csv', 'timesketch', 'timesketch-csv', 'stix', 'ioc-csv'] as const;
const TIMELINE_FORMATS: readonly string[] = ['csv', 'timesketch', 'timesketch-csv'];

const LOGO_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.svg': 'image/svg+xml', '.gif': 'image/gif', '.webp': 'image/webp' };

function logoFile(raw: string, name: string): string {
  if (!LOGO_TYPES[path.extname(raw).toLowerCase()]) throw new UsageError(`--${name} ${raw}: use a .png, .jpg, .svg, .gif or .webp image`);
  return raw;
}

function logoDataUrl(file: string): string {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new CliError(`logo file not found: ${path.resolve(file)} — check the path`);
  return `data:${LOGO_TYPES[path.extname(file).toLowerCase()]};base64,${fs.readFileSync(file).toString('base64')}`;
}

function reportOut(raw: string, name: string): string {
  if (!/\.(html?|pdf)$/i.test(raw)) throw new UsageError(`--${name} ${raw}: the report is written as .html or .pdf; end the file name with one of them`);
  return raw;
}

/** Opens the case, writes one export, audits it, says where it went (stderr, or JSON on stdout). */
async function runExport(ctx: Ctx, casePath: string, args: { format: ExportFormat; path: string; report?: ReportOptions; rawCells?: boolean },
  queryOf: (svc: CaseService) => Promise<TimelineQuery | undefined>, flags: { json: boolean; allowIncomplete: boolean }): Promise<number> {
  // Read-only: exporting never changes the case; the audit entry is added when the case may be written.
  const svc = await openCase(casePath);
  let r: ExportResult;
  let completeness: Completeness;
  let note: string | null = null;
  try {
    const query = await queryOf(svc);
    const { exportTo } = await import('./index.ts');
    r = await exportTo(svc.handle, svc.path!, args, { query });
    completeness = getCompleteness(svc.handle);
    note = auditExport(svc, {
      format: args.format, path: r.path, bytes: r.bytes, rows: r.rows ?? null, sections: args.report?.sections ?? null, query: query ?? null,
      includeReview: args.report?.includeReview ?? false, rawCells: args.rawCells ?? false, complete: completeness.complete, via: 'cli',
    });
  } finally {
    svc.close();
  }
  if (flags.json) await ctx.out.line(JSON.stringify({ format: args.format, ...r }));
  else await ctx.err.say(`${args.format}: wrote ${r.path} (${r.bytes} bytes${r.rows !== undefined ? `, ${r.rows} rows` : ''})`);
  if (note) await ctx.err.say(`note: ${casePath} ${note}, so this export is not in its audit log`);
  return incompleteExit(completeness, args.format === 'html' || args.format === 'pdf' ? 'report' : 'export', flags.json, flags.allowIncomplete);
}

/** Records the export in the case's audit log; says why not when the case is read-only here or being indexed. */
function auditExport(svc: CaseService, details: Record<string, unknown>): string | null {
  if (!svc.writable) return 'is read-only here';
  try {
    audit(svc.writeHandle, 'export', details);
    return null;
  } catch (e) {
    if (!isBusy(e)) throw e;
    return 'is being written by another process';
  }
}

const RESULT_JSON = { json: flag('print {format, path, bytes, rows} as JSON on stdout') };
const INCLUDE_REVIEW = { 'include-review': flag('also list needs-review and informational indicators, labelled (IOC exports and the report\'s indicators)') };

export const reportCommand = defineCommand({
  name: 'report',
  summary: 'write the client report as one self-contained HTML file, or PDF',
  usage: '--case FILE --out report.html|report.pdf [--sections a,b,..] [--company NAME] [--logo FILE] [--title TEXT] [filters]',
  options: {
    ...CASE_OPTION,
    out: value('FILE', 'where to write: .html, or .pdf (needs Chromium, Chrome or Edge)', reportOut, { required: true, complete: 'file' }),
    sections: list('S,..', 'the sections to include, in report order', oneOf(REPORT_SECTIONS), { choices: REPORT_SECTIONS }),
    company: value('NAME', 'your company name on the cover', text),
    logo: value('FILE', 'your logo (.png, .jpg, .svg, .gif, .webp; under 1 MB)', logoFile, { complete: 'file' }),
    title: value('TEXT', 'the report title', text),
    ...INCLUDE_REVIEW,
    ...ALLOW_INCOMPLETE,
    ...FILTER_OPTIONS,
    ...RESULT_JSON,
  },
  notes: [
    'The timeline filters narrow the Analyst timeline section to the marked events that match, and the report says so; every other section covers the whole case.',
    `${INCOMPLETE_NOTE} The report also says INCOMPLETE on its first page.`,
  ],
  examples: [
    'loupe report --case acme.loupe --out acme-report.pdf --company "Northwind Forensics" --logo logo.png',
    'loupe report --case acme.loupe --out week.html --sections summary,findings,timeline --from 2021-03-01 --to 2021-03-08',
  ],
  async run(ctx, { values }) {
    const query = timelineQuery(values);
    const label = describeFilters(values);
    const sections = values.sections as ReportSection[] | undefined;
    if (label && sections && !sections.includes('timeline')) {
      throw new UsageError('the timeline filters narrow the timeline section, which --sections leaves out: add timeline to --sections, or drop the filters');
    }
    const out = values.out!;
    const report: ReportOptions = {
      ...(sections ? { sections } : {}),
      ...(values.company !== undefined ? { companyName: values.company } : {}),
      ...(values.logo ? { logoDataUrl: logoDataUrl(values.logo) } : {}),
      ...(values.title ? { title: values.title } : {}),
      ...(values['include-review'] ? { includeReview: true } : {}),
      ...(label ? { timeline: { query, label } } : {}),
    };
    const viewed = async (svc: CaseService): Promise<undefined> => {
      if (report.timeline) report.timeline.query = timelineQuery(values, await savedViewQuery(svc, values.view));
      return undefined;
    };
    return runExport(ctx, values.case!, { format: /\.pdf$/i.test(out) ? 'pdf' : 'html', path: out, report }, viewed,
      { json: !!values.json, allowIncomplete: !!values['allow-incomplete'] });
  },
});

export const exportCommand = defineCommand({
  name: 'export',
  summary: 'write the timeline (csv, timesketch, timesketch-csv) or the IOCs (stix, ioc-csv) to a file',
  usage: `--case FILE --format ${EXPORT_CLI_FORMATS.join('|')} --out FILE [filters] [--desc]`,
  options: {
    ...CASE_OPTION,
    format: value('FORMAT', 'what to write', oneOf(EXPORT_CLI_FORMATS), { required: true, choices: EXPORT_CLI_FORMATS }),
    out: value('FILE', 'where to write it (never inside an evidence folder)', text, { required: true, complete: 'file' }),
    ...FILTER_OPTIONS,
    desc: flag('newest first (timeline formats)'),
    'raw-cells': flag('csv / ioc-csv: keep every cell exactly; by default a cell that starts with = + - @ TAB or CR gets a leading \' so a spreadsheet shows it as text instead of running it as a formula'),
    ...INCLUDE_REVIEW,
    ...ALLOW_INCOMPLETE,
    ...RESULT_JSON,
  },
  notes: [
    'The timeline formats take the same filters as `loupe timeline`, and stream: millions of events are written page by page.',
    'IOC exports (stix, ioc-csv) hold confirmed and likely indicators, each with its confidence and finding; --include-review adds the rest, labelled.',
    INCOMPLETE_NOTE,
  ],
  examples: [
    'loupe export --case acme.loupe --format csv --out timeline.csv',
    "loupe export --case acme.loupe --format timesketch --out march.jsonl --from 2021-03-01 --to 2021-03-08 --ip 165.232.154.116",
    'loupe export --case acme.loupe --format stix --out iocs.json',
  ],
  async run(ctx, { values }) {
    timelineQuery(values); // usage errors before the case is opened
    const format = values.format!;
    if (!TIMELINE_FORMATS.includes(format) && (describeFilters(values) || values.desc)) {
      throw new UsageError(`--format ${format} writes the case's indicators, which the timeline filters do not narrow: drop the filters, or export csv or timesketch`);
    }
    const queryOf = async (svc: CaseService): Promise<TimelineQuery> =>
      ({ ...timelineQuery(values, await savedViewQuery(svc, values.view)), ...(values.desc ? { order: 'desc' as const } : {}) });
    const report: ReportOptions | undefined = values['include-review'] ? { includeReview: true } : undefined;
    return runExport(ctx, values.case!, { format, path: values.out!, ...(report ? { report } : {}), rawCells: !!values['raw-cells'] }, queryOf,
      { json: !!values.json, allowIncomplete: !!values['allow-incomplete'] });
  },
});
