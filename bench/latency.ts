// UI latency on a large case: timeline page fetch, full-text search and histogram, through CaseService.
import { openCaseDb } from '../electron/case/db.ts';
import { dropEventIndexes, ensureEventIndexes } from '../electron/case/indexes.ts';
import { rebuildEventMinutes } from '../electron/case/minutes.ts';
import { CaseService } from '../electron/service.ts';
import { gridBench } from './grid.ts';

type Fig = (name: string, value: string, target?: string) => void;

/**
 * Copies events (shifted by one day per round) until the case holds at least `target` events, in SQL (INSERT …
 * SELECT), with the secondary indexes dropped meanwhile and rebuilt once at the end (sorted on every core): kept up
 * to date row by row, their random inserts made the copy I/O-bound (hours to reach 10M on a busy machine).
 */
export function inflate(casePath: string, target: number): void {
  const db = openCaseDb(casePath);
  let n = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  if (n >= target || n === 0) { db.close(); return; }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  db.pragma('cache_size = -1000000');
  dropEventIndexes(db);
  const day = 86_400_000_000;
  let round = 1;
  while (n < target) {
    const take = Math.min(n, target - n);
    const maxId = (db.prepare('SELECT max(id) AS m FROM event_rows').get() as { m: number }).m;
    console.log(`    inflating the case: ${n.toLocaleString('en-US')} → ${(n + take).toLocaleString('en-US')} events`);
    // In slices, so the FTS pending-terms buffer of one transaction stays small.
    const SLICE = 500_000;
    for (let done = 0; done < take; done += SLICE) {
      db.transaction(() => {
        const top = (db.prepare('SELECT max(id) AS m FROM event_rows').get() as { m: number }).m;
        const cols = 'ts, source, desc_ref, host_ref, ip, status, method, url_ref, ua_ref, msg, msg_tpl, field_layout, field_vals, file_id, line, record, offset, manual';
        db.prepare(`INSERT INTO event_rows (id, ${cols}) SELECT ? + row_number() OVER (ORDER BY id), ${cols.replace('ts,', 'ts + ?,')}
          FROM event_rows WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`).run(top, round * day, done ? firstCopied(db, maxId, done) : 0, maxId, Math.min(SLICE, take - done));
        // The copies are indexed by their message only: a filter on a field outside the message finds the originals alone.
        db.prepare('INSERT INTO events_fts (rowid, message) SELECT id, message FROM events WHERE id > ?').run(top);
      })();
    }
    n += take;
    round++;
  }
  ensureEventIndexes(db);
  rebuildEventMinutes(db);
  db.pragma('optimize');
  db.close();
  const c = process.cpuUsage(c0);
  console.log(`    inflated in ${((performance.now() - t0) / 1000).toFixed(0)} s wall, ${((c.user + c.system) / 1e6).toFixed(0)} s CPU (this thread; index sorts use more)`);
}

/** The id of the `done`-th original event (ids of copied rows start after maxId). */
function firstCopied(db: ReturnType<typeof openCaseDb>, maxId: number, done: number): number {
  return (db.prepare('SELECT id FROM event_rows WHERE id <= ? ORDER BY id LIMIT 1 OFFSET ?').get(maxId, done - 1) as { id: number }).id;
}

export async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** The rarest outside IP of the case (a search that matches few events). */
function rareIp(svc: CaseService): string {
  return (svc.handle.prepare("SELECT ip FROM events WHERE ip IS NOT NULL AND ip NOT LIKE '10.%' AND ip NOT LIKE '127.%' GROUP BY ip ORDER BY count(*) LIMIT 1").get() as { ip: string } | undefined)?.ip ?? '127.0.0.1';
}

/** "1M", "2.5M", "850k": the label of a case size. */
const sizeLabel = (n: number): string => (n >= 1e6 ? `${+(n / 1e6).toFixed(1)}M` : `${Math.round(n / 1e3)}k`);

/**
 * The grid figures at each case size in `steps` (ascending; the case grows from one to the next), so the trend to
 * 10M events shows even when a run stops short of it.
 */
export async function gridSteps(casePath: string, steps: number[], fig: Fig, sortFields: string[]): Promise<void> {
  for (const step of [...steps].sort((a, b) => a - b)) {
    inflate(casePath, step);
    const svc = new CaseService({ casePath });
    try {
      const events = (await svc.getCase())!.counts.events;
      const label = `[${sizeLabel(events)} events]`;
      await gridBench(svc, events, rareIp(svc), (name, value, target) => fig(`${label} ${name}`, value, target), sortFields);
    } finally {
      svc.close();
    }
  }
}

export async function latencyBench(casePath: string, target: number, fig: Fig, steps: number[] = [], sortFields = ['status']): Promise<void> {
  await gridSteps(casePath, steps.filter((n) => n < target), fig, sortFields);
  console.log(`\nUI latency on a case of ≥ ${target.toLocaleString('en-US')} events (median of 7)`);
  inflate(casePath, target);
  const svc = new CaseService({ casePath });
  const info = await svc.getCase();
  fig('events in case', info!.counts.events.toLocaleString('en-US'));
  const ip = rareIp(svc);
  const mid = (svc.handle.prepare('SELECT ts, id FROM events ORDER BY ts, id LIMIT 1 OFFSET ?').get(Math.floor(info!.counts.events / 2)) as { ts: number; id: number });
  fig('timeline first page (200 rows + total)', `${(await median(7, () => svc.queryTimeline({ limit: 200 }))).toFixed(1)} ms`, '≤ 50 ms');
  fig('timeline page mid-case (keyset)', `${(await median(7, () => svc.queryTimeline({ limit: 200, after: mid }))).toFixed(1)} ms`, '≤ 50 ms');
  fig(`search "${ip}" (FTS, 200 rows + total)`, `${(await median(7, () => svc.queryTimeline({ text: ip, limit: 200 }))).toFixed(1)} ms`, '≤ 300 ms');
  fig('search "shell.aspx POST"', `${(await median(7, () => svc.queryTimeline({ text: 'shell.aspx POST', limit: 200 }))).toFixed(1)} ms`, '≤ 300 ms');
  fig('histogram, whole case, 200 buckets', `${(await median(7, () => svc.histogram({ buckets: 200 }))).toFixed(1)} ms`, '≤ 300 ms');
  fig(`histogram, ip = ${ip}`, `${(await median(7, () => svc.histogram({ buckets: 200, ips: [ip] }))).toFixed(1)} ms`, '≤ 300 ms');
  const label = `[${sizeLabel(info!.counts.events)} events]`;
  await gridBench(svc, info!.counts.events, ip, (name, value, t) => fig(`${label} ${name}`, value, t), sortFields);
  svc.close();
}
