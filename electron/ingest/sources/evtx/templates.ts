// Templates shared by chunks, and by files: every chunk carries its own copy of each template it uses, and logs of one
// machine (or one Windows build) use the same ones; parsing and planning them again in each chunk was a fifth of the
// parse time. A copy is reused only after a check that it is the same template: same GUID and size, the same bytes
// apart from the name offsets, and the same names behind those.
import { nameAt, type ChunkCtx, type TemplateInfo, type XNode } from './binxml.ts';

interface NameField {
  /** Position of the 4-byte name offset, from the start of the template body. */
  at: number;
  /** The name follows the offset (inline, its own 4-byte hash-chain link is chunk-specific too) or lies elsewhere. */
  inline: boolean;
  name: string;
}

interface Shared {
  /** The rest of the GUID (its last 12 bytes) and the body size: with the first 4 bytes (the map key), the identity. */
  g1: number;
  g2: number;
  g3: number;
  size: number;
  /** The body's bytes: `size` bytes at `at` of an arena block (not an ArrayBuffer per template). */
  block: Uint8Array;
  at: number;
  names: NameField[];
  info: TemplateInfo;
}

/** Bytes of a template body that must match between copies (`len` bytes at `ia` of `a` and `ib` of `b`): all but the
 * name offsets and inline names' chain links. */
function sameBytes(a: Uint8Array, ia: number, b: Uint8Array, ib: number, len: number, names: NameField[]): boolean {
  let i = 0;
  for (const n of names) {
    for (; i < n.at; i++) if (a[ia + i] !== b[ib + i]) return false;
    i = n.at + (n.inline ? 8 : 4);
  }
  for (; i < len; i++) if (a[ia + i] !== b[ib + i]) return false;
  return true;
}

/** Copies of template bodies, packed into blocks: an ArrayBuffer per template showed as garbage-collection work. */
class Arena {
  private static readonly BLOCK = 1 << 20;
  private block = new Uint8Array(Arena.BLOCK);
  private used = 0;

  /** Copies `bytes` in; returns where they now are. */
  copy(bytes: Uint8Array): { block: Uint8Array; at: number } {
    if (bytes.length > Arena.BLOCK - this.used) {
      this.block = new Uint8Array(Math.max(Arena.BLOCK, bytes.length));
      this.used = 0;
    }
    const at = this.used;
    this.block.set(bytes, at);
    this.used += bytes.length;
    return { block: this.block, at };
  }
}

function hasInstance(nodes: XNode[]): boolean {
  for (const n of nodes) {
    if (n.k === 'inst') return true;
    if (n.k !== 'el') continue;
    if (hasInstance(n.children)) return true;
    for (const a of n.attrs) if (hasInstance(a.value)) return true;
  }
  return false;
}

/** Templates by GUID and size; when full it starts afresh (bounded memory, however many logs are read). */
export class TemplateCache {
  // Keyed by the GUID's first 4 bytes, the rest compared in the entry (a string key per lookup showed in profiles).
  private readonly byKey = new Map<number, Shared[]>();
  private count = 0;
  private arena = new Arena();
  static readonly MAX = 2048;

  private key(c: ChunkCtx, off: number): number {
    return c.src.view.getUint32(off + 4, true);
  }

  private sameId(c: ChunkCtx, off: number, s: Shared): boolean {
    const v = c.src.view;
    return v.getUint32(off + 8, true) === s.g1 && v.getUint32(off + 12, true) === s.g2 && v.getUint32(off + 16, true) === s.g3
      && v.getUint32(off + 20, true) === s.size;
  }

  private matches(c: ChunkCtx, body: number, s: Shared): boolean {
    if (body + s.size > c.src.bytes.length || !sameBytes(c.src.bytes, body, s.block, s.at, s.size, s.names)) return false;
    const v = c.src.view;
    for (const n of s.names) {
      const off = v.getUint32(body + n.at, true);
      if (n.inline ? off !== body + n.at + 4 : off === body + n.at + 4) return false;
      if (!n.inline && nameAt(c, off) !== n.name) return false;
    }
    return true;
  }

  /** A template parsed in an earlier chunk that is the same as the one at `off` in this chunk, or null. */
  reuse(c: ChunkCtx, off: number): TemplateInfo | null {
    const list = this.byKey.get(this.key(c, off));
    if (!list) return null;
    try {
      for (const s of list) if (this.sameId(c, off, s) && this.matches(c, off + 24, s)) return s.info;
    } catch {
      return null; // a name that does not decode here: parse this copy afresh
    }
    return null;
  }

  /** Keeps a template just parsed at `off` (its name offsets at `nameFields`) for the next chunks. */
  keep(c: ChunkCtx, off: number, info: TemplateInfo, nameFields: number[]): void {
    if (hasInstance(info.body)) return;
    if (this.count >= TemplateCache.MAX) { this.byKey.clear(); this.count = 0; this.arena = new Arena(); }
    const body = off + 24;
    const size = c.src.view.getUint32(off + 20, true);
    const v = c.src.view;
    const names = nameFields.filter((p) => p >= body && p + 4 <= body + size).sort((a, b) => a - b).map((p) => {
      const target = v.getUint32(p, true);
      return { at: p - body, inline: target === p + 4, name: nameAt(c, target) };
    });
    // Every name offset must lie inside the body for the byte comparison to cover the rest.
    if (names.length !== nameFields.length) return;
    const key = this.key(c, off);
    const entry: Shared = {
      g1: v.getUint32(off + 8, true), g2: v.getUint32(off + 12, true), g3: v.getUint32(off + 16, true), size,
      ...this.arena.copy(c.src.bytes.subarray(body, body + size)), names, info,
    };
    this.byKey.set(key, [...(this.byKey.get(key) ?? []), entry]);
    this.count++;
  }
}
