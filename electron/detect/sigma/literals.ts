// Many literals searched in one pass over a text: an Aho–Corasick automaton compiled to a dense transition table over
// the characters the literals use (every other character is one class that leads back to the root). A literal may be
// pinned to the text's start and/or end (Sigma's startswith / endswith / equality); a hit that breaks its pin is not
// reported. Texts and literals are compared as given (the caller lower-cases both).

export interface Literal { s: string; left: boolean; right: boolean }

export class LiteralScanner {
  private readonly ascii = new Int32Array(128);
  private readonly high = new Map<number, number>();
  private readonly width: number;
  private readonly next: Int32Array;
  /** Literal ids ending in each state (its own and those of its suffix states), as ranges of `outIds`. */
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;
  private readonly len: Int32Array;
  private readonly pin: Uint8Array;

  constructor(literals: readonly Literal[]) {
    let classes = 1;
    for (const { s } of literals) {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c < 128 ? this.ascii[c] === 0 : !this.high.has(c)) {
          if (c < 128) this.ascii[c] = classes++; else this.high.set(c, classes++);
        }
      }
    }
    this.width = classes;
    const trie = buildTrie(literals, (c) => this.classOf(c), classes);
    this.next = trie.next;
    const outs = suffixOutputs(trie, classes);
    this.outStart = outs.start;
    this.outIds = outs.ids;
    this.len = Int32Array.from(literals, (l) => l.s.length);
    this.pin = Uint8Array.from(literals, (l) => (l.left ? 1 : 0) | (l.right ? 2 : 0));
  }

  private classOf(c: number): number {
    return c < 128 ? this.ascii[c] : this.high.get(c) ?? 0;
  }

  /** Calls `hit(id)` for each literal found in `text` (once per occurrence that keeps its pins). */
  scan(text: string, hit: (id: number) => void): void {
    const { next, outStart, outIds, len, pin, width, ascii, high } = this;
    const n = text.length;
    let state = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      state = next[state * width + (c < 128 ? ascii[c] : high.get(c) ?? 0)];
      const a = outStart[state], b = outStart[state + 1];
      for (let j = a; j < b; j++) {
        const id = outIds[j];
        const p = pin[id];
        if (p !== 0 && (((p & 1) !== 0 && i + 1 !== len[id]) || ((p & 2) !== 0 && i + 1 !== n))) continue;
        hit(id);
      }
    }
  }

  /** States × classes of the transition table, for the bench's memory figure. */
  get size(): number {
    return this.next.length;
  }
}

interface Trie { next: Int32Array; fail: Int32Array; own: number[][]; order: number[] }

/** The trie of the literals, then its failure links and the full transition table (breadth first). */
function buildTrie(literals: readonly Literal[], classOf: (c: number) => number, width: number): Trie {
  const goto: Array<Map<number, number>> = [new Map()];
  const own: number[][] = [[]];
  literals.forEach(({ s }, id) => {
    let state = 0;
    for (let i = 0; i < s.length; i++) {
      const k = classOf(s.charCodeAt(i));
      let to = goto[state].get(k);
      if (to === undefined) { to = goto.length; goto.push(new Map()); own.push([]); goto[state].set(k, to); }
      state = to;
    }
    own[state].push(id);
  });
  const states = goto.length;
  const next = new Int32Array(states * width);
  const fail = new Int32Array(states);
  const order: number[] = [];
  const queue: number[] = [];
  for (const [k, to] of goto[0]) { next[k] = to; queue.push(to); }
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q];
    order.push(s);
    for (let k = 0; k < width; k++) {
      const to = goto[s].get(k);
      if (to === undefined) next[s * width + k] = next[fail[s] * width + k];
      else { fail[to] = next[fail[s] * width + k]; next[s * width + k] = to; queue.push(to); }
    }
  }
  return { next, fail, own, order };
}

/** Per state, its literals and those of every state on its failure chain (states in breadth-first order). */
function suffixOutputs(t: Trie, width: number): { start: Int32Array; ids: Int32Array } {
  const states = t.next.length / width;
  const all: number[][] = new Array(states);
  all[0] = t.own[0];
  for (const s of t.order) all[s] = t.own[s].concat(all[t.fail[s]]);
  const start = new Int32Array(states + 1);
  for (let s = 0; s < states; s++) start[s + 1] = start[s] + all[s].length;
  const ids = new Int32Array(start[states]);
  for (let s = 0; s < states; s++) ids.set(all[s], start[s]);
  return { start, ids };
}
