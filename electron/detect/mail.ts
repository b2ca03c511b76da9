// "Was mail accessed or taken?": mailbox access through the forged back-end session (SSRF to EWS), EWS use by
// attacker IPs, mailbox export requests (New-MailboxExportRequest in the cmdlet, ECP or PowerShell logs) and the .pst
// they wrote, .pst files left in web folders and who downloaded them, offline address book downloads by attacker IPs.
import type { Db } from '../case/db.ts';
import type { EvidenceRef, Micros } from '../../shared/types.ts';
import { microsToIso } from '../../shared/types.ts';
import { requestsToFile } from './correlate.ts';
import { when } from './hits.ts';
import { ssrfTarget } from './cve-2021-26855.ts';
import { extOf, isWebRoot, normWin, SCRIPT_EXTENSIONS } from './paths.ts';
import type { IpProfile } from './actors.ts';
import { ok2xx, READ_METHODS } from './requests.ts';
import type { Request } from './requests.ts';
import { eventText, findCmdlet, localPathOf, parseExportRequest } from './cmdlets.ts';
import { queryEvents, str, writtenAt } from './rows.ts';
import type { EventHit, FileInfo } from './rows.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const MAIL_FILE_EXTS = ['.pst', '.ost'];

const span = (a: Micros, b: Micros): string => (a === b ? when(a) : `${when(a)} – ${when(b)}`);

/** The EWS operation of a request (HttpProxy ProtocolAction, or an action/SoapAction query parameter); '' when the log does not say. */
export function ewsOperation(h: EventHit): string {
  const action = str(h.fields, 'ProtocolAction');
  if (action) return action;
  const q = `${str(h.fields, 'UrlQuery')}&${str(h.fields, 'cs-uri-query')}`;
  return /(?:^|[?&;])(?:action|soapaction)=([A-Za-z]+)/i.exec(q)?.[1] ?? '';
}

/** "FindItem, GetItem ×3" */
export function operationsText(ops: string[]): string {
  const counts = new Map<string, number>();
  for (const o of ops) counts.set(o || 'operation not logged', (counts.get(o || 'operation not logged') ?? 0) + 1);
  return [...counts].map(([o, c]) => (c > 1 ? `${o} ×${c}` : o)).join(', ');
}

/** EWS operations that hand over whole items for keeping: an export, not only a read. */
const EXPORT_OPERATIONS = new Set(['exportitems']);

function byIp(hits: EventHit[]): Map<string, EventHit[]> {
  const out = new Map<string, EventHit[]>();
  for (const h of hits) out.set(h.ip ?? '', [...(out.get(h.ip ?? '') ?? []), h]);
  return out;
}

/** Mailbox access through the SSRF: forged back-end requests to EWS/Exchange.asmx, one finding per IP and outcome. */
export function checkEwsSsrf(ssrf: EventHit[]): PendingFinding[] {
  const ews = ssrf.filter((h) => ssrfTarget(str(h.fields, 'AnchorMailbox')).toLowerCase().startsWith('ews/'));
  const out: PendingFinding[] = [];
  for (const [ip, hits] of byIp(ews)) {
    for (const answered of [true, false]) {
      const list = hits.filter((h) => ok2xx(h.status) === answered);
      if (list.length) out.push(ewsFinding(ip, list, answered));
    }
  }
  return out;
}

function ewsFinding(ip: string, list: EventHit[], answered: boolean): PendingFinding {
  const ops = list.map(ewsOperation);
  const exported = ops.some((o) => EXPORT_OPERATIONS.has(o.toLowerCase()));
  const first = list[0].ts;
  const last = list[list.length - 1].ts;
  const n = list.length;
  const what = `${n} request${n === 1 ? '' : 's'}, ${span(first, last)} (${operationsText(ops)})`;
  return {
    finding: {
      check: CHECK.mailEwsSsrf, severity: answered ? 'critical' : 'high',
      confidence: answered ? 'confirmed' : 'likely',
      confidenceReason: answered
        ? 'the back end answered 2xx to EWS requests sent through the forged ServerInfo~ session: mailbox content was served'
        : 'EWS requests through the forged session that were not answered 2xx: an attempt',
      title: `${answered ? 'Mailbox access' : 'Attempted mailbox access'} by ${ip || 'an unknown client'} via SSRF to EWS: ${what}`,
      path: null, time: microsToIso(first), sha256: null, evidence: list.map((h) => h.ref),
    },
    details: {
      ip: ip || null, outcome: answered ? (exported ? 'exported' : 'accessed') : 'attempted', count: n, first, last, operations: ops,
      eventIds: list.map((h) => h.id),
      summary: `${answered ? 'Mailboxes were read' : 'Mailbox access was attempted'} through the SSRF by ${ip}: ${what}. The logs do not name the mailboxes.`,
    },
  };
}

