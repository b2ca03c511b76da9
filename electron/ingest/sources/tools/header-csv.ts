// What the importers of other tools' output share: a CSV whose first record is its header (quoted fields may span
// lines), a JSON-lines reader, tool time stamps (UTC unless they carry an offset), and the fields every imported
// event keeps (the tool it came from).
import type { FieldValue, TimelineEvent } from '../../../../shared/types.ts';
import { isoToMicros } from '../../../../shared/types.ts';
import type { TextLine } from '../../lines.ts';
import { splitCsvLine } from '../csv-line.ts';
import type { Parser, SourceInput } from '../types.ts';
import { parseLinesWith, type Warn } from '../util.ts';

export interface Row {
  /** Column name → cell text (empty cells are ''). */
  get(name: string): string;
  columns: readonly string[];
  values: readonly string[];
  line: number;
  offset: number;
}

/** A record may continue over at most this many physical lines (an open quote) before it is given up. */
const MAX_RECORD_LINES = 1000;

export type RowToEvent = (row: Row, input: SourceInput, warn: Warn) => TimelineEvent | TimelineEvent[] | null;

/** A Parser for a header-first CSV: the header row names the columns (positions are never assumed). */
export function headerCsvParser(toEvent: RowToEvent): Parser {
  return (input, ctx) => parseLinesWith(input, ctx, (warn) => {
    let columns: string[] | null = null;
    let index = new Map<string, number>();
    let open: { text: string; line: number; offset: number; lines: number } | null = null;
    const record = (text: string, line: number, offset: number, lines: number): TimelineEvent | TimelineEvent[] | null => {
      const values = splitCsvLine(text);
      if (values === null) {
        if (lines >= MAX_RECORD_LINES) { warn({ line, offset, message: `quoted field still open after ${lines} lines; record skipped` }); return null; }
        open = { text, line, offset, lines };
        return null;
      }
      if (!columns) {
        columns = values.map((c) => c.trim());
        index = new Map(columns.map((c, i) => [c.toLowerCase(), i]));
        return null;
      }
      if (values.length === 1 && values[0] === '') return null;
      if (values.length !== columns.length) {
        warn({ line, offset, message: `expected ${columns.length} fields (from the header), found ${values.length}; row skipped` });
        return null;
      }
      const cols = columns;
      const row: Row = { get: (n) => values[index.get(n.toLowerCase()) ?? -1] ?? '', columns: cols, values, line, offset };
      return toEvent(row, input, warn);
    };
    return {
      line(l: TextLine) {
        if (open) {
          const o: { text: string; line: number; offset: number; lines: number } = open;
          open = null;
          return record(`${o.text}\n${l.text}`, o.line, o.offset, o.lines + 1);
        }
        return record(l.text, l.line, l.offset, 1);
      },
      end() {
        if (open) warn({ line: open.line, offset: open.offset, message: 'unterminated quoted field at end of file; record skipped' });
        return null;
      },
    };
  });
}

/** A Parser for JSON lines: one object per line; a line that is not an object is a warning. */
export function jsonLinesParser(toEvent: (o: Record<string, unknown>, l: TextLine, input: SourceInput, warn: Warn) => TimelineEvent | null): Parser {
  return (input, ctx) => parseLinesWith(input, ctx, (warn) => ({
    line(l) {
      const t = l.text.trim();
      if (!t) return null;
      let o: unknown;
      try { o = JSON.parse(t); } catch (e) {
        warn({ line: l.line, offset: l.offset, message: `not a JSON object (${(e as Error).message}); line skipped` });
        return null;
      }
      if (!o || typeof o !== 'object' || Array.isArray(o)) { warn({ line: l.line, offset: l.offset, message: 'not a JSON object; line skipped' }); return null; }
      return toEvent(o as Record<string, unknown>, l, input, warn);
    },
  }));
}

/**
 * A tool's time stamp → µs. `2021-03-03 04:12:31.1234567` (EZ tools, UTC), ISO-8601 with `T`/`Z`/offset (plaso),
 * `2021-03-03 04:12:31.123 +09:00` (Hayabusa): an offset is honoured, none means UTC. NaN when unreadable.
 */
export function toolTimeMicros(s: string): number {
  const t = s.trim().replace(/^(\d{4}-\d\d-\d\d)[ T]/, '$1T').replace(/\s+([+-]\d\d:?\d\d|Z)$/i, '$1');
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(t) ? isoToMicros(t) : NaN;
}

/** The cells of a row as event fields (empty cells left out), plus the tool name. */
export function rowFields(row: Row, tool: string, skip: ReadonlySet<string> = new Set()): Record<string, FieldValue> {
  const f: Record<string, FieldValue> = { tool };
  row.columns.forEach((c, i) => { if (!skip.has(c) && row.values[i] !== '') f[c] = row.values[i]; });
  return f;
}

/** Warns once per bad time and tells the caller to skip the row. */
export function timeOrWarn(value: string, column: string, at: { line: number; offset: number }, warn: Warn): number | null {
  const ts = toolTimeMicros(value);
  if (Number.isNaN(ts)) { warn({ ...at, message: `${column} "${value.slice(0, 40)}" is not a date and time; row skipped` }); return null; }
  return ts;
}

export const num = (s: string): number | null => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : null);

/** A JSON value as field text: numbers stay numbers, objects and arrays become JSON. */
export const jsonFieldText = (v: unknown): FieldValue => (v === null || v === undefined ? null : typeof v === 'number' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
