// One event as the Sigma matchers see it: field lookup by Loupe key (exact, then case-insensitive, as Sigma field
// names are matched by most engines), and each value's text and lower-cased text computed once per event.
import type { FieldValue } from '../../../shared/types.ts';

/** A value as text and as lower-cased text. */
export type Text = readonly [string, string];

/** Field names lower-cased, kept across events (names repeat from event to event); bounded for hostile input. */
const LOWER_NAMES = new Map<string, string>();
const LOWER_NAMES_MAX = 50_000;

export function lowerName(name: string): string {
  let low = LOWER_NAMES.get(name);
  if (low === undefined) {
    if (LOWER_NAMES.size >= LOWER_NAMES_MAX) LOWER_NAMES.clear();
    low = name.toLowerCase();
    LOWER_NAMES.set(name, low);
  }
  return low;
}

export class EventView {
  private keys: string[] | null = null;
  private texts = new Map<string, Text | null>();
  private all: Text[] | null = null;

  constructor(readonly fields: Record<string, FieldValue>, readonly source: string) {}

  /** The event's field names, in stored order. */
  get names(): string[] {
    return (this.keys ??= Object.keys(this.fields));
  }

  get(key: string): FieldValue | undefined {
    const v = this.fields[key];
    return v !== undefined ? v : this.getAnyCase(key);
  }

  /** The last field whose name equals `key` without regard to case. */
  private getAnyCase(key: string): FieldValue | undefined {
    const want = lowerName(key);
    let real: string | undefined;
    for (const k of this.names) if (lowerName(k) === want) real = k;
    return real === undefined ? undefined : this.fields[real];
  }

  /** The value of `key` as text (numbers in decimal), or null when the event has no such field. */
  text(key: string): Text | null {
    let t = this.texts.get(key);
    if (t === undefined) {
      const v = this.get(key);
      t = v === undefined || v === null ? null : toText(String(v));
      this.texts.set(key, t);
    }
    return t;
  }

  /** Every non-empty value: what a keyword (field-less) search looks through. */
  values(): Text[] {
    if (!this.all) {
      this.all = [];
      for (const v of Object.values(this.fields)) if (v !== null && v !== '') this.all.push(toText(String(v)));
    }
    return this.all;
  }
}

const toText = (s: string): Text => [s, s.toLowerCase()];
