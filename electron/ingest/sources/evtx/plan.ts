// A template compiled once into where each timeline field comes from (literal text or substitution n), so a record
// becomes an event without building its element tree. Templates of a shape the plan cannot express compile to null,
// and their records take the general path (resolve.ts + event.ts); a test holds both paths to the same result.
import type { XAttr, XElem, XNode } from './binxml.ts';
import { internNames } from './names.ts';
import { ENTITIES } from './resolve.ts';

/** A substitution slot: its index in the record's values, and whether an empty value drops its element/attribute. */
export interface Slot { i: number; opt: boolean }
/** Content of an element or attribute: literal text and slots, concatenated. */
export type Content = Array<string | Slot>;

/** An element's text content; `omit` when it is a lone optional slot (the element vanishes when that value is empty). */
export interface ElemPlan { content: Content; omit: boolean }

export interface SystemPlan {
  eventId?: ElemPlan; qualifiers?: Content; provider?: Content; eventSourceName?: Content; hasProvider: boolean;
  channel?: ElemPlan; computer?: ElemPlan; level?: ElemPlan; recordId?: ElemPlan; task?: ElemPlan; opcode?: ElemPlan;
  keywords?: ElemPlan; hasTimeCreated: boolean; systemTime?: Content;
  hasExecution: boolean; processId?: Content; threadId?: Content; hasSecurity: boolean; userId?: Content;
}

/**
 * Where `data.*` fields come from, mirroring event.ts's dataFields: a leaf element gives one field (several when its
 * lone substitution holds an array: the element repeats per item); a group gives its children's fields, or, when all
 * of them vanish for a record, one field of its own text.
 */
export type LeafNode =
  | { kind: 'leaf'; name: string | null; elem: ElemPlan; repeat: boolean }
  | { kind: 'group'; name: string; text: Content; kids: LeafNode[] };

/** The fields of one container (<EventData> or <UserData>): its leaves, or the slot that is its only content (nested
 * binary XML whose template holds the container's children, as in many <UserData> blocks). */
export interface Part {
  nodes: LeafNode[];
  nested: Slot | null;
  /** Slots that must hold plain scalars; `loose` ones (a leaf's lone slot) may also hold arrays. */
  strict: number[];
  loose: number[];
}

/** The `data.*` fields of <EventData> and of <UserData> (null when absent). */
export interface DataPlan {
  eventData: Part | null;
  userData: Part | null;
  /** The keys when both parts are written out, every leaf is there once and no group collapses. */
  keys: readonly string[];
}

export interface EventPlan {
  system: SystemPlan | null;
  /** Data elements written in the template itself. */
  data: DataPlan;
  /** Substitutions directly under <Event>: Security-style templates put <EventData> there as nested binary XML. */
  nested: Slot[];
  /** Every slot the System part reads (a record whose value there is an array or nested binary XML takes the general path). */
  slots: number[];
}

/** Thrown when a template's shape needs the general path: always this one instance (its stack captured once, not per
 * template: hundreds of templates a run are not plannable). */
const NOT_PLANNABLE = new (class NotPlannable extends Error {})('template shape left to the general path');

/** Child elements of a container; a substitution or template instance among them (content that may turn into
 * elements per record) is left to the general path. */
function elements(nodes: XNode[]): XElem[] {
  const out: XElem[] = [];
  for (const n of nodes) {
    if (n.k === 'el') out.push(n);
    else if (n.k === 'sub' || n.k === 'inst') throw NOT_PLANNABLE;
  }
  return out;
}

/** Child elements of a leaf candidate, without judging its content (a leaf's slots are checked per record). */
const childElements = (nodes: XNode[]): XElem[] => nodes.filter((n): n is XElem => n.k === 'el');

/** Literal/slot content of nodes holding no element, template or nested structure. */
function contentOf(nodes: XNode[]): Content {
  const out: Content = [];
  for (const n of nodes) {
    let lit: string;
    switch (n.k) {
      case 'text': case 'cdata': lit = n.text; break;
      case 'char': lit = String.fromCharCode(n.code); break;
      case 'ent': lit = ENTITIES[n.name] ?? `&${n.name};`; break;
      case 'pi': continue;
      case 'sub': out.push({ i: n.index, opt: n.optional }); continue;
      default: throw NOT_PLANNABLE;
    }
    if (lit === '') continue;
    const last = out.length - 1;
    if (last >= 0 && typeof out[last] === 'string') out[last] = (out[last] as string) + lit;
    else out.push(lit);
  }
  return out;
}

