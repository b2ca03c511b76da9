// EvtxECmd CSV (Eric Zimmerman): one row per event record. System columns become Loupe's EVTX field names and the
// Payload column's EventData/UserData become `data.<Name>`, so Sigma rules and the EVTX checks read them as they read
// Loupe's own EVTX events.
import type { FieldValue } from '../../../../shared/types.ts';
import { headerCsvParser, num, timeOrWarn } from './header-csv.ts';

/** EvtxECmd column → Loupe EVTX field. */
const SYSTEM: Record<string, string> = {
  EventId: 'EventID', Provider: 'Provider', Channel: 'Channel', Computer: 'Computer', Level: 'Level', EventRecordId: 'RecordID',
  ProcessId: 'ProcessID', ThreadId: 'ThreadID', UserId: 'UserID', Keywords: 'Keywords',
};
const NUMERIC = new Set(['EventID', 'RecordID', 'ProcessID', 'ThreadID']);
const MESSAGE_COLUMNS = ['MapDescription', 'UserName', 'RemoteHost', 'PayloadData1', 'PayloadData2', 'PayloadData3', 'PayloadData4', 'PayloadData5', 'PayloadData6', 'ExecutableInfo'];

/** `data.<Name>` fields from EvtxECmd's Payload JSON (`{"EventData":{"Data":[{"@Name":…,"#text":…}]}}` or UserData). */
export function payloadFields(payload: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!payload.trim()) return out;
  let doc: unknown;
  try { doc = JSON.parse(payload); } catch { return out; }
  if (!doc || typeof doc !== 'object') return out;
  const root = doc as Record<string, unknown>;
  const add = (name: string, value: unknown) => {
    let key = `data.${name}`;
    for (let n = 2; key in out; n++) key = `data.${name}${n}`;
    out[key] = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  };
  const eventData = root.EventData as Record<string, unknown> | null | undefined;
  if (eventData && typeof eventData === 'object') {
    const data = eventData.Data;
    const list = Array.isArray(data) ? data : data === undefined ? [] : [data];
    list.forEach((d, i) => {
      if (d && typeof d === 'object' && '@Name' in d) add(String((d as Record<string, unknown>)['@Name']), (d as Record<string, unknown>)['#text'] ?? '');
      else add(String(i), d);
    });
    if (eventData.Binary) add('Binary', eventData.Binary);
  }
  const leaves = (o: unknown, name: string) => {
    if (o && typeof o === 'object' && !Array.isArray(o)) {
      for (const [k, v] of Object.entries(o)) if (!k.startsWith('@')) leaves(v, k === '#text' ? name : k);
    } else add(name, o);
  };
  if (root.UserData && typeof root.UserData === 'object') for (const v of Object.values(root.UserData)) leaves(v, 'UserData');
  return out;
}

export const parseEvtxECmd = headerCsvParser((row, input, warn) => {
  const ts = timeOrWarn(row.get('TimeCreated'), 'TimeCreated', row, warn);
  if (ts === null) return null;
  const fields: Record<string, FieldValue> = { tool: 'EvtxECmd' };
  row.columns.forEach((c, i) => {
    const v = row.values[i];
    if (v === '' || c === 'Payload') return;
    const name = SYSTEM[c] ?? c;
    fields[name] = NUMERIC.has(name) ? num(v) ?? v : v;
  });
  Object.assign(fields, payloadFields(row.get('Payload')));
  const detail = MESSAGE_COLUMNS.map((c) => row.get(c)).filter(Boolean).join('; ');
  const host = row.get('Computer') || input.host;
  return {
    ts, tsDesc: 'Event Logged', source: 'evtxecmd', ...(host ? { host } : {}),
    message: `${row.get('Provider') || '?'} ${row.get('EventId') || '?'}${detail ? `: ${detail}` : ''}`.slice(0, 500),
    fields, ref: { file: input.rel, line: row.line, offset: row.offset },
  };
});
