// The `loupe` command. Every command goes through CaseService, the same code the UI uses.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RECOVERED_FILTERS, type IndexProgress, type IndexSummary, type RecoveredFilter } from '../shared/api.ts';
import { isoToMicros, microsToIso, SOURCE_IDS, type Finding, type SourceId } from '../shared/types.ts';
import { CaseService, UserError } from './service.ts';
import { LOUPE_VERSION } from './version.ts';

const HELP = `loupe ${LOUPE_VERSION} — offline forensics workbench for the March 2021 Exchange compromise

Usage: loupe <command> [options]

Commands:
  index <evidence-folder> --case FILE   hash every file, parse every log, run detections
        [--iocs FILE]... [--rules DIR]... [--baseline FILE]... [--label NAME]
        [--client NAME] [--case-number ID] [--examiner NAME] [--zone IANA-ZONE] [--quiet]
  timeline --case FILE [--query TEXT] [--from ISO] [--to ISO] [--source S,..] [--ip IP,..]
        [--status N,..] [--tag T,..] [--starred] [--recovered include|exclude|only] [--desc] [--limit N] [--offset N] [--json]
  files --case FILE [--glob PATTERN] [--hash HEX] [--text S] [--kind K,..] [--flagged] [--limit N] [--json]
  findings --case FILE [--check ID] [--severity S,..] [--json]
  verify --case FILE [--json]            re-hash the evidence against the manifest
  warnings --case FILE [--limit N] [--json]
  serve [--case FILE] [--port N]        browser mode on 127.0.0.1 (prints a URL with a token)
  report --case FILE --out report.html|report.pdf [--sections a,b,..] [--company NAME] [--logo FILE]
  export --case FILE --format csv|timesketch|timesketch-csv|stix|ioc-csv --out FILE

Times are UTC. --json prints machine-readable output on stdout; progress and messages go to stderr.
Exit codes: 0 success, 1 error, 2 usage error, 3 verify found differences.`;

class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

function parse<O extends Options>(argv: string[], options: O, positionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: positionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const list = (v: unknown): string[] | undefined =>
  typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : Array.isArray(v) ? (v as string[]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean) : undefined;

function timeArg(v: unknown, name: string): number | undefined {
  if (typeof v !== 'string') return undefined;
  const us = isoToMicros(/^\d{4}-\d\d-\d\d$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(us)) throw new UsageError(`--${name}: not an ISO-8601 time: ${v} (e.g. 2021-03-02 or 2021-03-02T10:00:00Z)`);
  return us;
}

function needCase(v: unknown): string {
  if (typeof v !== 'string' || !v) throw new UsageError('--case FILE is required');
  return v;
}

function openService(casePath: string): CaseService {
  return new CaseService({ casePath });
}

const out = (s: string): void => { process.stdout.write(s + '\n'); };
const err = (s: string): void => { process.stderr.write(s + '\n'); };

function fmtBytes(n: number): string {
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
}

function progressLine(p: IndexProgress): string {
  const pct = p.bytesTotal ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 0;
  const width = 24;
  const fill = Math.round((pct / 100) * width);
  const eta = p.etaSeconds === null ? '' : ` ETA ${Math.floor(p.etaSeconds / 60)}m${String(p.etaSeconds % 60).padStart(2, '0')}s`;
  return `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}% ${p.phase} files ${p.filesDone}/${p.filesTotal} ` +
    `${fmtBytes(p.bytesDone)}/${fmtBytes(p.bytesTotal)} events ${p.events.toLocaleString('en-US')} warnings ${p.warnings}${eta}`;
}

async function cmdIndex(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    case: { type: 'string' }, iocs: { type: 'string', multiple: true }, rules: { type: 'string', multiple: true },
    baseline: { type: 'string', multiple: true }, label: { type: 'string' }, client: { type: 'string' },
    'case-number': { type: 'string' }, examiner: { type: 'string' }, zone: { type: 'string' }, quiet: { type: 'boolean', short: 'q' },
    json: { type: 'boolean' }, workers: { type: 'string' },
  }, true);
  if (positionals.length !== 1) throw new UsageError('index takes one evidence folder: loupe index <evidence-folder> --case FILE');
  const casePath = needCase(values.case);
  for (const f of [...(values.iocs ?? []), ...(values.baseline ?? [])]) if (!fs.existsSync(f)) throw new UserError(`file not found: ${f}`);
  for (const d of values.rules ?? []) if (!fs.existsSync(d)) throw new UserError(`rules folder not found: ${d}`);
  const svc = new CaseService();
  const meta = { client: values.client, caseNumber: values['case-number'], examiner: values.examiner, displayZone: values.zone };
  const defined = Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined));
  if (fs.existsSync(casePath)) {
    await svc.openCase({ path: casePath });
    if (Object.keys(defined).length) await svc.updateCaseMeta(defined);
  } else {
    await svc.createCase({ path: casePath, meta: defined });
  }
  await svc.addEvidence({ root: positionals[0], label: values.label });
  const iocs = values.iocs?.map((f) => path.resolve(f));
  const rules = values.rules?.map((d) => path.resolve(d));
  const baselines = values.baseline?.map((f) => path.resolve(f));
  await svc.startIndex({ iocs, rules, baselines });
  const job = svc.indexJob!;
  const onSigint = (): void => { err('\ncancelling — files in progress will be re-read next time'); job.cancel(); };
  process.once('SIGINT', onSigint);
  const tty = process.stderr.isTTY && !values.quiet;
  let width = 0;
  let lastPrinted = 0;
  const timer = setInterval(() => {
    void svc.getProgress().then((p) => {
      if (values.quiet) return;
      const line = progressLine(p);
      if (tty) {
        // Redraw in place, blanking what a longer previous line left behind.
        process.stderr.write('\r' + line.padEnd(width));
        width = Math.max(width, line.length);
      } else if (Date.now() - lastPrinted > 5000) {
        err(line);
        lastPrinted = Date.now();
      }
    });
  }, 250);
  let summary: IndexSummary;
  try {
    summary = await job.done;
  } finally {
    clearInterval(timer);
    process.removeListener('SIGINT', onSigint);
    if (tty) process.stderr.write('\n');
  }
  const info = await svc.getCase();
  svc.close();
  if (values.json) {
    out(JSON.stringify({ summary, counts: info?.counts }, null, 2));
  } else {
    err(`${summary.cancelled ? 'cancelled' : 'indexed'}: ${summary.filesIndexed} files read (${summary.filesUnchanged} unchanged, ${summary.filesRemoved} removed), ` +
      `${fmtBytes(summary.bytesRead)}, ${summary.eventsAdded.toLocaleString('en-US')} events added, ${summary.warnings} warnings, ` +
      `${summary.findings} findings in ${summary.seconds.toFixed(1)} s`);
    if (info) err(`case ${info.path}: ${info.counts.files} files, ${info.counts.events.toLocaleString('en-US')} events, ${info.counts.findings} findings, ${info.counts.warnings} warnings`);
  }
  return summary.cancelled ? 130 : 0;
}

