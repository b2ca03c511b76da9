// Migration 5: the mark on events recovered from EVTX slack or damaged chunks (so the timeline can tell them from live
// records and filter them), and what each parsed file yielded (records read, recovered, unreadable).
export const version = 5;

export const sql = `
CREATE TABLE event_recovered (
  event_id INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
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
