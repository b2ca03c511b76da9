// The timeline grid on a large case: jump to the end, jump to the middle of the scrollbar, go to a time, a page
// sorted by a column, and the export of a filtered view. Wall time beside CPU time (the machine may be shared).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CaseService } from '../electron/service.ts';
import { median } from './latency.ts';

type Fig = (name: string, value: string, target?: string) => void;

/** Median wall time and the CPU time per run, "12.3 ms (cpu 11.9 ms)". */
async function timed(runs: number, fn: () => Promise<unknown>): Promise<string> {
  const c0 = process.cpuUsage();
  const wall = await median(runs, fn);
  const c = process.cpuUsage(c0);
  return `${wall.toFixed(1)} ms (cpu ${((c.user + c.system) / 1000 / runs).toFixed(1)} ms/run)`;
}

export async function gridBench(svc: CaseService, events: number, ip: string, fig: Fig): Promise<void> {
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
  // Columns without an index: the whole result is read and sorted (the grid's header says so).
  fig('sorted by Status (no index), whole case, first page', await timed(1, () => svc.queryTimeline({ sort: { field: 'status', dir: 'asc' }, limit: 200 })), '≤ 300 ms (no index: sorts the whole result)');
  fig('sorted by a field (cs-uri-stem, no index), whole case, first page', await timed(1, () => svc.queryTimeline({ sort: { field: 'cs-uri-stem', dir: 'asc' }, limit: 200 })), '(no index: a full sort)');
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
