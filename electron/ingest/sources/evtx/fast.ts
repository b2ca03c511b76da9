// The fast path from a record to its timeline event: a record that is one template instance is read through the
// template's compiled plan (plan.ts), decoding only the values that become fields; <EventData> nested in a binary-XML
// value (Security-style templates) is read through the nested template's plan. Returns null whenever the record needs
// the general path (another shape, an array or nested XML where a field is read).
import type { FieldValue } from '../../../../shared/types.ts';
import type { PackedEvent } from '../packed.ts';
import { parseFragment, templateInfo, type ChunkCtx, type XNode } from './binxml.ts';
import { createdMicrosFromIso, evtxEvent, num } from './event.ts';
import { RECORD_HEADER_SIZE } from './layout.ts';
import { ENTITIES } from './resolve.ts';
import { eventNames, internNames } from './names.ts';
import {
  compileNestedPart, compileNestedPlan, compilePlan, leafKeys, type ContainerKind, type Content, type DataPlan, type ElemPlan,
  type EventPlan, type LeafNode, type Part, type Slot,
} from './plan.ts';
import type { RecordSpot } from './records.ts';
import { ARRAY_FLAG, VT, arrayItems, filetimeMicrosParts, scalarText, type ByteSource } from './values.ts';

/** The substitution values of one template instance: type, chunk offset and size of each (reused record to record). */
export class Values {
  type = new Uint8Array(64);
  pos = new Int32Array(64);
  size = new Int32Array(64);
  n = 0;
  /** Whether any value is an array or nested binary XML (most records have none: the slot checks are then skipped). */
  complex = false;

  reserve(n: number): void {
    if (n <= this.type.length) return;
    const cap = Math.max(n, this.type.length * 2);
    this.type = new Uint8Array(cap);
    this.pos = new Int32Array(cap);
    this.size = new Int32Array(cap);
  }

  empty(i: number): boolean {
    return i >= this.n || this.type[i] === VT.NULL || this.size[i] === 0;
  }

  /** Whether the values at `slots` are plain scalars (an array or nested XML there changes the element tree). */
  scalar(slots: number[]): boolean {
    if (!this.complex) return true;
    for (const i of slots) if (i < this.n && this.size[i] > 0 && (this.type[i] & ARRAY_FLAG || this.type[i] === VT.BINXML)) return false;
    return true;
  }

  /** Whether the values at `slots` hold no nested XML (arrays are fine there). */
  flat(slots: number[]): boolean {
    if (!this.complex) return true;
    for (const i of slots) if (i < this.n && this.size[i] > 0 && this.type[i] === VT.BINXML) return false;
    return true;
  }
}

/** Reads a fragment in [start, end) that is one template instance into `vals`; returns the template's offset, or -1
 * when the fragment has another shape. */
function readInstance(c: ChunkCtx, start: number, end: number, vals: Values): number {
  const b = c.src.bytes;
  const v = c.src.view;
  let p = start;
  if (b[p] === 0x0f) p += 4;
  if (p + 14 > end || b[p] !== 0x0c) return -1;
  const defOff = v.getUint32(p + 6, true);
  p += 10;
  if (defOff === p) {
    if (p + 24 > end) return -1;
    p += 24 + v.getUint32(p + 20, true);
    if (p + 4 > end) return -1;
  }
  const count = v.getUint32(p, true);
  p += 4;
  if (count > (end - p) >> 2) return -1;
  vals.reserve(count);
  let data = p + count * 4;
  let complex = false;
  for (let i = 0; i < count; i++) {
    const size = v.getUint16(p + i * 4, true);
    const type = b[p + i * 4 + 2];
    if (type & ARRAY_FLAG || type === VT.BINXML) complex = true;
    vals.type[i] = type;
    vals.pos[i] = data;
    vals.size[i] = size;
    data += size;
  }
  if (data > end || (data < end && b[data] !== 0x00)) return -1;
  vals.n = count;
  vals.complex = complex;
  return defOff;
}

/** What `build` works out from the template at `off`, kept with the template (so later chunks reuse it too). */
function planOf<T>(c: ChunkCtx, off: number, what: string, depth: number, build: (body: XNode[]) => T | null): T | null {
  const info = templateInfo(c, off, depth);
  let plan = info.memo.get(what) as T | null | undefined;
  if (plan === undefined) {
    plan = build(info.body);
    info.memo.set(what, plan);
  }
  return plan;
}

