// Migration 8: on-demand sort indexes (issue 15). Sorting the timeline by a column SQLite has no index for sorts the
// whole result (seconds at 10M events); the first such sort builds a key table for that column instead, sort_key_<id>
// (its value, time and id in one B-tree), so every later page is read in order. This table lists them: the column, and
// how far the build got as the highest event id keyed (si_max_id). New events (a higher id) make an index stale until
// it is extended; a deleted event sets si_max_id to -1 (trigger below), so the index is rebuilt before it is used again.
import type { Db } from '../db.ts';

export const version = 8;

export const sql = `
CREATE TABLE sort_indexes (
  si_id         INTEGER PRIMARY KEY,
  si_field      TEXT NOT NULL UNIQUE,
  si_state      TEXT NOT NULL CHECK (si_state IN ('building', 'ready')),
  si_max_id     INTEGER NOT NULL DEFAULT 0,
  si_target     INTEGER NOT NULL DEFAULT 0,
  si_valued     INTEGER,
  si_created_at TEXT NOT NULL,
  si_built_at   TEXT
) STRICT;

CREATE TRIGGER sort_indexes_on_delete AFTER DELETE ON event_rows WHEN EXISTS (SELECT 1 FROM sort_indexes WHERE si_max_id <> -1)
BEGIN
  UPDATE sort_indexes SET si_max_id = -1 WHERE si_max_id <> -1;
END;
`;

/** Present when the table is (migrations were numbered per issue and may be merged out of order). */
export const present = (db: Db): boolean =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sort_indexes'").get() !== undefined;
