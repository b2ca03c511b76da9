// Migration 9: each file's first and last log entry on its manifest row (files.log_first / log_last), so log coverage
// and the verdicts' "do the logs reach back to the attack window?" read the manifest instead of every event (issue 13:
// 6–15 s per open at 5M events). The writers keep them (case/log-spans.ts); this fills them for an older case's files,
// and the trigger that stores a plain INSERT INTO events (tests, tools) now keeps them too.
import type { Db } from '../db.ts';
import { backfillFileSpans, PLAUSIBLE_FROM } from '../log-spans.ts';
import { eventsInsertTrigger } from './003-compact-events.ts';

export const version = 9;

export const sql = `
ALTER TABLE files ADD COLUMN log_first INTEGER;
ALTER TABLE files ADD COLUMN log_last INTEGER;

DROP TRIGGER events_insert;
${eventsInsertTrigger(`
  UPDATE files SET log_first = min(coalesce(log_first, new.ts), new.ts), log_last = max(coalesce(log_last, new.ts), new.ts)
    WHERE id = new.file_id AND new.source != 'filesystem'
      AND new.ts BETWEEN ${PLAUSIBLE_FROM} AND (unixepoch('now') + 2 * 86400) * 1000000;`)}
`;

export function after(db: Db): void {
  backfillFileSpans(db);
}

/** Present when the columns are (migrations were numbered per issue and may be merged out of order). */
export const present = (db: Db): boolean =>
  (db.prepare('PRAGMA table_info(files)').all() as Array<{ name: string }>).some((c) => c.name === 'log_first');