/** Slots whose last text is remembered, and the longest value compared against it. */
const MEMO_SLOTS = 64;
const MEMO_BYTES = 128;

/** Text of content and elements with the values of one instance. */
class Reading {
  // The text each slot last gave, with the type, chunk offset and size of its value: records of one chunk repeat most
  // values (provider, channel, user, keywords, many data values), and comparing the bytes costs less than decoding them
  // again; the text is then the same string (already hashed where it is looked up).
  private readonly lastType = new Int16Array(MEMO_SLOTS).fill(-1);
  private readonly lastPos = new Int32Array(MEMO_SLOTS);
  private readonly lastSize = new Int32Array(MEMO_SLOTS);
  private readonly lastText: string[] = new Array<string>(MEMO_SLOTS).fill('');

  constructor(public src: ByteSource, readonly vals: Values) {}

  /** Reads another chunk from now on (what was remembered pointed into the last one). */
  reset(src: ByteSource): void {
    this.src = src;
    this.lastType.fill(-1);
  }

  private slot(s: Slot): string {
    const v = this.vals;
    const i = s.i;
    if (v.empty(i)) return '';
    const type = v.type[i];
    const pos = v.pos[i];
    const size = v.size[i];
    if (i >= MEMO_SLOTS || size > MEMO_BYTES) return scalarText(this.src, type, pos, size);
    if (this.lastType[i] === type && this.lastSize[i] === size && sameBytes(this.src.bytes, pos, this.lastPos[i], size)) return this.lastText[i];
    const text = scalarText(this.src, type, pos, size);
    this.lastType[i] = type;
    this.lastPos[i] = pos;
    this.lastSize[i] = size;
    this.lastText[i] = text;
    return text;
  }

  text(content: Content): string {
    if (content.length === 1) { const p = content[0]; return typeof p === 'string' ? p : this.slot(p); }
    let s = '';
    for (const p of content) s += typeof p === 'string' ? p : this.slot(p);
    return s;
  }

  /** An element's text, or undefined when it is absent from the template or vanishes for this record. */
  elem(e: ElemPlan | undefined): string | undefined {
    if (!e) return undefined;
    if (e.omit && this.vals.empty((e.content[0] as Slot).i)) return undefined;
    return this.text(e.content);
  }

  /** An attribute's text, or undefined when absent or dropped (an optional part of it is empty). */
  attr(content: Content | undefined): string | undefined {
    if (!content) return undefined;
    for (const p of content) if (typeof p !== 'string' && p.opt && this.vals.empty(p.i)) return undefined;
    return this.text(content);
  }

  /** The integer a lone integer slot holds (what num() of its text gives), or undefined for any other content. */
  private integer(content: Content): number | undefined {
    const p = content.length === 1 ? content[0] : null;
    if (p === null || typeof p === 'string' || this.vals.empty(p.i)) return undefined;
    const v = this.vals;
    const type = v.type[p.i];
    const width = INT_WIDTH[type];
    if (width === undefined || v.size[p.i] < width) return undefined;
    const view = this.src.view;
    const at = v.pos[p.i];
    switch (type) {
      case VT.INT8: return view.getInt8(at);
      case VT.UINT8: return view.getUint8(at);
      case VT.INT16: return view.getInt16(at, true);
      case VT.UINT16: return view.getUint16(at, true);
      case VT.INT32: return view.getInt32(at, true);
      case VT.UINT32: return view.getUint32(at, true);
      case VT.INT64: return Number(view.getBigInt64(at, true));
      default: return Number(view.getBigUint64(at, true));
    }
  }

  /** num() of an element's text, reading integers straight from their bytes. */
  elemNumber(e: ElemPlan | undefined): number | null {
    if (!e) return null;
    if (e.omit && this.vals.empty((e.content[0] as Slot).i)) return null;
    return this.integer(e.content) ?? num(this.text(e.content));
  }

  /** num() of an attribute's text, reading integers straight from their bytes. */
  attrNumber(content: Content | undefined): number | null {
    if (!content) return null;
    for (const p of content) if (typeof p !== 'string' && p.opt && this.vals.empty(p.i)) return null;
    return this.integer(content) ?? num(this.text(content));
  }
}

/** Whether the `size` bytes at `a` and at `b` are the same. */
function sameBytes(bytes: Uint8Array, a: number, b: number, size: number): boolean {
  if (a === b) return true;
  for (let k = 0; k < size; k++) if (bytes[a + k] !== bytes[b + k]) return false;
  return true;
}

