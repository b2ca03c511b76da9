// Exchange HttpProxy log parser (EP\Logging\HttpProxy\<Protocol>\HttpProxy_*.LOG, CSV). Column order comes from the
// file: a plain `DateTime,RequestId,…` header line and/or a `#Fields:` directive. DateTime is UTC.
import type { FieldValue, TimelineEvent } from '../../../shared/types.ts';
import { isoToMicros } from '../../../shared/types.ts';
import { exchangeCsvParser, type CsvRecord } from './exchange-csv.ts';
import type { Parser, SourceInput } from './types.ts';
import { isoUtcMicros, type Warn } from './util.ts';

const NUMERIC_COLUMNS = new Set(['HttpStatus', 'BackEndStatus', 'RequestBytes', 'ResponseBytes', 'MajorVersion', 'MinorVersion', 'BuildVersion', 'RevisionVersion']);

/** The protocol folder (Ecp, Owa, Autodiscover, …): the parent folder of the log file, or null. */
export function protocolFromPath(rel: string): string | null {
  const parts = rel.split('/');
  return parts.length >= 2 ? parts[parts.length - 2] : null;
}

/** ISO UTC → microseconds: the fast path for Exchange's fixed format, the general one otherwise. */
export function exchangeTimeMicros(s: string): number {
  const fast = isoUtcMicros(s);
  return Number.isNaN(fast) ? isoToMicros(s) : fast;
}

export function httpProxyMessage(f: Record<string, FieldValue>): string {
  const query = f.UrlQuery != null ? (String(f.UrlQuery).startsWith('?') ? f.UrlQuery : `?${f.UrlQuery}`) : '';
  const anchor = f.AnchorMailbox != null ? ` anchor=${f.AnchorMailbox}` : '';
  const ua = f.UserAgent != null ? ` [${f.UserAgent}]` : '';
  return `${f.Method ?? '-'} ${f.UrlHost ?? ''}${f.UrlStem ?? '-'}${query} → ${f.HttpStatus ?? '-'} from ${f.ClientIpAddress ?? '-'}${anchor}${ua}`;
}

/** Numeric flags per header, computed once per header array (a file has one or two). */
const numericFlags = new WeakMap<string[], boolean[]>();

function flagsFor(columns: string[]): boolean[] {
  let flags = numericFlags.get(columns);
  if (!flags) numericFlags.set(columns, (flags = columns.map((c) => NUMERIC_COLUMNS.has(c))));
  return flags;
}

function recordFields(r: CsvRecord): Record<string, FieldValue> {
  const numeric = flagsFor(r.columns);
  const fields: Record<string, FieldValue> = {};
  for (let i = 0; i < r.columns.length; i++) {
    const raw = r.values[i];
    if (raw === '') fields[r.columns[i]] = null;
    else if (numeric[i] && Number.isFinite(Number(raw))) fields[r.columns[i]] = Number(raw);
    else fields[r.columns[i]] = raw;
  }
  return fields;
}

function toEvent(r: CsvRecord, input: SourceInput, protocol: string | null, warn: Warn): TimelineEvent | null {
  const fields = recordFields(r);
  const dt = fields.DateTime;
  const ts = typeof dt === 'string' ? exchangeTimeMicros(dt) : NaN;
  if (Number.isNaN(ts)) {
    warn({ line: r.line, offset: r.offset, message: `DateTime "${dt ?? ''}" is not an ISO-8601 UTC time; line skipped` });
    return null;
  }
  if (!('Protocol' in fields) && protocol !== null) fields.Protocol = protocol;
  const host = (typeof fields.ServerHostName === 'string' ? fields.ServerHostName : null) ?? input.host;
  const ev: TimelineEvent = {
    ts, tsDesc: 'Request', source: 'httpproxy', message: httpProxyMessage(fields), fields,
    ref: { file: input.rel, line: r.line, offset: r.offset },
  };
  if (host != null) ev.host = host;
  return ev;
}

export const parseHttpProxy: Parser = exchangeCsvParser('DateTime', (r, input, warn) => toEvent(r, input, protocolFromPath(input.rel), warn));
