// An event of a columnar log: the column names of its layout (one array shared by every line of that layout) plus
// this line's values. The bulk log parsers build no object per line; `fields` is made the first time it is read,
// and the case writer packs the values straight from the array.
import { fieldsOf, type EvidenceRef, type FieldValue, type SourceId, type TimelineEvent } from '../../../shared/types.ts';
import { roleOfName } from '../../case/field-layout.ts';
import { addedSearchFields } from '../../case/search-text.ts';
import { templateFields } from './message-templates.ts';

const built = new WeakMap<PackedEvent, Record<string, FieldValue>>();

export class PackedEvent implements TimelineEvent {
  declare host?: string;

  constructor(
    public ts: number,
    public tsDesc: string,
    public source: SourceId,
    public message: string,
    public ref: EvidenceRef,
    readonly names: readonly string[],
    readonly values: FieldValue[],
    /** The message template (message-templates.ts) the message was rendered with. */
    readonly template: number,
  ) {}

  /** Every value (a LineEvent makes those still in its line). */
  full(): FieldValue[] {
    return this.values;
  }

  get fields(): Record<string, FieldValue> {
    let f = built.get(this);
    if (!f) built.set(this, (f = fieldsOf(this.names, this.full())));
    return f;
  }
}

/** Name → position in a layout (the last one when a name repeats, as in the fields object). */
export function positionMap(names: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  names.forEach((n, i) => m.set(n, i));
  return m;
}

/** Position of each name in a layout (the last one when a name repeats, as in the fields object); -1 when absent. */
export function positionsOf<K extends string>(names: readonly string[], wanted: readonly K[]): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of wanted) out[k] = names.lastIndexOf(k);
  return out;
}

/**
 * A PackedEvent whose columns the row does not read as text stay in the line until asked for: `values` holds the
 * values the parser made (numbers, nulls, the text columns) and `undefined` for a value still in `text` from
 * spans[at + 2i] to spans[at + 2i + 1] (never empty). The encoder packs those straight from the line (no string per field);
 * full() (and `fields`) make the rest.
 */
export class LineEvent extends PackedEvent {
  private made: FieldValue[] | null = null;

  constructor(ts: number, tsDesc: string, source: SourceId, message: string, ref: EvidenceRef, names: readonly string[],
    values: (FieldValue | undefined)[], template: number, readonly text: string, readonly spans: Int32Array, readonly at: number) {
    super(ts, tsDesc, source, message, ref, names, values as FieldValue[], template);
  }

  override full(): FieldValue[] {
    if (!this.made) {
      const f = this.values.slice();
      for (let i = 0; i < f.length; i++) if (f[i] === undefined) f[i] = this.text.slice(this.spans[this.at + 2 * i], this.spans[this.at + 2 * i + 1]);
      this.made = f;
    }
    return this.made;
  }
}

/**
 * The columns of a layout that a row reads as text, so a parser must make their strings: those a `true` marker may
 * stand for (lifted columns, host, time), the message template's, and those added to the full-text index.
 */
export function textColumns(names: readonly string[], source: string, template: number): Uint8Array {
  const wanted = new Set([...templateFields(template), ...(addedSearchFields(source) ?? names)]);
  return Uint8Array.from(names, (n) => (roleOfName(n) !== 0 || wanted.has(n) ? 1 : 0));
}
