// Chainsaw `hunt` output (WithSecure): `--json` (one array of detections), `--jsonl`, and `--csv` (one CSV per rule
// group: `timestamp`, `detections`, then the group's mapped columns). Each detection is an event tagged with its rule
// (RuleTitle, Level, …) — Chainsaw's verdict kept as data, not a Loupe finding. The EVTX record it carries becomes
// Loupe's EVTX field names (`EventID`, `Channel`, `Computer`, `data.<Name>`…), as the EvtxECmd importer does.
import { parse as parseYaml } from 'yaml';
import type { FieldValue, TimelineEvent } from '../../../../shared/types.ts';
import type { Parser, SourceInput } from '../types.ts';
import { cappedWarn, throwIfAborted, type Warn } from '../util.ts';
import { headerCsvParser, jsonFieldText, num, timeOrWarn } from './header-csv.ts';
import { jsonObjects } from './json-stream.ts';

type Obj = Record<string, unknown>;
type Fields = Record<string, FieldValue>;

const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const text = jsonFieldText;

/** An evtx-crate JSON node: `{ "#text": v, "#attributes": {…} }` or the plain value. */
const nodeText = (v: unknown): unknown => (isObj(v) && '#text' in v ? v['#text'] : v);
const attr = (v: unknown, name: string): unknown => (isObj(v) && isObj(v['#attributes']) ? v['#attributes'][name] : undefined);

/** `Event.System` (as the evtx crate writes it to JSON) → Loupe's EVTX field names. */
function systemFields(sys: Obj): Fields {
  const f: Fields = {};
  const put = (k: string, v: unknown) => { if (v !== undefined && v !== null && v !== '') f[k] = typeof v === 'object' ? JSON.stringify(v) : (v as string | number); };
  put('Provider', attr(sys.Provider, 'Name') ?? nodeText(sys.Provider));
  for (const [from, to] of [['EventID', 'EventID'], ['EventRecordID', 'RecordID'], ['Channel', 'Channel'], ['Computer', 'Computer'],
    ['Level', 'EventLevel'], ['Task', 'Task'], ['Opcode', 'Opcode'], ['Keywords', 'Keywords'], ['Version', 'Version']] as const) {
    const v = nodeText(sys[from]);
    put(to, typeof v === 'string' && ['EventID', 'RecordID'].includes(to) ? num(v) ?? v : v);
  }
  put('ProcessID', attr(sys.Execution, 'ProcessID'));
  put('ThreadID', attr(sys.Execution, 'ThreadID'));
  put('UserID', attr(sys.Security, 'UserID'));
  put('TimeCreated', attr(sys.TimeCreated, 'SystemTime'));
  return f;
}

/** EventData / UserData (or any other document's data) → `data.<Name>` fields; nested values as JSON text. */
export function dataFields(data: unknown, out: Fields = {}): Fields {
  if (!isObj(data)) return out;
  const add = (name: string, v: unknown) => {
    let key = `data.${name}`;
    for (let n = 2; key in out; n++) key = `data.${name}${n}`;
    out[key] = text(nodeText(v)) ?? '';
  };
  for (const [k, v] of Object.entries(data)) {
    if (k === '#attributes') continue;
    if ((k === 'Data' || k === '#text') && Array.isArray(v)) v.forEach((x, i) => add(String(i), x));
    else if (isObj(v) && !('#text' in v) && Object.keys(v).every((kk) => kk === '#attributes' || !isObj(v[kk]))) {
      for (const [kk, vv] of Object.entries(v)) if (kk !== '#attributes') add(kk, vv); // UserData's one wrapper element
    } else add(k, v);
  }
  return out;
}

/** Fields of the document a detection carries: an EVTX record's System and EventData, or any JSON record's keys. */
function documentFields(doc: unknown): Fields {
  if (!isObj(doc)) return {};
  const f: Fields = {};
  if (typeof doc.path === 'string') f.EvtxFile = doc.path;
  if (typeof doc.kind === 'string') f.DocumentKind = doc.kind;
  const data = doc.data;
  const event = isObj(data) && isObj(data.Event) ? data.Event : null;
  if (event) {
    Object.assign(f, isObj(event.System) ? systemFields(event.System) : {});
    dataFields(event.EventData, f);
    dataFields(event.UserData, f);
  } else dataFields(data, f);
  return f;
}

const list = (v: unknown): string | null => (Array.isArray(v) && v.length ? v.map(String).join(', ') : typeof v === 'string' && v ? v : null);

