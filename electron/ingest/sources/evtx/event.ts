// One resolved EVTX record → one TimelineEvent with the field names the rest of Loupe relies on.
import type { FieldValue, TimelineEvent } from '../../../../shared/types.ts';
import type { EvtxRecord } from './records.ts';
import { attr, child, elemText, type Elem } from './resolve.ts';
import { filetimeMicros } from './values.ts';
import { evtxSummary } from './summary.ts';

const MESSAGE_MAX = 500;
/** Whitespace other than single inner spaces: only such values need folding onto one line (most have none). */
const UNEVEN_SPACE = /[^\S ]| {2}|^ | $/;
const MESSAGE_VALUES = 6;

export function num(s: string | undefined): number | null {
  if (s === undefined || s.trim() === '') return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

/** `data.<name>` fields from EventData (<Data Name=…>, unnamed → data.0, data.1 …) and UserData leaves. */
export function dataFields(event: Elem): [string, string][] {
  const out: [string, string][] = [];
  const seen = new Map<string, number>();
  const add = (name: string, value: string) => {
    const n = seen.get(name) ?? 0;
    seen.set(name, n + 1);
    out.push([n === 0 ? `data.${name}` : `data.${name}${n + 1}`, value]);
  };
  const eventData = child(event, 'EventData');
  if (eventData) {
    let unnamed = 0;
    for (const ch of eventData.children) {
      if (typeof ch === 'string') continue;
      const name = ch.name === 'Data' ? attr(ch, 'Name') : ch.name;
      if (name === undefined) add(String(unnamed++), elemText(ch));
      else addLeaves(ch, name, add);
    }
  }
  const userData = child(event, 'UserData');
  if (userData) for (const ch of userData.children) if (typeof ch !== 'string') addLeaves(ch, null, add);
  return out;
}

/** Leaf elements under `e` by element name (`rename` names `e` itself when it is a leaf). */
function addLeaves(e: Elem, rename: string | null, add: (name: string, value: string) => void): void {
  let leaf = true;
  for (const k of e.children) if (typeof k !== 'string') { leaf = false; addLeaves(k, null, add); }
  if (leaf) add(rename ?? e.name, elemText(e));
}

/** The System block's fields, named as the case schema and detections expect. */
export function systemFields(event: Elem): Record<string, FieldValue> {
  const sys = child(event, 'System');
  const text = (name: string) => { const e = sys && child(sys, name); return e ? elemText(e) : undefined; };
  const provider = sys && child(sys, 'Provider');
  const eventId = sys && child(sys, 'EventID');
  const execution = sys && child(sys, 'Execution');
  const security = sys && child(sys, 'Security');
  const f: Record<string, FieldValue> = {
    EventID: num(eventId ? elemText(eventId) : undefined),
    Provider: provider ? attr(provider, 'Name') ?? null : null,
    Channel: text('Channel') ?? null,
    Computer: text('Computer') ?? null,
    Level: num(text('Level')),
    RecordID: num(text('EventRecordID')),
  };
  const optional: [string, FieldValue | undefined][] = [
    ['Task', num(text('Task')) ?? undefined],
    ['Opcode', num(text('Opcode')) ?? undefined],
    ['Keywords', text('Keywords')],
    ['ProcessID', execution ? num(attr(execution, 'ProcessID')) ?? undefined : undefined],
    ['ThreadID', execution ? num(attr(execution, 'ThreadID')) ?? undefined : undefined],
    ['UserID', security ? attr(security, 'UserID') : undefined],
    ['EventSourceName', provider ? attr(provider, 'EventSourceName') : undefined],
    ['Qualifiers', eventId ? attr(eventId, 'Qualifiers') : undefined],
  ];
  for (const [k, v] of optional) if (v !== undefined) f[k] = v;
  return f;
}

const ISO_TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z$/;

/** An ISO-8601 SystemTime (`…T…Z`, up to 7 fractional digits) in microseconds, or null when it is not one. */
export function createdMicrosFromIso(iso: string): number | null {
  const m = ISO_TIME.exec(iso);
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return ms * 1000 + Number((m[7] ?? '').padEnd(6, '0').slice(0, 6));
}

/** TimeCreated/@SystemTime in microseconds, or null when the record has none. */
function createdMicros(sys: Elem | undefined): number | null {
  const tc = sys && child(sys, 'TimeCreated');
  const iso = tc && attr(tc, 'SystemTime');
  return iso ? createdMicrosFromIso(iso) : null;
}

/** What `ts` means: TimeCreated, or (a record without one) the time the record header says it was written. */
export const TS_CREATED = 'Event Logged';
export const TS_WRITTEN = 'Record Written';

/** `Provider EventID: k=v; k=v …` over the data fields (`keys[i]` = `values[i]`), capped at MESSAGE_MAX characters. */
export function messageFrom(fields: Record<string, FieldValue>, keys: string[], values: string[]): string {
  const summary = evtxSummary(fields); // what the common events mean, in words; the rest keep name=value pairs
  if (summary) return summary.length > MESSAGE_MAX ? summary.slice(0, MESSAGE_MAX - 1) + '…' : summary;
  let line = `${fields.Provider ?? '?'} ${fields.EventID ?? '?'}`;
  let sep = ': ';
  let shown = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === '') continue;
    if (shown++ === MESSAGE_VALUES || line.length > MESSAGE_MAX) break;
    // Only as much of a value as can show: script blocks and task XML run to kilobytes.
    let shownValue = v.length > MESSAGE_MAX ? v.slice(0, MESSAGE_MAX) : v;
    if (UNEVEN_SPACE.test(shownValue)) shownValue = shownValue.replace(/\s+/g, ' ').trim();
    line += sep + keys[i].slice(5) + '=' + shownValue;
    sep = '; ';
  }
  return line.length > MESSAGE_MAX ? line.slice(0, MESSAGE_MAX - 1) + '…' : line;
}

export function recordToEvent(rec: EvtxRecord, file: string, host?: string): TimelineEvent {
  const fields = systemFields(rec.event);
  const data = dataFields(rec.event);
  for (const [k, v] of data) fields[k] = v;
  const recordId = typeof fields.RecordID === 'number' ? fields.RecordID : Number(rec.number);
  const created = createdMicros(child(rec.event, 'System'));
  return {
    ts: created ?? filetimeMicros(rec.written),
    tsDesc: created === null ? TS_WRITTEN : TS_CREATED,
    source: 'evtx',
    host: (fields.Computer as string | null) || host,
    message: messageFrom(fields, data.map((d) => d[0]), data.map((d) => d[1])),
    fields,
    ref: { file, record: recordId, offset: rec.offset },
  };
}
