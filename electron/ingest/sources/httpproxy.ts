// Exchange HttpProxy log parser (EP\Logging\HttpProxy\<Protocol>\HttpProxy_*.LOG, CSV). Column order comes from the
// file: a plain `DateTime,RequestId,…` header line and/or a `#Fields:` directive. DateTime is UTC.
import type { FieldValue, TimelineEvent } from '../../../shared/types.ts';
import { isoToMicros } from '../../../shared/types.ts';
import { exchangeCsvParser, type CsvRecord } from './exchange-csv.ts';
import { HTTPPROXY_TEMPLATE, renderMessage, renderMessageAt, templatePositions } from './message-templates.ts';
import { LineEvent, PackedEvent, positionMap, positionsOf, textColumns } from './packed.ts';
import type { Parser, SourceInput } from './types.ts';
import { isoUtcMicros, numberIn, type Warn } from './util.ts';

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
  return renderMessage(HTTPPROXY_TEMPLATE, (n) => f[n] ?? null);
}

/** The columns the parser itself reads. */
const NAMED = ['DateTime', 'ServerHostName'] as const;
type Named = (typeof NAMED)[number];

/** A header compiled once: the event's field names (the columns, plus Protocol from the folder when absent). */
interface ProxyLayout {
  names: string[]; numericAt: number[]; at: Record<Named, number>; msgAt: Int32Array; addProtocol: boolean;
  /** Per column: 1 numeric, 2 read as text by the row (made a string), 0 left in the line. */
  kind: Uint8Array;
}

const compiled = new WeakMap<string[], { withProtocol?: ProxyLayout; plain?: ProxyLayout }>();

function layoutFor(columns: string[], protocol: string | null): ProxyLayout {
  let c = compiled.get(columns);
  if (!c) compiled.set(columns, (c = {}));
  const addProtocol = protocol !== null && !columns.includes('Protocol');
  const key = addProtocol ? 'withProtocol' : 'plain';
  let l = c[key];
  if (!l) {
    const names = addProtocol ? [...columns, 'Protocol'] : columns;
    const msgAt = templatePositions(HTTPPROXY_TEMPLATE, positionMap(names));
    const numericAt = columns.flatMap((n, i) => (NUMERIC_COLUMNS.has(n) ? [i] : []));
    const text = textColumns(names, 'httpproxy', HTTPPROXY_TEMPLATE);
    const kind = Uint8Array.from(columns, (n, i) => (NUMERIC_COLUMNS.has(n) ? 1 : text[i] ? 2 : 0));
    l = c[key] = { names, numericAt, at: positionsOf(names, NAMED), msgAt, addProtocol, kind };
  }
  return l;
}

/** The record's fields as the event's values (converted in place): numbers where a numeric column holds one, then Protocol. */
function recordValues(r: CsvRecord, l: ProxyLayout, protocol: string | null): FieldValue[] {
  const values: FieldValue[] = r.values!;
  for (const i of l.numericAt) {
    const raw = values[i];
    if (raw === null) continue;
    const n = Number(raw);
    if (Number.isFinite(n)) values[i] = n;
  }
  if (l.addProtocol) values[r.columns.length] = protocol;
  return values;
}

/** The same values from a record's spans, the columns no row reads as text left in the line (undefined). */
function spanValues(r: CsvRecord, l: ProxyLayout, protocol: string | null): (FieldValue | undefined)[] {
  const { text, at } = r;
  const spans = r.spans!;
  const n = r.columns.length;
  const values: (FieldValue | undefined)[] = new Array(l.names.length);
  for (let i = 0; i < n; i++) {
    const from = spans[at + 2 * i];
    const to = spans[at + 2 * i + 1];
    const k = l.kind[i];
    values[i] = from === to ? null : k === 1 ? numberIn(text, from, to) : k === 2 ? text.slice(from, to) : undefined;
  }
  if (l.addProtocol) values[n] = protocol;
  return values;
}

function toEvent(r: CsvRecord, input: SourceInput, protocol: string | null, warn: Warn): TimelineEvent | null {
  const l = layoutFor(r.columns, protocol);
  const values = r.spans ? spanValues(r, l, protocol) : recordValues(r, l, protocol);
  const dt = l.at.DateTime >= 0 ? values[l.at.DateTime] : null;
  const ts = typeof dt === 'string' ? exchangeTimeMicros(dt) : NaN;
  if (Number.isNaN(ts)) {
    warn({ line: r.line, offset: r.offset, message: `DateTime "${dt ?? ''}" is not an ISO-8601 UTC time; line skipped` });
    return null;
  }
  const server = l.at.ServerHostName >= 0 ? values[l.at.ServerHostName] : null;
  const host = (typeof server === 'string' ? server : null) ?? input.host;
  const message = renderMessageAt(HTTPPROXY_TEMPLATE, values as FieldValue[], l.msgAt);
  const ref = { file: input.rel, line: r.line, offset: r.offset };
  const ev = r.spans
    ? new LineEvent(ts, 'Request', 'httpproxy', message, ref, l.names, values, HTTPPROXY_TEMPLATE, r.text, r.spans, r.at)
    : new PackedEvent(ts, 'Request', 'httpproxy', message, ref, l.names, values as FieldValue[], HTTPPROXY_TEMPLATE);
  if (host != null) ev.host = host;
  return ev;
}

/** The last file's protocol folder: every line of a file has the same one (splitting the path per line showed in profiles). */
let lastRel = '';
let lastProtocol: string | null = null;
function protocolOf(rel: string): string | null {
  if (rel !== lastRel) { lastRel = rel; lastProtocol = protocolFromPath(rel); }
  return lastProtocol;
}

/** The HttpProxy parser; with `spans` false every field becomes a string first (the reference the tests hold the span path to). */
export const httpProxyParser = (spans: boolean): Parser =>
  exchangeCsvParser('DateTime', (r, input, warn) => toEvent(r, input, protocolOf(input.rel), warn), spans);

export const parseHttpProxy: Parser = httpProxyParser(true);
