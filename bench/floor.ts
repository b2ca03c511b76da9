// The engine floor for an index run: the same event rows (the columns Loupe stores) and the same full-text content,
// bulk-loaded by the sqlite3 command-line shell with `.import`, FTS5-indexed with the same tokenizer and settings,
// and the same four indexes built. The inputs are dumped from the Loupe case itself (untimed); only the sqlite3
// process is timed. Loupe's time over this floor is what parsing, hashing, encoding and detections cost beyond
// what SQLite needs anyway to store the same data.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openCaseDb } from '../electron/case/db.ts';
import { decodeFields, FIELDS_COLUMNS } from '../electron/case/fields.ts';
import { EVENT_INDEXES } from '../electron/case/indexes.ts';
import { searchExtras, searchPositions } from '../electron/case/search-text.ts';

export interface FloorFigures { wallSeconds: number; cpuSeconds: number; peakRssBytes: number; sqliteVersion: string; dbBytes: number }

const ROW_COLUMNS = ['id', 'ts', 'source', 'desc_ref', 'host_ref', 'ip', 'status', 'method', 'url_ref', 'ua_ref', 'msg', 'msg_tpl',
  'field_layout', 'field_vals', 'file_id', 'line', 'record', 'offset', 'manual'];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Streams rows to a CSV file in large writes. */
class CsvOut {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;
  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  row(cells: unknown[]): void {
    const line = cells.map(csvCell).join(',') + '\n';
    this.parts.push(line);
    this.size += line.length;
    if (this.size > 4 << 20) this.flush();
  }

  flush(): void {
    fs.writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }
}

/** Dumps the case's event rows and their full-text columns to rows.csv and fts.csv in `dir`. */
export function dumpFloorInputs(casePath: string, dir: string): number {
  fs.mkdirSync(dir, { recursive: true });
  const db = openCaseDb(casePath, { readonly: true });
  const rows = new CsvOut(path.join(dir, 'rows.csv'));
  const fts = new CsvOut(path.join(dir, 'fts.csv'));
  // The packed values as JSON text: this sqlite3 shell may predate JSONB, and .import reads text.
  const cols = ROW_COLUMNS.map((c) => (c === 'field_vals' ? 'json(r.field_vals)' : `r.${c}`)).join(', ');
  const stmt = db.prepare(`SELECT ${cols}, e.message, e.source AS src, ${FIELDS_COLUMNS('e')} FROM event_rows r JOIN events e ON e.id = r.id ORDER BY r.id`).raw();
  let n = 0;
  for (const r of stmt.iterate() as Iterable<unknown[]>) {
    rows.row(r.slice(0, ROW_COLUMNS.length));
    const message = r[ROW_COLUMNS.length] as string;
    const source = r[ROW_COLUMNS.length + 1] as string;
    const f = decodeFields(Object.fromEntries(['f_vals', 'f_spec', 'f_ts', 'f_ip', 'f_status', 'f_method', 'f_url', 'f_ua', 'f_host']
      .map((k, i) => [k, r[ROW_COLUMNS.length + 2 + i]])));
    fts.row([message, searchExtras(message, Object.values(f), searchPositions(source, new Map(Object.keys(f).map((k, i) => [k, i]))))]);
    n++;
  }
  rows.close();
  fts.close();
  db.close();
  return n;
}

function script(dir: string): string {
  const cols = ROW_COLUMNS.map((c) => `${c}${c === 'id' ? ' INTEGER PRIMARY KEY' : ''}`).join(', ');
  return [
    'PRAGMA page_size = 8192;', 'PRAGMA journal_mode = WAL;', 'PRAGMA synchronous = OFF;', 'PRAGMA cache_size = -65536;',
    `CREATE TABLE event_rows (${cols});`,
    // contentless_delete needs SQLite 3.43; without it the floor only gets cheaper.
    `CREATE VIRTUAL TABLE events_fts USING fts5(message, fields, content='', tokenize = "unicode61 tokenchars '-_'");`,
    "INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 8);",
    "INSERT INTO events_fts (events_fts, rank) VALUES ('hashsize', 16777216);",
    '.mode csv',
    `.import '${path.join(dir, 'rows.csv')}' event_rows`,
    `.import '${path.join(dir, 'fts.csv')}' events_fts`,
    ...Object.entries(EVENT_INDEXES).map(([name, on]) => `CREATE INDEX ${name} ON ${on};`),
    'PRAGMA wal_checkpoint(TRUNCATE);',
  ].join('\n');
}

/** Loads the dumped inputs with the sqlite3 shell, timed; null when sqlite3 is not installed. */
export function runFloor(dir: string): FloorFigures | null {
  const version = spawnSync('sqlite3', ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) return null;
  const db = path.join(dir, 'floor.db');
  for (const s of ['', '-wal', '-shm']) fs.rmSync(db + s, { force: true });
  fs.writeFileSync(path.join(dir, 'floor.sql'), script(dir));
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', 'sqlite3', db, `.read '${path.join(dir, 'floor.sql')}'`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`sqlite3 floor failed: ${r.stderr.slice(-500)}`);
  return {
    wallSeconds: Number(m[1]), cpuSeconds: Number(m[2]) + Number(m[3]), peakRssBytes: Number(m[4]) * 1024,
    sqliteVersion: version.stdout.split(' ')[0], dbBytes: fs.statSync(db).size,
  };
}
