// One resolved EVTX record → one TimelineEvent with the field names the rest of Loupe relies on.
import type { EvidenceRef, FieldValue } from '../../../../shared/types.ts';
import { PackedEvent } from '../packed.ts';
import { eventNames, internNames } from './names.ts';
import type { EvtxRecord } from './records.ts';
import { attr, child, elemText, type Elem } from './resolve.ts';
import { filetimeMicros } from './values.ts';
import { evtxSummary, summaryOf } from './summary.ts';

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

/** The first child element of each System name event fields read (one pass over <System>, not one per name). */
interface SystemElems {
  provider?: Elem; eventId?: Elem; channel?: Elem; computer?: Elem; level?: Elem; recordId?: Elem; task?: Elem; opcode?: Elem;
  keywords?: Elem; execution?: Elem; security?: Elem;
}

function systemElems(sys: Elem | undefined): SystemElems {
  const s: SystemElems = {};
  if (!sys) return s;
  for (const ch of sys.children) {
    if (typeof ch === 'string') continue;
    switch (ch.name) {
      case 'Provider': s.provider ??= ch; break;
      case 'EventID': s.eventId ??= ch; break;
      case 'Channel': s.channel ??= ch; break;
      case 'Computer': s.computer ??= ch; break;
      case 'Level': s.level ??= ch; break;
      case 'EventRecordID': s.recordId ??= ch; break;
      case 'Task': s.task ??= ch; break;
      case 'Opcode': s.opcode ??= ch; break;
      case 'Keywords': s.keywords ??= ch; break;
      case 'Execution': s.execution ??= ch; break;
      case 'Security': s.security ??= ch; break;
    }
  }
  return s;
}

const textOf = (e: Elem | undefined): string | undefined => (e ? elemText(e) : undefined);

/** The System block's values, in names.ts's order, appended to `out`; returns which optional ones are there (a mask). */
function systemValues(event: Elem, out: FieldValue[]): number {
  const { provider, eventId, execution, security, ...s } = systemElems(child(event, 'System'));
  out.push(num(textOf(eventId)), provider ? attr(provider, 'Name') ?? null : null, textOf(s.channel) ?? null,
    textOf(s.computer) ?? null, num(textOf(s.level)), num(textOf(s.recordId)));
  let mask = 0;
  const optional = (v: FieldValue | undefined, bit: number): void => { if (v !== undefined) { out.push(v); mask |= bit; } };
  // SYSTEM_OPTIONAL's order
  optional(num(textOf(s.task)) ?? undefined, 1);
  optional(num(textOf(s.opcode)) ?? undefined, 2);
  optional(textOf(s.keywords), 4);
  optional(execution ? num(attr(execution, 'ProcessID')) ?? undefined : undefined, 8);
  optional(execution ? num(attr(execution, 'ThreadID')) ?? undefined : undefined, 16);
  optional(security ? attr(security, 'UserID') : undefined, 32);
  optional(provider ? attr(provider, 'EventSourceName') : undefined, 64);
  optional(eventId ? attr(eventId, 'Qualifiers') : undefined, 128);
  return mask;
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

/** Per names array, each data key as the message shows it (`name=`, without `data.`): made once, not per record. */
const labels = new WeakMap<readonly string[], string[]>();
function labelsOf(keys: readonly string[]): string[] {
  let l = labels.get(keys);
  if (!l) labels.set(keys, (l = keys.map((k) => `${k.slice(5)}=`)));
  return l;
}

const capped = (line: string): string => (line.length > MESSAGE_MAX ? line.slice(0, MESSAGE_MAX - 1) + '…' : line);

/**
 * The event's line: its summary when it is a common event, else `Provider EventID: k=v; k=v …` over the data fields
 * (`keys[i]` = `values[i]` for i ≥ `from`), capped at MESSAGE_MAX characters.
 */
function messageLine(summary: string | null, provider: FieldValue | undefined, id: FieldValue | undefined, keys: readonly string[],
  values: readonly FieldValue[], from: number): string {
  if (summary) return capped(summary);
  let line = `${provider ?? '?'} ${id ?? '?'}`;
  let sep = ': ';
  let shown = 0;
  let label: string[] | null = null;
  for (let i = from; i < values.length; i++) {
    const v = values[i] as string;
    if (v === '') continue;
    if (shown++ === MESSAGE_VALUES || line.length > MESSAGE_MAX) break;
    // Only as much of a value as can show: script blocks and task XML run to kilobytes.
    let shownValue = v.length > MESSAGE_MAX ? v.slice(0, MESSAGE_MAX) : v;
    if (UNEVEN_SPACE.test(shownValue)) shownValue = shownValue.replace(/\s+/g, ' ').trim();
    line += sep + (label ??= labelsOf(keys))[i] + shownValue;
    sep = '; ';
  }
  return capped(line);
}

/** The line of an event given as a fields object and its data fields (`keys[i]` = `values[i]`). */
export function messageFrom(fields: Record<string, FieldValue>, keys: string[], values: string[]): string {
  return messageLine(evtxSummary(fields), fields.Provider, fields.EventID, keys, values, 0);
}

/** The line of a packed event whose data fields start at `from` (system values first: EventID, Provider, Channel …). */
export function packedMessage(names: readonly string[], values: readonly FieldValue[], from: number): string {
  const id = values[0];
  const summary = summaryOf(typeof id === 'number' ? id : NaN, String(values[2] ?? ''), String(values[1] ?? ''), names, values);
  return messageLine(summary, values[1], id, names, values, from);
}

/** A packed EVTX event (fields as shared names plus this record's values; see names.ts). */
export function evtxEvent(ts: number, created: boolean, names: readonly string[], values: FieldValue[], from: number, ref: EvidenceRef,
  host: string | undefined): PackedEvent {
  const e = new PackedEvent(ts, created ? TS_CREATED : TS_WRITTEN, 'evtx', packedMessage(names, values, from), ref, names, values, 0);
  e.host = (values[3] as string | null) || host;
  return e;
}

export function recordToEvent(rec: EvtxRecord, file: string, host?: string): PackedEvent {
  const values: FieldValue[] = [];
  const mask = systemValues(rec.event, values);
  const from = values.length;
  const data = dataFields(rec.event);
  for (const [, v] of data) values.push(v);
  const created = createdMicros(child(rec.event, 'System'));
  const ts = created ?? filetimeMicros(rec.written);
  const ref = { file, record: typeof values[5] === 'number' ? values[5] : Number(rec.number), offset: rec.offset };
  return evtxEvent(ts, created !== null, eventNames(mask, internNames(data.map((d) => d[0]))), values, from, ref, host);
}
