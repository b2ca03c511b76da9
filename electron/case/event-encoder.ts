// Turns parsed events into batch rows (where they are parsed, so the writer thread only binds): picks the lifted
// columns, learns each layout's defaults and templates from its first rows, packs the fields, decides whether the
// message can be rebuilt from its template, and builds the full-text columns.
import type { FieldValue, TimelineEvent } from '../../shared/types.ts';
import type { BatchWriter, RowHead } from './event-batch.ts';
import { chooseTemplate, FieldLayout, LIFT_FIELDS, roleOfName, type Lifted } from './field-layout.ts';
import { templatePositions } from '../ingest/sources/message-templates.ts';
import { templateStorable, type LiftedCol } from './message-template.ts';
import { searchExtras, searchPositions } from './search-text.ts';

/**
 * Events whose fields come as one layout's names (one array per layout) plus this event's values, and whose message
 * was rendered with a message template (ingest/sources/packed.ts). A LineEvent's values hold undefined for values
 * still in its line (`text` from spans[at + 2i] to spans[at + 2i + 1]); full() makes them.
 */
export interface PackedFields {
  readonly names: readonly string[]; readonly values: readonly FieldValue[]; readonly template: number;
  full?(): readonly FieldValue[]; readonly text?: string; readonly spans?: Int32Array; readonly at?: number;
}

/** One row's values; undefined: still in the event's line. */
type Vals = readonly (FieldValue | undefined)[];

function packedOf(e: TimelineEvent): PackedFields | null {
  const p = e as unknown as Partial<PackedFields>;
  return Array.isArray(p.values) && Array.isArray(p.names) ? (p as PackedFields) : null;
}

type LiftKey = keyof typeof LIFT_FIELDS;
const LIFT_KEYS = Object.keys(LIFT_FIELDS) as LiftKey[];

/** One layout of the file being encoded. */
interface LayoutState {
  names: readonly string[];
  /** Position of each name (the last one when a name repeats, as in the fields object). */
  pos: Map<string, number>;
  /** Positions of the fields that may fill each lifted column, in LIFT_FIELDS order. */
  lift: Record<LiftKey, number[]>;
  samples: (readonly FieldValue[])[];
  layout: FieldLayout | null;
  id: number;
  /** Positions of the last message template's fields, and of the last source's indexed fields (looked up once). */
  msgId: number;
  msgAt: Int32Array;
  searchSource: string | null;
  searchAt: Int32Array | null;
}

interface Pending { ev: TimelineEvent; st: LayoutState | null; values: Vals | null }

const absent = (v: FieldValue | undefined): boolean => v === null || v === undefined || v === '' || v === '-';

/** Rows per learning window: a new layout's defaults and templates come from the first rows that use it. */
const WINDOW = 128;
/** A file that keeps changing layouts (a hostile log) starts afresh past this many. */
const MAX_LAYOUTS = 4096;

export class EventEncoder {
  private byNames = new Map<readonly string[], LayoutState>();
  private bySig = new Map<string, LayoutState>();
  private pending: Pending[] = [];
  private windowLeft = 0;
  private nextId = 1;

  constructor(private readonly out: BatchWriter) {}

  push(ev: TimelineEvent): void {
    const p = packedOf(ev);
    let st: LayoutState | null = null;
    let values: Vals | null = null;
    if (p) {
      if (p.names.length) {
        st = this.byNames.get(p.names) ?? this.track(p.names, null);
        // a layout still learning samples every value; a learnt one packs values straight from the line
        values = st.layout || !p.full ? p.values : p.full();
      }
    } else {
      const names = Object.keys(ev.fields);
      if (names.length) {
        const sig = names.join('\u0000');
        st = this.bySig.get(sig) ?? this.track(names, sig);
        values = Object.values(ev.fields);
      }
    }
    if (st && !st.layout) {
      if (st.samples.length < WINDOW) st.samples.push(values as readonly FieldValue[]);
      if (this.windowLeft <= 0) this.windowLeft = WINDOW;
    }
    if (this.windowLeft > 0) {
      this.pending.push({ ev, st, values });
      if (--this.windowLeft === 0) this.endWindow();
      return;
    }
    this.write(ev, st, values);
  }

  /** Ends the current learning window (at the end of a file, or before a batch must go out). */
  flush(): void {
    this.windowLeft = 0;
    this.endWindow();
  }

  private track(names: readonly string[], sig: string | null): LayoutState {
    if (this.byNames.size + this.bySig.size >= MAX_LAYOUTS) {
      this.flush();
      this.byNames = new Map();
      this.bySig = new Map();
    }
    const pos = new Map<string, number>();
    names.forEach((n, i) => pos.set(n, i));
    const lift = {} as Record<LiftKey, number[]>;
    for (const k of LIFT_KEYS) lift[k] = LIFT_FIELDS[k].filter((n) => pos.has(n)).map((n) => pos.get(n)!);
    const st: LayoutState = { names, pos, lift, samples: [], layout: null, id: 0, msgId: 0, msgAt: NO_POSITIONS, searchSource: null, searchAt: null };
    if (sig === null) this.byNames.set(names, st);
    else this.bySig.set(sig, st);
    return st;
  }

