// Classifies an evidence file by its path and first bytes, deciding which parser (if any) reads it.
// Order: empty → magic numbers → web-script extension → binary content → log formats (path and header) → text.
// A file whose content is binary is `binary` even when its path says log (so a binary `u_ex*.log` is never parsed).
import type { FileKind } from '../../shared/types.ts';
import { detectBom } from './lines.ts';
import { ACCESS_LINE } from './sources/access-log.ts';
import { splitBodyfileLine } from './sources/bodyfile.ts';
import { toolKind } from './sources/tools/detect.ts';

/** How many leading bytes classification looks at; callers should pass at least this many when available. */
export const CLASSIFY_HEAD_BYTES = 8192;

const WEB_SCRIPT_EXT = new Set(['.aspx', '.ashx', '.asmx', '.asp', '.asax', '.config', '.js']);

function startsWithBytes(head: Uint8Array, magic: readonly number[]): boolean {
  if (head.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[i] !== magic[i]) return false;
  return true;
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

const MAGIC: readonly { kind: FileKind; bytes: readonly number[] }[] = [
  { kind: 'evtx', bytes: ascii('ElfFile\0') },
  // A carved chunk with no file header still parses (the EVTX reader handles headerless chunks).
  { kind: 'evtx', bytes: ascii('ElfChnk\0') },
  { kind: 'minidump', bytes: ascii('MDMP') },
  { kind: 'archive', bytes: [0x50, 0x4b, 0x03, 0x04] },
  { kind: 'archive', bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c] },
  { kind: 'archive', bytes: ascii('Rar!') },
  { kind: 'pe', bytes: ascii('MZ') },
];

/**
 * True when the bytes look binary: more than 5% control bytes other than tab, line feeds, form feed and escape.
 * A ratio, not "any NUL": real text logs carry a few hostile bytes (NULs, a TLS hello logged as a request line).
 */
export function looksBinary(head: Uint8Array): boolean {
  const n = Math.min(head.length, CLASSIFY_HEAD_BYTES);
  if (n === 0) return false;
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = head[i];
    if (b < 0x20 && b !== 9 && b !== 10 && b !== 13 && b !== 12 && b !== 11 && b !== 0x1b) control++;
  }
  return control / n > 0.05;
}

/** Decodes the head as text (UTF-16 when it has a BOM, UTF-8 otherwise), without the BOM. */
function headText(head: Uint8Array): { text: string; utf16: boolean } {
  const { encoding, bomLength } = detectBom(head);
  const bytes = head.subarray(bomLength, Math.min(head.length, CLASSIFY_HEAD_BYTES));
  return { text: new TextDecoder(encoding).decode(bytes), utf16: encoding !== 'utf-8' };
}

const IIS_DATA_LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \S/m;

function isIis(lower: string, name: string, text: string): boolean {
  if (text.includes('#Software: Microsoft Internet Information Services')) return true;
  const inW3svc = /(^|\/)w3svc\d*\//.test(lower);
  return inW3svc && /^u_ex.*\.log$/.test(name) && (text.includes('#Fields:') || IIS_DATA_LINE.test(text));
}

function isHttpProxy(lower: string, text: string): boolean {
  if (lower.includes('logging/httpproxy/')) return true;
  return /^(#Fields: )?DateTime,RequestId,/m.test(text) && text.includes('AnchorMailbox');
}

function isBodyfile(name: string, text: string): boolean {
  if (name.endsWith('.body') || name.startsWith('bodyfile')) return true;
  const lines = text.split('\n', 6).slice(0, 5).map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
  if (lines.length === 0) return false;
  // only the complete lines of the head count: the last one may be cut
  const complete = lines.length > 1 ? lines.slice(0, -1) : lines;
  return complete.every((l) => {
    const cols = splitBodyfileLine(l);
    return cols !== null && cols.slice(-4).every((c) => c !== '' && Number.isFinite(Number(c)));
  });
}

/** Apache/nginx/Tomcat common or combined log: the first complete line and most of the next ones are access-log lines. */
function isAccessLog(text: string): boolean {
  const lines = text.split('\n', 12).slice(0, 11).map((l) => l.replace(/\r$/, ''));
  const complete = (lines.length > 1 ? lines.slice(0, -1) : []).filter((l) => l !== '');
  if (!complete.length || !ACCESS_LINE.test(complete[0])) return false;
  return complete.filter((l) => ACCESS_LINE.test(l)).length >= complete.length * 0.8;
}

/** Kind of log/text file from its path and decoded head, or null when it is none of the known log formats. */
function logKind(lower: string, name: string, text: string): FileKind | null {
  if (isIis(lower, name, text)) return 'iis-log';
  if (isHttpProxy(lower, text)) return 'httpproxy-log';
  if (lower.includes('logging/ecp/server/') || text.includes('#Fields: TimeStamp,ServerName,EventId,EventData')) return 'ecp-server-log';
  if (lower.includes('logging/oabgeneratorlog/')) return 'oab-generator-log';
  const tool = toolKind(name, text);
  if (tool) return tool;
  if (isBodyfile(name, text)) return 'bodyfile';
  if (isAccessLog(text)) return 'access-log';
  return null;
}

/** Classifies one file from its evidence-relative POSIX path and its first bytes (ideally CLASSIFY_HEAD_BYTES). */
export function classify(relPath: string, head: Uint8Array): FileKind {
  if (head.length === 0) return 'empty';
  for (const m of MAGIC) if (startsWithBytes(head, m.bytes)) return m.kind;
  const lower = relPath.toLowerCase();
  const name = lower.slice(lower.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  if (dot >= 0 && WEB_SCRIPT_EXT.has(name.slice(dot))) return 'web-script';
  const { text, utf16 } = headText(head);
  if (!utf16 && looksBinary(head)) return 'binary';
  return logKind(lower, name, text) ?? 'text';
}
