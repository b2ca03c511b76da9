// `loupe index`: checks every input before touching the case, then indexes with a progress line on stderr. A run
// that creates a case and then fails or is cancelled before any file is recorded removes the case again.
import fs from 'node:fs';
import path from 'node:path';
import type { IndexProgress, IndexSummary } from '../../shared/api.ts';
import type { CaseService } from '../service.ts';
import { checkCasePath, openCase } from './case.ts';
import { assertCaseOutsideEvidence } from '../write-target.ts';
import { isBusy } from '../case/db.ts';
import { WriterLock } from '../case/lock.ts';
import { CASE_OPTION, defineCommand, type Ctx } from './command.ts';
import { CliError } from './errors.ts';
import { flag, list, value } from './options.ts';
import { ianaZone, text } from './values.ts';

function fmtBytes(n: number): string {
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

/** The progress line; while detections run, the bar and ETA follow the YARA scan (files scanned / to scan). */
export function progressLine(p: IndexProgress): string {
  const scan = p.phase === 'detecting' ? p.detect ?? null : null;
  const [done, total] = scan ? [scan.bytesDone, scan.bytesTotal] : [p.bytesDone, p.bytesTotal];
  const pct = total ? Math.floor((100 * done) / total) : 0;
  const width = 24;
  const fill = Math.round((pct / 100) * width);
  const eta = p.etaSeconds === null ? '' : ` ETA ${Math.floor(p.etaSeconds / 60)}m${String(p.etaSeconds % 60).padStart(2, '0')}s`;
  const what = scan ? `YARA scan files ${scan.filesDone}/${scan.filesTotal} ${fmtBytes(scan.bytesDone)}/${fmtBytes(scan.bytesTotal)}`
    : `files ${p.filesDone}/${p.filesTotal} ${fmtBytes(p.bytesDone)}/${fmtBytes(p.bytesTotal)}`;
  return `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}% ${p.phase} ${what} events ${p.events.toLocaleString('en-US')} warnings ${p.warnings}${eta}`;
}

/** A path that must exist as a folder (want 'dir') or a regular file; otherwise a sentence naming the option. */
function mustExist(p: string, want: 'dir' | 'file', what: string): string {
  const abs = path.resolve(p);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new CliError(`${what} not found: ${abs} — check the path${want === 'dir' ? ' (is the drive mounted?)' : ''}`);
    throw new CliError(`${what} not readable: ${abs} (${code}) — run as a user that can read it`);
  }
  if (want === 'dir' && !st.isDirectory()) throw new CliError(`${what} is not a folder: ${abs} — give the folder itself`);
  if (want === 'file' && !st.isFile()) throw new CliError(`${what} is not a file: ${abs}`);
  try {
    fs.accessSync(abs, want === 'dir' ? fs.constants.R_OK | fs.constants.X_OK : fs.constants.R_OK);
  } catch {
    throw new CliError(`${what} not readable: ${abs} (EACCES) — run as a user that can read it`);
  }
  return abs;
}

/** Removes a case this run created (and the folders made for it) when nothing was indexed into it. */
function removeNewCase(casePath: string, madeDir: string | undefined): void {
  for (const s of ['', '-wal', '-shm', '-journal']) fs.rmSync(casePath + s, { force: true });
  if (!madeDir) return;
  for (let d = path.dirname(casePath); d.length >= madeDir.length; d = path.dirname(d)) {
    try { fs.rmdirSync(d); } catch { return; }
  }
}

/** Redraws the progress line on a terminal, or prints it every 5 s to a log. Returns a stop function. */
function showProgress(ctx: Ctx, svc: CaseService, quiet: boolean): () => void {
  if (quiet) return () => {};
  const tty = !!process.stderr.isTTY;
  let width = 0;
  let lastPrinted = 0;
  const timer = setInterval(() => {
    void svc.getProgress().then((p) => {
      const line = progressLine(p);
      if (tty) {
        // Redraw in place, blanking what a longer previous line left behind.
        void ctx.err.write('\r' + line.padEnd(width));
        width = Math.max(width, line.length);
      } else if (Date.now() - lastPrinted > 5000) {
        void ctx.err.line(line);
        lastPrinted = Date.now();
      }
    });
  }, 250);
  return () => { clearInterval(timer); if (tty) void ctx.err.write('\n'); };
}

/** Files recorded in the case (0 when it never opened, or cannot be read). */
async function filesIn(svc: CaseService | null): Promise<number> {
  try {
    return svc?.path ? (await svc.getCase())?.counts.files ?? 0 : 0;
  } catch {
    return 0;
  }
}

const pathsOf = (ps: string[] | undefined, want: 'dir' | 'file', what: string): string[] | undefined => ps?.map((p) => mustExist(p, want, what));

