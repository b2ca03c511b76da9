// The timeline grid on a large case: jump to the end, jump to the middle of the scrollbar, go to a time, a page
// sorted by a column, and the export of a filtered view. Wall time beside CPU time (the machine may be shared).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSortIndexNow, dropSortIndex, listSortIndexes } from '../electron/case/sort-index.ts';
import { columnSortedIds, sortKeyName } from '../electron/case/timeline-where.ts';
import type { CaseService } from '../electron/service.ts';
import type { TimelineQuery } from '../shared/api.ts';
import { median } from './latency.ts';

type Fig = (name: string, value: string, target?: string) => void;

/** Median wall time and the CPU time per run, "12.3 ms (cpu 11.9 ms)". */
async function timed(runs: number, fn: () => Promise<unknown>): Promise<string> {
  const c0 = process.cpuUsage();
  const wall = await median(runs, fn);
  const c = process.cpuUsage(c0);
  return `${wall.toFixed(1)} ms (cpu ${((c.user + c.system) / 1000 / runs).toFixed(1)} ms/run)`;
}

export async function gridBench(svc: CaseService, events: number, ip: string, fig: Fig, sortFields = ['status', 'cs-uri-stem']): Promise<void> {
  console.log('\ntimeline grid (median of 7; wall, and CPU per run)');
  // What the grid asks for End: the total, then the last rows read backwards.
  fig('jump to the end (total + last 200 rows)', await timed(7, async () => {
    await svc.queryTimeline({ limit: 200 });
    await svc.queryTimeline({ order: 'desc', limit: 200 });
  }), '≤ 100 ms');
  fig('scrollbar to the middle (offset N/2, 200 rows)', await timed(7, () => svc.queryTimeline({ offset: Math.floor(events / 2), limit: 200 })), '≤ 100 ms');
  const t = (svc.handle.prepare('SELECT ts FROM events ORDER BY ts LIMIT 1 OFFSET ?').get(Math.floor(events * 0.7)) as { ts: number }).ts;
  fig('go to time (position + 200 rows)', await timed(7, async () => {
    const { index } = await svc.timelineIndex({ at: { ts: t, id: 0 } });
    await svc.queryTimeline({ offset: index, limit: 200 });
  }), '≤ 100 ms');
  fig('sorted by IP, whole case, first page (200)', await timed(7, () => svc.queryTimeline({ sort: { field: 'ip', dir: 'asc' }, limit: 200 })), '≤ 300 ms');
  fig('sorted by IP desc, whole case, page at offset 100,000', await timed(3, () => svc.queryTimeline({ sort: { field: 'ip', dir: 'desc' }, offset: 100_000, limit: 200 })), '≤ 300 ms');
  fig(`sorted by status, search "${ip}" (200 rows)`, await timed(7, () => svc.queryTimeline({ text: `"${ip}"`, sort: { field: 'status', dir: 'desc' }, limit: 200 })), '≤ 300 ms');
  for (const field of sortFields) await sortIndexBench(svc, events, field, fig);
  await rareFilterBench(svc, fig);
  // A filtered export of about 500 rows: the rarest IPs until their events add up to ~500.
  const ips = svc.handle.prepare('SELECT ip, count(*) AS n FROM events WHERE ip IS NOT NULL GROUP BY ip ORDER BY n').all() as Array<{ ip: string; n: number }>;
  const pick: string[] = [];
  let rows = 0;
  for (const r of ips) { if (rows >= 500) break; pick.push(r.ip); rows += r.n; }
  const out = path.join(os.tmpdir(), `loupe-bench-export-${process.pid}.csv`);
  let written = 0;
  const took = await timed(3, async () => { written = (await svc.exportTo({ format: 'csv', path: out, query: { ips: pick } })).rows ?? 0; });
  fig(`filtered CSV export (${written} rows, ${pick.length} IPs)`, took, '≤ 1 s');
  const q = `"${ip}"`;
  const took2 = await timed(3, async () => { written = (await svc.exportTo({ format: 'csv', path: out, query: { text: q } })).rows ?? 0; });
  fig(`filtered CSV export, search ${q} (${written} rows)`, took2, '≤ 1 s');
  fs.rmSync(out, { force: true });
}

/**
 * A column without an index of its own: SQLite's top-K sort of the whole result for the first page (the alternative),
 * then the on-demand sort index: its build from nothing (CPU, size in the case) and pages read through it.
 */
