// Reads indicator lists: CSV/TXT (a column per type, or indicator+type columns, or one bare value a line),
// STIX 2.1 bundles (indicator patterns) and MISP event JSON. Unknown types are counted, not fatal.
import { parse } from 'csv-parse/sync';

export type IocType = 'sha256' | 'sha1' | 'md5' | 'ip' | 'path' | 'user-agent' | 'domain' | 'url';
export interface Indicator {
  type: IocType;
  value: string;
  note?: string;
  /** A path IOC that is also a stock Exchange file: a path match alone proves nothing. */
  legitimateExchangeFile?: boolean;
}
export type IocFormat = 'csv' | 'txt' | 'stix' | 'misp' | 'loupe';
export interface IocParseResult { format: IocFormat; indicators: Indicator[]; skipped: number }

const TYPE_ALIASES: Record<string, IocType> = {
  sha256: 'sha256', 'sha-256': 'sha256', 'filehash-sha256': 'sha256', hash_sha256: 'sha256',
  sha1: 'sha1', 'sha-1': 'sha1', 'filehash-sha1': 'sha1',
  md5: 'md5', 'filehash-md5': 'md5',
  ip: 'ip', ipv4: 'ip', ipv6: 'ip', 'ipv4-addr': 'ip', 'ipv6-addr': 'ip', 'ip-src': 'ip', 'ip-dst': 'ip', ipaddress: 'ip', 'ip address': 'ip', ipv4address: 'ip',
  path: 'path', filepath: 'path', 'file path': 'path', 'file-path': 'path', filename: 'path',
  'user-agent': 'user-agent', useragent: 'user-agent', 'user agent': 'user-agent', ua: 'user-agent',
  domain: 'domain', domainname: 'domain', 'domain-name': 'domain', hostname: 'domain', fqdn: 'domain',
  url: 'url', uri: 'url',
};

export function normalizeType(t: string): IocType | null {
  return TYPE_ALIASES[t.trim().toLowerCase()] ?? null;
}

const IPV4_RE = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const IPV6_RE = /^[0-9a-f:]+:[0-9a-f:.]*$/i;

/** Guesses the type of a bare value (TXT lists): hashes by length, IPs, Windows paths, domains. */
export function inferType(v: string): IocType | null {
  if (/^[0-9a-f]{64}$/i.test(v)) return 'sha256';
  if (/^[0-9a-f]{40}$/i.test(v)) return 'sha1';
  if (/^[0-9a-f]{32}$/i.test(v)) return 'md5';
  if (IPV4_RE.test(v) || IPV6_RE.test(v)) return 'ip';
  if (/^[a-z]:\\|^\\\\|%\w+%\\/i.test(v)) return 'path';
  if (/^https?:\/\//i.test(v)) return 'url';
  if (/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/i.test(v)) return 'domain';
  return null;
}

/** Canonical form for matching: hashes lower-case, paths as given (matched case-insensitively), IPs trimmed. */
export function canonical(type: IocType, value: string): string {
  const v = value.trim();
  return type === 'sha256' || type === 'sha1' || type === 'md5' || type === 'domain' ? v.toLowerCase() : v;
}

function push(out: Indicator[], type: IocType | null, value: unknown, note?: string): boolean {
  if (!type || typeof value !== 'string' || !value.trim()) return false;
  out.push({ type, value: canonical(type, value), ...(note ? { note } : {}) });
  return true;
}

export function parseCsvIocs(text: string): IocParseResult {
  const rows = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true, comment: '#', trim: true }) as string[][];
  const out: Indicator[] = [];
  let skipped = 0;
  if (!rows.length) return { format: 'csv', indicators: out, skipped };
  const header = rows[0].map((h) => h.toLowerCase());
  const valueCol = header.findIndex((h) => ['indicator', 'value', 'ioc', 'observable'].includes(h));
  const typeCol = header.findIndex((h) => ['type', 'indicatortype', 'indicator_type', 'ioc_type', 'category'].includes(h));
  const typedCols = header.map((h) => normalizeType(h));
  if (valueCol >= 0 && typeCol >= 0) {
    for (const r of rows.slice(1)) if (!push(out, normalizeType(r[typeCol] ?? '') ?? inferType(r[valueCol] ?? ''), r[valueCol])) skipped++;
  } else if (typedCols.some((t) => t !== null)) {
    for (const r of rows.slice(1)) r.forEach((v, i) => { if (typedCols[i] && v) push(out, typedCols[i], v); });
  } else {
    for (const r of rows) if (!push(out, inferType(r[0] ?? ''), r[0])) skipped++;
  }
  return { format: 'csv', indicators: out, skipped };
}

export function parseTxtIocs(text: string): IocParseResult {
  const out: Indicator[] = [];
  let skipped = 0;
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('//')) continue;
    if (!push(out, inferType(line), line)) skipped++;
  }
  return { format: 'txt', indicators: out, skipped };
}

