// The reading commands: timeline, files, findings, warnings, verify. Every matching row is printed, streamed page by
// page, unless --limit says otherwise.
import type { EventRow, FileRow, WarningRow } from '../../shared/api.ts';
import { CONFIDENCE_LABELS, FILE_KINDS, microsToIso, SEVERITIES, type Finding, type FindingRow } from '../../shared/types.ts';
import { ALLOW_INCOMPLETE, INCOMPLETE_NOTE, incompleteExit } from '../report/incomplete.ts';
import type { CaseService } from '../service.ts';
import { filePages, openCase, timelinePages, warningPages, type Window } from './case.ts';
import { CASE_OPTION, defineCommand, listFormat, OUTPUT_OPTIONS, PAGING_OPTIONS, type Ctx } from './command.ts';
import { FILTER_OPTIONS, savedViewQuery, timelineQuery } from './filters.ts';
import { flag, list, UsageError, value } from './options.ts';
import { onePage, printRows, type ListFormat } from './output.ts';
import { hexHash, oneOf, text } from './values.ts';

const count = (n: number, what: string): string => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

/** The closing line on stderr: how many rows, and whether --limit left some out. */
async function summary(ctx: Ctx, format: ListFormat, n: number, what: string, w: Window): Promise<void> {
  const cut = w.more ? ` (--limit ${w.limit}; more match)` : '';
  // A reader that went away (`| head`) saw fewer rows than were written: a count would mislead.
  if (ctx.out.closed) return;
  if (format === 'text' || cut) await ctx.err.line(`${count(n, what)}${cut}`);
}

/** Opens the case, runs the body, always closes it. */
async function withCase<T>(file: string | undefined, body: (svc: CaseService) => Promise<T>): Promise<T> {
  const svc = await openCase(file!);
  try {
    return await body(svc);
  } finally {
    svc.close();
  }
}

const refText = (r: { file: string; line?: number; record?: number; offset?: number }): string =>
  `${r.file}${r.line !== undefined ? `:${r.line}` : r.record !== undefined ? `#${r.record}` : r.offset !== undefined ? `@${r.offset}` : ''}`;

const eventLine = (r: EventRow): string =>
  `${microsToIso(r.ts)}  ${r.source.padEnd(13)} ${r.tsDesc.padEnd(14)} ${r.message}  [${refText(r.ref)}]${r.recovered ? ` [recovered: ${r.recovered}]` : ''}${r.starred ? ' *' : ''}`;

export const timelineCommand = defineCommand({
  name: 'timeline',
  summary: 'print timeline events in time order: every matching event unless --limit',
  usage: '--case FILE [filters] [--desc] [--limit N] [--offset N] [--json | --jsonl]',
  options: { ...CASE_OPTION, ...FILTER_OPTIONS, desc: flag('newest first'), ...PAGING_OPTIONS, ...OUTPUT_OPTIONS },
  notes: [
    'Times are UTC unless they carry an offset (2021-03-02T10:15:00+01:00). --from is inclusive; --to is inclusive of the unit it names: --to 2021-03-08 takes in all of March 8, --to 2021-03-08T10:15 all of that minute.',
    'The same filters work with `loupe export` and `loupe report`.',
  ],
  examples: [
    "loupe timeline --case acme.loupe --query '165.232.154.116' --from 2021-03-01 --to 2021-03-08",
    'loupe timeline --case acme.loupe --source iis --status 200 --where cs-method=POST --jsonl | jq -r .message',
  ],
  async run(ctx, { values }) {
    const format = listFormat(values);
    timelineQuery(values); // usage errors before the case is opened
    return withCase(values.case, async (svc) => {
      const query = { ...timelineQuery(values, await savedViewQuery(svc, values.view)), order: values.desc ? 'desc' as const : 'asc' as const };
      const w: Window = { limit: values.limit, offset: values.offset, more: false };
      const n = await printRows(ctx.out, format, timelinePages(svc, query, w), { text: eventLine, json: (r) => ({ ...r, time: microsToIso(r.ts) }) });
      await summary(ctx, format, n, 'event', w);
      // Nothing matched: say so when a field named in the filters is one no event has (a typo, or the wrong case).
      if (n === 0 && !values.offset) for (const h of (await svc.queryTimeline({ ...query, limit: 1 })).hints ?? []) await ctx.err.line(`loupe timeline: ${h}`);
      return 0;
    });
  },
});

