// Per-file bookkeeping of an EVTX parse: counts for the file's outcome, recovered records held back until the end of
// the file (a recovered copy of a live record is not repeated), and one file-level warning for unreadable records
// instead of one line each.
import type { ParseOutcome, TimelineEvent } from '../../../../shared/types.ts';
import type { DecodedChunk, HeldRecord } from './chunk.ts';
import type { Recovered } from './records.ts';

/** Recovered records held for de-duplication at most; beyond this they are checked against the live ones seen so far. */
const MAX_HELD = 20_000;
/** Offsets listed in the unreadable-records warning. */
const SHOWN_OFFSETS = 5;

/** Live record keys in compact arrays (a few bytes per record, however long the log). */
class LiveKeys {
  private num = new Float64Array(1024);
  private time = new Float64Array(1024);
  private size = new Uint32Array(1024);
  n = 0;

  add(number: number, time: number, size: number): void {
    if (this.n === this.num.length) {
      const grow = <T extends Float64Array | Uint32Array>(a: T, make: (n: number) => T): T => { const b = make(a.length * 2); b.set(a); return b; };
      this.num = grow(this.num, (n) => new Float64Array(n));
      this.time = grow(this.time, (n) => new Float64Array(n));
      this.size = grow(this.size, (n) => new Uint32Array(n));
    }
    this.num[this.n] = number;
    this.time[this.n] = time;
    this.size[this.n] = size;
    this.n++;
  }

  /** The held records that are copies of a live record (same number, written time and size). */
  copies(held: HeldRecord[]): Set<HeldRecord> {
    const byNumber = new Map<number, HeldRecord[]>();
    for (const h of held) {
      const list = byNumber.get(h.number);
      if (list) list.push(h);
      else byNumber.set(h.number, [h]);
    }
    const out = new Set<HeldRecord>();
    for (let i = 0; i < this.n; i++) {
      const same = byNumber.get(this.num[i]);
      if (!same) continue;
      for (const h of same) if (h.time === this.time[i] && h.size === this.size[i]) out.add(h);
    }
    return out;
  }
}

export class EvtxFileTally {
  private live = 0;
  private readonly recoveredBy: Record<Recovered, number> = { slack: 0, 'damaged chunk': 0 };
  private copies = 0;
  private unreadable = 0;
  private readonly firstUnreadable: Array<{ offset: number; message: string }> = [];
  private recoveredUnreadable = 0;
  private readonly liveKeys = new LiveKeys();
  private held: HeldRecord[] = [];

  /** Takes a decoded chunk in; returns its live events (recovered ones are kept until `finish`). */
  add(d: DecodedChunk): TimelineEvent[] {
    this.live += d.live.length;
    for (let i = 0; i < d.liveKeys.length; i += 3) this.liveKeys.add(d.liveKeys[i], d.liveKeys[i + 1], d.liveKeys[i + 2]);
    this.unreadable += d.unreadable.length;
    for (const u of d.unreadable) if (this.firstUnreadable.length < SHOWN_OFFSETS) this.firstUnreadable.push(u);
    this.recoveredUnreadable += d.recoveredUnreadable;
    this.held.push(...d.recovered);
    return d.live;
  }

  /** Recovered events that must leave now to bound memory (checked against the live records seen so far). */
  overflow(): TimelineEvent[] {
    if (this.held.length <= MAX_HELD) return [];
    const out = this.release(this.held.slice(0, this.held.length - MAX_HELD));
    this.held = this.held.slice(this.held.length - MAX_HELD);
    return out;
  }

  /** The recovered events still held, less the copies of live records. */
  finish(): TimelineEvent[] {
    const out = this.release(this.held);
    this.held = [];
    return out;
  }

  private release(held: HeldRecord[]): TimelineEvent[] {
    const copies = held.length ? this.liveKeys.copies(held) : new Set<HeldRecord>();
    this.copies += copies.size;
    const out: TimelineEvent[] = [];
    for (const h of held) {
      if (copies.has(h)) continue;
      this.recoveredBy[h.how]++;
      out.push(h.event);
    }
    return out;
  }

  /** The file-level warning about unreadable records, or null when every record on the chain was read. */
  unreadableWarning(): { offset: number; message: string } | null {
    if (!this.unreadable) return null;
    const total = this.live + this.unreadable;
    const offsets = this.firstUnreadable.map((u) => u.offset).join(', ') + (this.unreadable > SHOWN_OFFSETS ? ', …' : '');
    const what = this.live === 0 ? `this log was not read: none of its ${total} records could be decoded`
      : `${this.unreadable} of ${total} records could not be decoded`;
    return { offset: this.firstUnreadable[0].offset, message: `${what} (at offsets ${offsets}); first error: ${this.firstUnreadable[0].message}` };
  }

  outcome(): ParseOutcome {
    return {
      read: this.live,
      recovered: this.recoveredBy.slack + this.recoveredBy['damaged chunk'],
      unreadable: this.unreadable,
      details: {
        'recovered from slack': this.recoveredBy.slack,
        'recovered from damaged chunks': this.recoveredBy['damaged chunk'],
        'recovered copies of live records (not repeated)': this.copies,
        'record-shaped leftovers not decodable': this.recoveredUnreadable,
      },
    };
  }
}
