// Binary XML (MS-EVEN6 BinXml) tokens → a small node tree. Templates are parsed once per chunk and cached by offset
// (and, through templates.ts, reused by later chunks of the same file); substitution values stay as (type, position,
// size) and are decoded only when a record is resolved.
import type { TemplateCache } from './templates.ts';
import { EvtxFormatError, need, printable, utf16, type ByteSource } from './values.ts';

export interface XElem { k: 'el'; name: string; attrs: XAttr[]; children: XNode[] }
export interface XAttr { name: string; value: XNode[] }
export interface XText { k: 'text'; text: string }
export interface XSubst { k: 'sub'; index: number; type: number; optional: boolean }
export interface XInstance { k: 'inst'; body: XNode[]; values: RawValue[] }
export interface XCharRef { k: 'char'; code: number }
export interface XEntity { k: 'ent'; name: string }
export interface XCData { k: 'cdata'; text: string }
export interface XPi { k: 'pi'; target: string; data: string }
export type XNode = XElem | XText | XSubst | XInstance | XCharRef | XEntity | XCData | XPi;

/** One substitution value, still undecoded: its type code and where its bytes are in the chunk. */
export interface RawValue { type: number; pos: number; size: number }

/** A parsed template and what has been worked out from it (plan.ts's plans), kept as long as the template is. */
export interface TemplateInfo { body: XNode[]; memo: Map<string, unknown> }

/** Per-chunk parse state: the chunk bytes and the templates and names already read from them. */
export interface ChunkCtx {
  src: ByteSource;
  /** Templates by offset; null while one is being parsed (a template that contains itself is an error). */
  templates: Map<number, TemplateInfo | null>;
  names: Map<number, string>;
  /** Nodes resolved for the current record; bounded so crafted nesting cannot blow up. */
  work: number;
  /** Templates of earlier chunks of the same file, or null. */
  shared: TemplateCache | null;
  /** While a template is parsed: where its name offsets are (templates.ts compares the rest byte for byte). */
  nameFields: number[] | null;
}

const MAX_DEPTH = 48;

export function newChunkCtx(src: ByteSource, shared: TemplateCache | null = null): ChunkCtx {
  return { src, templates: new Map(), names: new Map(), work: 0, shared, nameFields: null };
}

/** Reads a name structure (next u32, hash u16, count u16, UTF-16 chars, NUL) at a chunk offset. */
export function nameAt(c: ChunkCtx, off: number): string {
  const cached = c.names.get(off);
  if (cached !== undefined) return cached;
  need(c.src, off, 8, 'name');
  const count = c.src.view.getUint16(off + 6, true);
  need(c.src, off + 8, count * 2, 'name text');
  const name = utf16(c.src, off + 8, count * 2);
  c.names.set(off, name);
  return name;
}

/** Reads the name referenced by a u32 offset at `pos`; returns the name and the position after it (skipping an inline name). */
function nameRef(c: ChunkCtx, pos: number): [string, number] {
  need(c.src, pos, 4, 'name offset');
  c.nameFields?.push(pos);
  const off = c.src.view.getUint32(pos, true);
  const after = pos + 4;
  const name = nameAt(c, off);
  if (off !== after) return [name, after];
  return [name, after + 10 + c.src.view.getUint16(off + 6, true) * 2];
}

/**
 * Parses a token stream in [pos, end) until end-of-stream; returns its nodes and where it stopped. `depIds`: element
 * headers carry a 2-byte dependency identifier (template definitions do; elements written directly in a record or in a
 * nested binary-XML value, as Windows 10+ and forwarded events have, do not).
 */
export function parseFragment(c: ChunkCtx, pos: number, end: number, depth: number, depIds = false): { nodes: XNode[]; pos: number } {
  if (depth > MAX_DEPTH) throw new EvtxFormatError(`binary XML nested deeper than ${MAX_DEPTH} at ${pos}`);
  const nodes: XNode[] = [];
  const b = c.src.bytes;
  while (pos < end) {
    const t = b[pos];
    if (t === 0x00) return { nodes, pos: pos + 1 };
    if (t === 0x0f) { pos += 4; continue; }
    if (t === 0x0c) { pos = parseInstance(c, pos, end, depth, nodes); continue; }
    if ((t & 0xbf) === 0x01) { pos = parseElement(c, pos, end, depth, nodes, depIds); continue; }
    const next = parseContent(c, pos, nodes);
    if (next < 0) throw new EvtxFormatError(`unexpected binary XML token 0x${t.toString(16)} at ${pos}`);
    pos = next;
  }
  return { nodes, pos };
}