/** --recovered: EVTX records recovered from slack or damaged chunks (shown by default, marked). */
function recoveredArg(v: string | undefined): RecoveredFilter | undefined {
  if (v === undefined || (RECOVERED_FILTERS as readonly string[]).includes(v)) return v as RecoveredFilter | undefined;
  throw new UsageError(`--recovered: one of ${RECOVERED_FILTERS.join(', ')} (default include), not ${v}`);
}

async function cmdTimeline(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    case: { type: 'string' }, query: { type: 'string', short: 'q' }, from: { type: 'string' }, to: { type: 'string' },
    source: { type: 'string' }, ip: { type: 'string' }, status: { type: 'string' }, tag: { type: 'string' },
    starred: { type: 'boolean' }, desc: { type: 'boolean' }, limit: { type: 'string' }, offset: { type: 'string' }, json: { type: 'boolean' },
    recovered: { type: 'string' },
  });
  const sources = list(values.source) as SourceId[] | undefined;
  const recovered = recoveredArg(values.recovered);
  for (const s of sources ?? []) if (!SOURCE_IDS.includes(s)) throw new UsageError(`--source: unknown source ${s} (one of ${SOURCE_IDS.join(', ')})`);
  const svc = openService(needCase(values.case));
  const page = await svc.queryTimeline({
    text: values.query, from: timeArg(values.from, 'from'), to: timeArg(values.to, 'to'), sources, ips: list(values.ip),
    statuses: list(values.status)?.map(Number), tags: list(values.tag), starredOnly: values.starred, recovered,
    order: values.desc ? 'desc' : 'asc', limit: values.limit ? Number(values.limit) : 100, offset: values.offset ? Number(values.offset) : 0,
  });
  svc.close();
  if (values.json) { out(JSON.stringify(page.rows.map((r) => ({ ...r, time: microsToIso(r.ts) })), null, 2)); return 0; }
  for (const r of page.rows) {
    const ref = r.ref.line !== undefined ? `:${r.ref.line}` : r.ref.record !== undefined ? `#${r.ref.record}` : '';
    out(`${microsToIso(r.ts)}  ${r.source.padEnd(13)} ${r.tsDesc.padEnd(14)} ${r.message}  [${r.ref.file}${ref}]${r.recovered ? ` [recovered: ${r.recovered}]` : ''}${r.starred ? ' *' : ''}`);
  }
  err(`${page.rows.length} shown${page.total !== null ? ` of ${page.total}` : ''}`);
  return 0;
}

async function cmdFiles(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    case: { type: 'string' }, glob: { type: 'string' }, hash: { type: 'string' }, text: { type: 'string' }, kind: { type: 'string' },
    flagged: { type: 'boolean' }, limit: { type: 'string' }, offset: { type: 'string' }, json: { type: 'boolean' },
  });
  const svc = openService(needCase(values.case));
  const page = await svc.listFiles({
    glob: values.glob, hash: values.hash, text: values.text, kinds: list(values.kind) as never, flaggedOnly: values.flagged,
    limit: values.limit ? Number(values.limit) : 1000, offset: values.offset ? Number(values.offset) : 0,
  });
  svc.close();
  if (values.json) { out(JSON.stringify(page.rows, null, 2)); return 0; }
  for (const f of page.rows) out(`${f.sha256 ?? '-'.repeat(64)}  ${String(f.size).padStart(10)}  ${f.kind.padEnd(17)} ${f.origPath}${f.flagged ? '  [flagged]' : ''}`);
  err(`${page.rows.length} shown of ${page.total}`);
  return 0;
}

