// Secondary indexes on the event rows. A load that at least doubles the case drops them and builds them once at the
// end (much faster than keeping them up to date row by row); every writable open recreates any that a killed run
// left missing. Per-minute counts are kept by the writers themselves (event-store.ts), not by triggers.
import os from 'node:os';
import type { Db } from './db.ts';

export const EVENT_INDEXES: Record<string, string> = {
  events_ts: 'event_rows(ts)',
  events_file: 'event_rows(file_id, line)',
  events_ip: 'event_rows(ip, ts)',
  events_source_ts: 'event_rows(source, ts)',
};

/** Builds the missing indexes, sorting on every core (the parse workers are done by then). */
export function ensureEventIndexes(db: Db): void {
  const missing = missingEventIndexes(db);
  if (!missing.length) return;
  const threads = db.pragma('threads', { simple: true }) as number;
  db.pragma(`threads = ${Math.max(1, Math.min(os.availableParallelism(), 8))}`);
  try {
    for (const name of missing) db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON ${EVENT_INDEXES[name]}`);
  } finally {
    db.pragma(`threads = ${threads}`);
  }
}

export function dropEventIndexes(db: Db): void {
  for (const name of Object.keys(EVENT_INDEXES)) db.exec(`DROP INDEX IF EXISTS ${name}`);
}

export function missingEventIndexes(db: Db): string[] {
  const have = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'event_rows'").all() as Array<{ name: string }>).map((r) => r.name));
  return Object.keys(EVENT_INDEXES).filter((n) => !have.has(n));
}
