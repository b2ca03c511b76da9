// The text a regular expression needs: literal runs every match must contain, read from the expression's source
// (alternatives become OR, groups AND their content unless a quantifier lets them be absent). Only what is certain is
// kept: character classes, `.`, escapes of classes, assertions, backreferences and lookarounds end a run or constrain
// nothing, and a run with a non-ASCII character is dropped (the `i` flag folds case its own way). The gate and the FTS
// prefilter then skip the rule on events without that text; the regular expression stays the exact test.
import { allOf, anyOf, lit, TRUE, type Needs } from './needs.ts';

/** Single-character escapes that stand for themselves. */
const CONTROL: Record<string, string> = { n: '\n', r: '\r', t: '\t', f: '\f', v: '\v' };

class Reader {
  i = 0;
  /** `i` with `u`: Unicode case folding lets `s` match `ſ` (U+017F), which no lower-cased text turns into `s`. */
  readonly foldsS: boolean;
  readonly unicode: boolean;
  constructor(readonly src: string, flags = '') {
    this.unicode = flags.includes('u');
    this.foldsS = this.unicode && flags.includes('i');
  }
  get done(): boolean { return this.i >= this.src.length; }
  peek(k = 0): string { return this.src[this.i + k] ?? ''; }
}

/** Needs of a regular expression's source (as given to `new RegExp`). */
export function regexNeeds(re: RegExp): Needs {
  try {
    const r = new Reader(re.source, re.flags);
    const n = alternation(r);
    return r.done ? n : TRUE;
  } catch {
    return TRUE;
  }
}

function alternation(r: Reader): Needs {
  const branches = [sequence(r)];
  while (r.peek() === '|') { r.i++; branches.push(sequence(r)); }
  return anyOf(branches);
}

/** A minimum-count quantifier after an atom: 0 (may be absent), 1 (present, maybe repeated) or null (none). */
function quantifier(r: Reader): 0 | 1 | null {
  const c = r.peek();
  let min: number | null = null;
  if (c === '*' || c === '?') { r.i++; min = 0; } else if (c === '+') { r.i++; min = 1; } else if (c === '{') {
    const m = /^\{(\d+)(,\d*)?\}/.exec(r.src.slice(r.i));
    if (m) { r.i += m[0].length; min = Number(m[1]) > 0 ? 1 : 0; }
  }
  if (min !== null && r.peek() === '?') r.i++; // lazy
  return min as 0 | 1 | null;
}

function sequence(r: Reader): Needs {
  const parts: Needs[] = [];
  let run = '';
  const end = () => { if (run && !/[^\x00-\x7f]/.test(run)) parts.push(lit(run, false, false)); run = ''; };
  while (!r.done && r.peek() !== '|' && r.peek() !== ')') {
    const c = r.peek();
    if (c === '(') {
      end();
      const inner = group(r);
      if (quantifier(r) !== 0) parts.push(inner);
      continue;
    }
    const ch = atom(r);
    const q = quantifier(r);
    if (ch === null || q === 0 || (r.foldsS && (ch === 's' || ch === 'S'))) { end(); continue; }
    run += ch;
    if (q === 1) end();
  }
  end();
  return allOf(parts);
}

/** A group: its content's needs, or none for lookarounds and anything but plain, non-capturing or named groups. */
function group(r: Reader): Needs {
  r.i++;
  let plain = true;
  if (r.peek() === '?') {
    const named = /^\?<[A-Za-z_$][\w$]*>/.exec(r.src.slice(r.i));
    if (r.peek(1) === ':') r.i += 2;
    else if (named) r.i += named[0].length;
    else plain = false;
  }
  const inner = alternation(r);
  if (r.peek() !== ')') throw new Error('unbalanced');
  r.i++;
  return plain ? inner : TRUE;
}

/** One atom: the literal character it matches, or null when it matches a class, or is an assertion. */
function atom(r: Reader): string | null {
  const c = r.src[r.i++];
  if (c === '[') { skipClass(r); return null; }
  if (c === '.' || c === '^' || c === '$') return null;
  if (c !== '\\') return c;
  const e = r.src[r.i++] ?? '';
  if (CONTROL[e]) return CONTROL[e];
  if (e === 'x' && /^[0-9a-fA-F]{2}/.test(r.src.slice(r.i))) { r.i += 2; return String.fromCharCode(parseInt(r.src.slice(r.i - 2, r.i), 16)); }
  const braced = e === 'u' && r.unicode ? /^\{([0-9a-fA-F]{1,6})\}/.exec(r.src.slice(r.i)) : null;
  if (braced) { r.i += braced[0].length; return String.fromCodePoint(parseInt(braced[1], 16)); }
  if (e === 'u' && /^[0-9a-fA-F]{4}/.test(r.src.slice(r.i))) { r.i += 4; return String.fromCharCode(parseInt(r.src.slice(r.i - 4, r.i), 16)); }
  if (e === 'k' && r.peek() === '<') { while (!r.done && r.src[r.i++] !== '>'); return null; }
  if (e === 'p' || e === 'P') { if (r.peek() === '{') while (!r.done && r.src[r.i++] !== '}'); return null; }
  if (e === 'c') { r.i++; return null; }
  if (/[A-Za-z0-9]/.test(e)) return null; // classes, assertions, backreferences, \0
  return e; // escaped punctuation stands for itself
}

function skipClass(r: Reader): void {
  while (!r.done) {
    const c = r.src[r.i++];
    if (c === '\\') r.i++;
    else if (c === ']') return;
  }
  throw new Error('unterminated class');
}