function elemPlan(e: XElem): ElemPlan {
  const content = contentOf(e.children);
  const only = e.children.length === 1 && e.children[0].k === 'sub' ? e.children[0] : null;
  return { content, omit: only !== null && only.optional };
}

function attrPlan(e: XElem | undefined, name: string): Content | undefined {
  const a: XAttr | undefined = e?.attrs.find((x) => x.name === name);
  return a ? contentOf(a.value) : undefined;
}

function systemPlan(sys: XElem | undefined): SystemPlan | null {
  if (!sys) return null;
  // Each name once (null: more than one, which is not planned, nor is one that may vanish while a twin stays).
  const byName = new Map<string, XElem | null>();
  for (const e of elements(sys.children)) byName.set(e.name, byName.has(e.name) ? null : e);
  const only = (name: string): XElem | undefined => {
    const e = byName.get(name);
    if (e === null) throw NOT_PLANNABLE;
    return e;
  };
  const el = (name: string) => { const e = only(name); return e ? elemPlan(e) : undefined; };
  const steady = (name: string) => {
    const e = only(name);
    if (e && elemPlan(e).omit) throw NOT_PLANNABLE;
    return e;
  };
  const provider = steady('Provider');
  const eventId = only('EventID');
  const time = steady('TimeCreated');
  const execution = steady('Execution');
  const security = steady('Security');
  return {
    eventId: eventId ? elemPlan(eventId) : undefined, qualifiers: attrPlan(eventId, 'Qualifiers'),
    hasProvider: !!provider, provider: attrPlan(provider, 'Name'), eventSourceName: attrPlan(provider, 'EventSourceName'),
    channel: el('Channel'), computer: el('Computer'), level: el('Level'), recordId: el('EventRecordID'), task: el('Task'),
    opcode: el('Opcode'), keywords: el('Keywords'), hasTimeCreated: !!time, systemTime: attrPlan(time, 'SystemTime'),
    hasExecution: !!execution, processId: attrPlan(execution, 'ProcessID'), threadId: attrPlan(execution, 'ThreadID'),
    hasSecurity: !!security, userId: attrPlan(security, 'UserID'),
  };
}

/** The leaves under `e` as event.ts's addLeaves finds them (`rename` names `e` when it is a leaf). */
function leafNode(e: XElem, rename: string | null): LeafNode {
  const kids = childElements(e.children);
  if (kids.length === 0) {
    const elem = elemPlan(e);
    return { kind: 'leaf', name: rename ?? e.name, elem, repeat: elem.content.length === 1 && typeof elem.content[0] !== 'string' };
  }
  const text = contentOf(e.children.filter((n) => n.k !== 'el'));
  return { kind: 'group', name: rename ?? e.name, text, kids: elements(e.children).map((k) => leafNode(k, null)) };
}

function eventDataLeaves(children: XElem[]): LeafNode[] {
  return children.map((ch) => {
    if (ch.name !== 'Data') return leafNode(ch, null);
    const nameContent = attrPlan(ch, 'Name');
    if (nameContent === undefined) {
      // Unnamed <Data> is one field of its text whatever it holds; only the plain case is planned.
      if (childElements(ch.children).length) throw NOT_PLANNABLE;
      return { ...leafNode(ch, null), name: null } as LeafNode;
    }
    if (nameContent.some((p) => typeof p !== 'string')) throw NOT_PLANNABLE;
    return leafNode(ch, nameContent.join(''));
  });
}

/** `data.*` keys of leaves in order: unnamed ones numbered, repeated names suffixed 2, 3 … (event.ts's rule). */
export function leafKeys(names: Array<string | null>): string[] {
  const seen = new Map<string, number>();
  let unnamed = 0;
  return names.map((n) => {
    const name = n ?? String(unnamed++);
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    return k === 0 ? `data.${name}` : `data.${name}${k + 1}`;
  });
}

function contentSlots(contents: Array<Content | undefined>): number[] {
  const slots = new Set<number>();
  for (const c of contents) for (const p of c ?? []) if (typeof p !== 'string') slots.add(p.i);
  return [...slots];
}

