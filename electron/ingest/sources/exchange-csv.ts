// Record assembly shared by the Exchange CSV logs (HttpProxy, ECP Server): header from a plain CSV header line or a
// `#Fields:` directive (the latest wins), other `#` lines skipped, quoted fields spanning line breaks joined.
import type { TimelineEvent } from '../../../shared/types.ts';
import type { TextLine } from '../lines.ts';
import { SpanSlab, splitCsvFields, splitCsvLine, splitCsvSpans, SPANS_OPEN } from './csv-line.ts';
import type { Parser, SourceInput } from './types.ts';
import { parseLinesWith, type Warn } from './util.ts';

export interface CsvRecord {
  columns: string[];
  /**
   * One per column, null for an empty field; the record is its event's own (a parser may convert values in place).
   * Null when the record comes as spans instead.
   */
  values: (string | null)[] | null;
  /**
   * The record's text and, from a reader made with `spans`, where each field's value is in it: field k from
   * spans[at + 2k] to spans[at + 2k + 1] (see splitCsvSpans).
   */
  text: string;
  spans: Int32Array | null;
  at: number;
  /** Line and byte offset where the record starts. */
  line: number;
  offset: number;
}

/** A record may continue over at most this many physical lines (an open quote) before it is given up. */
const MAX_RECORD_LINES = 200;

export class ExchangeCsvReader {
  private columns: string[] | null = null;
  private open: { text: string; line: number; offset: number; lines: number } | null = null;

  /** Where splitCsvSpans cuts the records (a record that leaves keeps its spans there). */
  private readonly slab = new SpanSlab();

  /**
   * @param headerFirstColumn the name that starts a plain header line, e.g. `DateTime` or `TimeStamp`.
   * @param spans whether data records come as spans into their text where they can (no string per field).
   */
  constructor(private readonly headerFirstColumn: string, private readonly warn: Warn, private readonly spans = false) {}

  get currentColumns(): readonly string[] | null {
    return this.columns;
  }

  /** Feeds one physical line; returns a complete data record or null. */
  feed(l: TextLine): CsvRecord | null {
    if (this.open) return this.continueRecord(l);
    const text = l.text;
    if (text.length === 0) return null;
    if (text.charCodeAt(0) === 35 /* # */) {
      if (text.startsWith('#Fields:')) this.columns = (splitCsvLine(text.slice(8).trim()) ?? []).map((c) => c.trim());
      return null;
    }
    return this.record(text, l.line, l.offset);
  }

  /** Called at end of file: warns about a record left open by an unterminated quote. */
  finish(): void {
    if (this.open) this.warn({ line: this.open.line, offset: this.open.offset, message: 'unterminated quoted field at end of file; record skipped' });
    this.open = null;
  }

  private continueRecord(l: TextLine): CsvRecord | null {
    const o = this.open!;
    o.text += '\n' + l.text;
    o.lines++;
    if (o.lines > MAX_RECORD_LINES) {
      this.warn({ line: o.line, offset: o.offset, message: `quoted field still open after ${MAX_RECORD_LINES} lines; record skipped` });
      this.open = null;
      return null;
    }
    this.open = null;
    return this.record(o.text, o.line, o.offset, o.lines);
  }

  private record(text: string, line: number, offset: number, lines = 1): CsvRecord | null {
    const n = this.spans ? this.cut(text) : -2;
    if (n === SPANS_OPEN) return this.keepOpen(text, line, offset, lines);
    if (n >= 0 && !this.isHeader(text)) {
      if (!this.accepts(n, line, offset)) return null;
      const { array, at } = this.slab;
      this.slab.keep(2 * n);
      return { columns: this.columns!, values: null, text, spans: array, at, line, offset };
    }
    const values = splitCsvFields(text);
    if (values === null) return this.keepOpen(text, line, offset, lines);
    if (values[0] === this.headerFirstColumn) {
      this.columns = values.map((c) => (c ?? '').trim());
      return null;
    }
    return this.accepts(values.length, line, offset) ? { columns: this.columns!, values, text, spans: null, at: 0, line, offset } : null;
  }

  private keepOpen(text: string, line: number, offset: number, lines: number): null {
    this.open = { text, line, offset, lines };
    return null;
  }

  /** Cuts a record into spans at the slab's free end (kept only when the record is accepted). */
  private cut(text: string): number {
    this.slab.reserve(2 * text.length + 2);
    return splitCsvSpans(text, this.slab.array, this.slab.at);
  }

  /** Whether the record just cut into spans starts with the header's first column name (then it is read as strings). */
  private isHeader(text: string): boolean {
    const h = this.headerFirstColumn;
    const { array, at } = this.slab;
    return array[at + 1] - array[at] === h.length && text.startsWith(h, array[at]);
  }

  /** Whether a data record of `count` fields fits the header; warns when not. */
  private accepts(count: number, line: number, offset: number): boolean {
    if (this.columns === null) {
      this.warn({ line, offset, message: `data line before any header (no "${this.headerFirstColumn},…" line or #Fields directive); skipped` });
      return false;
    }
    if (count !== this.columns.length) {
      this.warn({ line, offset, message: `expected ${this.columns.length} comma-separated fields (from the header), found ${count}; line skipped` });
      return false;
    }
    return true;
  }
}

export type CsvRecordToEvent = (r: CsvRecord, input: SourceInput, warn: Warn) => TimelineEvent | null;

/** Builds a Parser for an Exchange CSV log from its header's first column name and a record → event mapping (given spans when `spans`). */
export function exchangeCsvParser(headerFirstColumn: string, toEvent: CsvRecordToEvent, spans = false): Parser {
  return (input, ctx) =>
    parseLinesWith(input, ctx, (warn) => {
      const reader = new ExchangeCsvReader(headerFirstColumn, warn, spans);
      return {
        line(l) {
          const rec = reader.feed(l);
          return rec && toEvent(rec, input, warn);
        },
        end() {
          reader.finish();
          return null;
        },
      };
    });
}