const STIX_TERM_RE = /([a-z0-9-]+):([A-Za-z0-9_.'\- ]+?)\s*=\s*'((?:[^'\\]|\\.)*)'/g;

/** One STIX comparison (object path = value) → indicator type, or null when Loupe cannot match it. */
export function stixPathType(object: string, prop: string): IocType | null {
  const p = prop.replace(/\s+/g, '').toLowerCase();
  if (object === 'file' && p.startsWith('hashes.')) {
    const h = p.slice('hashes.'.length).replace(/'/g, '');
    return normalizeType(h);
  }
  if ((object === 'ipv4-addr' || object === 'ipv6-addr') && p === 'value') return 'ip';
  if (object === 'domain-name' && p === 'value') return 'domain';
  if (object === 'url' && p === 'value') return 'url';
  if (object === 'directory' && p === 'path') return 'path';
  if (object === 'network-traffic' && p.endsWith(".request_header.'user-agent'")) return 'user-agent';
  return null;
}

export function parseStixPattern(pattern: string): Indicator[] {
  const out: Indicator[] = [];
  for (const m of pattern.matchAll(STIX_TERM_RE)) {
    push(out, stixPathType(m[1], m[2]), m[3].replace(/\\(.)/g, '$1'));
  }
  return out;
}

export function parseStixBundle(doc: { objects?: unknown[] }): IocParseResult {
  const out: Indicator[] = [];
  let skipped = 0;
  for (const o of doc.objects ?? []) {
    const obj = o as { type?: string; pattern?: string; pattern_type?: string; name?: string };
    if (obj.type !== 'indicator' || typeof obj.pattern !== 'string') continue;
    if (obj.pattern_type && obj.pattern_type !== 'stix') { skipped++; continue; }
    const found = parseStixPattern(obj.pattern).map((i) => ({ ...i, ...(obj.name ? { note: obj.name } : {}) }));
    if (found.length) out.push(...found); else skipped++;
  }
  return { format: 'stix', indicators: out, skipped };
}

interface MispAttribute { type?: string; value?: string; comment?: string }
interface MispEvent { info?: string; Attribute?: MispAttribute[]; Object?: Array<{ Attribute?: MispAttribute[] }> }

/** A MISP attribute → indicators; composite types (`filename|sha256`, `ip-dst|port`) are split. */
export function mispAttribute(a: MispAttribute): Indicator[] {
  const out: Indicator[] = [];
  const type = (a.type ?? '').toLowerCase();
  const value = a.value ?? '';
  const parts = type.split('|');
  const values = parts.length > 1 ? value.split('|') : [value];
  parts.forEach((t, i) => {
    const v = values[i];
    if (!v) return;
    if (t === 'port') return;
    if (t === 'filename') { if (/[\\/]/.test(v)) push(out, 'path', v, a.comment); return; }
    push(out, normalizeType(t), v, a.comment);
  });
  return out;
}

export function parseMispEvent(doc: unknown): IocParseResult {
  const events: MispEvent[] = [];
  const collect = (d: unknown): void => {
    if (Array.isArray(d)) { d.forEach(collect); return; }
    if (!d || typeof d !== 'object') return;
    const o = d as { Event?: MispEvent; response?: unknown };
    if (o.Event) events.push(o.Event);
    if (o.response) collect(o.response);
  };
  collect(doc);
  const out: Indicator[] = [];
  let skipped = 0;
  for (const e of events) {
    const attrs = [...(e.Attribute ?? []), ...(e.Object ?? []).flatMap((o) => o.Attribute ?? [])];
    for (const a of attrs) {
      const found = mispAttribute(a);
      if (found.length) out.push(...found); else skipped++;
    }
  }
  return { format: 'misp', indicators: out, skipped };
}

/** Loupe's bundled pack format: `{ indicators: [{type, value, ...}] }`. */
export function parseLoupePack(doc: { indicators?: Array<{ type?: string; value?: string; note?: string; legitimateExchangeFile?: boolean }> }): IocParseResult {
  const out: Indicator[] = [];
  let skipped = 0;
  for (const i of doc.indicators ?? []) {
    if (!push(out, normalizeType(i.type ?? ''), i.value, i.note)) { skipped++; continue; }
    if (i.legitimateExchangeFile) out[out.length - 1].legitimateExchangeFile = true;
  }
  return { format: 'loupe', indicators: out, skipped };
}

/** Picks the reader by content: JSON (STIX bundle, MISP event, Loupe pack) or text (CSV with header, else TXT). */
export function parseIocText(text: string, fileName = ''): IocParseResult {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const doc = JSON.parse(trimmed) as Record<string, unknown>;
    if (doc && doc.type === 'bundle') return parseStixBundle(doc as { objects?: unknown[] });
    if (doc && Array.isArray(doc.indicators)) return parseLoupePack(doc as never);
    return parseMispEvent(doc);
  }
  const firstLine = trimmed.split(/\r?\n/, 1)[0] ?? '';
  if (/\.csv$/i.test(fileName) || (firstLine.includes(',') && /[a-z]/i.test(firstLine) && !inferType(firstLine))) return parseCsvIocs(text);
  return parseTxtIocs(text);
}
