// TSK bodyfile parser (mactime 3.x format `MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime`,
// epoch seconds, possibly fractional, 0 = unknown). Like `mactime`, the times of one line are grouped by whole
// second: one event per distinct second with its MACB letters (`m.c.`), e.g. tsDesc `File Modified/Changed`.
import type { FieldValue, TimelineEvent } from '../../../shared/types.ts';
import type { TextLine } from '../lines.ts';
import type { Parser, SourceInput } from './types.ts';
import { parseLinesWith, type Warn } from './util.ts';

/** Field count of a mactime 3.x bodyfile line. */
export const BODYFILE_FIELDS = 11;

/** MACB letter, its column (after splitting) and its meaning, in mactime's display order. */
const TIMES = [
  { letter: 'm', column: 8, word: 'Modified' },
  { letter: 'a', column: 7, word: 'Accessed' },
  { letter: 'c', column: 9, word: 'Changed' },
  { letter: 'b', column: 10, word: 'Created' },
] as const;

/** Splits a bodyfile line; a name containing `|` is rebuilt from the middle columns. Null when too few fields. */
export function splitBodyfileLine(text: string): string[] | null {
  const parts = text.split('|');
  if (parts.length < BODYFILE_FIELDS) return null;
  if (parts.length === BODYFILE_FIELDS) return parts;
  const tail = parts.length - (BODYFILE_FIELDS - 2);
  return [parts[0], parts.slice(1, tail).join('|'), ...parts.slice(tail)];
}

function num(s: string): FieldValue {
  const n = Number(s);
  return s !== '' && Number.isFinite(n) ? n : s === '' ? null : s;
}

/** Groups the four times of one line by whole second: [{second, micros, macb}] in ascending time. */
export function groupTimes(cols: string[]): { micros: number; macb: string; words: string[] }[] | null {
  const groups = new Map<number, { micros: number; letters: Set<string>; words: string[] }>();
  for (const t of TIMES) {
    const v = Number(cols[t.column]);
    if (!Number.isFinite(v) || cols[t.column].trim() === '') return null;
    if (v <= 0) continue;
    const second = Math.floor(v);
    const micros = Math.round(v * 1e6);
    const g = groups.get(second) ?? { micros, letters: new Set<string>(), words: [] };
    g.micros = Math.min(g.micros, micros);
    g.letters.add(t.letter);
    g.words.push(t.word);
    groups.set(second, g);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => ({
    micros: g.micros,
    macb: TIMES.map((t) => (g.letters.has(t.letter) ? t.letter : '.')).join(''),
    words: g.words,
  }));
}

function lineEvents(cols: string[], l: TextLine, input: SourceInput, warn: Warn): TimelineEvent[] {
  const groups = groupTimes(cols);
  if (groups === null) {
    warn({ line: l.line, offset: l.offset, message: 'bodyfile time columns (atime|mtime|ctime|crtime) are not numbers; line skipped' });
    return [];
  }
  const [md5, name, inode, mode, uid, gid, size] = cols;
  return groups.map((g) => {
    const fields: Record<string, FieldValue> = {
      macb: g.macb, name, inode, mode, uid: num(uid), gid: num(gid), size: num(size),
      md5: md5 === '0' || md5 === '' ? null : md5,
    };
    const ev: TimelineEvent = {
      ts: g.micros, tsDesc: `File ${g.words.join('/')}`, source: 'bodyfile', message: `${g.macb} ${name} (${size} bytes)`,
      fields, ref: { file: input.rel, line: l.line, offset: l.offset },
    };
    if (input.host != null) ev.host = input.host;
    return ev;
  });
}

function bodyfileLine(l: TextLine, input: SourceInput, warn: Warn): TimelineEvent[] | null {
  if (l.text.length === 0 || l.text.charCodeAt(0) === 35 /* # */) return null;
  const cols = splitBodyfileLine(l.text);
  if (cols === null) {
    warn({ line: l.line, offset: l.offset, message: `expected ${BODYFILE_FIELDS} |-separated bodyfile fields, found ${l.text.split('|').length}; line skipped` });
    return null;
  }
  return lineEvents(cols, l, input, warn);
}

export const parseBodyfile: Parser = (input, ctx) =>
  parseLinesWith(input, ctx, (warn) => ({ line: (l) => bodyfileLine(l, input, warn) }));
