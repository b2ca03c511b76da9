// RFC 4180 field splitting for one CSV record held in a string: quoted fields may hold commas, doubled quotes and
// line breaks. Hand-written because it is several times faster than csv-parse per line (checked in the tests).

/** Splits one CSV record; returns null when a quoted field is still open at the end (the record continues). */
export function splitCsvLine(line: string): string[] | null {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = line.indexOf('"', from);
        if (q < 0) return null;
        value += line.slice(from, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      // text after the closing quote up to the next comma is kept as-is (lenient, like csv-parse relax_quotes)
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      out.push(value + line.slice(i, end));
      if (comma < 0) return out;
      i = comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

/**
 * splitCsvLine with empty fields as null (what the log parsers store for them). A record without quotes is cut with
 * indexOf and no string is made for an empty field: the Exchange logs are mostly empty columns.
 */
export function splitCsvFields(line: string): (string | null)[] | null {
  if (line.includes('"')) return splitCsvLine(line)?.map((v) => (v === '' ? null : v)) ?? null;
  const out: (string | null)[] = [];
  let from = 0;
  for (let c = line.indexOf(','); c >= 0; c = line.indexOf(',', from)) {
    out.push(c === from ? null : line.slice(from, c));
    from = c + 1;
  }
  out.push(from === line.length ? null : line.slice(from));
  return out;
}

/** Ints per slab: room for the spans of a few hundred records. */
const SLAB = 1 << 16;

/**
 * Where the spans of a file's records are kept: one typed array filled record after record, a new one when full, so a
 * record's spans cost no array of their own (its events hold the slab and their offset in it).
 */
export class SpanSlab {
  array = new Int32Array(SLAB);
  /** Where the next record's spans go. */
  at = 0;

  /** Makes room for `n` ints at `at` (a new array when the current one is full; read `array` after this). */
  reserve(n: number): void {
    if (this.at + n > this.array.length) {
      this.array = new Int32Array(Math.max(SLAB, n));
      this.at = 0;
    }
  }

  /** Keeps the `n` ints just written at `at`. */
  keep(n: number): void {
    this.at += n;
  }
}

/** splitCsvSpans's answer for a record whose quoted field is still open at the end (the record continues). */
export const SPANS_OPEN = -1;
/** splitCsvSpans's answer for a record with a field that is not one piece of it (a doubled quote, or text after a closing quote). */
export const SPANS_UNCUT = -2;

/**
 * Cuts one CSV record into fields without making a string per field: field k's value is `line` from spans[at + 2k]
 * to spans[at + 2k + 1] (inside its quotes when quoted; empty = null); `spans` has room for 2 × (line.length + 1).
 * `at` is even. Returns the field count, SPANS_OPEN, or SPANS_UNCUT
 * (then splitCsvFields gives the values). The same fields as splitCsvFields, which the tests hold it to.
 */
export function splitCsvSpans(line: string, spans: Int32Array | number[], at = 0): number {
  const n = line.length;
  let k = at / 2;
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34 /* " */) {
      const q = line.indexOf('"', i + 1);
      if (q < 0) return SPANS_OPEN;
      if (q + 1 < n && line.charCodeAt(q + 1) !== 44 /* , */) return SPANS_UNCUT;
      spans[2 * k] = i + 1;
      spans[2 * k + 1] = q;
      k++;
      if (q + 1 >= n) return k - at / 2;
      i = q + 2;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      spans[2 * k] = i;
      spans[2 * k + 1] = end;
      k++;
      if (comma < 0) return k - at / 2;
      i = comma + 1;
    }
  }
}
