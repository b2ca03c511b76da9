// Secondary indexes on events. A bulk load drops them and builds them once at the end (much faster than keeping
// them up to date row by row); every writable open recreates any that a killed run left missing.
import type { Db } from './db.ts';

export const EVENT_INDEXES: Record<string, string> = {
  events_ts: 'events(ts, id)',
  events_file: 'events(file_id)',
  events_ip: 'events(ip, ts)',
  events_source_ts: 'events(source, ts)',
};

export function ensureEventIndexes(db: Db): void {
  for (const [name, on] of Object.entries(EVENT_INDEXES)) db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON ${on}`);
}

export function dropEventIndexes(db: Db): void {
  for (const name of Object.keys(EVENT_INDEXES)) db.exec(`DROP INDEX IF EXISTS ${name}`);
}

export function missingEventIndexes(db: Db): string[] {
  const have = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'").all() as Array<{ name: string }>).map((r) => r.name));
  return Object.keys(EVENT_INDEXES).filter((n) => !have.has(n));
}
