// MFTECmd CSV (Eric Zimmerman) for $MFT and for $J (the USN journal).
// $MFT: one event per distinct time of a file's $STANDARD_INFORMATION (0x10) and of its $FILE_NAME (0x30)
// attribute, labelled MACB like mactime (M modified, A accessed, C record changed, B born). $J: one event per row.
import type { TimelineEvent } from '../../../../shared/types.ts';
import { headerCsvParser, rowFields, timeOrWarn, toolTimeMicros, type Row } from './header-csv.ts';
import type { SourceInput } from '../types.ts';

const MACB: Array<[string, string]> = [['M', 'LastModified'], ['A', 'LastAccess'], ['C', 'LastRecordChange'], ['B', 'Created']];

/** `.\inetpub\wwwroot` + `x.aspx` → `.\inetpub\wwwroot\x.aspx` (MFTECmd's `.` is the volume root). */
const joinPath = (parent: string, name: string): string => (parent ? `${parent.replace(/\\+$/, '')}\\${name}` : name);

/** Distinct times of one attribute with their MACB letters, in time order. */
function attributeTimes(row: Row, suffix: '0x10' | '0x30'): Array<{ ts: number; macb: string }> {
  const byTime = new Map<number, Set<string>>();
  for (const [letter, col] of MACB) {
    const v = row.get(`${col}${suffix}`);
    if (!v) continue;
    const ts = toolTimeMicros(v);
    if (Number.isNaN(ts)) continue;
    const set = byTime.get(ts) ?? new Set<string>();
    set.add(letter);
    byTime.set(ts, set);
  }
  return [...byTime].sort(([a], [b]) => a - b).map(([ts, set]) => ({ ts, macb: MACB.map(([l]) => (set.has(l) ? l : '.')).join('') }));
}

function mftEvents(row: Row, input: SourceInput): TimelineEvent[] {
  const path = joinPath(row.get('ParentPath'), row.get('FileName'));
  const fields = { ...rowFields(row, 'MFTECmd'), path };
  const size = row.get('FileSize');
  const out: TimelineEvent[] = [];
  for (const [attr, suffix] of [['$SI', '0x10'], ['$FN', '0x30']] as const) {
    for (const t of attributeTimes(row, suffix)) {
      out.push({
        ts: t.ts, tsDesc: `${attr} ${t.macb}`, source: 'mftecmd', ...(input.host ? { host: input.host } : {}),
        message: `${path} (${attr} ${t.macb}${size ? `, ${size} bytes` : ''}${row.get('InUse') === 'False' ? ', deleted' : ''})`,
        fields, ref: { file: input.rel, line: row.line, offset: row.offset },
      });
    }
  }
  return out;
}

export const parseMftECmdMft = headerCsvParser((row, input) => mftEvents(row, input));

export const parseMftECmdJ = headerCsvParser((row, input, warn) => {
  const ts = timeOrWarn(row.get('UpdateTimestamp'), 'UpdateTimestamp', row, warn);
  if (ts === null) return null;
  const path = joinPath(row.get('ParentPath'), row.get('Name'));
  return {
    ts, tsDesc: 'USN Journal', source: 'mftecmd', ...(input.host ? { host: input.host } : {}),
    message: `${path}: ${row.get('UpdateReasons') || '(no reason)'}`,
    fields: { ...rowFields(row, 'MFTECmd $J'), path }, ref: { file: input.rel, line: row.line, offset: row.offset },
  };
});
