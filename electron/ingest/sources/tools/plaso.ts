// plaso / Timesketch timelines: JSON lines (psort `json_line`, Timesketch import) and CSV with the Timesketch
// columns `message`, `datetime` (or `timestamp` in µs) and `timestamp_desc`. Every other column is kept as a field.
import type { FieldValue, TimelineEvent } from '../../../../shared/types.ts';
import type { SourceInput } from '../types.ts';
import type { Warn } from '../util.ts';
import { headerCsvParser, jsonLinesParser, toolTimeMicros } from './header-csv.ts';

const RESERVED = new Set(['message', 'datetime', 'timestamp', 'timestamp_desc']);
const HOST_KEYS = ['hostname', 'host', 'computer_name', 'Computer'];

/** µs from `timestamp` (plaso and Timesketch write µs since the epoch) or else from `datetime`. */
function timeOf(timestamp: unknown, datetime: unknown): number {
  const n = typeof timestamp === 'number' ? timestamp : typeof timestamp === 'string' && /^-?\d+$/.test(timestamp.trim()) ? Number(timestamp) : NaN;
  if (Number.isFinite(n)) return n;
  return typeof datetime === 'string' ? toolTimeMicros(datetime) : NaN;
}

function plasoEvent(get: (k: string) => unknown, keys: string[], input: SourceInput, at: { line: number; offset: number }, warn: Warn): TimelineEvent | null {
  const ts = timeOf(get('timestamp'), get('datetime'));
  if (Number.isNaN(ts)) {
    warn({ ...at, message: `no usable timestamp or datetime ("${String(get('datetime') ?? '').slice(0, 40)}"); row skipped` });
    return null;
  }
  const fields: Record<string, FieldValue> = { tool: 'plaso/Timesketch' };
  for (const k of keys) {
    if (RESERVED.has(k)) continue;
    const v = get(k);
    if (v === null || v === undefined || v === '') continue;
    fields[k] = typeof v === 'number' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  const host = HOST_KEYS.map((k) => get(k)).find((v): v is string => typeof v === 'string' && v !== '') ?? input.host;
  return {
    ts, tsDesc: String(get('timestamp_desc') || 'Event'), source: 'plaso', ...(host ? { host } : {}),
    message: String(get('message') ?? ''), fields, ref: { file: input.rel, line: at.line, offset: at.offset },
  };
}

export const parsePlasoJsonl = jsonLinesParser((o, l, input, warn) => plasoEvent((k) => o[k], Object.keys(o), input, l, warn));

export const parsePlasoCsv = headerCsvParser((row, input, warn) => plasoEvent((k) => row.get(k), [...row.columns], input, row, warn));