/** Byte widths of the integer value types. */
const INT_WIDTH: Partial<Record<number, number>> = {
  [VT.INT8]: 1, [VT.UINT8]: 1, [VT.INT16]: 2, [VT.UINT16]: 2, [VT.INT32]: 4, [VT.UINT32]: 4, [VT.INT64]: 8, [VT.UINT64]: 8,
};

/** Appends the System fields' values to `out` (names.ts's order) and returns which optional ones are there (a mask). */
function systemValues(r: Reading, plan: EventPlan, out: FieldValue[]): number {
  const s = plan.system;
  if (!s) { out.push(null, null, null, null, null, null); return 0; }
  const hasEventId = !!s.eventId && !(s.eventId.omit && r.vals.empty((s.eventId.content[0] as Slot).i));
  out.push(r.elemNumber(s.eventId), s.hasProvider ? r.attr(s.provider) ?? null : null, r.elem(s.channel) ?? null,
    r.elem(s.computer) ?? null, r.elemNumber(s.level), r.elemNumber(s.recordId));
  // Written out, not through a helper closure: this runs for every record.
  let mask = 0;
  const task = r.elemNumber(s.task);
  if (task !== null) { out.push(task); mask |= 1; }
  const opcode = r.elemNumber(s.opcode);
  if (opcode !== null) { out.push(opcode); mask |= 2; }
  const keywords = r.elem(s.keywords);
  if (keywords !== undefined) { out.push(keywords); mask |= 4; }
  if (s.hasExecution) {
    const pid = r.attrNumber(s.processId);
    if (pid !== null) { out.push(pid); mask |= 8; }
    const tid = r.attrNumber(s.threadId);
    if (tid !== null) { out.push(tid); mask |= 16; }
  }
  if (s.hasSecurity) { const u = r.attr(s.userId); if (u !== undefined) { out.push(u); mask |= 32; } }
  if (s.hasProvider) { const e = r.attr(s.eventSourceName); if (e !== undefined) { out.push(e); mask |= 64; } }
  if (hasEventId) { const q = r.attr(s.qualifiers); if (q !== undefined) { out.push(q); mask |= 128; } }
  return mask;
}

/** TimeCreated in µs: straight from a FILETIME value, else parsed from its text; null when there is none. */
function createdMicros(r: Reading, plan: EventPlan): number | null {
  const s = plan.system;
  if (!s?.hasTimeCreated || !s.systemTime) return null;
  const c = s.systemTime;
  const p = c.length === 1 ? c[0] : null;
  const v = r.vals;
  if (p !== null && typeof p !== 'string' && !v.empty(p.i) && v.type[p.i] === VT.FILETIME && v.size[p.i] >= 8) {
    const hi = r.src.view.getUint32(v.pos[p.i] + 4, true);
    if (hi < 0x40000000) return filetimeMicrosParts(hi, r.src.view.getUint32(v.pos[p.i], true));
  }
  const iso = r.attr(c);
  return iso === undefined ? null : createdMicrosFromIso(iso);
}

/** Whether a node gives at least one element for this record (a leaf whose lone optional value is empty does not). */
const present = (r: Reading, n: LeafNode): boolean =>
  n.kind === 'group' || !(n.elem.omit && r.vals.empty((n.elem.content[0] as Slot).i));

function anyPresent(r: Reading, nodes: LeafNode[]): boolean {
  for (const n of nodes) if (present(r, n)) return true;
  return false;
}

/** The keys of the leaves of two parts read whole (none dropped or repeated), by the parts' node arrays: a container
 * nested in a value gets its leaves from its template's plan, and working the keys out per record showed. */
const nestedKeys = new WeakMap<LeafNode[], WeakMap<LeafNode[], readonly string[]>>();

function keysOfParts(ed: LeafNode[], ud: LeafNode[], names: Array<string | null>): readonly string[] {
  let byUd = nestedKeys.get(ed);
  if (!byUd) nestedKeys.set(ed, (byUd = new WeakMap()));
  let keys = byUd.get(ud);
  if (!keys) byUd.set(ud, (keys = internNames(leafKeys(names))));
  return keys;
}

/**
 * Appends the fields `nodes` give for this record (names and texts); returns true when the record departs from the
 * plan's usual shape (a leaf dropped or repeated, a group collapsed), so that the keys must be worked out again.
 */