async function cmdFindings(argv: string[]): Promise<number> {
  const { values } = parse(argv, { case: { type: 'string' }, check: { type: 'string' }, severity: { type: 'string' }, json: { type: 'boolean' } });
  const svc = openService(needCase(values.case));
  const rows = await svc.listFindings({ check: values.check, severity: list(values.severity) as never });
  svc.close();
  if (values.json) {
    const shaped: Finding[] = rows.map((r) => ({ check: r.check, severity: r.severity, title: r.title, path: r.path, time: r.time, sha256: r.sha256, evidence: r.evidence }));
    out(JSON.stringify(shaped, null, 2));
    return 0;
  }
  for (const f of rows) {
    out(`${f.severity.toUpperCase().padEnd(8)} ${f.check.padEnd(26)} ${f.title}`);
    if (f.path) out(`         path: ${f.path}`);
    if (f.time) out(`         time: ${f.time}`);
    for (const e of f.evidence.slice(0, 5)) out(`         evidence: ${e.file}${e.line !== undefined ? `:${e.line}` : ''}${e.record !== undefined ? ` record ${e.record}` : ''}`);
    if (f.evidence.length > 5) out(`         … ${f.evidence.length - 5} more evidence refs (--json lists all)`);
  }
  err(`${rows.length} findings`);
  return 0;
}

async function cmdVerify(argv: string[]): Promise<number> {
  const { values } = parse(argv, { case: { type: 'string' }, json: { type: 'boolean' } });
  const svc = openService(needCase(values.case));
  const r = await svc.verify();
  svc.close();
  if (values.json) out(JSON.stringify(r, null, 2));
  else {
    for (const c of r.changed) out(`CHANGED  ${c.relPath}  expected ${c.expected}  now ${c.actual}`);
    for (const m of r.missing) out(`MISSING  ${m}`);
    for (const a of r.added) out(`ADDED    ${a}`);
    err(`verified ${r.checked} files: ${r.ok} unchanged, ${r.changed.length} changed, ${r.missing.length} missing, ${r.added.length} added`);
  }
  return r.changed.length || r.missing.length || r.added.length ? 3 : 0;
}

async function cmdWarnings(argv: string[]): Promise<number> {
  const { values } = parse(argv, { case: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } });
  const svc = openService(needCase(values.case));
  const r = await svc.listWarnings({ limit: values.limit ? Number(values.limit) : 5000 });
  svc.close();
  if (values.json) { out(JSON.stringify(r.rows, null, 2)); return 0; }
  for (const w of r.rows) out(`${w.file}${w.line !== undefined ? `:${w.line}` : ''}${w.offset !== undefined ? ` @${w.offset}` : ''}  ${w.message}`);
  err(`${r.rows.length} shown of ${r.total} warnings`);
  return 0;
}

async function cmdServe(argv: string[]): Promise<number> {
  const { values } = parse(argv, { case: { type: 'string' }, port: { type: 'string' } });
  const { startWebServer } = await import('./web.ts');
  const svc = new CaseService(values.case ? { casePath: values.case } : {});
  const srv = await startWebServer({ service: svc, port: values.port ? Number(values.port) : 0 });
  out(`Loupe browser mode: ${srv.url}`);
  err('listening on 127.0.0.1 only; the token in the URL is required. Ctrl+C to stop.');
  await new Promise<void>((resolve) => {
    const stop = (): void => { void srv.close().then(() => { svc.close(); resolve(); }); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

async function cmdReport(argv: string[]): Promise<number> {
  const { reportCommand } = await import('./report/cli.ts');
  return reportCommand(argv);
}

async function cmdExport(argv: string[]): Promise<number> {
  const { exportCommand } = await import('./report/cli.ts');
  return exportCommand(argv);
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  index: cmdIndex, timeline: cmdTimeline, files: cmdFiles, findings: cmdFindings, verify: cmdVerify,
  warnings: cmdWarnings, serve: cmdServe, report: cmdReport, export: cmdExport,
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') { out(HELP); return 0; }
  if (cmd === '--version' || cmd === '-v') { out(LOUPE_VERSION); return 0; }
  const run = COMMANDS[cmd];
  if (!run) { err(`unknown command: ${cmd}\n\n${HELP}`); return 2; }
  if (rest.includes('--help') || rest.includes('-h')) { out(HELP); return 0; }
  try {
    return await run(rest);
  } catch (e) {
    if (e instanceof UsageError) { err(`loupe ${cmd}: ${e.message}\nRun \`loupe --help\` for usage.`); return 2; }
    err(`loupe ${cmd}: ${(e as Error).message}`);
    if (!(e instanceof UserError) && process.env.LOUPE_DEBUG) err((e as Error).stack ?? '');
    return 1;
  }
}
