// The FTS prefilter of a rule: from the text its condition needs, the cheapest set of full-text terms of which every
// matching event must hold at least one (an "anchor"). Term frequencies come from the FTS index's own vocabulary, so
// a rule is anchored on its rarest words; a rule with no safe anchor is tested on every event of its logsource.
//
// Safety rests on how the case indexes text (electron/case/write.ts): every string field value of two or more
// characters that is not all digits is in the events_fts index, tokenized by unicode61 with `-` and `_` as word
// characters. So only literals with an ASCII letter are used, and only their whole words (a word cut by the literal's
// edge is dropped, or used as a prefix when cut on its right).
import type { Db } from '../../case/db.ts';
import type { Needs } from './needs.ts';
import { literalTerms, type Term } from '../../case/search-text.ts';

export { literalTerms, type Term };

export interface Anchor { terms: Term[]; cost: number }

export type DocFreq = (t: Term) => number;

/** The cheapest anchor of a needs formula, or null when it offers none. */
export function anchorOf(needs: Needs, df: DocFreq): Anchor | null {
  switch (needs.t) {
    case 'true': return null;
    case 'lit': {
      let best: Anchor | null = null;
      for (const t of literalTerms(needs.s, needs.left, needs.right)) {
        if (t.prefix && t.term.length < 3) continue;
        const cost = df(t);
        if (!best || cost < best.cost) best = { terms: [t], cost };
      }
      return best;
    }
    case 'and': {
      let best: Anchor | null = null;
      for (const c of needs.c) {
        const a = anchorOf(c, df);
        if (a && (!best || a.cost < best.cost)) best = a;
      }
      return best;
    }
    case 'or': {
      const terms: Term[] = [];
      let cost = 0;
      for (const c of needs.c) {
        const a = anchorOf(c, df);
        if (!a) return null;
        terms.push(...a.terms);
        cost += a.cost;
      }
      return { terms, cost };
    }
  }
}

/** Document frequencies and matching rowids of FTS terms, cached for one detection run. */
export class FtsTerms {
  private readonly freq = new Map<string, number>();
  private readonly rows = new Map<string, Float64Array>();
  private readonly eq;
  private readonly range;
  private readonly match;

  constructor(db: Db) {
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.sigma_vocab USING fts5vocab(main, 'events_fts', 'row')`);
    this.eq = db.prepare('SELECT doc FROM temp.sigma_vocab WHERE term = ?').pluck();
    this.range = db.prepare('SELECT coalesce(sum(doc), 0) FROM temp.sigma_vocab WHERE term >= ? AND term < ?').pluck();
    this.match = db.prepare('SELECT rowid FROM events_fts WHERE events_fts MATCH ? ORDER BY rowid').pluck();
  }

  readonly df: DocFreq = (t) => {
    const key = keyOf(t);
    let n = this.freq.get(key);
    if (n === undefined) {
      n = t.prefix ? Number(this.range.get(t.term, nextString(t.term))) : Number(this.eq.get(t.term) ?? 0);
      this.freq.set(key, n);
    }
    return n;
  };

  /** Ascending rowids of the events holding the term. */
  ids(t: Term): Float64Array {
    const key = keyOf(t);
    let r = this.rows.get(key);
    if (!r) {
      r = Float64Array.from(this.match.all(`"${t.term.replace(/"/g, '""')}"${t.prefix ? '*' : ''}`) as number[]);
      this.rows.set(key, r);
    }
    return r;
  }
}

const keyOf = (t: Term): string => (t.prefix ? `${t.term}*` : t.term);

/** The smallest string greater than every string starting with `s`. */
function nextString(s: string): string {
  return s.slice(0, -1) + String.fromCharCode(s.charCodeAt(s.length - 1) + 1);
}
