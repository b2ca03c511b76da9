// A generic timeline CSV as Timeline Explorer opens it (and as Loupe's own CSV export writes it): a time column
// (`Timestamp (UTC)`, `Timestamp`, `DateTime`, `Date/Time`, `TimeCreated`…) and a text column (`Message`,
// `Description`, `Long Description`, `Short Description`, `Summary`, `Details`). Other columns are kept as fields.
import { headerCsvParser, rowFields, timeOrWarn, type Row } from './header-csv.ts';

export const TIME_COLUMNS = ['timestamp (utc)', 'timestamp', 'datetime', 'date/time', 'date time', 'timecreated', 'time (utc)', 'time'];
export const TEXT_COLUMNS = ['message', 'long description', 'description', 'short description', 'summary', 'details', 'desc'];
const DESC_COLUMNS = ['timestamp description', 'timestamp_desc', 'type', 'macb', 'description'];
const HOST_COLUMNS = ['host', 'hostname', 'computer', 'computer name', 'system name'];

const pick = (row: Row, names: string[]): string | null => {
  const lower = row.columns.map((c) => c.toLowerCase());
  const i = names.map((n) => lower.indexOf(n)).find((x) => x >= 0);
  return i === undefined ? null : row.columns[i];
};

export const parseTimelineCsv = headerCsvParser((row, input, warn) => {
  const timeCol = pick(row, TIME_COLUMNS)!;
  const ts = timeOrWarn(row.get(timeCol), timeCol, row, warn);
  if (ts === null) return null;
  const textCol = pick(row, TEXT_COLUMNS);
  const descCol = pick(row, DESC_COLUMNS.filter((d) => d !== textCol?.toLowerCase()));
  const hostCol = pick(row, HOST_COLUMNS);
  const host = (hostCol && row.get(hostCol)) || input.host;
  return {
    ts, tsDesc: (descCol && row.get(descCol)) || 'Event', source: 'timeline-csv', ...(host ? { host } : {}),
    message: textCol ? row.get(textCol) : row.values.join(' '),
    fields: rowFields(row, 'Timeline CSV', new Set([timeCol])), ref: { file: input.rel, line: row.line, offset: row.offset },
  };
});
