// An event of a columnar log: the column names of its layout (one array shared by every line of that layout) plus
// this line's values. The bulk log parsers build no object per line; `fields` is made the first time it is read,
// and the case writer packs the values straight from the array.
import { fieldsOf, type EvidenceRef, type FieldValue, type SourceId, type TimelineEvent } from '../../../shared/types.ts';

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

  get fields(): Record<string, FieldValue> {
    let f = built.get(this);
    if (!f) built.set(this, (f = fieldsOf(this.names, this.values)));
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
