// Opening a case from the command line, with a sentence for each way it can go wrong, and keyset-paged listings
// through the same service calls the UI makes.
import fs from 'node:fs';
import path from 'node:path';
import type { EventRow, FileQuery, FileRow, TimelineQuery, WarningRow } from '../../shared/api.ts';
import type { CaseService } from '../service.ts';
import { CliError, errorSentence } from './errors.ts';

/** Rows per service call: small pages keep the live set (and the process's peak memory) small while streaming. */
export const PAGE_ROWS = 1000;
/** SQLite page cache for a command (KiB): listings read each page once, so a big cache only adds to the footprint. */
const CLI_CACHE_KIB = 8192;

/** Sentences for a --case path that cannot be a case file; the service reports the rest. */
export function checkCasePath(file: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new CliError(`case file not found: ${file} — create it with \`loupe index <evidence-folder> --case ${file}\``);
    }
    throw e;
  }
  if (st.isDirectory()) {
    const inside = fs.readdirSync(file).filter((n) => n.endsWith('.loupe')).sort();
    const hint = inside.length ? `; it holds ${inside.slice(0, 3).join(', ')}: give one with --case ${path.join(file, inside[0])}` : '; give the .loupe file inside it';
    throw new CliError(`--case ${file} is a folder, not a case file${hint}`);
  }
  if (!st.isFile()) throw new CliError(`--case ${file} is not a regular file; give the .loupe case file`);
  if (st.size === 0) throw new CliError(`${file} is empty (0 bytes), not a Loupe case; give the .loupe file that \`loupe index\` created`);
}

/**
 * Opens an existing case for a command; every failure becomes a CliError sentence naming the file. A command reads a
 * sort index the case has but builds none (only `serve`, the workbench, does).
 */
export async function openCase(file: string, opts: { buildSortIndexes?: boolean } = {}): Promise<CaseService> {
  checkCasePath(file);
  const { CaseService } = await import('../service.ts');
  try {
    const svc = new CaseService({ casePath: file, buildSortIndexes: opts.buildSortIndexes ?? false });
    svc.handle.pragma(`cache_size = -${CLI_CACHE_KIB}`);
    return svc;
  } catch (e) {
    const code = String((e as { code?: unknown }).code ?? '');
    if (code === 'SQLITE_NOTADB') throw new CliError(`${file} is not a Loupe case file (not an SQLite database); give the .loupe file that \`loupe index\` created`);
    if (code.startsWith('SQLITE_')) throw new CliError(`${file}: ${errorSentence(e)}`);
    throw e;
  }
}

/** Stops early when --limit is reached; `more` tells whether rows were left out. */
export interface Window { limit?: number; offset?: number; more: boolean }

/** How many rows to ask for next: one past the limit, to learn whether more exist (a 1-row probe once it is reached). */
const want = (w: Window, done: number): number => Math.min(PAGE_ROWS, w.limit === undefined ? PAGE_ROWS : w.limit - done + 1);

/** Cuts a page at the limit and records whether anything was left. */
function clip<T>(rows: T[], w: Window, done: number): T[] {
  if (w.limit === undefined || done + rows.length <= w.limit) return rows;
  w.more = true;
  return rows.slice(0, w.limit - done);
}

/** Pages of rows from `fetch`, each continuing after the previous page's cursor, until --limit or the end. */
async function* keyset<T, C>(w: Window, fetch: (limit: number, after: C | undefined) => Promise<{ rows: T[]; next: C | null }>): AsyncGenerator<T[]> {
  let after: C | undefined;
  for (let done = 0; ;) {
    const n = want(w, done);
    const page = await fetch(n, after);
    const rows = clip(page.rows, w, done);
    done += rows.length;
    if (rows.length) yield rows;
    if (!page.next || page.rows.length < n || w.more) return;
    after = page.next;
  }
}

/** The first page skips --offset rows; later pages continue from the cursor. */
const start = <C>(w: Window, after: C | undefined): { after: C } | { offset: number } => (after ? { after } : { offset: w.offset ?? 0 });
const lastOf = <T>(rows: T[]): T | undefined => rows[rows.length - 1];

/** Every matching event, keyset-paged on (ts, id). */
export function timelinePages(svc: CaseService, q: TimelineQuery, w: Window): AsyncGenerator<EventRow[]> {
  if (q.sort && q.sort.field !== 'ts' && q.sort.field !== 'time') {
    // A column sort has no (ts, id) cursor: pages follow by offset (read through the column's sort index if any).
    return keyset(w, async (limit, after: number | undefined) => {
      const offset = after ?? w.offset ?? 0;
      const page = await svc.queryTimeline({ ...q, limit, offset });
      return { rows: page.rows, next: offset + page.rows.length };
    });
  }
  return keyset(w, async (limit, after: TimelineQuery['after']) => {
    const page = await svc.queryTimeline({ ...q, limit, ...start(w, after) });
    return { rows: page.rows, next: page.next };
  });
}

/** Every matching file, keyset-paged on (path, id). */
export function filePages(svc: CaseService, q: FileQuery, w: Window): AsyncGenerator<FileRow[]> {
  return keyset(w, async (limit, after: FileQuery['after']) => {
    const { rows } = await svc.listFiles({ ...q, limit, ...start(w, after) });
    const last = lastOf(rows);
    return { rows, next: last ? { relPath: last.relPath, id: last.id } : null };
  });
}

/** Every ingest warning, keyset-paged on id. */
export function warningPages(svc: CaseService, w: Window): AsyncGenerator<WarningRow[]> {
  return keyset(w, async (limit, after: number | undefined) => {
    const { rows } = await svc.listWarnings({ limit, ...(after !== undefined ? { afterId: after } : { offset: w.offset ?? 0 }) });
    return { rows, next: lastOf(rows)?.id ?? null };
  });
}
