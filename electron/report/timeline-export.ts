// Timeline exports: Timeline-Explorer CSV, Timesketch JSONL and Timesketch CSV, streamed page by page.
import type { Db } from '../case/db.ts';
import type { TimelineQuery } from '../../shared/api.ts';
import { microsToIso } from '../../shared/types.ts';
import { csvSink, textSink, type CsvOptions, type Sink } from './sink.ts';
import { iterateTimelinePages, type ExportEventRow } from './timeline-query.ts';

export type TimelineFormat = 'csv' | 'timesketch' | 'timesketch-csv';

export const TIMELINE_CSV_COLUMNS = [
  'Timestamp (UTC)', 'Source', 'Description', 'Host', 'Message', 'Client IP', 'Status', 'Method', 'URL', 'User Agent',
  'Evidence File', 'Line/Record', 'Tags', 'Starred', 'Note', 'Manual', 'Fields',
];

export const TIMESKETCH_CSV_COLUMNS = [
  'message', 'timestamp', 'datetime', 'timestamp_desc', 'data_type', 'source', 'host', 'client_ip', 'status',
  'evidence_file', 'evidence_position', 'loupe_tags', 'loupe_starred', 'loupe_note', 'fields',
];

/** Names Timesketch uses itself; a log field with one of these names is exported as field_<name>. */
const TIMESKETCH_RESERVED = new Set(['message', 'datetime', 'timestamp', 'timestamp_desc', 'data_type', 'tag', 'label', '_id', '_index', '__ts_timeline_id', 'source', 'host']);

const tagList = (r: ExportEventRow): string[] => (r.tags ? r.tags.split('\u001f').sort() : []);

/** "W3SVC1/u_ex210303.log" + "line 42" style position of an event in its evidence file. */
function position(r: ExportEventRow): string {
  if (r.line !== null) return `line ${r.line}`;
  if (r.record !== null) return `record ${r.record}`;
  if (r.offset !== null) return `offset ${r.offset}`;
  return '';
}

/** Timeline Explorer reads "yyyy-MM-dd HH:mm:ss.ffffff" best; the column name carries the zone. */
const explorerTime = (us: number): string => microsToIso(us).replace('T', ' ').replace('Z', '');

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** The same instant as wall-clock time in an IANA zone, in the same layout (microseconds kept). */
export function explorerZoneTime(us: number, zone: string): string {
  let f = zoneFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    zoneFormats.set(zone, f);
  }
  const ms = Math.floor(us / 1000);
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const offsetMs = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(ms / 1000) * 1000;
  return explorerTime(us + offsetMs * 1000);
}

/** The display zone for an extra time column: null for UTC or a zone this runtime does not know. */
function extraZone(zone: string | null | undefined): string | null {
  if (!zone || zone === 'UTC') return null;
  try { new Intl.DateTimeFormat('en-US', { timeZone: zone }); return zone; } catch { return null; }
}

function explorerRow(r: ExportEventRow): unknown[] {
  return [
    explorerTime(r.ts), r.source, r.tsDesc, r.host ?? '', r.message, r.ip ?? '', r.status ?? '', r.method ?? '', r.url ?? '',
    r.userAgent ?? '', r.relPath ?? (r.manual ? '(manual entry)' : ''), r.line ?? r.record ?? r.offset ?? '', tagList(r).join(', '),
    r.starred === 1, r.note ?? '', r.manual === 1, JSON.stringify(r.fields),
  ];
}

/** A field name Timesketch/OpenSearch indexes flat: letters, digits and underscores only. */
export function timesketchFieldName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'field';
  return TIMESKETCH_RESERVED.has(clean.toLowerCase()) || clean.startsWith('loupe_') || clean.startsWith('evidence_') ? `field_${clean}` : clean;
}

/** One Timesketch JSONL object: the three required fields, timestamp in µs, our columns, then the log's fields flattened. */
export function timesketchObject(r: ExportEventRow): Record<string, unknown> {
  const o: Record<string, unknown> = {
    message: r.message,
    datetime: microsToIso(r.ts),
    timestamp: r.ts,
    timestamp_desc: r.tsDesc,
    data_type: `loupe:${r.source}`,
    source: r.source,
  };
  if (r.host) o.host = r.host;
  if (r.ip) o.client_ip = r.ip;
  if (r.status !== null) o.status = r.status;
  o.evidence_file = r.relPath ?? (r.manual ? '(manual entry)' : null);
  if (r.line !== null) o.evidence_line = r.line;
  if (r.record !== null) o.evidence_record = r.record;
  if (r.offset !== null) o.evidence_offset = r.offset;
  const tags = tagList(r);
  if (tags.length) o.loupe_tags = tags;
  if (r.starred === 1) o.loupe_starred = true;
  if (r.note) o.loupe_note = r.note;
  if (r.manual === 1) o.loupe_manual = true;
  for (const [k, v] of Object.entries(r.fields)) {
    let name = timesketchFieldName(k);
    while (name in o) name = `field_${name}`;
    o[name] = v;
  }
  return o;
}

function timesketchCsvRow(r: ExportEventRow): unknown[] {
  return [
    r.message, r.ts, microsToIso(r.ts), r.tsDesc, `loupe:${r.source}`, r.source, r.host ?? '', r.ip ?? '', r.status ?? '',
    r.relPath ?? '', position(r), tagList(r).join(', '), r.starred === 1, r.note ?? '', JSON.stringify(r.fields),
  ];
}

async function sinkFor(format: TimelineFormat, outPath: string, csv: CsvOptions, zone: string | null): Promise<{ sink: Sink; encode: (r: ExportEventRow) => unknown }> {
  if (format === 'timesketch') return { sink: await textSink(outPath), encode: (r) => `${JSON.stringify(timesketchObject(r))}\n` };
  // Timesketch imports its CSV itself: cells stay exact. The Timeline Explorer CSV is meant for spreadsheets.
  if (format === 'timesketch-csv') return { sink: await csvSink(outPath, TIMESKETCH_CSV_COLUMNS, { rawCells: true }), encode: timesketchCsvRow };
  if (!zone) return { sink: await csvSink(outPath, TIMELINE_CSV_COLUMNS, csv), encode: explorerRow };
  // The case's display zone beside UTC, so the sheet reads like the grid.
  const columns = [TIMELINE_CSV_COLUMNS[0], `Timestamp (${zone})`, ...TIMELINE_CSV_COLUMNS.slice(1)];
  return { sink: await csvSink(outPath, columns, csv), encode: (r) => { const row = explorerRow(r); row.splice(1, 0, explorerZoneTime(r.ts, zone)); return row; } };
}

/** Streams the (optionally filtered) timeline to a file; memory stays flat whatever the case size. */
export async function exportTimeline(db: Db, format: TimelineFormat, outPath: string, query: TimelineQuery = {}, csv: CsvOptions = {}, zone?: string | null): Promise<{ rows: number; bytes: number }> {
  const { sink, encode } = await sinkFor(format, outPath, csv, extraZone(zone));
  let rows = 0;
  try {
    for await (const page of iterateTimelinePages(db, query)) {
      await sink.write(...page.map(encode));
      rows += page.length;
    }
  } catch (e) {
    await sink.abort();
    throw e;
  }
  return { rows, bytes: await sink.close() };
}