/** EWS use by attacker IPs without the SSRF (with stolen credentials): requests to /ews/ answered 2xx. */
export function checkEwsUse(attackers: IpProfile[]): PendingFinding[] {
  const out: PendingFinding[] = [];
  for (const p of attackers) {
    const reqs = p.requests.filter((r) => r.url.startsWith('/ews/') && ok2xx(r.status) && !str(r.hit.fields, 'AnchorMailbox').toLowerCase().startsWith('serverinfo~'));
    if (!reqs.length) continue;
    const ops = reqs.map((r) => ewsOperation(r.hit));
    const exported = ops.some((o) => EXPORT_OPERATIONS.has(o.toLowerCase()));
    const what = `${reqs.length} request${reqs.length === 1 ? '' : 's'}, ${span(reqs[0].ts, reqs[reqs.length - 1].ts)} (${operationsText(ops)})`;
    out.push(requestFinding(CHECK.mailEws, p.ip, reqs, {
      severity: 'critical', confidence: 'likely', title: `EWS mailbox access by attacker IP ${p.ip}: ${what}`,
      reason: 'EWS answered 2xx to an IP that also exploited this server: it read mail with valid credentials',
      outcome: exported ? 'exported' : 'accessed', summary: `Mailboxes were read over EWS by ${p.ip}: ${what}.`,
    }));
  }
  return out;
}

/** Offline address book downloads (the directory, not mail) by attacker IPs. */
export function checkOabDownloads(attackers: IpProfile[]): PendingFinding[] {
  const out: PendingFinding[] = [];
  for (const p of attackers) {
    const reqs = p.requests.filter((r) => r.url.startsWith('/oab/') && READ_METHODS.has(r.method) && ok2xx(r.status));
    if (!reqs.length) continue;
    const what = `${reqs.length} download${reqs.length === 1 ? '' : 's'}, ${span(reqs[0].ts, reqs[reqs.length - 1].ts)}`;
    out.push(requestFinding(CHECK.mailOab, p.ip, reqs, {
      severity: 'high', confidence: 'likely', title: `Offline address book downloaded by attacker IP ${p.ip}: ${what}`,
      reason: 'the OAB (every mailbox name and address) was served to an IP that also exploited this server',
      outcome: 'address-book', summary: `The offline address book was downloaded by ${p.ip} (${what}).`,
    }));
  }
  return out;
}

interface RequestFindingOpts { severity: 'critical' | 'high'; confidence: 'likely' | 'confirmed'; title: string; reason: string; outcome: string; summary: string }

function requestFinding(check: string, ip: string, reqs: Request[], o: RequestFindingOpts): PendingFinding {
  return {
    finding: {
      check, severity: o.severity, confidence: o.confidence, confidenceReason: o.reason, title: o.title, path: null,
      time: microsToIso(reqs[0].ts), sha256: null, evidence: reqs.flatMap((r) => [r.ref, ...r.also]),
    },
    details: {
      ip, outcome: o.outcome, count: reqs.length, first: reqs[0].ts, last: reqs[reqs.length - 1].ts, summary: o.summary,
      eventIds: reqs.flatMap((r) => r.eventIds), urls: [...new Set(reqs.map((r) => r.hit.url))],
    },
  };
}

export { eventText, findCmdlet, localPathOf, parseExportRequest } from './cmdlets.ts';

interface ExportRequest { hit: EventHit; mailbox: string | null; filePath: string | null }



/** New-MailboxExportRequest, wherever Exchange logged it; the .pst it wrote, whether it is still there, who fetched it. */
export function checkExportRequests(db: Db, files: FileInfo[]): PendingFinding[] {
  const requests: ExportRequest[] = findCmdlet(db, 'New-MailboxExportRequest').map((hit) => ({ hit, ...parseExportRequest(eventText(hit)) }));
  const removals = findCmdlet(db, 'Remove-MailboxExportRequest');
  return requests.map((r) => exportFinding(db, r, files, removals));
}

