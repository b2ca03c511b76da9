// Whether two cases built from the same evidence hold the same events: every stored column of every event row (interned
// strings and layouts resolved, so the order the parse workers' batches arrived in does not matter), the packed field
// bytes with their layout, the per-minute counts, the warnings and the full-text answers to a set of searches. How a
// change to ingest that must not change the output is checked (issue 13).
//   node --import tsx bench/compare-cases.ts A.loupe B.loupe
import crypto from 'node:crypto';
import Database from 'better-sqlite3';

const ROWS = `SELECT f.rel_path, r.line, r.record, r."offset", r.ts, r.source, coalesce(sd.es_text, r.desc_ref) AS ts_desc,
  coalesce(sh.es_text, r.host_ref) AS host, r.ip, r.status, r.method, coalesce(su.es_text, r.url_ref) AS url,
  coalesce(sa.es_text, r.ua_ref) AS ua, r.msg, r.msg_tpl, hex(r.field_vals) AS vals, fl.fl_spec AS layout, hex(fl.fl_tpl) AS tpl, r.manual,
  e.message
FROM event_rows r JOIN events e ON e.id = r.id LEFT JOIN files f ON f.id = r.file_id
LEFT JOIN field_layouts fl ON fl.fl_id = r.field_layout
LEFT JOIN event_strings sd ON sd.es_id = r.desc_ref AND typeof(r.desc_ref) = 'integer'
LEFT JOIN event_strings sh ON sh.es_id = r.host_ref AND typeof(r.host_ref) = 'integer'
LEFT JOIN event_strings su ON su.es_id = r.url_ref AND typeof(r.url_ref) = 'integer'
LEFT JOIN event_strings sa ON sa.es_id = r.ua_ref AND typeof(r.ua_ref) = 'integer'`;

/** Searches whose answers (the events they find, by file and line) are compared. */
const SEARCHES = ['china', 'chopper', 'powershell', 'ecp', 'autodiscover', 'oab', 'python', 'anonymous', 'aspx', 'cmd', 'contoso', 'error',
  'mozilla', '"Set-OabVirtualDirectory"', 'ServerInfo', '"X-BEResource"', '"/owa/auth"', 'exch01', 'curl', 'whoami'];

/** One digest of a multiset of rows: each row hashed, the row hashes sorted (order-free), then hashed together. */
function sortedDigest(lines: string[]): string {
  const rows = lines.map((l) => crypto.createHash('sha1').update(l).digest('hex')).sort();
  return crypto.createHash('sha256').update(rows.join('\n')).digest('hex');
}

function summary(file: string): Map<string, string> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const out = new Map<string, string>();
  const rows: string[] = [];
  for (const r of db.prepare(ROWS).raw().iterate() as Iterable<unknown[]>) rows.push(crypto.createHash('sha1').update(JSON.stringify(r)).digest('hex'));
  out.set(`event rows (${rows.length})`, sortedDigest(rows));
  const minutes = (db.prepare('SELECT minute, source, n FROM event_minutes').raw().all() as unknown[][]).map((r) => JSON.stringify(r));
  out.set(`per-minute counts (${minutes.length})`, sortedDigest(minutes));
  const warnings = (db.prepare('SELECT file, line, "offset", message FROM warnings').raw().all() as unknown[][]).map((r) => JSON.stringify(r));
  out.set(`warnings (${warnings.length})`, sortedDigest(warnings));
  const fts = db.prepare(`SELECT f.rel_path, r.line, r.record FROM events_fts JOIN event_rows r ON r.id = events_fts.rowid
    LEFT JOIN files f ON f.id = r.file_id WHERE events_fts MATCH ?`).raw();
  for (const q of SEARCHES) {
    const hits = (fts.all(q) as unknown[][]).map((r) => JSON.stringify(r));
    out.set(`search ${q} (${hits.length})`, sortedDigest(hits));
  }
  out.set('full-text rows', String(db.prepare('SELECT count(*) FROM events_fts').pluck().get()));
  db.close();
  return out;
}

const [a, b] = process.argv.slice(2);
if (!a || !b) { console.error('usage: node --import tsx bench/compare-cases.ts A.loupe B.loupe'); process.exit(2); }
const sa = summary(a);
const sb = summary(b);
let same = true;
for (const [k, v] of sa) {
  const w = sb.get(k);
  if (w !== v) same = false;
  console.log(`${w === v ? 'same     ' : 'DIFFERENT'} ${k}${w === v ? '' : `  (${b}: ${[...sb.keys()].find((x) => x.split(' (')[0] === k.split(' (')[0]) ?? 'missing'})`}`);
}
if (sb.size !== sa.size) same = false;
console.log(same ? 'IDENTICAL' : 'DIFFERENT');
process.exit(same ? 0 : 1);
