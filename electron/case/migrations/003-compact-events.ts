// Migration 3: compact events (issue 13). Event rows move to `event_rows`: fields packed per layout (field_layouts,
// field_names) instead of a JSON object per row, repeated strings (time descriptions, hosts, URLs, user agents)
// stored once in event_strings, and IIS/HttpProxy messages rebuilt from their template instead of stored. `events`
// becomes a view with the same columns as before, so every reader keeps working; inserting into it or deleting from it
// writes event_rows.
// Existing events are converted in place (same ids, so tags, stars and notes stay attached); the full-text index
// is kept as it is.
import type { Db } from '../db.ts';
import { fieldByNameSql, type RoleSql } from '../fields.ts';
import { MESSAGE_TEMPLATES, templateSql } from '../message-template.ts';
import { MINUTE } from '../minutes.ts';

export const version = 3;
export const rebuildsTables = true;

/**
 * Points other tables that referenced events (a later migration's, on a case that got it before this one, e.g.
 * event_recovered) at event_rows: a foreign key cannot point at a view. Same columns, rows and indexes.
 */
export function after(db: Db): void {
  const tables = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string; sql: string }>;
  for (const t of tables) {
    if (db.prepare(`SELECT 1 FROM pragma_foreign_key_list(?) WHERE "table" = 'events'`).get(t.name)) repoint(db, t.name, t.sql);
  }
}