/** The detection's rule as fields (the names Hayabusa's importer uses where they mean the same). */
function ruleFields(o: Obj): Fields {
  const f: Fields = { tool: 'Chainsaw' };
  const put = (k: string, v: FieldValue) => { if (v !== null && v !== '') f[k] = v; };
  put('RuleTitle', text(o.name));
  put('Level', typeof o.level === 'string' ? o.level.toLowerCase() : text(o.level));
  put('RuleStatus', text(o.status));
  put('RuleAuthors', list(o.authors));
  put('RuleGroup', text(o.group));
  put('RuleSource', text(o.source));
  put('RuleId', text(o.id));
  put('Tags', list(o.tags));
  put('References', list(o.references));
  return f;
}

/** A readable line: level, rule, then the record's channel, id and first data values. */
function message(f: Fields): string {
  const where = [f.Provider ?? f.Channel, f.EventID].filter((x) => x !== undefined).join(' ');
  const data = Object.entries(f).filter(([k]) => k.startsWith('data.')).slice(0, 4).map(([k, v]) => `${k.slice(5)}=${v}`).join(', ');
  return `[${f.Level ?? '?'}] ${f.RuleTitle ?? '?'}${where ? ` — ${where}` : ''}${data ? `: ${data}` : ''}`.slice(0, 1000);
}

function chainsawEvent(f: Fields, ts: number, input: SourceInput, at: { line: number; offset: number }): TimelineEvent {
  const host = typeof f.Computer === 'string' && f.Computer ? f.Computer : input.host;
  return { ts, tsDesc: 'Chainsaw Detection', source: 'chainsaw', ...(host ? { host } : {}), message: message(f), fields: f, ref: { file: input.rel, line: at.line, offset: at.offset } };
}

/** One detection object (`--json` array element or `--jsonl` line) → an event; an aggregate reads its first document. */
function detectionEvent(o: Obj, input: SourceInput, at: { line: number; offset: number }, warn: Warn): TimelineEvent | null {
  const ts = timeOrWarn(String(o.timestamp ?? ''), 'timestamp', at, warn);
  if (ts === null) return null;
  const f = ruleFields(o);
  const docs = Array.isArray(o.documents) ? o.documents : [o.document];
  if (o.kind === 'aggregate') f.Count = docs.length;
  Object.assign(f, documentFields(docs[0]));
  return chainsawEvent(f, ts, input, at);
}

export const parseChainsawJson: Parser = async function* (input, ctx) {
  const capped = cappedWarn(ctx);
  for await (const batch of jsonObjects(input.chunks, capped.warn)) {
    throwIfAborted(ctx);
    for (const { value, line, offset } of batch) {
      if (!isObj(value) || !('timestamp' in value) || !('name' in value)) { capped.warn({ line, offset, message: 'not a Chainsaw detection (no timestamp or name); skipped' }); continue; }
      const ev = detectionEvent(value, input, { line, offset }, capped.warn);
      if (ev) yield ev;
    }
  }
  capped.finish();
};

/** Chainsaw's CSV columns (from its default mappings) → Loupe's field names. */
const CSV_COLUMNS: Record<string, string> = {
  detections: 'RuleTitle', path: 'EvtxFile', count: 'Count', 'Event.System.Provider': 'Provider', 'Event ID': 'EventID',
  'Record ID': 'RecordID', Computer: 'Computer', 'Event.System.Channel': 'Channel',
};

/** The `Event Data` cell: the EventData object as YAML (serde_yaml) → `data.<Name>`; kept as text when it is not a map. */
function eventDataCell(cell: string, f: Fields): void {
  let doc: unknown;
  try { doc = parseYaml(cell, { maxAliasCount: 0, uniqueKeys: false }); } catch { doc = null; }
  if (isObj(doc)) dataFields(doc, f);
  else f['Event Data'] = cell;
}

export const parseChainsawCsv = headerCsvParser((row, input, warn) => {
  const ts = timeOrWarn(row.get('timestamp'), 'timestamp', row, warn);
  if (ts === null) return null;
  const f: Fields = { tool: 'Chainsaw' };
  const stem = input.rel.slice(input.rel.lastIndexOf('/') + 1).replace(/\.csv$/i, '');
  f.RuleGroup = stem; // Chainsaw names each CSV after its rule group
  row.columns.forEach((c, i) => {
    const v = row.values[i];
    if (v === '' || c === 'timestamp') return;
    if (c === 'Event Data') { eventDataCell(v, f); return; }
    const name = CSV_COLUMNS[c] ?? c;
    f[name] = ['EventID', 'RecordID', 'Count'].includes(name) ? num(v) ?? v : v;
  });
  return chainsawEvent(f, ts, input, row);
});