/** Whether a name offset stored at `at` points at a name: the one that follows it, or one earlier in the chunk. */
function nameOffsetPlausible(c: ChunkCtx, at: number): boolean {
  const { bytes, view } = c.src;
  if (at + 4 > bytes.length) return false;
  const off = view.getUint32(at, true);
  if (off !== at + 4 && off >= at) return false;
  return off + 8 <= bytes.length && off + 8 + view.getUint16(off + 6, true) * 2 <= bytes.length;
}

/** Where an element header's name offset is: after the dependency identifier when the context has them, unless only
 * the other layout gives a plausible name (a few writers mix them). */
function elementNameAt(c: ChunkCtx, pos: number, depIds: boolean): number {
  const usual = depIds ? pos + 7 : pos + 5;
  if (nameOffsetPlausible(c, usual)) return usual;
  const other = depIds ? pos + 5 : pos + 7;
  return nameOffsetPlausible(c, other) ? other : usual;
}

function parseElement(c: ChunkCtx, pos: number, end: number, depth: number, out: XNode[], depIds: boolean): number {
  if (depth > MAX_DEPTH) throw new EvtxFormatError(`elements nested deeper than ${MAX_DEPTH} at ${pos}`);
  const b = c.src.bytes;
  const hasAttrs = (b[pos] & 0x40) !== 0;
  need(c.src, pos, 9, 'element');
  let name: string;
  [name, pos] = nameRef(c, elementNameAt(c, pos, depIds));
  if (hasAttrs) pos += 4;
  const el: XElem = { k: 'el', name, attrs: [], children: [] };
  out.push(el);
  while (pos < end && (b[pos] & 0xbf) === 0x06) {
    let attrName: string;
    [attrName, pos] = nameRef(c, pos + 1);
    const value: XNode[] = [];
    for (let next = parseContent(c, pos, value); next >= 0; next = parseContent(c, pos, value)) pos = next;
    el.attrs.push({ name: attrName, value });
  }
  if (pos >= end) throw new EvtxFormatError(`element <${printable(name)}> runs past the end of its data`);
  if (b[pos] === 0x03) return pos + 1;
  if (b[pos] !== 0x02) throw new EvtxFormatError(`element <${printable(name)}>: expected close-start token, found 0x${b[pos].toString(16)} at ${pos}`);
  pos++;
  while (pos < end) {
    const t = b[pos];
    if (t === 0x04) return pos + 1;
    if ((t & 0xbf) === 0x01) { pos = parseElement(c, pos, end, depth + 1, el.children, depIds); continue; }
    if (t === 0x0c) { pos = parseInstance(c, pos, end, depth + 1, el.children); continue; }
    if (t === 0x0f) { pos += 4; continue; }
    const next = parseContent(c, pos, el.children);
    if (next < 0) throw new EvtxFormatError(`element <${printable(name)}>: unexpected token 0x${t.toString(16)} at ${pos}`);
    pos = next;
  }
  throw new EvtxFormatError(`element <${printable(name)}> is not closed before the end of its data`);
}

