// KAPE's collection logs, for the chain of custody: the copy log (`*_CopyLog.csv`, one row per copied file with its
// SHA-1 and original times) and the console log (`*_ConsoleLog.txt`, what was run, where, by whom, how it ended).
import type { FieldValue, TimelineEvent } from '../../../../shared/types.ts';
import type { Parser } from '../types.ts';
import { parseLinesWith } from '../util.ts';
import { headerCsvParser, rowFields, timeOrWarn, toolTimeMicros } from './header-csv.ts';

export const parseKapeCopyLog = headerCsvParser((row, input, warn) => {
  const ts = timeOrWarn(row.get('CopiedTimestamp'), 'CopiedTimestamp', row, warn);
  if (ts === null) return null;
  const size = row.get('FileSize');
  const sha1 = row.get('SourceFileSha1');
  return {
    ts, tsDesc: 'Collected (KAPE)', source: 'kape', ...(input.host ? { host: input.host } : {}),
    message: `KAPE copied ${row.get('SourceFile')} → ${row.get('DestinationFile')}${size ? ` (${size} bytes` : ' ('}${sha1 ? `, SHA-1 ${sha1})` : ')'}`,
    fields: rowFields(row, 'KAPE'), ref: { file: input.rel, line: row.line, offset: row.offset },
  };
});

/** `2023-05-04T11_51_06_5397121_ConsoleLog.txt` → the run's start (KAPE names its logs after it, in UTC). */
export function kapeRunStart(rel: string): number {
  const m = /(\d{4}-\d\d-\d\d)T(\d\d)_(\d\d)_(\d\d)_(\d{1,7})_[^/]*$/.exec(rel);
  return m ? toolTimeMicros(`${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`) : NaN;
}

/** Facts of a console-log line worth a field of their own. */
const FACTS: Array<[RegExp, string]> = [
  [/^KAPE version ([\d.]+)/i, 'kapeVersion'],
  [/^Command line:\s*(.+)$/i, 'commandLine'],
  [/Machine name:\s*([^,]+)/i, 'machine'],
  [/User:\s*([^,]+?)(?:\s+OS:|,|$)/i, 'user'],
  [/OS:\s*(.+)$/i, 'os'],
  [/^KAPE directory:\s*(.+)$/i, 'kapeDirectory'],
  [/^Total execution time:\s*([\d.,]+)/i, 'executionSeconds'],
  [/Copied ([\d,]+) .*?out of ([\d,]+) files/i, 'copied'],
];

/** A line's own time, when it starts with one (`2021-03-08 10:00:01.123 …` or `[2021-03-08 10:00:01 | INF]`). */
const LINE_TIME = /^\[?(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?)/;

export const parseKapeConsoleLog: Parser = (input, ctx) => parseLinesWith(input, ctx, (warn) => {
  let ts = kapeRunStart(input.rel);
  if (Number.isNaN(ts)) warn({ line: 1, message: 'the file name carries no KAPE run time (…T11_51_06_5397121_ConsoleLog.txt); lines without their own time are skipped' });
  let host = input.host;
  return {
    line(l): TimelineEvent | null {
      const t = l.text.trim();
      if (!t) return null;
      const own = LINE_TIME.exec(t);
      if (own) ts = toolTimeMicros(own[1]);
      if (Number.isNaN(ts)) return null;
      const fields: Record<string, FieldValue> = { tool: 'KAPE' };
      for (const [re, name] of FACTS) {
        const m = re.exec(t);
        if (m) fields[name] = name === 'copied' ? `${m[1]} of ${m[2]}` : m[1].trim();
      }
      if (typeof fields.machine === 'string') host = fields.machine;
      return {
        ts, tsDesc: 'KAPE Console', source: 'kape', ...(host ? { host } : {}), message: t.slice(0, 1000), fields,
        ref: { file: input.rel, line: l.line, offset: l.offset },
      };
    },
  };
});
