// Migration 5: the mark on events recovered from EVTX slack or damaged chunks (so the timeline can tell them from live
// records and filter them), and what each parsed file yielded (records read, recovered, unreadable). The mark points
// at event_rows: since format 3 (migration 3, which runs first) `events` is a view, and a foreign key cannot name one.
import type { Db } from '../db.ts';

export const version = 5;

/** A case has it when event_recovered exists (a case numbered past 5 by a build without it lacks it). */
export const present = (db: Db): boolean => !!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'event_recovered'").get();

export const sql = `
CREATE TABLE event_recovered (
  event_id INTEGER PRIMARY KEY REFERENCES event_rows(id) ON DELETE CASCADE,
  how      TEXT NOT NULL CHECK (how IN ('slack', 'damaged chunk'))
) STRICT;

CREATE TABLE file_outcomes (
  file_id    INTEGER PRIMARY KEY REFERENCES files(id) ON DELETE CASCADE,
  read       INTEGER NOT NULL,
  recovered  INTEGER NOT NULL,
  unreadable INTEGER NOT NULL,
  details    TEXT NOT NULL DEFAULT '{}'
) STRICT;
`;
