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
