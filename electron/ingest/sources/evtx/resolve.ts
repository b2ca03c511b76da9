// Fills parsed templates with a record's substitution values, giving a plain element tree (text already decoded).
import { parseFragment, type ChunkCtx, type RawValue, type XElem, type XNode } from './binxml.ts';
import { ARRAY_FLAG, EvtxFormatError, VT, arrayItems, scalarText } from './values.ts';

export interface Elem { name: string; attrs: [string, string][]; children: (Elem | string)[] }

const MAX_DEPTH = 48;
const MAX_WORK = 200_000;
export const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of a substitution value; arrays are joined with ", " (nested binary XML is handled by the caller). */
export function valueText(c: ChunkCtx, v: RawValue): string {
  if (v.type & ARRAY_FLAG) return arrayItems(c.src, v.type, v.pos, v.size).join(', ');
  return scalarText(c.src, v.type, v.pos, v.size);
}

function isEmpty(v: RawValue | undefined): boolean {
  return v === undefined || v.type === VT.NULL || v.size === 0;
}

function pushText(out: (Elem | string)[], s: string): void {
  if (s === '') return;
  const last = out.length - 1;
  if (last >= 0 && typeof out[last] === 'string') out[last] = (out[last] as string) + s;
  else out.push(s);
}

/** Appends the resolved form of `nodes` (with `values` for substitutions) to `out`. */
export function resolveNodes(
  c: ChunkCtx, nodes: XNode[], values: RawValue[], out: (Elem | string)[], depth: number, arrayItem: string | null = null,
): void {
  if (depth > MAX_DEPTH) throw new EvtxFormatError('binary XML nested too deeply');
  c.work += nodes.length;
  if (c.work > MAX_WORK) throw new EvtxFormatError(`record expands to more than ${MAX_WORK} nodes`);
  for (const n of nodes) {
    switch (n.k) {
      case 'el': {
        if (isOmitted(n, values)) break;
        const items = arrayContent(c, n, values);
        if (items) for (const item of items) out.push(resolveElement(c, n, values, depth, item));
        else out.push(resolveElement(c, n, values, depth, null));
        break;
      }
      case 'text': case 'cdata': pushText(out, n.text); break;
      case 'char': pushText(out, String.fromCharCode(n.code)); break;
      case 'ent': pushText(out, ENTITIES[n.name] ?? `&${n.name};`); break;
      case 'pi': break;
      case 'inst': resolveNodes(c, n.body, n.values, out, depth + 1); break;
      case 'sub': {
        const v = values[n.index];
        if (isEmpty(v)) break;
        if (arrayItem !== null && v.type & ARRAY_FLAG) { pushText(out, arrayItem); break; }
        if (v.type === VT.BINXML) {
          c.work += v.size >> 4;
          const nested = parseFragment(c, v.pos, v.pos + v.size, depth + 1).nodes;
          resolveNodes(c, nested, [], out, depth + 1);
        } else pushText(out, valueText(c, v));
        break;
      }
    }
  }
}

/** An element whose only content is an empty optional substitution is left out (as Windows and libevtx do). */
function isOmitted(n: XElem, values: RawValue[]): boolean {
  const only = n.children.length === 1 ? n.children[0] : null;
  return only !== null && only.k === 'sub' && only.optional && isEmpty(values[only.index]);
}

/** Items of an array substitution in the element's content: the element then repeats once per item. */
function arrayContent(c: ChunkCtx, n: XElem, values: RawValue[]): string[] | null {
  for (const ch of n.children) {
    if (ch.k !== 'sub') continue;
    const v = values[ch.index];
    if (v && v.type & ARRAY_FLAG && v.size > 0) return arrayItems(c.src, v.type, v.pos, v.size);
  }
  return null;
}

function resolveElement(c: ChunkCtx, n: XElem, values: RawValue[], depth: number, arrayItem: string | null): Elem {
  const el: Elem = { name: n.name, attrs: [], children: [] };
  for (const a of n.attrs) {
    if (a.value.some((p) => p.k === 'sub' && p.optional && isEmpty(values[p.index]))) continue;
    el.attrs.push([a.name, textOf(c, a.value, values, depth)]);
  }
  resolveNodes(c, n.children, values, el.children, depth + 1, arrayItem);
  return el;
}

/** Attribute value text: its parts concatenated. */
function textOf(c: ChunkCtx, parts: XNode[], values: RawValue[], depth: number): string {
  if (parts.length === 1) {
    // The usual case, a lone text or scalar substitution, without building a node list.
    const p = parts[0];
    if (p.k === 'text') return p.text;
    const v = p.k === 'sub' ? values[p.index] : undefined;
    if (p.k === 'sub' && isEmpty(v)) return '';
    if (v && v.type !== VT.BINXML && !(v.type & ARRAY_FLAG)) return valueText(c, v);
  }
  const out: (Elem | string)[] = [];
  resolveNodes(c, parts, values, out, depth + 1);
  return out.filter((p): p is string => typeof p === 'string').join('');
}

/** Concatenated text children of an element. */
export function elemText(e: Elem): string {
  let s = '';
  for (const ch of e.children) if (typeof ch === 'string') s += ch;
  return s;
}

export function attr(e: Elem, name: string): string | undefined {
  for (const [k, v] of e.attrs) if (k === name) return v;
  return undefined;
}

export function child(e: Elem, name: string): Elem | undefined {
  for (const ch of e.children) if (typeof ch !== 'string' && ch.name === name) return ch;
  return undefined;
}
