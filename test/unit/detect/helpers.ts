// Test helpers: a temporary case plus a temporary evidence folder, filled by feeding real-shaped log text through
// the real parsers and writing real files (hashed like the ingest does).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCaseDb } from '../../../electron/case/db.ts';
import type { Db } from '../../../electron/case/db.ts';
import { EventInserter, upsertFile, markFileDone } from '../../../electron/case/write.ts';
import type { Parser } from '../../../electron/ingest/sources/types.ts';
import type { FileKind, TimelineEvent } from '../../../shared/types.ts';
import { isoToMicros } from '../../../shared/types.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const sharedData = (...p: string[]): string => path.resolve(repoRoot, '../shared/data', ...p);

export interface TestCase { db: Db; dir: string; root: string; sourceId: number; roots: Map<number, string>; close(): void }

export function newCase(): TestCase {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-detect-'));
  const root = path.join(dir, 'evidence');
  fs.mkdirSync(root);
  const db = openCaseDb(path.join(dir, 'case.loupe'), { create: true });
  const sourceId = Number(db.prepare(`INSERT INTO evidence_sources (root, label, added_at) VALUES (?, 'test', ?)`)
    .run(root, new Date().toISOString()).lastInsertRowid);
  return {
    db, dir, root, sourceId, roots: new Map([[sourceId, root]]),
    close() { db.close(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

/** `C/inetpub/x.aspx` → `C:\inetpub\x.aspx` (the reconstruction the ingest does for drive-letter layouts). */
export const origOf = (rel: string): string => rel.replace(/^([A-Za-z])\//, '$1:/').replace(/\//g, '\\');

const hash = (algo: string, b: Buffer): string => crypto.createHash(algo).update(b).digest('hex');

/** Writes a file into the evidence folder and its manifest row; returns the file id. */
export function addFile(tc: TestCase, rel: string, content: string | Buffer, opts: { kind?: FileKind; mtime?: string; btime?: string } = {}): number {
  const abs = path.join(tc.root, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  fs.writeFileSync(abs, buf);
  const id = upsertFile(tc.db, {
    sourceId: tc.sourceId, relPath: rel, origPath: origOf(rel), size: buf.length,
    mtime: opts.mtime ? isoToMicros(opts.mtime) : null, atime: null, ctime: null, btime: opts.btime ? isoToMicros(opts.btime) : null,
    md5: hash('md5', buf), sha1: hash('sha1', buf), sha256: hash('sha256', buf), kind: opts.kind ?? 'other', parser: null,
  });
  markFileDone(tc.db, id, 0);
  return id;
}

/** Writes a log file and runs the real parser over it, storing its events; returns the events. */
export async function addLog(tc: TestCase, rel: string, kind: FileKind, parser: Parser, content: string | Buffer): Promise<TimelineEvent[]> {
  const fileId = addFile(tc, rel, content, { kind });
  const events: TimelineEvent[] = [];
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  const chunks = (async function* () { yield buf; })();
  for await (const e of parser({ rel, chunks, size: buf.length }, { warn: () => {} })) events.push(e);
  insertEvents(tc, fileId, events);
  return events;
}

export function insertEvents(tc: TestCase, fileId: number | null, events: TimelineEvent[]): void {
  const ins = new EventInserter(tc.db);
  tc.db.transaction(() => { for (const e of events) ins.insert(e, fileId); })();
  if (fileId !== null) markFileDone(tc.db, fileId, events.length);
}

/** The real Exchange 2016 HttpProxy column list (as in Test-ProxyLogon / CSS-Exchange). */
export const HTTPPROXY_FIELDS = 'DateTime,RequestId,MajorVersion,MinorVersion,BuildVersion,RevisionVersion,ClientRequestId,Protocol,UrlHost,UrlStem,ProtocolAction,AuthenticationType,IsAuthenticated,AuthenticatedUser,Organization,AnchorMailbox,UserAgent,ClientIpAddress,ServerHostName,HttpStatus,BackEndStatus,ErrorCode,Method,ProxyAction,TargetServer,TargetServerVersion,RoutingType,RoutingHint,BackEndCookie,ServerLocatorHost,ServerLocatorLatency,RequestBytes,ResponseBytes,TargetOutstandingRequests,AuthModulePerfContext,HttpPipelineLatency,CalculateTargetBackEndLatency,GlsLatencyBreakup,GlsLatency,AccountForestLatencyBreakup,AccountForestLatency,ResourceForestLatencyBreakup,ResourceForestLatency,ADLatency,SharedCacheLatencyBreakup,SharedCacheLatency,ActivityContextLifeTime,ModuleToHandlerSwitchingLatency,ClientReqStreamLatency,BackendReqInitLatency,BackendReqStreamLatency,BackendProcessingLatency,BackendRespInitLatency,BackendRespStreamLatency,ClientRespStreamLatency,KerberosAuthHeaderLatency,HandlerCompletionLatency,RequestHandlerLatency,HandlerToModuleSwitchingLatency,ProxyTime,CoreLatency,RoutingLatency,HttpProxyOverhead,TotalRequestTime,UrlQuery,BackEndGenericInfo,GenericInfo,GenericErrors,EdgeTraceId,DatabaseGuid,UserADObjectGuid,PartitionEndpointLookupLatency,RoutingStatus';
const COLS = HTTPPROXY_FIELDS.split(',');

export interface ProxyRow { time: string; protocol: string; stem: string; anchor: string; ip: string; status: number; ua?: string; user?: string; method?: string; cookie?: string; query?: string }

const csvCell = (v: string): string => (/[",]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** One HttpProxy CSV row in the real column order, other columns blank or plausible. */
export function proxyRow(r: ProxyRow): string {
  const vals: Record<string, string> = {
    DateTime: r.time, RequestId: crypto.createHash('md5').update(r.time + r.stem + r.ip).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
    MajorVersion: '15', MinorVersion: '1', BuildVersion: '2176', RevisionVersion: '2', Protocol: r.protocol, UrlHost: 'mail.contoso.com',
    UrlStem: r.stem, IsAuthenticated: r.user ? 'True' : 'False', AuthenticatedUser: r.user ?? '', AnchorMailbox: r.anchor,
    UserAgent: r.ua ?? 'python-requests/2.25.1', ClientIpAddress: r.ip, ServerHostName: 'EXCH01', HttpStatus: String(r.status),
    BackEndStatus: String(r.status), Method: r.method ?? 'POST', ProxyAction: 'Proxy', TargetServer: 'EXCH01.contoso.local',
    RoutingType: 'Backend', BackEndCookie: r.cookie ?? '', UrlQuery: r.query ?? '', GenericInfo: 'BeginRequest=2021-03-03T01:00:00.000Z;CorrelationID=<empty>;',
  };
  return COLS.map((c) => csvCell(vals[c] ?? '')).join(',');
}

export function httpProxyLog(rows: ProxyRow[]): string {
  return [
    HTTPPROXY_FIELDS,
    '#Software: Microsoft Exchange Server', '#Version: 15.01.2176.002', '#Log-type: HttpProxy Logs', '#Date: 2021-03-03T00:00:00.000Z',
    `#Fields: ${HTTPPROXY_FIELDS}`,
    ...rows.map(proxyRow),
  ].join('\r\n') + '\r\n';
}

export const EP_REL = 'C/Program Files/Microsoft/Exchange Server/V15';

/** An IIS W3C log with the default 15-field header and these data lines. */
export const iisLog = (lines: string[]): string => [
  '#Software: Microsoft Internet Information Services 10.0', '#Version: 1.0', '#Date: 2021-03-03 00:00:00',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  ...lines,
].join('\r\n') + '\r\n';
