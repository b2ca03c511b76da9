// A case file of a million or more events, written straight through the case writer (no evidence to parse), for the
// grid's whole-result scrolling test. Rows are small and share one message pattern, so writing stays quick.
import { openCaseDb } from '../../electron/case/db.ts';
import { dropEventIndexes, ensureEventIndexes } from '../../electron/case/indexes.ts';
import type { TimelineEvent } from '../../shared/types.ts';
import { EventInserter, setMetaDefaults } from './big-case-meta.ts';

export const BIG_T0 = Date.UTC(2021, 2, 1) * 1000;
/** One event every 0.6 s: 1,000,000 events span about a week (03-01 … 03-07). */
export const BIG_STEP = 600_000;

export function writeBigCase(file: string, n: number): { first: number; last: number } {
  const db = openCaseDb(file, { create: true });
  setMetaDefaults(db);
  db.pragma('synchronous = OFF'); // a throw-away test case: no need to wait for the disk
  dropEventIndexes(db);
  const ins = new EventInserter(db);
  const CHUNK = 50_000;
  for (let done = 0; done < n; done += CHUNK) {
    const chunk: TimelineEvent[] = [];
    for (let i = done; i < Math.min(n, done + CHUNK); i++) {
      const ip = `10.1.${(i >> 8) & 255}.${i & 255}`;
      chunk.push({
        ts: BIG_T0 + i * BIG_STEP, tsDesc: 'Request', source: 'iis', host: 'EXCH01', message: `GET /owa/ → 200 from ${ip} #${i}`,
        fields: { 'c-ip': ip, 'sc-status': 200 }, ref: { file: 'u_ex.log', line: i + 1 },
      });
    }
    db.transaction(() => ins.insertMany(chunk, null))();
  }
  ensureEventIndexes(db);
  db.close();
  return { first: BIG_T0, last: BIG_T0 + (n - 1) * BIG_STEP };
}
