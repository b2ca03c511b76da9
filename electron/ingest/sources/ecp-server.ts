// Exchange ECP Server log parser (EP\Logging\ECP\Server\*.LOG): `#Fields: TimeStamp,ServerName,EventId,EventData`,
// CSV with a quoted EventData holding doubled quotes (e.g. `S:CMD=Set-OabVirtualDirectory.ExternalUrl=''http://f/<script…>''`).
import type { FieldValue, TimelineEvent } from '../../../shared/types.ts';
import { exchangeCsvParser, type CsvRecord } from './exchange-csv.ts';
import { exchangeTimeMicros } from './httpproxy.ts';
import type { Parser, SourceInput } from './types.ts';
import type { Warn } from './util.ts';

/** Message text is capped: EventData can be kilobytes of attacker-supplied script; the full text stays in fields. */
const MESSAGE_MAX = 1000;

function toEvent(r: CsvRecord, input: SourceInput, warn: Warn): TimelineEvent | null {
  const fields: Record<string, FieldValue> = {};
  for (let i = 0; i < r.columns.length; i++) fields[r.columns[i]] = r.values[i] === '' ? null : r.values[i];
  const stamp = fields.TimeStamp;
  const ts = typeof stamp === 'string' ? exchangeTimeMicros(stamp) : NaN;
  if (Number.isNaN(ts)) {
    warn({ line: r.line, offset: r.offset, message: `TimeStamp "${stamp ?? ''}" is not an ISO-8601 UTC time; line skipped` });
    return null;
  }
  const data = fields.EventData ?? '';
  const text = `${fields.EventId ?? 'ECP'}: ${data}`;
  const host = (typeof fields.ServerName === 'string' ? fields.ServerName : null) ?? input.host;
  const ev: TimelineEvent = {
    ts, tsDesc: 'Logged', source: 'ecp-server',
    message: text.length > MESSAGE_MAX ? text.slice(0, MESSAGE_MAX) + '…' : text,
    fields, ref: { file: input.rel, line: r.line, offset: r.offset },
  };
  if (host != null) ev.host = host;
  return ev;
}

export const parseEcpServer: Parser = exchangeCsvParser('TimeStamp', toEvent);
