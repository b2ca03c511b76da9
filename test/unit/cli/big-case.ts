// A case of many events written straight through the case writer (no evidence to parse), for streaming tests.
import { openCaseDb, setMeta } from '../../../electron/case/db.ts';
import { dropEventIndexes, ensureEventIndexes } from '../../../electron/case/indexes.ts';
import { rebuildEventMinutes } from '../../../electron/case/minutes.ts';
import { EventInserter, nowIso } from '../../../electron/case/write.ts';
import type { TimelineEvent } from '../../../shared/types.ts';

const T0 = Date.UTC(2021, 2, 1) * 1000;

/** IIS-like request events, one every 10 ms from 2021-03-01, from 250 clients (a small full-text vocabulary keeps the build fast). */
export function bigCaseEvent(i: number): TimelineEvent {
  const ip = `10.0.0.${i % 250}`;
  return {
    ts: T0 + i * 10_000, tsDesc: 'Request', source: 'iis', host: 'EXCH01',
    message: `GET /owa/auth/logon.aspx 200 ${ip}`,
    fields: { 'c-ip': ip, 'cs-method': 'GET', 'sc-status': 200 },
    ref: { file: 'W3SVC1/u_ex210301.log', line: i + 5 },
  };
}

/**
 * Writes `n` events into a new case at `casePath`: the first thousand through the case writer, then copied forward in
 * time by doubling (every column but the id), the way the latency bench inflates a case, with indexes built once.
 */
export function writeBigCase(casePath: string, n: number): void {
  const db = openCaseDb(casePath, { create: true });
  try {
    setMeta(db, 'createdAt', nowIso());
    dropEventIndexes(db);
    const ins = new EventInserter(db);
    const seed = Math.min(n, 1000);
    db.transaction(() => ins.insertMany(Array.from({ length: seed }, (_, i) => bigCaseEvent(i)), null))();
    // The stored rows are copied as they are (packed fields, interned strings), so the copies read back the same.
    const cols = (db.prepare('PRAGMA table_info(event_rows)').all() as Array<{ name: string }>).map((c) => c.name).filter((c) => c !== 'id');
    const copy = db.prepare(`INSERT INTO event_rows (${cols.join(', ')}) SELECT ${cols.map((c) => (c === 'ts' ? 'ts + ?' : c)).join(', ')} FROM event_rows ORDER BY id LIMIT ?`);
    for (let have = seed; have < n; have *= 2) {
      const span = db.prepare('SELECT max(ts) - min(ts) + 10000 AS d FROM events').get() as { d: number };
      copy.run(span.d, Math.min(have, n - have));
    }
    ensureEventIndexes(db);
    rebuildEventMinutes(db);
  } finally {
    db.close();
  }
}