function exportFinding(db: Db, r: ExportRequest, files: FileInfo[], removals: EventHit[]): PendingFinding {
  const local = r.filePath ? localPathOf(r.filePath) : null;
  const inWeb = local !== null && isWebRoot(local);
  const file = local ? files.find((f) => normWin(f.origPath) === normWin(local)) ?? null : null;
  const downloads = local ? fetched(db, local) : [];
  const removed = removals.find((x) => x.ts >= r.hit.ts && (!r.mailbox || eventText(x).toLowerCase().includes(r.mailbox.toLowerCase())));
  // An export to a script extension writes a web shell (ProxyShell, CVE-2021-31207), not a copy of mail to take away.
  const shell = SCRIPT_EXTENSIONS.includes(extOf(r.filePath ?? ''));
  const where = r.filePath ?? 'an unnamed file';
  const fetchedText = downloads.length ? `; ${shell ? 'requested' : 'downloaded'} by ${[...new Set(downloads.map((d) => d.ip))].join(', ')} on ${when(downloads[0].ts)}` : '';
  const [confidence, reason] = shell
    ? [inWeb ? 'confirmed' as const : 'likely' as const, 'a mailbox exported as a server script: the ProxyShell way of writing a web shell (CVE-2021-31207)']
    : downloads.length
      ? ['confirmed' as const, 'the exported .pst was downloaded over HTTP']
      : inWeb ? ['likely' as const, 'exported into a folder IIS serves: how an intruder fetches a mailbox over HTTP']
        : ['review' as const, 'administrators export mailboxes too (leavers, legal holds): confirm this one with the client'];
  const removedText = removed ? `, the request removed at ${when(removed.ts)}` : '';
  return {
    finding: {
      check: CHECK.mailExport, severity: shell || inWeb || downloads.length ? 'critical' : 'medium', confidence, confidenceReason: reason,
      title: `${shell ? 'Mailbox export written as a web shell' : 'Mailbox export request'}: ${r.mailbox ?? '(mailbox not logged)'} → ${where} (${when(r.hit.ts)})${fetchedText}`,
      path: local ?? r.filePath, time: microsToIso(r.hit.ts), sha256: file?.sha256 ?? null,
      evidence: [r.hit.ref, ...(removed ? [removed.ref] : []), ...downloads.flatMap((d) => [d.ref, ...d.also]), ...(file ? [{ file: file.relPath }] : [])],
    },
    details: {
      outcome: shell ? 'webshell-write' : 'exported', mailbox: r.mailbox, filePath: r.filePath, localPath: local, inWebFolder: inWeb,
      fileInEvidence: file?.relPath ?? null, removedAt: removed?.ts ?? null, downloads: downloads.map((d) => ({ ip: d.ip, ts: d.ts, status: d.status })),
      eventId: r.hit.id,
      summary: shell
        ? `A web shell was written through a mailbox export: New-MailboxExportRequest of ${r.mailbox ?? 'a mailbox'} to ${where} on ${when(r.hit.ts)}${removedText}${fetchedText}.`
        : `Mail was exported: New-MailboxExportRequest of ${r.mailbox ?? 'a mailbox'} to ${where} on ${when(r.hit.ts)}${removedText}${fetchedText}.`,
    },
    fileId: file?.id ?? null,
  };
}

/** 2xx GETs of a file's URL from anyone but the server itself. */
function fetched(db: Db, origPath: string): Request[] {
  return requestsToFile(db, origPath)
    .filter((h) => h.ip && !LOOPBACK.has(h.ip) && READ_METHODS.has((h.method ?? '').toUpperCase()) && ok2xx(h.status))
    .map((h) => ({ hit: h, ts: h.ts, ip: h.ip, method: (h.method ?? '').toUpperCase(), url: (h.url ?? '').toLowerCase(), query: '', status: h.status, userAgent: h.userAgent, ref: h.ref, also: [] as EvidenceRef[], eventIds: [h.id] }));
}

/** Outlook data files left in a web folder: a mailbox export parked where IIS serves it. */
export function checkPstFiles(db: Db, files: FileInfo[]): PendingFinding[] {
  return files.filter((f) => MAIL_FILE_EXTS.includes(extOf(f.origPath)) && isWebRoot(f.origPath)).map((f) => {
    const downloads = fetched(db, f.origPath);
    const t = writtenAt(f);
    const by = [...new Set(downloads.map((d) => d.ip))];
    return {
      finding: {
        check: CHECK.mailPst, severity: 'critical',
        confidence: downloads.length ? 'confirmed' : 'likely',
        confidenceReason: downloads.length ? `downloaded over HTTP by ${by.join(', ')}` : 'an Outlook data file has no business in a web folder',
        title: `Mailbox data file in a web folder: ${f.origPath}${downloads.length ? ` — downloaded by ${by.join(', ')}` : ''}`,
        path: f.origPath, time: t === null ? null : microsToIso(t), sha256: f.sha256,
        evidence: [{ file: f.relPath }, ...downloads.flatMap((d) => [d.ref, ...d.also])],
      },
      details: {
        outcome: 'exported', size: f.size, downloads: downloads.map((d) => ({ ip: d.ip, ts: d.ts, status: d.status })),
        summary: `An Outlook data file (${f.size} bytes) sat in a web folder at ${f.origPath}${downloads.length ? ` and was downloaded by ${by.join(', ')} on ${when(downloads[0].ts)}` : ''}.`,
      },
      fileId: f.id,
    };
  });
}