function readLeaves(r: Reading, nodes: LeafNode[], values: string[], names: Array<string | null>): boolean {
  let reshaped = false;
  for (const n of nodes) {
    if (n.kind === 'group') {
      if (anyPresent(r, n.kids)) { if (readLeaves(r, n.kids, values, names)) reshaped = true; continue; }
      names.push(n.name);
      values.push(r.text(n.text));
      reshaped = true;
      continue;
    }
    if (!present(r, n)) { reshaped = true; continue; }
    const v = r.vals;
    const i = n.repeat ? (n.elem.content[0] as Slot).i : -1;
    if (i >= 0 && !v.empty(i) && v.type[i] & ARRAY_FLAG) {
      for (const item of arrayItems(r.src, v.type[i], v.pos[i], v.size[i])) { names.push(n.name); values.push(item); }
      reshaped = true;
      continue;
    }
    names.push(n.name);
    values.push(r.text(n.elem.content));
  }
  return reshaped;
}

/** Appends the leaves of plain binary XML `nodes` (elements without element children, by name, with their text) to
 * `out`; false when something in it needs values (a substitution or template instance). */
function plainLeafNodes(nodes: XNode[], out: LeafNode[]): boolean {
  for (const n of nodes) {
    if (n.k === 'sub' || n.k === 'inst') return false;
    if (n.k !== 'el') continue;
    let leaf = true;
    for (const k of n.children) if (k.k === 'el') { leaf = false; break; }
    if (!leaf) {
      if (!plainLeafNodes(n.children, out)) return false;
      continue;
    }
    let text = '';
    for (const k of n.children) {
      switch (k.k) {
        case 'text': case 'cdata': text += k.text; break;
        case 'char': text += String.fromCharCode(k.code); break;
        case 'ent': text += ENTITIES[k.name] ?? `&${k.name};`; break;
        case 'pi': break;
        default: return false;
      }
    }
    out.push({ kind: 'leaf', name: n.name, elem: { content: [text], omit: false }, repeat: false });
  }
  return true;
}

const NONE: LeafNode[] = [];
/** Depth at which a container's plain XML is parsed (binxml.ts refuses past 48 levels; the general path gets here at a few). */
const PLAIN_DEPTH = 16;

/** Reads records through plans, chunk by chunk (see reset). */
export class FastReader {
  private readonly record: Reading;
  private readonly nested: Reading;

  /** No values: the reading of a container's plain XML (its substitutions, if any, are empty as in the general path). */
  private readonly plain: Reading;
  /** Whether the record being read is live (a recovered one's plain XML is left to the general path's name checks). */
  private live = true;
  /** Whether a part of the record being read is plain XML (its leaves are the record's own: no keys kept for them). */
  private plainRead = false;

  constructor(private c: ChunkCtx) {
    this.record = new Reading(c.src, new Values());
    this.nested = new Reading(c.src, new Values());
    this.plain = new Reading(c.src, new Values());
    this.dataReading = this.record;
    this.leafReading = this.record;
  }

  /** Reads chunk `c` from now on (the reader, its value arrays and memos, serve chunk after chunk). */
  reset(c: ChunkCtx): this {
    this.c = c;
    this.record.reset(c.src);
    this.nested.reset(c.src);
    this.plain.reset(c.src);
    return this;
  }

  /** The texts and names of the record's data fields (reused from record to record). */
  private readonly values: string[] = [];
  private readonly names: Array<string | null> = [];
  /** The record's System values (reused from record to record). */
  private readonly sys: FieldValue[] = [];
  /** The reading that fills the data plan `dataOf` returned, and the leaves `leavesOf` returned. */
  private dataReading: Reading;
  private leafReading: Reading;

  /** The data plan of this record: the template's own, or the one nested in a value under <Event> (its reading is then
   * the nested values). Null for the general path. */
  private dataOf(plan: EventPlan): DataPlan | null {
    const vals = this.record.vals;
    let found: DataPlan | null = null;
    this.dataReading = this.record;
    for (const s of plan.nested) {
      if (vals.empty(s.i)) continue;
      if (vals.type[s.i] !== VT.BINXML) {
        if (vals.type[s.i] & ARRAY_FLAG) return null;
        continue; // text under <Event>: not a field
      }
      if (found) return null;
      const defOff = readInstance(this.c, vals.pos[s.i], vals.pos[s.i] + vals.size[s.i], this.nested.vals);
      if (defOff < 0) return null;
      found = planOf(this.c, defOff, 'nested', 1, compileNestedPlan);
      if (!found) return null;
      this.dataReading = this.nested;
    }
    return found ?? plan.data;
  }