  private endWindow(): void {
    const rows = this.pending;
    this.pending = [];
    for (const r of rows) if (r.st && !r.st.layout) this.finalize(r.st);
    for (const r of rows) this.write(r.ev, r.st, r.values);
  }

  private finalize(st: LayoutState): void {
    const roles = st.names.map(roleOfName);
    const tpl = st.names.map((_, i) => (roles[i] ? null : chooseTemplate(st.samples.map((s) => s[i] ?? null))));
    st.layout = new FieldLayout({ names: [...st.names], roles, tpl });
    st.samples = [];
    st.id = this.nextId++;
    this.out.layouts.push({ id: st.id, spec: st.layout.spec });
  }

  // The event being written, read by the template and index-text callbacks below (no closure per event).
  private curSt: LayoutState | null = null;
  private curValues: Vals | null = null;
  private curLift: Lifted | null = null;

  private pick(k: LiftKey): FieldValue {
    const st = this.curSt;
    if (!st) return null;
    const values = this.curValues!;
    for (const i of st.lift[k]) if (!absent(values[i] ?? null)) return values[i] ?? null;
    return null;
  }

  /** The current event's lifted columns and row head: one object each, refilled per event (no garbage per row). */
  private readonly lifted: Lifted = { ts: 0, ip: null, status: null, method: null, url: null, ua: null, host: null };
  private readonly head: RowHead = {
    ts: 0, status: null, line: null, record: null, offset: null, layout: 0, msgTpl: 0, source: '', tsDesc: '', host: null, ip: null,
    method: null, url: null, ua: null,
  };

  private lift(ev: TimelineEvent): Lifted {
    const status = this.pick('status');
    const n = status === null ? null : Number(status);
    const l = this.lifted;
    l.ts = ev.ts; l.ip = text(this.pick('ip')); l.status = n !== null && Number.isFinite(n) ? n : null; l.method = text(this.pick('method'));
    l.url = text(this.pick('url')); l.ua = text(this.pick('ua')); l.host = ev.host ?? null;
    return l;
  }

  /** A lifted column of the current event. */
  col(c: LiftedCol): FieldValue {
    const l = this.curLift!;
    return c === 'ua' ? l.ua : l[c];
  }

  private readonly getCol = (c: LiftedCol): FieldValue => this.col(c);

  /** Where template `id`'s fields are in this layout (none without a layout). */
  private msgPositions(st: LayoutState | null, id: number): ArrayLike<number> {
    if (!st) return NO_FIELDS;
    if (st.msgId !== id) { st.msgAt = templatePositions(id, st.pos); st.msgId = id; }
    return st.msgAt;
  }

  /** The index text beyond the message: the source's indexed fields found in this layout, or every value. */
  private extras(ev: TimelineEvent, st: LayoutState | null, values: readonly FieldValue[] | null): string {
    if (!st) return searchExtras(ev.message, null, searchPositions(ev.source, EMPTY_POS));
    if (st.searchSource !== ev.source) { st.searchAt = searchPositions(ev.source, st.pos); st.searchSource = ev.source; }
    return searchExtras(ev.message, values, st.searchAt);
  }

  /** Writes one row; `vals` may be a LineEvent's values (its text columns made, the rest still in its line). */
  private write(ev: TimelineEvent, st: LayoutState | null, vals: Vals | null): void {
    this.curSt = st;
    this.curValues = vals;
    const values = vals as readonly FieldValue[] | null;
    const l = (this.curLift = this.lift(ev));
    const p = packedOf(ev);
    const tid = p?.template ?? 0;
    const msgTpl = tid && templateStorable(tid, values, this.msgPositions(st, tid), this.getCol) ? tid : 0;
    const r = ev.ref;
    const h = this.head;
    h.ts = ev.ts; h.status = l.status; h.line = r.line ?? null; h.record = r.record ?? null; h.offset = r.offset ?? null;
    h.layout = st?.id ?? 0; h.msgTpl = msgTpl; h.source = ev.source; h.tsDesc = ev.tsDesc; h.host = l.host; h.ip = l.ip; h.method = l.method;
    h.url = l.url; h.ua = l.ua;
    this.out.beginRow(h);
    if (st) st.layout!.encode(vals!, l, this.out, p?.text ?? null, p?.spans ?? null, p?.at ?? 0);
    this.out.endRow(ev.message, this.extras(ev, st, values));
  }
}

const text = (v: FieldValue): string | null => (v === null ? null : String(v));
const NO_POSITIONS = new Int32Array(0);
const EMPTY_POS: ReadonlyMap<string, number> = new Map();
/** Template positions of an event without fields: every field absent (a template has fewer than 64 fields). */
const NO_FIELDS = new Int32Array(64).fill(-1);
