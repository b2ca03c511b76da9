// EVTX events carry their fields packed (ingest/sources/packed.ts): one array of names shared by every record of the
// same shape, plus each record's values. The case writer packs those values as they are and keys its layouts by the
// names array itself, so the same shape must always give the same array: names are interned here (bounded).
// Building a fields object per record (past ~18 keys a slow dictionary object) was the largest cost of a parse.

/** System fields every event has, first and in this order (values 0–5). */
export const SYSTEM_FIXED = ['EventID', 'Provider', 'Channel', 'Computer', 'Level', 'RecordID'] as const;
/** System fields a record may lack, in the order they follow; bit i of a mask says whether SYSTEM_OPTIONAL[i] is there. */
export const SYSTEM_OPTIONAL = ['Task', 'Opcode', 'Keywords', 'ProcessID', 'ThreadID', 'UserID', 'EventSourceName', 'Qualifiers'] as const;
export const FIXED = SYSTEM_FIXED.length;

const MAX_INTERNED = 8192;
let interned = new Map<string, readonly string[]>();

/** The shared array equal to `names` (the first one seen with those names, in that order). */
export function internNames(names: readonly string[]): readonly string[] {
  const sig = names.join('\u0000');
  const known = interned.get(sig);
  if (known) return known;
  if (interned.size >= MAX_INTERNED) interned = new Map();
  interned.set(sig, names);
  return names;
}

/** Per interned data-keys array: the full names for each system mask. */
const full = new WeakMap<readonly string[], Array<readonly string[] | undefined>>();

/** The names of an event with the system fields `mask` says and the data keys `dataKeys` (an interned or plan array). */
export function eventNames(mask: number, dataKeys: readonly string[]): readonly string[] {
  let row = full.get(dataKeys);
  if (!row) full.set(dataKeys, (row = []));
  let names = row[mask];
  if (!names) {
    const sys: string[] = [...SYSTEM_FIXED];
    for (let i = 0; i < SYSTEM_OPTIONAL.length; i++) if (mask & (1 << i)) sys.push(SYSTEM_OPTIONAL[i]);
    names = row[mask] = internNames([...sys, ...dataKeys]);
  }
  return names;
}

const withRecovered = new WeakMap<readonly string[], readonly string[]>();

/** `names` followed by `recovered` (the mark of a record recovered from slack or a damaged chunk). */
export function recoveredNames(names: readonly string[]): readonly string[] {
  let out = withRecovered.get(names);
  if (!out) withRecovered.set(names, (out = internNames([...names, 'recovered'])));
  return out;
}

const positions = new WeakMap<readonly string[], Map<string, number>>();

/** Where each name is in an interned names array. */
export function positionsIn(names: readonly string[]): Map<string, number> {
  let m = positions.get(names);
  if (!m) {
    m = new Map();
    for (let i = 0; i < names.length; i++) m.set(names[i], i);
    positions.set(names, m);
  }
  return m;
}
