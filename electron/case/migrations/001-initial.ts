// Migration 1: the whole case schema as first designed.
export const version = 1;

export const sql = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE evidence_sources (
  id              INTEGER PRIMARY KEY,
  root            TEXT NOT NULL UNIQUE,
  label           TEXT NOT NULL,
  added_at        TEXT NOT NULL,
  last_indexed_at TEXT
) STRICT;

-- The manifest: one row per evidence file. state: 'pending' while its events are being written, 'done' after.
CREATE TABLE files (
  id          INTEGER PRIMARY KEY,
  source_id   INTEGER NOT NULL REFERENCES evidence_sources(id),
  rel_path    TEXT NOT NULL,
  orig_path   TEXT NOT NULL,
  size        INTEGER NOT NULL,
  mtime       INTEGER,
  atime       INTEGER,
  ctime       INTEGER,
  btime       INTEGER,
  md5         TEXT,
  sha1        TEXT,
  sha256      TEXT,
  kind        TEXT NOT NULL,
  parser      TEXT,
  state       TEXT NOT NULL DEFAULT 'pending',
  events      INTEGER NOT NULL DEFAULT 0,
  indexed_at  TEXT,
  UNIQUE (source_id, rel_path)
) STRICT;
CREATE INDEX files_sha256 ON files(sha256);
CREATE INDEX files_md5 ON files(md5);
CREATE INDEX files_sha1 ON files(sha1);
CREATE INDEX files_kind ON files(kind);

-- Timeline events. ip/status/url/method/user_agent are lifted out of fields for filtering and correlation.
CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  ts          INTEGER NOT NULL,
  ts_desc     TEXT NOT NULL,
  source      TEXT NOT NULL,
  host        TEXT,
  message     TEXT NOT NULL,
  fields      TEXT NOT NULL DEFAULT '{}',
  ip          TEXT,
  status      INTEGER,
  method      TEXT,
  url         TEXT,
  user_agent  TEXT,
  file_id     INTEGER REFERENCES files(id),
  line        INTEGER,
  record      INTEGER,
  offset      INTEGER,
  manual      INTEGER NOT NULL DEFAULT 0
) STRICT;
-- Secondary indexes on events: see EVENT_INDEXES in electron/case/indexes.ts (dropped during bulk loads).

-- Full-text index over message and field values; contentless (text lives in events only), rowid = events.id.
CREATE VIRTUAL TABLE events_fts USING fts5(
  message, fields, content='', contentless_delete=1, tokenize = "unicode61 tokenchars '-_'"
);

-- Events per minute and source, rebuilt after each index run: fast histograms and totals over huge cases.
CREATE TABLE event_minutes (
  minute INTEGER NOT NULL,
  source TEXT NOT NULL,
  n      INTEGER NOT NULL,
  PRIMARY KEY (minute, source)
) STRICT, WITHOUT ROWID;

CREATE TABLE event_marks (
  event_id INTEGER PRIMARY KEY REFERENCES events(id),
  starred  INTEGER NOT NULL DEFAULT 0,
  note     TEXT
) STRICT;

CREATE TABLE event_tags (
  event_id INTEGER NOT NULL REFERENCES events(id),
  tag      TEXT NOT NULL,
  PRIMARY KEY (event_id, tag)
) STRICT;
CREATE INDEX event_tags_tag ON event_tags(tag);

CREATE TABLE findings (
  id          INTEGER PRIMARY KEY,
  check_id    TEXT NOT NULL,
  severity    TEXT NOT NULL,
  title       TEXT NOT NULL,
  path        TEXT,
  time        INTEGER,
  sha256      TEXT,
  evidence    TEXT NOT NULL DEFAULT '[]',
  details     TEXT,
  file_id     INTEGER REFERENCES files(id),
  created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX findings_check ON findings(check_id);

CREATE TABLE warnings (
  id         INTEGER PRIMARY KEY,
  file       TEXT NOT NULL,
  file_id    INTEGER REFERENCES files(id),
  line       INTEGER,
  offset     INTEGER,
  message    TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
CREATE INDEX warnings_file ON warnings(file_id);

-- IOC lists and rule packs used by detections (recorded for the report's methodology section).
CREATE TABLE ioc_lists (
  id        INTEGER PRIMARY KEY,
  name      TEXT NOT NULL,
  path      TEXT NOT NULL UNIQUE,
  sha256    TEXT NOT NULL,
  format    TEXT NOT NULL,
  count     INTEGER NOT NULL,
  added_at  TEXT NOT NULL
) STRICT;

CREATE TABLE rule_packs (
  id        INTEGER PRIMARY KEY,
  name      TEXT NOT NULL,
  path      TEXT NOT NULL UNIQUE,
  sha256    TEXT NOT NULL,
  rules     INTEGER NOT NULL,
  added_at  TEXT NOT NULL
) STRICT;

CREATE TABLE verify_runs (
  id       INTEGER PRIMARY KEY,
  at       TEXT NOT NULL,
  checked  INTEGER NOT NULL,
  ok       INTEGER NOT NULL,
  result   TEXT NOT NULL
) STRICT;

CREATE TABLE audit (
  id       INTEGER PRIMARY KEY,
  at       TEXT NOT NULL,
  user     TEXT NOT NULL,
  action   TEXT NOT NULL,
  details  TEXT NOT NULL DEFAULT '{}'
) STRICT;
`;
