// The report/export entry points the service and the CLI call.
import fs from 'node:fs';
import type { Db } from '../case/db.ts';
import type { ExportFormat, ExportResult, ReportOptions, TimelineQuery } from '../../shared/api.ts';
import { renderReportHtml } from './html.ts';
import { exportIocs } from './ioc-export.ts';
import { buildReportModel } from './model.ts';
import { writeReportPdf, writeReportPdfWith, type PrintToPdf } from './pdf.ts';
import { getMeta } from '../case/db.ts';
import { exportTimeline } from './timeline-export.ts';
import { writeFileAtomic } from '../safe-write.ts';
import { exportTarget } from '../write-target.ts';

export { buildReportModel } from './model.ts';
export { renderReportHtml, reportStyleHash, REPORT_CSP } from './html.ts';
export { writeReportPdf, writeReportPdfWith, findChromium, PDF_OPTIONS, NO_CHROMIUM_MESSAGE, type PrintToPdf } from './pdf.ts';
export { exportTimeline, type TimelineFormat } from './timeline-export.ts';
export { exportIocs, stixBundle, caseIndicators } from './ioc-export.ts';
export { manifestDigest } from './custody.ts';
export { escapeHtml } from './escape.ts';
export type { ReportModel } from './model-types.ts';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['html', 'pdf', 'csv', 'timesketch', 'timesketch-csv', 'stix', 'ioc-csv'];

export interface ExportDeps {
  /** Electron's printToPDF; without it PDF goes through a headless Chromium found on this machine. */
  printToPdf?: PrintToPdf;
  /** Narrows timeline exports (csv / timesketch / timesketch-csv). */
  query?: TimelineQuery;
  /** CSVs for spreadsheets keep cells exactly (no apostrophe before a leading = + - @): `--raw-cells`. */
  rawCells?: boolean;
}

/** Evidence is read-only and the case holds the analyst's work: the real destination may be neither. */
function checkedTarget(db: Db, casePath: string, outPath: string): string {
  const roots = (db.prepare('SELECT root FROM evidence_sources').all() as Array<{ root: string }>).map((r) => r.root);
  return exportTarget(outPath, { evidenceRoots: roots, casePath });
}

/** Self-contained report HTML for the case (also what the live preview shows). */
export function reportHtml(db: Db, casePath: string, report: ReportOptions = {}): string {
  return renderReportHtml(buildReportModel(db, { ...report, casePath }));
}

/** Writes one report or export to `path`; the caller (service) records the audit entry. */
export async function exportTo(
  db: Db, casePath: string, args: { format: ExportFormat; path: string; report?: ReportOptions; rawCells?: boolean }, deps: ExportDeps = {},
): Promise<ExportResult> {
  const out = checkedTarget(db, casePath, args.path);
  const csv = { rawCells: deps.rawCells ?? args.rawCells ?? false };
  switch (args.format) {
    case 'html': {
      const text = reportHtml(db, casePath, args.report);
      return { path: out, bytes: await writeFileAtomic(out, text) };
    }
    case 'pdf': {
      const text = reportHtml(db, casePath, args.report);
      if (deps.printToPdf) await writeReportPdfWith(deps.printToPdf, text, out);
      else await writeReportPdf(text, out);
      return { path: out, bytes: (await fs.promises.stat(out)).size };
    }
    case 'csv': case 'timesketch': case 'timesketch-csv': {
      const r = await exportTimeline(db, args.format, out, deps.query, csv, getMeta(db, 'displayZone'));
      return { path: out, ...r };
    }
    case 'stix': case 'ioc-csv': {
      const r = await exportIocs(db, args.format, out, args.report?.includeReview ?? false, csv);
      return { path: out, ...r };
    }
    default:
      throw new Error(`unknown export format "${String(args.format)}" — use one of ${EXPORT_FORMATS.join(', ')}`);
  }
}