async function sortIndexBench(svc: CaseService, events: number, field: string, fig: Fig): Promise<void> {
  const db = svc.writeHandle;
  const name = sortKeyName(field)!;
  fig(`sorted by ${field}, no sort index: SQLite top-K of the whole result, first page`, await timed(1, async () => columnSortedIds(db, { sort: { field, dir: 'asc' } }, 200, 0)), '(the alternative)');
  dropSortIndex(db, name);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  buildSortIndexNow(db, name);
  const c = process.cpuUsage(c0);
  const info = listSortIndexes(db).find((x) => x.field === name)!;
  const caseBytes = fs.statSync(svc.path!).size;
  fig(`sort index for ${field}: build`, `${((performance.now() - t0) / 1000).toFixed(1)} s wall, ${((c.user + c.system) / 1e6).toFixed(1)} s CPU; ${((info.bytes ?? 0) / 1e6).toFixed(1)} MB (${(100 * (info.bytes ?? 0) / caseBytes).toFixed(1)}% of the case file)`, 'once per column, in the background');
  const q = (extra: TimelineQuery): TimelineQuery => ({ sort: { field, dir: 'asc' }, limit: 200, ...extra });
  fig(`sorted by ${field} (sort index), whole case, first page (200 + total)`, await timed(7, () => svc.queryTimeline(q({}))), '≤ 300 ms');
  fig(`sorted by ${field} desc (sort index), first page`, await timed(7, () => svc.queryTimeline(q({ sort: { field, dir: 'desc' } }))), '≤ 300 ms');
  fig(`sorted by ${field} (sort index), page at offset 100,000`, await timed(3, () => svc.queryTimeline(q({ offset: 100_000 }))), '≤ 300 ms');
  fig(`sorted by ${field} (sort index), scrollbar to the middle (offset N/2)`, await timed(3, () => svc.queryTimeline(q({ offset: Math.floor(events / 2) }))), '(offsets walk the index)');
  fig(`sorted by ${field} (sort index), source iis, first page`, await timed(7, () => svc.queryTimeline(q({ sources: ['iis'] }))), '≤ 300 ms');
  const out = path.join(os.tmpdir(), `loupe-bench-sorted-${process.pid}.csv`);
  let rows = 0;
  const took = await timed(3, async () => { rows = (await svc.exportTo({ format: 'csv', path: out, query: { sort: { field, dir: 'desc' }, sources: ['iis'], limit: 500 } })).rows ?? 0; });
  fig(`CSV export sorted by ${field} (sort index), source iis, ${rows} rows`, took, '≤ 1 s');
  fs.rmSync(out, { force: true });
}

/**
 * Filters on a rare value of a field without an index of its own (cs-uri-stem): their candidates come from the
 * full-text index (fts-prefilter.ts), each checked with the exact predicate; first page + total.
 */
async function rareFilterBench(svc: CaseService, fig: Fig): Promise<void> {
  const db = svc.handle;
  const rare = db.prepare(`SELECT url, count(*) AS n FROM events WHERE url IS NOT NULL AND length(url) >= 12 GROUP BY url ORDER BY n LIMIT 1`).get() as { url: string; n: number } | undefined;
  if (!rare) return;
  const total = async (q: TimelineQuery): Promise<string> => String((await svc.queryTimeline({ ...q, limit: 200 })).total);
  const filters: Array<[string, TimelineQuery]> = [
    ['column filter cs-uri-stem equals it', { columns: [{ field: 'cs-uri-stem', op: 'equals', value: rare.url }] }],
    ['column filter cs-uri-stem contains it less 3 characters each side', { columns: [{ field: 'cs-uri-stem', op: 'contains', value: rare.url.slice(3, -3) }] }],
    ['column filter cs-uri-stem regex ^<it>$', { columns: [{ field: 'cs-uri-stem', op: 'regex', value: `^${rare.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` }] }],
    ['search cs-uri-stem:"<it>"', { text: `cs-uri-stem:"${rare.url}"` }],
  ];
  for (const [name, q] of filters) {
    fig(`${name} (a URL of ${rare.n} events; ${await total(q)} match): first page + total`, await timed(3, () => svc.queryTimeline({ ...q, limit: 200 })), '≤ 300 ms');
  }
}
