// One event as the Sigma matchers see it: field lookup by Loupe key (exact, then case-insensitive, as Sigma field
// names are matched by most engines), and each value's text and lower-cased text computed once per event.
import type { FieldValue } from '../../../shared/types.ts';

/** A value as text and as lower-cased text. */
export type Text = readonly [string, string];

export class EventView {
  private lowerKeys: Map<string, string> | null = null;
  private texts = new Map<string, Text | null>();
  private all: Text[] | null = null;

  constructor(readonly fields: Record<string, FieldValue>, readonly source: string) {}

  get(key: string): FieldValue | undefined {
    const v = this.fields[key];
    if (v !== undefined) return v;
    if (!this.lowerKeys) {
      this.lowerKeys = new Map();
      for (const k of Object.keys(this.fields)) this.lowerKeys.set(k.toLowerCase(), k);
    }
    const real = this.lowerKeys.get(key.toLowerCase());
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
