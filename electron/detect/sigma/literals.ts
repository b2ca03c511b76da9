// Many literals searched in one pass over a text: an Aho–Corasick automaton compiled to a dense transition table.
// Its alphabet is the ASCII characters the literals use, one class for every non-ASCII character (so a rule listing
// hundreds of Unicode homoglyphs does not widen the table a hundredfold) and one for the rest, which leads back to the
// root. Folding the non-ASCII characters together can only report more hits, never fewer: the gate then lets a rule
// through to its exact test that did not need it. A literal may be pinned to the text's start and/or end (Sigma's
// startswith / endswith / equality); a hit that breaks its pin is not reported.
//
// Literals are lower-case, and the matchers compare lower-cased values. An ASCII upper-case letter has the class of its
// lower-case one, so an ASCII text is scanned as it is (no lower-cased copy); a text with any other character is
// lower-cased first, as toLowerCase may turn such a character into ASCII (the Kelvin sign into `k`).

export interface Literal { s: string; left: boolean; right: boolean }

/** The class of every non-ASCII character. */
const NON_ASCII = 1;

export class LiteralScanner {
  private readonly ascii = new Uint8Array(128);
  private readonly width: number;
  /**
   * The transition table, by row offset (state × width): each cell holds the next state's row offset, bitwise
   * negated when that state ends a literal, so the common step is one load and no multiplication.
   */
  private readonly rows: Int32Array;
  /** Literal ids ending in each state (its own and those of its suffix states), as ranges of `outIds`. */
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;
  private readonly len: Int32Array;
  private readonly pin: Uint8Array;

  /** `ids[i]`: the id reported for `literals[i]` (several scanners may share one id space). */
  constructor(literals: readonly Literal[], ids: ArrayLike<number> = Int32Array.from(literals, (_, i) => i)) {
    let classes = NON_ASCII + 1;
    for (const { s } of literals) {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c < 128 && this.ascii[c] === 0) this.ascii[c] = classes++;
      }
    }
    for (let c = 65; c <= 90; c++) this.ascii[c] = this.ascii[c + 32];
    this.width = classes;
    const trie = buildAutomaton(literals, this.ascii, classes);
    const outs = suffixOutputs(trie);
    this.rows = trie.next.map((to) => (outs.start[to + 1] > outs.start[to] ? ~(to * classes) : to * classes));
    this.outStart = outs.start;
    this.outIds = outs.ids.map((i) => ids[i]);
    this.len = new Int32Array(this.outIds.length);
    this.pin = new Uint8Array(this.outIds.length);
    outs.ids.forEach((i, j) => { this.len[j] = literals[i].s.length; this.pin[j] = (literals[i].left ? 1 : 0) | (literals[i].right ? 2 : 0); });
  }

  /**
   * Marks each literal found in `text` (keeping its pins): `marks[id] = stamp`, and its id appended to `found` the
   * first time it is marked with this stamp. `lowered`: the text is already lower-cased.
   */
  scan(text: string, lowered: boolean, marks: Int32Array, stamp: number, found: number[]): void {
    if (!this.run(text, lowered, marks, stamp, found)) this.run(text.toLowerCase(), true, marks, stamp, found);
  }

  /** One pass; false when it stopped at a non-ASCII character of a text not lower-cased (the hits so far are true). */
  private run(text: string, lowered: boolean, marks: Int32Array, stamp: number, found: number[]): boolean {
    const { rows, outStart, outIds, len, pin, width, ascii } = this;
    const n = text.length;
    let row = 0;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128 && !lowered) return false;
      row = rows[row + (c < 128 ? ascii[c] : NON_ASCII)];
      if (row >= 0) continue;
      row = ~row;
      const state = (row / width) | 0;
      const b = outStart[state + 1];
      for (let j = outStart[state]; j < b; j++) {
        const p = pin[j];
        if (p !== 0 && (((p & 1) !== 0 && i + 1 !== len[j]) || ((p & 2) !== 0 && i + 1 !== n))) continue;
        const id = outIds[j];
        if (marks[id] !== stamp) { marks[id] = stamp; found.push(id); }
      }
    }
    return true;
  }

  /**
   * Is any literal in the UTF-8 bytes (ASCII case folded, pins ignored: a hit may be one a text scan would not give,
   * never the reverse for ASCII literals)? Also true on the bytes of a character whose lower case is ASCII (U+212A
   * KELVIN SIGN, U+0130), which a text scan would lower-case into a hit.
   */
  anyIn(b: Uint8Array): boolean {
    const { rows, ascii } = this;
    const n = b.length;
    let row = 0;
    for (let i = 0; i < n; i++) {
      const c = b[i];
      if (c >= 128) {
        if ((c === 0xe2 && b[i + 1] === 0x84 && b[i + 2] === 0xaa) || (c === 0xc4 && b[i + 1] === 0xb0)) return true;
        row = rows[row + NON_ASCII];
      } else row = rows[row + ascii[c]];
      if (row < 0) return true;
    }
    return false;
  }

  /** States × classes of the transition table, for the bench's memory figure. */
  get size(): number {
    return this.rows.length;
  }
}

interface Automaton { next: Int32Array; states: number; fail: Int32Array; own: number[][]; order: Int32Array }

/** The trie of the literals in a dense table, then failure links and the missing transitions, breadth first. */
function buildAutomaton(literals: readonly Literal[], ascii: Uint8Array, width: number): Automaton {
  const most = literals.reduce((n, l) => n + l.s.length, 1);
  const trie = new Int32Array(most * width).fill(-1);
  const own: number[][] = [[]];
  literals.forEach(({ s }, id) => {
    let state = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      const at = state * width + (c < 128 ? ascii[c] : NON_ASCII);
      if (trie[at] < 0) { trie[at] = own.length; own.push([]); }
      state = trie[at];
    }
    own[state].push(id);
  });
  const states = own.length;
  const next = trie.slice(0, states * width);
  const fail = new Int32Array(states);
  const order = new Int32Array(states);
  let head = 0, tail = 0;
  for (let k = 0; k < width; k++) {
    if (next[k] < 0) next[k] = 0; else order[tail++] = next[k];
  }
  while (head < tail) {
    const s = order[head++];
    const row = s * width, failRow = fail[s] * width;
    for (let k = 0; k < width; k++) {
      const to = next[row + k];
      if (to < 0) next[row + k] = next[failRow + k];
      else { fail[to] = next[failRow + k]; order[tail++] = to; }
    }
  }
  return { next, states, fail, own, order: order.subarray(0, tail) };
}

/** Per state, its literals and those of every state on its failure chain (states in breadth-first order). */
function suffixOutputs(a: Automaton): { start: Int32Array; ids: Int32Array } {
  const all: number[][] = new Array(a.states);
  all[0] = a.own[0];
  for (const s of a.order) all[s] = all[a.fail[s]].length ? a.own[s].concat(all[a.fail[s]]) : a.own[s];
  const start = new Int32Array(a.states + 1);
  for (let s = 0; s < a.states; s++) start[s + 1] = start[s] + all[s].length;
  const ids = new Int32Array(start[a.states]);
  for (let s = 0; s < a.states; s++) ids.set(all[s], start[s]);
  return { start, ids };
}