function repoint(db: Db, name: string, sql: string): void {
  const indexes = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL").pluck().all(name) as string[];
  const tmp = `m003_${name}`;
  db.exec(sql.replace(/^CREATE TABLE\s+("?)[\w]+\1/i, `CREATE TABLE ${tmp}`).replace(/REFERENCES\s+("?)events\1\s*\(/gi, 'REFERENCES event_rows('));
  db.exec(`INSERT INTO ${tmp} SELECT * FROM "${name}"; DROP TABLE "${name}"; ALTER TABLE ${tmp} RENAME TO "${name}";`);
  for (const i of indexes) db.exec(i);
}

/** A case has format 3 when `events` is the view over event_rows (not the table of format 1). */
export const present = (db: Db): boolean =>
  (db.prepare("SELECT type FROM sqlite_master WHERE name = 'events'").pluck().get() as string | undefined) === 'view';

/** Interned string columns: the text itself, or the id of the text in event_strings (joined as `alias`). */
const INTERNED: Array<[column: string, alias: string]> = [['desc_ref', 'sd'], ['host_ref', 'sh'], ['url_ref', 'su'], ['ua_ref', 'sa']];
const strRef = (c: string): string => `coalesce(${INTERNED.find(([col]) => col === c)![1]}.es_text, r.${c})`;
// A join per interned column (on the primary key, and omitted by SQLite when a query does not read the column).
const STRING_JOINS = INTERNED.map(([c, a]) => `LEFT JOIN event_strings ${a} ON ${a}.es_id = r.${c} AND typeof(r.${c}) = 'integer'`).join('\n  ');

const ROW_ROLES: RoleSql = {
  ip: 'r.ip', status: 'r.status', method: 'r.method', url: strRef('url_ref'), ua: strRef('ua_ref'), host: strRef('host_ref'), ts: 'r.ts',
};

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function messageSql(): string {
  const cols = { method: 'r.method', url: ROW_ROLES.url, status: 'r.status', ip: 'r.ip', ua: ROW_ROLES.ua } as const;
  const whens = Object.keys(MESSAGE_TEMPLATES).map((id) => `WHEN ${id} THEN ${templateSql(Number(id), {
    col: (c) => cols[c],
    field: (name) => fieldByNameSql('r.field_layout', 'r.field_vals', ROW_ROLES, lit(name)),
  })}`);
  return `CASE r.msg_tpl ${whens.join(' ')} ELSE r.msg END`;
}

export const EVENTS_VIEW_SQL = `CREATE VIEW events AS SELECT
  r.id AS id, r.ts AS ts, ${strRef('desc_ref')} AS ts_desc, r.source AS source, ${ROW_ROLES.host} AS host,
  ${messageSql()} AS message,
  r.ip AS ip, r.status AS status, r.method AS method, ${ROW_ROLES.url} AS url, ${ROW_ROLES.ua} AS user_agent,
  r.file_id AS file_id, r.line AS line, r.record AS record, r.offset AS offset, r.manual AS manual,
  r.field_layout AS field_layout, r.field_vals AS field_vals
FROM event_rows r
  ${STRING_JOINS}`;

const minuteOf = (ts: string): string => `(${ts} / ${MINUTE} - (${ts} < 0 AND ${ts} % ${MINUTE} != 0))`;

/** The trigger that stores a plain INSERT INTO events; `also` adds statements (migration 9 keeps the files' log spans). */
export const eventsInsertTrigger = (also = ''): string => `CREATE TRIGGER events_insert INSTEAD OF INSERT ON events BEGIN
  INSERT INTO event_rows (id, ts, source, desc_ref, host_ref, ip, status, method, url_ref, ua_ref, msg, field_layout, field_vals,
      file_id, line, record, offset, manual)
    VALUES (new.id, new.ts, new.source, new.ts_desc, new.host, new.ip, new.status, new.method, new.url, new.user_agent, new.message,
      new.field_layout, new.field_vals, new.file_id, new.line, new.record, new.offset, coalesce(new.manual, 0));
  INSERT INTO events_fts (rowid, message) VALUES (last_insert_rowid(), new.message);
  INSERT INTO event_minutes (minute, source, n) VALUES (${minuteOf('new.ts')}, new.source, 1)
    ON CONFLICT (minute, source) DO UPDATE SET n = n + 1;${also}
END;`;

export const sql = `
CREATE TABLE event_strings (
  es_id   INTEGER PRIMARY KEY,
  es_text TEXT NOT NULL UNIQUE
) STRICT;

-- One row per log layout of a file: {names, roles, tpl} as JSON (for decodeFields) and tpl as JSONB (for SQL).
CREATE TABLE field_layouts (
  fl_id   INTEGER PRIMARY KEY,
  fl_spec TEXT NOT NULL,
  fl_tpl  BLOB NOT NULL
) STRICT;

-- Name → position (and role) within a layout, for fieldSql.
CREATE TABLE field_names (
  fn_layout INTEGER NOT NULL,
  fn_name   TEXT NOT NULL,
  fn_pos    INTEGER NOT NULL,
  fn_role   INTEGER NOT NULL,
  PRIMARY KEY (fn_layout, fn_name)
) STRICT, WITHOUT ROWID;

-- ts_desc/host/url/ua: text, or an event_strings id. msg is NULL when msg_tpl names the template that rebuilds it.
CREATE TABLE event_rows (
  id           INTEGER PRIMARY KEY,
  ts           INTEGER NOT NULL,
  source       TEXT NOT NULL,
  desc_ref     ANY NOT NULL,
  host_ref     ANY,
  ip           TEXT,
  status       ANY,
  method       TEXT,
  url_ref      ANY,
  ua_ref       ANY,
  msg          TEXT,
  msg_tpl      INTEGER,
  field_layout INTEGER,
  field_vals   BLOB,
  file_id      INTEGER REFERENCES files(id),
  line         INTEGER,
  record       INTEGER,
  offset       INTEGER,
  manual       INTEGER NOT NULL DEFAULT 0
) STRICT;

-- Convert the events of an older case: one layout per distinct field-name list, values in the same order.
CREATE TEMP TABLE m003_layouts AS
  SELECT row_number() OVER () AS id, keys FROM (
    SELECT DISTINCT (SELECT json_group_array(key) FROM json_each(fields)) AS keys FROM events WHERE json_valid(fields) AND fields <> '{}');
CREATE INDEX temp.m003_layouts_keys ON m003_layouts(keys);
INSERT INTO field_layouts (fl_id, fl_spec, fl_tpl)
  SELECT id, json_object('names', json(keys), 'roles', json((SELECT json_group_array(0) FROM json_each(keys))),
    'tpl', json((SELECT json_group_array(NULL) FROM json_each(keys)))), jsonb((SELECT json_group_array(NULL) FROM json_each(keys)))
  FROM m003_layouts;
INSERT INTO field_names (fn_layout, fn_name, fn_pos, fn_role)
  SELECT l.id, j.value, j.key, 0 FROM m003_layouts l, json_each(l.keys) j;
INSERT INTO event_rows (id, ts, source, desc_ref, host_ref, ip, status, method, url_ref, ua_ref, msg, msg_tpl, field_layout,
    field_vals, file_id, line, record, offset, manual)
  SELECT e.id, e.ts, e.source, e.ts_desc, e.host, e.ip, e.status, e.method, e.url, e.user_agent, e.message, NULL,
    CASE WHEN json_valid(e.fields) AND e.fields <> '{}' THEN (SELECT id FROM m003_layouts WHERE keys = (SELECT json_group_array(key) FROM json_each(e.fields))) END,
    CASE WHEN json_valid(e.fields) AND e.fields <> '{}' THEN jsonb((SELECT json_group_array(CASE WHEN j.type IN ('integer', 'real') THEN json(e.fields -> j.fullkey) ELSE j.value END) FROM json_each(e.fields) j)) END,
    e.file_id, e.line, e.record, e.offset, e.manual
  FROM events e ORDER BY e.id;
DROP TABLE m003_layouts;

-- Stars, notes and tags now point at event_rows (a foreign key cannot point at a view).
CREATE TABLE event_marks_new (
  event_id INTEGER PRIMARY KEY REFERENCES event_rows(id),
  starred  INTEGER NOT NULL DEFAULT 0,
  note     TEXT
) STRICT;
INSERT INTO event_marks_new SELECT event_id, starred, note FROM event_marks;
DROP TABLE event_marks;
ALTER TABLE event_marks_new RENAME TO event_marks;
CREATE TABLE event_tags_new (
  event_id INTEGER NOT NULL REFERENCES event_rows(id),
  tag      TEXT NOT NULL,
  PRIMARY KEY (event_id, tag)
) STRICT;
INSERT INTO event_tags_new SELECT event_id, tag FROM event_tags;
DROP TABLE event_tags;
ALTER TABLE event_tags_new RENAME TO event_tags;
CREATE INDEX event_tags_tag ON event_tags(tag);

DROP TABLE events;
${EVENTS_VIEW_SQL};

-- Full-text index tuning for large loads: merge 8 segments at a time (not 4), flush 16 MiB of terms at a time (not 1).
INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 8);
INSERT INTO events_fts (events_fts, rank) VALUES ('hashsize', 16777216);

-- INSERT INTO events (plain SQL: manual tools, tests, code written for format 1) stores the row as given (strings not
-- interned, no packed fields), indexes its message and counts it in event_minutes. The ingest writes event_rows itself.
${eventsInsertTrigger()}

-- DELETE FROM events removes the row, its full-text entry and its count in event_minutes.
CREATE TRIGGER events_delete INSTEAD OF DELETE ON events BEGIN
  DELETE FROM events_fts WHERE rowid = old.id;
  UPDATE event_minutes SET n = n - 1 WHERE minute = ${minuteOf('old.ts')} AND source = old.source;
  DELETE FROM event_rows WHERE id = old.id;
END;
`;