export const indexCommand = defineCommand({
  name: 'index',
  summary: 'hash every file, parse every log, run detections (creates the case when it does not exist)',
  usage: '<evidence-folder> --case FILE [--iocs FILE]... [--rules DIR]... [--sigma DIR]... [--baseline FILE]... [--label NAME] [--client NAME] [--case-number ID] [--examiner NAME] [--zone IANA-ZONE] [--quiet] [--json]',
  positionals: { name: 'the evidence folder', min: 1, max: 1, complete: 'dir' },
  options: {
    ...CASE_OPTION,
    iocs: list('FILE', 'an IOC list (CSV, TXT, STIX 2.1, MISP JSON); kept with the case', text, { split: false, complete: 'file' }),
    rules: list('DIR', 'a folder of YARA rules (.yar); kept with the case', text, { split: false, complete: 'dir' }),
    sigma: list('DIR', 'a folder of Sigma rules (.yml); kept with the case', text, { split: false, complete: 'dir' }),
    baseline: list('FILE', 'known-good hashes (CSS-Exchange SHA256,build,path CSV); kept with the case', text, { split: false, complete: 'file' }),
    label: value('NAME', 'a label for this evidence folder', text),
    client: value('NAME', 'client name (case details)', text),
    'case-number': value('ID', 'case number (case details)', text),
    examiner: value('NAME', 'examiner (case details)', text),
    zone: value('IANA-ZONE', 'display time zone of the case, e.g. Europe/Oslo', ianaZone),
    quiet: flag('no progress line', { short: 'q' }),
    json: flag('print the summary and case counts as JSON on stdout'),
  },
  notes: ['Indexing the same folder again adds nothing; changed files are re-read; an interrupted run resumes. Ctrl+C cancels cleanly (exit 130).'],
  examples: ['loupe index /mnt/triage/EXCH01 --case acme.loupe --client Acme --zone Europe/Oslo', 'loupe index /mnt/triage/EXCH01 --case acme.loupe --iocs extra-iocs.csv --rules my-rules/'],
  async run(ctx, { values, positionals }) {
    // Every input is checked before the case is created or opened.
    const root = mustExist(positionals[0], 'dir', 'evidence folder');
    const inputs = { iocs: pathsOf(values.iocs, 'file', 'IOC file'), rules: pathsOf(values.rules, 'dir', 'rules folder'),
      sigma: pathsOf(values.sigma, 'dir', 'Sigma rules folder'), baselines: pathsOf(values.baseline, 'file', 'baseline file') };
    const casePath = path.resolve(values.case!);
    const created = !fs.existsSync(casePath);
    if (!created) checkCasePath(values.case!);
    // Checked before the case file is created: a case inside the evidence would be a write into the evidence.
    assertCaseOutsideEvidence(casePath, [root]);
    const meta = Object.fromEntries(Object.entries({ client: values.client, caseNumber: values['case-number'], examiner: values.examiner, displayZone: values.zone })
      .filter(([, v]) => v !== undefined));
    const madeDir = created ? fs.mkdirSync(path.dirname(casePath), { recursive: true }) : undefined;
    let svc: CaseService | null = null;
    let code = 1;
    try {
      if (created) {
        const { CaseService } = await import('../service.ts');
        svc = new CaseService();
        await svc.createCase({ path: casePath, meta });
      } else {
        svc = await openCase(values.case!);
        if (Object.keys(meta).length) await svc.updateCaseMeta(meta);
      }
      code = await runIndex(ctx, svc, root, values.label, inputs, !!values.quiet, !!values.json);
      return code;
    } catch (e) {
      // A run that lost the race before taking the writer lock names the winner, as the lock itself would.
      if (isBusy(e) && fs.existsSync(casePath)) WriterLock.assertFree(casePath);
      throw e;
    } finally {
      const nothing = created && code !== 0 && (await filesIn(svc)) === 0;
      svc?.close();
      if (nothing) removeNewCase(casePath, madeDir);
    }
  },
});

async function runIndex(ctx: Ctx, svc: CaseService, root: string, label: string | undefined,
  inputs: { iocs?: string[]; rules?: string[]; sigma?: string[]; baselines?: string[] }, quiet: boolean, json: boolean): Promise<number> {
  await svc.addEvidence({ root, label });
  await svc.startIndex(inputs);
  const job = svc.indexJob!;
  const onSigint = (): void => { void ctx.err.line('\ncancelling — files in progress will be re-read next time'); job.cancel(); };
  process.once('SIGINT', onSigint);
  const stop = showProgress(ctx, svc, quiet);
  let summary: IndexSummary;
  try {
    summary = await job.done;
  } finally {
    stop();
    process.removeListener('SIGINT', onSigint);
  }
  const info = await svc.getCase();
  if (json) {
    await ctx.out.line(JSON.stringify({ summary, counts: info?.counts }, null, 2));
  } else {
    await ctx.err.say(`${summary.cancelled ? 'cancelled' : 'indexed'}: ${summary.filesIndexed} files read (${summary.filesUnchanged} unchanged, ${summary.filesRemoved} removed), ` +
      `${fmtBytes(summary.bytesRead)}, ${summary.eventsAdded.toLocaleString('en-US')} events added, ${summary.warnings} warnings, ` +
      `${summary.findings} findings in ${summary.seconds.toFixed(1)} s`);
    if (info) await ctx.err.say(`case ${info.path}: ${info.counts.files} files, ${info.counts.events.toLocaleString('en-US')} events, ${info.counts.findings} findings, ${info.counts.warnings} warnings`);
  }
  return summary.cancelled ? 130 : 0;
}