  /** The leaves of a part (none when the container is empty), their reading in `leafReading`; null for the general path. */
  private leavesOf(part: Part, kind: ContainerKind, r: Reading): LeafNode[] | null {
    this.leafReading = r;
    if (!part.nested) return r.vals.scalar(part.strict) && r.vals.flat(part.loose) ? part.nodes : null;
    const s = part.nested;
    const v = r.vals;
    if (v.empty(s.i)) return NONE;
    if (v.type[s.i] !== VT.BINXML) return v.type[s.i] & ARRAY_FLAG ? null : NONE; // text in the container: no field
    if (r !== this.record) return null; // nested twice
    const defOff = readInstance(this.c, v.pos[s.i], v.pos[s.i] + v.size[s.i], this.nested.vals);
    if (defOff < 0) return this.plainLeaves(v.pos[s.i], v.size[s.i], kind);
    const inner = planOf(this.c, defOff, kind, 1, (body) => compileNestedPart(body, kind));
    if (!inner || inner.nested) return null;
    return this.leavesOf(inner, kind, this.nested);
  }

  /** The leaves of a <UserData> whose content is binary XML written out (no template, as in CAPI2 logs): each leaf
   * element by name with its text, as the general path's dataFields reads them; null for the general path (another
   * container, a template instance or substitution in it, an error). */
  private plainLeaves(pos: number, size: number, kind: ContainerKind): LeafNode[] | null {
    if (kind !== 'UserData' || !this.live) return null;
    const out: LeafNode[] = [];
    try {
      // Started deeper than the general path is here, so whatever nesting it would refuse is refused here first.
      if (!plainLeafNodes(parseFragment(this.c, pos, pos + size, PLAIN_DEPTH).nodes, out)) return null;
    } catch {
      return null; // the general path gives its own error
    }
    this.leafReading = this.plain;
    this.plainRead = true;
    return out;
  }

  /** The event of the record at `slice`, or null when it needs the general path. */
  event(slice: RecordSpot, base: number, file: string, host: string | undefined): PackedEvent | null {
    const r = this.record;
    this.live = slice.recovered === null;
    this.plainRead = false;
    const defOff = readInstance(this.c, slice.pos + RECORD_HEADER_SIZE, slice.pos + slice.size - 4, r.vals);
    if (defOff < 0) return null;
    const plan = planOf(this.c, defOff, 'event', 0, compilePlan);
    if (!plan || !r.vals.scalar(plan.slots)) return null;
    const dp = this.dataOf(plan);
    if (!dp) return null;
    // Both containers nested in values would need two sets of nested values at once: left to the general path.
    if (dp.eventData?.nested && dp.userData?.nested) return null;
    const dr = this.dataReading;
    const ed = dp.eventData ? this.leavesOf(dp.eventData, 'EventData', dr) : NONE;
    if (!ed) return null;
    const edReading = this.leafReading;
    const ud = dp.userData ? this.leavesOf(dp.userData, 'UserData', dr) : NONE;
    if (!ud) return null;
    const values = this.values;
    const names = this.names;
    values.length = 0;
    names.length = 0;
    let reshaped = readLeaves(edReading, ed, values, names);
    if (readLeaves(this.leafReading, ud, values, names)) reshaped = true;
    let keys = dp.keys;
    if (reshaped || this.plainRead) keys = internNames(leafKeys(names));
    else if (dp.eventData?.nested || dp.userData?.nested) keys = keysOfParts(ed, ud, names);
    const sys = this.sys;
    sys.length = 0;
    const mask = systemValues(r, plan, sys);
    const from = sys.length;
    const out: FieldValue[] = sys.concat(values); // one array of the exact size per record
    const view = this.c.src.view;
    const created = createdMicros(r, plan);
    const ts = created ?? filetimeMicrosParts(view.getUint32(slice.pos + 20, true), view.getUint32(slice.pos + 16, true));
    const record = typeof out[5] === 'number' ? out[5] : view.getUint32(slice.pos + 12, true) * 0x100000000 + view.getUint32(slice.pos + 8, true);
    return evtxEvent(ts, created !== null, eventNames(mask, keys), out, from, { file, record, offset: base + slice.pos }, host);
  }
}
