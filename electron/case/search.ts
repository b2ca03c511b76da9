// The timeline's search syntax: words, "phrases", prefix*, field:value (with * wildcards), NOT / -, OR, AND and
// parentheses. Parsed into a small tree so a bad query is refused with a message that says what is wrong.

export class SearchError extends Error {
  /** An analyst's mistake: the HTTP bridge answers 400. */
  readonly status = 400;
}

export type SearchNode =
  | { k: 'term'; text: string; phrase: boolean; prefix: boolean }
  | { k: 'field'; field: string; value: string }
  | { k: 'and'; items: SearchNode[] }
  | { k: 'or'; items: SearchNode[] }
  | { k: 'not'; item: SearchNode };

type Token =
  | { t: 'lp' | 'rp' | 'or' | 'and' | 'not'; at: number }
  | { t: 'word'; text: string; phrase: boolean; neg: boolean; at: number };

const FIELD_NAME = /^[A-Za-z][\w.\-()]*$/;

/** Peels leading "(" (pushed as tokens) and trailing unbalanced ")" off a word: `cs(User-Agent):x` stays whole. */
function peelParens(raw: string, at: number, out: Token[]): { core: string; closes: number } {
  let word = raw;
  let start = at;
  while (word.startsWith('(')) { out.push({ t: 'lp', at: start }); word = word.slice(1); start++; }
  const count = (s: string, c: string): number => s.split(c).length - 1;
  let closes = 0;
  while (word.endsWith(')') && count(word, ')') > count(word, '(')) { word = word.slice(0, -1); closes++; }
  return { core: word, closes };
}

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(') { out.push({ t: 'lp', at: i }); i++; continue; }
    if (c === ')') { out.push({ t: 'rp', at: i }); i++; continue; }
    const at = i;
    const neg = c === '-' && i + 1 < text.length && !/\s/.test(text[i + 1]);
    if (neg) i++;
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new SearchError(`search: the quote opened at character ${i + 1} is never closed — add a closing "`);
      out.push({ t: 'word', text: text.slice(i + 1, end), phrase: true, neg, at });
      i = end + 1;
      continue;
    }
    // A word runs to the next space; `field:"quoted value"` keeps its spaces.
    let j = i;
    let word = '';
    while (j < text.length && !/\s/.test(text[j])) {
      if (text[j] === '"' && word.endsWith(':')) {
        const end = text.indexOf('"', j + 1);
        if (end < 0) throw new SearchError(`search: the quote opened at character ${j + 1} is never closed — add a closing "`);
        word += '"' + text.slice(j + 1, end) + '"';
        j = end + 1;
        continue;
      }
      word += text[j++];
    }
    i = j;
    if (!neg && (word === 'OR' || word === 'AND' || word === 'NOT')) { out.push({ t: word.toLowerCase() as 'or' | 'and' | 'not', at }); continue; }
    const before = out.length;
    const { core, closes } = peelParens(word, at, out);
    if (core) out.push({ t: 'word', text: core, phrase: false, neg: neg && out.length === before, at });
    else if (neg && out.length === before) throw new SearchError(`search: "-" at character ${at + 1} must be followed by a word to exclude`);
    for (let k = 0; k < closes; k++) out.push({ t: 'rp', at: at + word.length - closes + k });
  }
  return out;
}

/** `name:value` unless it looks like a path or URL (C:\…, http://…) or a time (08:12). */
function splitField(word: string): { field: string; value: string } | null {
  const colon = word.indexOf(':');
  if (colon <= 0) return null;
  const field = word.slice(0, colon);
  const value = word.slice(colon + 1);
  if (!FIELD_NAME.test(field) || value.startsWith('\\') || value.startsWith('//') || (field.length === 1 && value.startsWith('/'))) return null;
  return { field, value };
}