const fileLine = (f: FileRow): string =>
  `${f.sha256 ?? '-'.repeat(64)}  ${String(f.size).padStart(10)}  ${f.kind.padEnd(17)} ${f.origPath}${f.flagged ? '  [flagged]' : ''}`;

export const filesCommand = defineCommand({
  name: 'files',
  summary: 'list evidence files with their hashes: every matching file unless --limit',
  usage: '--case FILE [--glob PATTERN] [--hash HEX] [--text S] [--kind K,..] [--flagged] [--limit N] [--json | --jsonl]',
  options: {
    ...CASE_OPTION,
    glob: value('PATTERN', 'path glob over the evidence path or the original Windows path', text),
    hash: value('HEX', 'MD5, SHA-1 or SHA-256 (any case)', hexHash),
    text: value('S', 'part of the path or name', text),
    kind: list('K,..', 'only these kinds of file', oneOf(FILE_KINDS), { choices: FILE_KINDS }),
    flagged: flag('only files a finding points at'),
    ...PAGING_OPTIONS, ...OUTPUT_OPTIONS,
  },
  examples: ["loupe files --case acme.loupe --glob '**/aspnet_client/*.aspx'", 'loupe files --case acme.loupe --hash 2B6F1EBB2208E93ADE4A6424555D6A8341FD6D9F60C25E44AFE11008F5C1AAD1'],
  async run(ctx, { values }) {
    const format = listFormat(values);
    const q = { glob: values.glob, hash: values.hash, text: values.text, kinds: values.kind, flaggedOnly: values.flagged };
    return withCase(values.case, async (svc) => {
      const w: Window = { limit: values.limit, offset: values.offset, more: false };
      const n = await printRows(ctx.out, format, filePages(svc, q, w), { text: fileLine, json: (f) => f });
      await summary(ctx, format, n, 'file', w);
      return 0;
    });
  },
});

/** A finding's check matches an id given exactly, or its family (`ioc` for `ioc.hash`). */
const checkMatches = (check: string, wanted: string[]): boolean => wanted.some((w) => check === w || check.startsWith(`${w}.`));

/** --check values must name a check Loupe has (or one this case holds): a typo would otherwise print nothing. */
async function knownChecks(svc: CaseService, wanted: string[], rows: FindingRow[]): Promise<void> {
  const { CHECK } = await import('../detect/types.ts');
  const known = [...new Set([...Object.values(CHECK), ...rows.map((r) => r.check)])].sort();
  const bad = wanted.filter((w) => !known.some((k) => checkMatches(k, [w])));
  if (bad.length) throw new UsageError(`--check ${bad.join(',')} is not a check: choose from ${known.join(', ')} (or a family such as ioc)`);
}

/** A finding as an indented block; evidence text inside each line stays escaped (a title cannot start a line). */
function findingText(f: FindingRow): string[] {
  const confidence = f.confidence ? CONFIDENCE_LABELS[f.confidence] : 'not assessed';
  const lines = [`${f.severity.toUpperCase().padEnd(8)} ${confidence.padEnd(13)} ${f.check.padEnd(26)} ${f.title}`];
  if (f.confidenceReason) lines.push(`         why:  ${f.confidenceReason}`);
  if (f.path) lines.push(`         path: ${f.path}`);
  if (f.time) lines.push(`         time: ${f.time}`);
  for (const e of f.evidence.slice(0, 5)) lines.push(`         evidence: ${e.file}${e.line !== undefined ? `:${e.line}` : ''}${e.record !== undefined ? ` record ${e.record}` : ''}`);
  if (f.evidence.length > 5) lines.push(`         … ${f.evidence.length - 5} more evidence refs (--json lists all)`);
  return lines;
}

