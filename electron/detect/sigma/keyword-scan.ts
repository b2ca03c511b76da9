// Keyword rules (field-less searches, such as SigmaHQ's "Mimikatz Use", which applies to every Windows log) look
// through every value of an event, so each event of their groups had to be decoded whole for the gate. Instead,
// their literals are first looked for in the row as stored: the packed values' UTF-8 bytes (values are written as raw
// text, numbers as their decimal text), the lifted columns that `true` markers stand for, the layout's defaults that
// `false` markers stand for (once per layout) and the layout's templated columns (decoded alone). Only when one is
// there is the event decoded whole; otherwise none of the keyword literals is in any value, which is all the gate
// and the run need to know (run.ts). The check may say "there" wrongly, never "absent" wrongly.
import { FieldSelection, type FieldsReader } from '../../case/fields.ts';
import { LiteralScanner, type Literal } from './literals.ts';
import type { Needs } from './needs.ts';
import type { StreamRow } from './scan.ts';

/** Placeholder characters of a layout's templates (field-layout.ts). */
const PLACEHOLDER = /[\x01-\x08]/;
/** A literal made only of these could be in a value the row stores as a number or formats from its time. */
const TIME_OR_NUMBER = /^[-0-9:.tz +e]*$/;

interface LayoutCheck { constant: boolean; templates: FieldSelection | null }

/** The field-less literals of a needs formula (a keyword search's text). */
export function keywordLiterals(n: Needs, out: Literal[] = []): Literal[] {
  if (n.t === 'lit') { if (n.field === null) out.push({ s: n.s, left: n.left, right: n.right }); } else if (n.t !== 'true') for (const c of n.c) keywordLiterals(c, out);
  return out;
}

export class KeywordPrescan {
  private readonly scanner: LiteralScanner;
  private readonly layouts = new Map<number, LayoutCheck>();
  private readonly marks = new Int32Array(1 << 16);
  private readonly found: number[] = [];

  private constructor(literals: Literal[], private readonly reader: FieldsReader) {
    this.scanner = new LiteralScanner(literals);
  }

  /**
   * A prescan for these literals, or null when the stored bytes cannot rule them out: a literal with a digit or only
   * time/number characters (numbers and times are stored or formatted otherwise), or one that is not ASCII.
   */
  static of(literals: Literal[], reader: FieldsReader): KeywordPrescan | null {
    if (literals.length === 0 || literals.length >= 1 << 16) return null;
    // eslint-disable-next-line no-control-regex
    if (literals.some((l) => /[^\x00-\x7f]|[0-9]/.test(l.s) || TIME_OR_NUMBER.test(l.s))) return null;
    return new KeywordPrescan(literals, reader);
  }

  /** Can a keyword literal be in one of the row's values? */
  present(row: StreamRow): boolean {
    if (!row.f_vals || row.f_layout === null || row.f_layout === undefined) return false;
    const layout = this.layoutCheck(row.f_layout);
    if (layout.constant || this.scanner.anyIn(row.f_vals)) return true;
    for (const v of [row.f_ip, row.f_method, row.f_url, row.f_ua, row.f_host]) if (typeof v === 'string' && this.inText(v)) return true;
    if (layout.templates) {
      for (const v of Object.values(this.reader.read(row, layout.templates))) if (v !== null && this.inText(String(v))) return true;
    }
    return false;
  }

  private inText(s: string): boolean {
    this.found.length = 0;
    this.scanner.scan(s, false, this.marks, 1, this.found);
    if (this.found.length === 0) return false;
    for (const id of this.found) this.marks[id] = 0;
    return true;
  }

  /** Per layout: whether a default value holds a literal (every row then counts as holding one), and its templated columns. */
  private layoutCheck(id: number): LayoutCheck {
    let c = this.layouts.get(id);
    if (!c) {
      const cols = this.reader.columns(id);
      const templated = cols ? cols.names.filter((_, i) => typeof cols.tpl[i] === 'string' && PLACEHOLDER.test(cols.tpl[i] as string)) : [];
      c = {
        constant: !cols || cols.tpl.some((t) => t !== null && this.inText(String(t))),
        templates: templated.length ? new FieldSelection(templated) : null,
      };
      this.layouts.set(id, c);
    }
    return c;
  }
}