function leaf(tok: Extract<Token, { t: 'word' }>): SearchNode {
  let node: SearchNode;
  const f = tok.phrase ? null : splitField(tok.text);
  if (f) {
    let value = f.value;
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!value) throw new SearchError(`search: "${f.field}:" at character ${tok.at + 1} needs a value, e.g. ${f.field}:200 or ${f.field}:"two words" (use * as a wildcard)`);
    node = { k: 'field', field: f.field, value };
  } else {
    const prefix = !tok.phrase && tok.text.endsWith('*') && tok.text.length > 1;
    const text = prefix ? tok.text.slice(0, -1) : tok.text;
    if (!/[\p{L}\p{N}]/u.test(text)) {
      throw new SearchError(`search: "${tok.text}" at character ${tok.at + 1} has no letter or digit to look for`);
    }
    node = { k: 'term', text, phrase: tok.phrase, prefix };
  }
  return tok.neg ? { k: 'not', item: node } : node;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  parse(): SearchNode | null {
    if (!this.toks.length) return null;
    const node = this.or();
    const t = this.toks[this.i];
    if (t) throw new SearchError(t.t === 'rp' ? `search: ")" at character ${t.at + 1} closes nothing — remove it or add a "(" before it` : `search: unexpected ${t.t.toUpperCase()} at character ${t.at + 1}`);
    return node;
  }

  private or(): SearchNode {
    const items = [this.and()];
    while (this.toks[this.i]?.t === 'or') {
      const at = this.toks[this.i++].at;
      if (!this.startsOperand()) throw new SearchError(`search: OR at character ${at + 1} needs a term after it`);
      items.push(this.and());
    }
    return items.length === 1 ? items[0] : { k: 'or', items };
  }

  private and(): SearchNode {
    const items = [this.unary()];
    for (;;) {
      const t = this.toks[this.i];
      if (t?.t === 'and') {
        this.i++;
        if (!this.startsOperand()) throw new SearchError(`search: AND at character ${t.at + 1} needs a term after it`);
        items.push(this.unary());
      } else if (this.startsOperand()) items.push(this.unary());
      else break;
    }
    return items.length === 1 ? items[0] : { k: 'and', items };
  }

  private startsOperand(): boolean {
    const t = this.toks[this.i]?.t;
    return t === 'word' || t === 'lp' || t === 'not';
  }

  private unary(): SearchNode {
    const t = this.toks[this.i];
    if (!t) throw new SearchError('search: the query ends where a term was expected');
    if (t.t === 'not') {
      this.i++;
      if (!this.startsOperand()) throw new SearchError(`search: NOT at character ${t.at + 1} needs a term after it`);
      return { k: 'not', item: this.unary() };
    }
    if (t.t === 'lp') {
      this.i++;
      if (this.toks[this.i]?.t === 'rp') throw new SearchError(`search: empty parentheses at character ${t.at + 1}`);
      const inner = this.or();
      if (this.toks[this.i]?.t !== 'rp') throw new SearchError(`search: the "(" at character ${t.at + 1} is never closed — add a ")"`);
      this.i++;
      return inner;
    }
    if (t.t === 'word') { this.i++; return leaf(t); }
    throw new SearchError(t.t === 'rp'
      ? `search: ")" at character ${t.at + 1} closes nothing — remove it or add a "(" before it`
      : `search: ${t.t.toUpperCase()} at character ${t.at + 1} needs a term before it`);
  }
}

/** Parses a search; null for an empty one. Throws SearchError with a helpful message for a malformed one. */
export function parseSearch(text: string): SearchNode | null {
  return new Parser(tokenize(text)).parse();
}

const ftsString = (s: string): string => `"${s.replace(/"/g, '""')}"`;

/** The FTS5 expression for a subtree of plain terms, or null when FTS5 cannot say it alone (field:, a lone NOT). */
export function toFts(n: SearchNode): string | null {
  switch (n.k) {
    case 'term': return ftsString(n.text) + (n.prefix ? '*' : '');
    case 'field': case 'not': return null;
    case 'or': {
      const parts = n.items.map(toFts);
      return parts.every((p) => p !== null) ? `(${parts.join(' OR ')})` : null;
    }
    case 'and': {
      const pos = n.items.filter((x) => x.k !== 'not').map(toFts);
      const neg = n.items.filter((x): x is Extract<SearchNode, { k: 'not' }> => x.k === 'not').map((x) => toFts(x.item));
      if (!pos.length || pos.some((p) => p === null) || neg.some((p) => p === null)) return null;
      let q = `(${pos.join(' AND ')})`;
      for (const x of neg) q = `(${q} NOT ${x})`;
      return q;
    }
  }
}

/** True when the subtree holds only words and phrases (no field:value). */
export const textOnly = (n: SearchNode): boolean =>
  n.k === 'term' ? true : n.k === 'field' ? false : n.k === 'not' ? textOnly(n.item) : n.items.every(textOnly);

/** A LIKE pattern matching `s` anywhere, with LIKE's own wildcards escaped (use ESCAPE '\'). */
export const likeContains = (s: string): string => `%${likeEscape(s)}%`;
export const likeEscape = (s: string): string => s.replace(/[\\%_]/g, (c) => '\\' + c);

/** A field value pattern: `*` is any run of characters, the rest literal (case-insensitive via LIKE). */
export const wildcardLike = (v: string): string => likeEscape(v).replace(/\*/g, '%');
