// Exchange ECP Server log parser (EP\Logging\ECP\Server\*.LOG): `#Fields: TimeStamp,ServerName,EventId,EventData`,
// CSV with a quoted EventData holding doubled quotes (e.g. `S:CMD=Set-OabVirtualDirectory.ExternalUrl=''http://f/<script…>''`).
import type { FieldValue, TimelineEvent } from '../../../shared/types.ts';
import { exchangeCsvParser, type CsvRecord } from './exchange-csv.ts';
import { exchangeTimeMicros } from './httpproxy.ts';
import type { Parser, SourceInput } from './types.ts';
import type { Warn } from './util.ts';

/** Message text is capped: EventData can be kilobytes of attacker-supplied script; the full text stays in fields. */
const MESSAGE_MAX = 1000;

/** `S:NAME=value` pairs of EventData; a value runs to the next `;S:NAME=` (a script in a parameter may hold ";"). */
export function ecpPairs(data: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /(?:^|;)S:([A-Za-z]+)=/g;
  const marks: Array<{ name: string; start: number; end: number }> = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(data))) marks.push({ name: m[1], start: m.index, end: m.index + m[0].length });
  marks.forEach((k, i) => { if (!out.has(k.name)) out.set(k.name, data.slice(k.end, marks[i + 1]?.start ?? data.length)); });
  return out;
}

/** `Set-OabVirtualDirectory.ExternalUrl=''x''.Identity=''y''` → `Set-OabVirtualDirectory -ExternalUrl 'x' -Identity 'y'`. */
export function ecpCommandLine(cmd: string): string {
  const head = /^([A-Za-z]+-[A-Za-z0-9]+)/.exec(cmd);
  if (!head) return cmd;
  const parts = [head[1]];
  let rest = cmd.slice(head[1].length);
  while (rest.startsWith('.')) {
    const p = /^\.([A-Za-z][A-Za-z0-9]*)=/.exec(rest);
    if (!p) break;
    rest = rest.slice(p[0].length);
    let value: string;
    if (rest.startsWith("''")) {
      // Quoted: up to the closing '' that ends the value (followed by the next .Name= or the end).
      const close = /''(?=\.[A-Za-z][A-Za-z0-9]*=|$)/.exec(rest.slice(2));
      const end = close ? close.index + 2 : rest.length;
      value = `'${rest.slice(2, end)}'`;
      rest = rest.slice(close ? end + 2 : end);
    } else {
      const next = /\.[A-Za-z][A-Za-z0-9]*=/.exec(rest);
      value = rest.slice(0, next ? next.index : rest.length);
      rest = rest.slice(value.length);
    }
    parts.push(`-${p[1]} ${value}`);
  }
  if (rest) parts.push(rest);
  return parts.join(' ');
}

/** What an ECP log line says happened: the cmdlet with its parameters, who ran it and the URL; else the raw data. */
export function ecpMessage(eventId: string, data: string): string {
  const pairs = ecpPairs(data);
  const cmd = pairs.get('CMD');
  if (!cmd) return `${eventId}: ${data}`;
  const who = /<PII>(.*?)<\/PII>/.exec(pairs.get('PSA') ?? '')?.[1] ?? pairs.get('PSA') ?? '';
  const url = (pairs.get('URL') ?? '').split('?')[0];
  const err = pairs.get('EX') ?? '';
  return `${eventId}: ${ecpCommandLine(cmd)}${who ? ` by ${who}` : ''}${url ? ` (${url})` : ''}${err ? ` — error ${err}` : ''}`;
}

function toEvent(r: CsvRecord, input: SourceInput, warn: Warn): TimelineEvent | null {
  const fields: Record<string, FieldValue> = {};
  for (let i = 0; i < r.columns.length; i++) fields[r.columns[i]] = r.values![i];
  const stamp = fields.TimeStamp;
  const ts = typeof stamp === 'string' ? exchangeTimeMicros(stamp) : NaN;
  if (Number.isNaN(ts)) {
    warn({ line: r.line, offset: r.offset, message: `TimeStamp "${stamp ?? ''}" is not an ISO-8601 UTC time; line skipped` });
    return null;
  }
  const text = ecpMessage(String(fields.EventId ?? 'ECP'), String(fields.EventData ?? ''));
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
