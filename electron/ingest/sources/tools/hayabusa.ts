// Hayabusa timelines (CSV and JSONL, `csv-timeline` / `json-timeline`): each alert is an event tagged with its rule
// title and level (fields RuleTitle, Level) — Hayabusa's verdicts, kept as data, not turned into Loupe findings.
import type { FieldValue, TimelineEvent } from '../../../../shared/types.ts';
import type { TextLine } from '../../lines.ts';
import type { SourceInput } from '../types.ts';
import type { Warn } from '../util.ts';
import { headerCsvParser, jsonFieldText, jsonLinesParser, num, timeOrWarn } from './header-csv.ts';

/** Hayabusa's short level names → Sigma's. */
const LEVELS: Record<string, string> = { crit: 'critical', med: 'medium', info: 'informational', emer: 'emergency' };
export const hayabusaLevel = (s: string): string => LEVELS[s.trim().toLowerCase()] ?? s.trim().toLowerCase();

function hayabusaEvent(f: Record<string, FieldValue>, details: string, ts: number, input: SourceInput, at: { line: number; offset: number }): TimelineEvent {
  const host = typeof f.Computer === 'string' && f.Computer ? f.Computer : input.host;
  return {
    ts, tsDesc: 'Hayabusa Alert', source: 'hayabusa', ...(host ? { host } : {}),
    message: `[${f.Level ?? '?'}] ${f.RuleTitle ?? '?'}${details ? ` — ${details}` : ''}`.slice(0, 1000),
    fields: f, ref: { file: input.rel, line: at.line, offset: at.offset },
  };
}

export const parseHayabusaCsv = headerCsvParser((row, input, warn) => {
  const ts = timeOrWarn(row.get('Timestamp'), 'Timestamp', row, warn);
  if (ts === null) return null;
  const f: Record<string, FieldValue> = { tool: 'Hayabusa' };
  row.columns.forEach((c, i) => { if (row.values[i] !== '') f[c] = row.values[i]; });
  if (typeof f.Level === 'string') f.Level = hayabusaLevel(f.Level);
  for (const k of ['EventID', 'RecordID']) if (typeof f[k] === 'string') f[k] = num(f[k] as string) ?? f[k];
  return hayabusaEvent(f, row.get('Details'), ts, input, row);
});

/** A JSON value as field text (objects are flattened one level into `Name.key` fields by the caller). */
const text = jsonFieldText;

export const parseHayabusaJsonl = jsonLinesParser((o: Record<string, unknown>, l: TextLine, input: SourceInput, warn: Warn) => {
  const ts = timeOrWarn(String(o.Timestamp ?? ''), 'Timestamp', l, warn);
  if (ts === null) return null;
  const f: Record<string, FieldValue> = { tool: 'Hayabusa' };
  const details: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [kk, vv] of Object.entries(v)) {
        f[`${k}.${kk}`] = text(vv);
        if (k === 'Details') details.push(`${kk}: ${text(vv)}`);
      }
    } else f[k] = text(v);
  }
  if (typeof f.Level === 'string') f.Level = hayabusaLevel(f.Level);
  return hayabusaEvent(f, typeof o.Details === 'string' ? o.Details : details.join(' ¦ '), ts, input, l);
});
