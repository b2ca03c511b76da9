// Secondary indexes on events. A bulk load drops them and builds them once at the end (much faster than keeping
// them up to date row by row); every writable open recreates any that a killed run left missing. The same goes
// for the triggers that keep event_minutes in step.
import type { Db } from './db.ts';
import { rebuildEventMinutes, MINUTE } from './minutes.ts';

export const EVENT_INDEXES: Record<string, string> = {
  events_ts: 'events(ts, id)',
  events_file: 'events(file_id, line)',
  events_ip: 'events(ip, ts)',
  events_source_ts: 'events(source, ts)',
};

// Keep event_minutes right on every insert/delete outside bulk loads.
const MINUTE_EXPR = (t: string): string => `(${t}.ts / ${MINUTE} - (${t}.ts < 0 AND ${t}.ts % ${MINUTE} != 0))`;
export const EVENT_TRIGGERS: Record<string, string> = {
  events_minutes_ins: `AFTER INSERT ON events BEGIN
    INSERT INTO event_minutes (minute, source, n) VALUES (${MINUTE_EXPR('new')}, new.source, 1)
    ON CONFLICT (minute, source) DO UPDATE SET n = n + 1; END`,
  events_minutes_del: `AFTER DELETE ON events BEGIN
    UPDATE event_minutes SET n = n - 1 WHERE minute = ${MINUTE_EXPR('old')} AND source = old.source; END`,
};

export function ensureEventIndexes(db: Db): void {
  for (const [name, on] of Object.entries(EVENT_INDEXES)) db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON ${on}`);
  const have = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>).map((r) => r.name));
  const missing = Object.keys(EVENT_TRIGGERS).filter((n) => !have.has(n));
  if (missing.length) {
    db.transaction(() => {
      for (const name of missing) db.exec(`CREATE TRIGGER ${name} ${EVENT_TRIGGERS[name]}`);
    })();
    if (missing.length) rebuildEventMinutes(db);
  }
}

export function dropEventIndexes(db: Db): void {
  for (const name of Object.keys(EVENT_INDEXES)) db.exec(`DROP INDEX IF EXISTS ${name}`);
  for (const name of Object.keys(EVENT_TRIGGERS)) db.exec(`DROP TRIGGER IF EXISTS ${name}`);
}

export function missingEventIndexes(db: Db): string[] {
  const have = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 'events'").all() as Array<{ name: string }>).map((r) => r.name));
  return [...Object.keys(EVENT_INDEXES), ...Object.keys(EVENT_TRIGGERS)].filter((n) => !have.has(n));
}
