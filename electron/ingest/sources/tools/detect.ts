// Recognises other tools' output by its header (first line), never by file name alone: EZ tools CSVs (EvtxECmd,
// MFTECmd $MFT and $J), KAPE logs, Hayabusa CSV/JSONL, Chainsaw JSON/JSONL/CSV, plaso/Timesketch JSONL/CSV, and
// generic timeline CSVs.
import type { FileKind } from '../../../../shared/types.ts';
import { splitCsvLine } from '../csv-line.ts';
import { TEXT_COLUMNS, TIME_COLUMNS } from './timeline-csv.ts';

const hasAll = (cols: Set<string>, names: string[]): boolean => names.every((n) => cols.has(n.toLowerCase()));

function csvKind(cols: Set<string>, name: string): FileKind | null {
  if (hasAll(cols, ['EventRecordId', 'TimeCreated', 'EventId', 'Provider', 'Channel'])) return 'evtxecmd-csv';
  if (hasAll(cols, ['EntryNumber', 'ParentPath', 'FileName', 'Created0x10'])) return 'mftecmd-mft-csv';
  if (hasAll(cols, ['Name', 'EntryNumber', 'UpdateTimestamp', 'UpdateReasons'])) return 'mftecmd-j-csv';
  if (hasAll(cols, ['CopiedTimestamp', 'SourceFile', 'DestinationFile'])) return 'kape-copy-log';
  if (hasAll(cols, ['Timestamp', 'RuleTitle', 'Level'])) return 'hayabusa-csv';
  if (hasAll(cols, ['message', 'timestamp_desc']) && (cols.has('datetime') || cols.has('timestamp'))) return 'plaso-csv';
  if (name.endsWith('.csv') && TIME_COLUMNS.some((c) => cols.has(c)) && TEXT_COLUMNS.some((c) => cols.has(c))) return 'timeline-csv';
  return null;
}

/** Chainsaw `hunt --json`/`--jsonl`: detections with a rule group and an individual or aggregate document. */
function isChainsawJson(text: string): boolean {
  const t = text.trimStart();
  return (t.startsWith('[') || t.startsWith('{')) && /^\[?\s*\{\s*"group"\s*:\s*"/.test(t)
    && /"kind"\s*:\s*"(individual|aggregate)"\s*,\s*"documents?"\s*:/.test(t);
}

/** The kind of another tool's output from the file name (lower-case) and its first decoded text, or null. */
export function toolKind(name: string, text: string): FileKind | null {
  const first = text.slice(0, text.search(/\r?\n|$/));
  if (isChainsawJson(text)) return 'chainsaw-json';
  if (first.startsWith('{')) {
    if (/"Timestamp"\s*:/.test(first) && /"RuleTitle"\s*:/.test(first)) return 'hayabusa-jsonl';
    if (/"message"\s*:/.test(first) && /"timestamp_desc"\s*:/.test(first) && /"(datetime|timestamp)"\s*:/.test(first)) return 'plaso-jsonl';
    return null;
  }
  if (name.endsWith('_consolelog.txt') && /^KAPE version /im.test(text)) return 'kape-console-log';
  if (!first.includes(',')) return null;
  const cols = splitCsvLine(first);
  if (cols && cols[0]?.trim() === 'timestamp' && cols[1]?.trim() === 'detections') return 'chainsaw-csv'; // Chainsaw's first two columns
  return cols ? csvKind(new Set(cols.map((c) => c.trim().toLowerCase())), name) : null;
}