/** Parses one content token (value text, substitution, char/entity ref, CDATA, PI); returns -1 when `pos` holds another token. */
function parseContent(c: ChunkCtx, pos: number, out: XNode[]): number {
  const { bytes: b, view: v } = c.src;
  const t = b[pos] & 0xbf;
  switch (t) {
    case 0x05: {
      need(c.src, pos, 4, 'value');
      if (b[pos + 1] !== 0x01) throw new EvtxFormatError(`value token of type 0x${b[pos + 1].toString(16)} at ${pos}`);
      const len = v.getUint16(pos + 2, true) * 2;
      need(c.src, pos + 4, len, 'value text');
      out.push({ k: 'text', text: utf16(c.src, pos + 4, len) });
      return pos + 4 + len;
    }
    case 0x0d: case 0x0e:
      need(c.src, pos, 4, 'substitution');
      out.push({ k: 'sub', index: v.getUint16(pos + 1, true), type: b[pos + 3], optional: t === 0x0e });
      return pos + 4;
    case 0x07: {
      need(c.src, pos, 3, 'CDATA');
      const len = v.getUint16(pos + 1, true) * 2;
      need(c.src, pos + 3, len, 'CDATA text');
      out.push({ k: 'cdata', text: utf16(c.src, pos + 3, len) });
      return pos + 3 + len;
    }
    case 0x08:
      need(c.src, pos, 3, 'character reference');
      out.push({ k: 'char', code: v.getUint16(pos + 1, true) });
      return pos + 3;
    case 0x09: {
      const [name, next] = nameRef(c, pos + 1);
      out.push({ k: 'ent', name });
      return next;
    }
    case 0x0a: {
      const [target, next] = nameRef(c, pos + 1);
      if ((b[next] & 0xbf) !== 0x0b) { out.push({ k: 'pi', target, data: '' }); return next; }
      need(c.src, next, 3, 'PI data');
      const len = v.getUint16(next + 1, true) * 2;
      need(c.src, next + 3, len, 'PI data text');
      out.push({ k: 'pi', target, data: utf16(c.src, next + 3, len) });
      return next + 3 + len;
    }
    default:
      return -1;
  }
}

/** Template instance: template reference (or inline definition), then the substitution values it is filled with. */
function parseInstance(c: ChunkCtx, pos: number, end: number, depth: number, out: XNode[]): number {
  const v = c.src.view;
  need(c.src, pos, 10, 'template instance');
  const defOff = v.getUint32(pos + 6, true);
  pos += 10;
  const body = templateAt(c, defOff, depth);
  if (defOff === pos) pos += 24 + v.getUint32(defOff + 20, true);
  need(c.src, pos, 4, 'substitution count');
  const count = v.getUint32(pos, true);
  pos += 4;
  need(c.src, pos, count * 4, 'substitution descriptors');
  if (pos + count * 4 > end) throw new EvtxFormatError(`${count} substitutions at ${pos} run past the record`);
  const values: RawValue[] = new Array(count);
  let data = pos + count * 4;
  for (let i = 0; i < count; i++) {
    const size = v.getUint16(pos + i * 4, true);
    values[i] = { type: c.src.bytes[pos + i * 4 + 2], pos: data, size };
    data += size;
  }
  if (data > end) throw new EvtxFormatError(`substitution values at ${pos} run past the record (${data} > ${end})`);
  out.push({ k: 'inst', body, values });
  return data;
}

/** The template defined at chunk offset `off`: from this chunk's cache, the file's (templates.ts), or parsed. */
export function templateInfo(c: ChunkCtx, off: number, depth: number): TemplateInfo {
  const cached = c.templates.get(off);
  if (cached) return cached;
  if (cached === null) throw new EvtxFormatError(`template at ${off} refers to itself`);
  need(c.src, off, 24, 'template definition');
  const size = c.src.view.getUint32(off + 20, true);
  need(c.src, off + 24, size, 'template body');
  const reused = c.shared?.reuse(c, off) ?? null;
  if (reused) { c.templates.set(off, reused); return reused; }
  c.templates.set(off, null);
  const outer = c.nameFields;
  c.nameFields = [];
  try {
    const info: TemplateInfo = { body: parseFragment(c, off + 24, off + 24 + size, depth + 1, true).nodes, memo: new Map() };
    c.templates.set(off, info);
    c.shared?.keep(c, off, info, c.nameFields);
    return info;
  } catch (e) {
    c.templates.delete(off);
    throw e;
  } finally {
    c.nameFields = outer;
  }
}

/** The parsed body of the template defined at chunk offset `off`. */
export function templateAt(c: ChunkCtx, off: number, depth: number): XNode[] {
  return templateInfo(c, off, depth).body;
}