function systemSlots(s: SystemPlan | null): number[] {
  if (!s) return [];
  return contentSlots([s.eventId, s.channel, s.computer, s.level, s.recordId, s.task, s.opcode, s.keywords].map((e) => e?.content)
    .concat([s.qualifiers, s.provider, s.eventSourceName, s.systemTime, s.processId, s.threadId, s.userId]));
}

/** Names of the fields `nodes` give when every leaf is there once. */
function leafNames(nodes: LeafNode[], out: Array<string | null> = []): Array<string | null> {
  for (const n of nodes) {
    if (n.kind === 'leaf') out.push(n.name);
    else leafNames(n.kids, out);
  }
  return out;
}

function leafSlots(nodes: LeafNode[], strict: Set<number>, loose: Set<number>): void {
  for (const n of nodes) {
    if (n.kind === 'group') { for (const i of contentSlots([n.text])) strict.add(i); leafSlots(n.kids, strict, loose); continue; }
    for (const i of contentSlots([n.elem.content])) (n.repeat ? loose : strict).add(i);
  }
}

export type ContainerKind = 'EventData' | 'UserData';

/** The part made of `children` (the content of a container, or the top of the template nested in it). */
function partOf(children: XNode[], kind: ContainerKind): Part {
  const content = children.filter((n) => n.k !== 'text' && n.k !== 'pi');
  if (content.length === 1 && content[0].k === 'sub') {
    return { nodes: [], nested: { i: content[0].index, opt: content[0].optional }, strict: [], loose: [] };
  }
  const els = elements(content);
  const nodes = kind === 'EventData' ? eventDataLeaves(els) : els.map((ch) => leafNode(ch, null));
  const strict = new Set<number>();
  const loose = new Set<number>();
  leafSlots(nodes, strict, loose);
  for (const i of strict) loose.delete(i);
  return { nodes, nested: null, strict: [...strict], loose: [...loose] };
}

/** The data plan of the elements `top` (children of <Event>, or the top of a nested fragment's template). */
function dataPlan(top: XElem[]): DataPlan {
  const eventData = top.find((e) => e.name === 'EventData');
  const userData = top.find((e) => e.name === 'UserData');
  const ed = eventData ? partOf(eventData.children, 'EventData') : null;
  const ud = userData ? partOf(userData.children, 'UserData') : null;
  // Interned: the same keys from another copy of the template are the same array (names.ts caches per array).
  return { eventData: ed, userData: ud, keys: internNames(leafKeys(leafNames([...(ed?.nodes ?? []), ...(ud?.nodes ?? [])]))) };
}

const plannable = <T>(build: () => T): T | null => {
  try {
    return build();
  } catch (e) {
    if (e === NOT_PLANNABLE) return null;
    throw e;
  }
};

/** The plan of a record's template body, or null when its shape needs the general path. */
export function compilePlan(body: XNode[]): EventPlan | null {
  return plannable(() => {
    const root = body.find((n) => n.k !== 'text' && n.k !== 'pi');
    if (!root || root.k !== 'el') throw NOT_PLANNABLE;
    const top: XElem[] = [];
    const nested: Slot[] = [];
    for (const n of root.children) {
      if (n.k === 'el') top.push(n);
      else if (n.k === 'sub') nested.push({ i: n.index, opt: n.optional });
      else if (n.k === 'inst') throw NOT_PLANNABLE;
    }
    const data = dataPlan(top);
    // Data both written in the template and nested in a value: which <EventData> comes first is left to the general path.
    if (nested.length && (data.eventData || data.userData)) throw NOT_PLANNABLE;
    const system = systemPlan(top.find((e) => e.name === 'System'));
    return { system, data, nested, slots: systemSlots(system) };
  });
}

/** The data plan of the template of a binary-XML value under <Event> (its top elements), or null. */
export function compileNestedPlan(body: XNode[]): DataPlan | null {
  return plannable(() => dataPlan(elements(body.filter((n) => n.k !== 'text' && n.k !== 'pi'))));
}

/** The part of the template of a binary-XML value that is the whole content of a container, or null. */
export function compileNestedPart(body: XNode[], kind: ContainerKind): Part | null {
  return plannable(() => partOf(body, kind));
}
