// One pass over a file finds which of all the rules' anchor literals it contains (ASCII letters folded, as `nocase`
// does). An absent anchor proves its string absent, so most strings need no further look. Anchors (4 bytes or more)
// are found through their first four bytes, hashed into a 64 Ki-entry table: a few hundred KiB however large the
// rule set (a dense Aho–Corasick table for thousands of anchors would be tens of MiB and miss the cache).

/** ASCII lowercase of every byte (libyara's `nocase` folds ASCII letters only). */
export const FOLD = Uint8Array.from({ length: 256 }, (_, b) => (b >= 65 && b <= 90 ? b + 32 : b));

const BUCKET_BITS = 16;
const bucketOf = (gram: number): number => Math.imul(gram, 0x9e3779b1) >>> (32 - BUCKET_BITS);

/** Anchors shorter than this are not worth a pass: a string without one is looked at when a condition needs it. */
export const MIN_ANCHOR = 4;

export class AnchorSet {
  private ids = new Map<string, number>();
  private texts: Uint8Array[] = [];
  private gram = new Int32Array(0);
  private next = new Int32Array(0);
  private head = new Int32Array(1 << BUCKET_BITS).fill(-1);

  /** The id of an anchor (ASCII-lowercased text, one char per byte, MIN_ANCHOR long or more), added if new. */
  add(anchor: string): number {
    if (anchor.length < MIN_ANCHOR) throw new Error(`anchor too short: ${JSON.stringify(anchor)}`);
    let id = this.ids.get(anchor);
    if (id === undefined) this.ids.set(anchor, (id = this.ids.size));
    return id;
  }

  get size(): number { return this.ids.size; }

  /** Indexes the anchors (call once, after every add). */
  build(): void {
    this.texts = [...this.ids.keys()].map((a) => Buffer.from(a, 'latin1'));
    this.gram = new Int32Array(this.texts.length);
    this.next = new Int32Array(this.texts.length).fill(-1);
    this.texts.forEach((t, id) => {
      const g = (t[0] << 24) | (t[1] << 16) | (t[2] << 8) | t[3];
      this.gram[id] = g;
      const b = bucketOf(g);
      this.next[id] = this.head[b];
      this.head[b] = id;
    });
  }

  /** Which anchors occur in the bytes (case-insensitively for ASCII letters). */
  scan(bytes: Uint8Array): Uint8Array {
    const present = new Uint8Array(this.texts.length);
    const { head, next, gram, texts } = this;
    let g = 0;
    for (let i = 0; i < bytes.length; i++) {
      g = (g << 8) | FOLD[bytes[i]];
      if (i < 3) continue;
      for (let id = head[bucketOf(g)]; id >= 0; id = next[id]) {
        if (gram[id] !== g || present[id]) continue;
        const t = texts[id];
        const start = i - 3;
        if (start + t.length > bytes.length) continue;
        let k = 4;
        while (k < t.length && FOLD[bytes[start + k]] === t[k]) k++;
        if (k === t.length) present[id] = 1;
      }
    }
    return present;
  }
}