const findingJson = (r: FindingRow): Finding => ({
  check: r.check, severity: r.severity, confidence: r.confidence, confidenceReason: r.confidenceReason, title: r.title, path: r.path,
  time: r.time, sha256: r.sha256, evidence: r.evidence,
});

export const findingsCommand = defineCommand({
  name: 'findings',
  summary: 'print the findings, most severe first',
  usage: '--case FILE [--check ID,..] [--severity S,..] [--allow-incomplete] [--json | --jsonl]',
  options: {
    ...CASE_OPTION,
    check: list('ID,..', 'only these checks, or families of checks (ioc, proxylogon)', text),
    severity: list('S,..', 'only these severities', oneOf(SEVERITIES), { choices: SEVERITIES }),
    ...ALLOW_INCOMPLETE,
    ...OUTPUT_OPTIONS,
  },
  notes: [INCOMPLETE_NOTE],
  examples: ['loupe findings --case acme.loupe --severity critical,high', 'loupe findings --case acme.loupe --json  # [{check, severity, confidence, confidenceReason, title, path, time, sha256, evidence}]'],
  async run(ctx, { values }) {
    const format = listFormat(values);
    return withCase(values.case, async (svc) => {
      let rows = await svc.listFindings({ severity: values.severity });
      if (values.check) {
        await knownChecks(svc, values.check, rows);
        rows = rows.filter((r) => checkMatches(r.check, values.check!));
      }
      const n = await printRows(ctx.out, format, onePage(rows), { text: findingText, json: findingJson });
      await summary(ctx, format, n, 'finding', { more: false });
      const { completeness } = (await svc.getCase())!;
      return incompleteExit(completeness, 'findings', format !== 'text', !!values['allow-incomplete']);
    });
  },
});

const warningLine = (w: WarningRow): string => `${w.file}${w.line !== undefined ? `:${w.line}` : ''}${w.offset !== undefined ? ` @${w.offset}` : ''}  ${w.message}`;

export const warningsCommand = defineCommand({
  name: 'warnings',
  summary: 'print every file, line and offset Loupe could not read',
  usage: '--case FILE [--limit N] [--offset N] [--json | --jsonl]',
  options: { ...CASE_OPTION, ...PAGING_OPTIONS, ...OUTPUT_OPTIONS },
  examples: ['loupe warnings --case acme.loupe --jsonl'],
  async run(ctx, { values }) {
    const format = listFormat(values);
    return withCase(values.case, async (svc) => {
      const w: Window = { limit: values.limit, offset: values.offset, more: false };
      const n = await printRows(ctx.out, format, warningPages(svc, w), { text: warningLine, json: (r) => r });
      await summary(ctx, format, n, 'warning', w);
      return 0;
    });
  },
});

export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 're-hash the evidence against the manifest (exit 3 when a file changed, went missing or appeared)',
  usage: '--case FILE [--json]',
  options: { ...CASE_OPTION, json: flag('print the result as one JSON object') },
  examples: ['loupe verify --case acme.loupe || echo "evidence changed"'],
  async run(ctx, { values }) {
    return withCase(values.case, async (svc) => {
      const r = await svc.verify();
      if (values.json) await ctx.out.line(JSON.stringify(r, null, 2));
      else {
        const lines = [
          ...r.changed.map((c) => `CHANGED  ${c.relPath}  expected ${c.expected}  now ${c.actual}`),
          ...r.missing.map((m) => `MISSING  ${m}`), ...r.added.map((a) => `ADDED    ${a}`),
        ];
        await printRows(ctx.out, 'text', onePage(lines), { text: (l) => l, json: (l) => l });
        for (const w of r.warnings ?? []) await ctx.err.say(`warning: ${w}`);
        if (r.recorded === false) await ctx.err.line('note: the case is read-only here or busy (being indexed), so this verification is not recorded in it');
        await ctx.err.line(`verified ${r.checked} files: ${r.ok} unchanged, ${r.changed.length} changed, ${r.missing.length} missing, ${r.added.length} added`);
      }
      return r.changed.length || r.missing.length || r.added.length ? 3 : 0;
    });
  },
});
