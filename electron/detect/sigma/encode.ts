// Value transformations of the Sigma modifiers that rewrite the searched text: base64 / base64offset, the UTF-16
// encodings before them, windash variants and placeholder expansion.

/** Thrown while compiling a rule that uses something this engine does not support; the reason is reported. */
export class Unsupported extends Error {
  /** Where in the rule document (keys), for the line number of the report. */
  path: Array<string | number> = [];
  constructor(readonly reason: string) { super(reason); }
}

/** Runs `fn`; an Unsupported raised inside without a place is placed at `path`. */
export function within<T>(path: Array<string | number>, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Unsupported && e.path.length === 0) e.path = path;
    throw e;
  }
}

export type Encoding = 'utf8' | 'utf16le' | 'utf16be' | 'utf16';

export function encodeText(s: string, enc: Encoding): Buffer {
  if (enc === 'utf8') return Buffer.from(s, 'utf8');
  const le = Buffer.from(s, 'utf16le');
  if (enc === 'utf16le') return le;
  const be = Buffer.from(le);
  be.swap16();
  if (enc === 'utf16be') return be;
  return Buffer.concat([Buffer.from([0xff, 0xfe]), le]);
}

export const base64 = (b: Buffer): string => b.toString('base64');

/**
 * The three encodings a value takes inside a longer base64 text, depending on its offset modulo 3 (the Sigma
 * specification's definition: encode after 0, 1 or 2 filler bytes, then cut the characters the neighbours affect).
 */
export function base64Offsets(b: Buffer): string[] {
  const start = [0, 2, 3];
  const end = [undefined, -3, -2];
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const enc = Buffer.concat([Buffer.alloc(i, 0x20), b]).toString('base64');
    out.push(enc.slice(start[i], end[(b.length + i) % 3]));
  }
  return out;
}

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];
const DASH_AT = /\B[-/]\b/g;
/** More dashes than this in one value: every dash takes the same variant (5^n would explode). */
const MAX_DASH_COMBOS = 3;

/** `windash`: each command-line dash (`-x` or `/x`) as `-`, `/`, en dash, em dash or horizontal bar. */
export function windashVariants(s: string): string[] {
  const at = [...s.matchAll(DASH_AT)].map((m) => m.index!);
  if (at.length === 0) return [s];
  if (at.length > MAX_DASH_COMBOS) return DASHES.map((d) => s.replace(DASH_AT, d));
  let out = [''];
  let from = 0;
  for (const i of at) {
    const head = s.slice(from, i);
    out = out.flatMap((o) => DASHES.map((d) => o + head + d));
    from = i + 1;
  }
  return out.map((o) => o + s.slice(from));
}

/** `expand`: `%name%` placeholders replaced by each of their defined values; an undefined one is unsupported. */
export function expandPlaceholders(s: string, defs: Record<string, string[]>): string[] {
  let out = [s];
  for (const m of s.matchAll(/%([A-Za-z0-9_.-]+)%/g)) {
    const values = defs[m[1]] ?? defs[m[1].toLowerCase()];
    if (!values) throw new Unsupported(`placeholder %${m[1]}% is not defined (expand)`);
    out = out.flatMap((o) => values.map((v) => o.split(m[0]).join(v)));
  }
  return out;
}
