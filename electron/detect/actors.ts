// Who did what: the web shells on the server, and a profile of every client IP that touched the attack surface
// (SSRF rows, HAFNIUM patterns, shell URLs, IOC lists). An IP that made the server do something (a 2xx SSRF, a 2xx
// exploit POST, a shell use) is an attacker; a public IP that only probed is a scanner, with its own low finding.
import type { Db } from '../case/db.ts';
import { fieldSql, FieldSelection } from '../case/fields.ts';
import type { EvidenceRef, Micros } from '../../shared/types.ts';
import { microsToIso } from '../../shared/types.ts';
import { isSsrfAnchor } from './cve-2021-26855.ts';
import { isPrivateIp, rulesMatched } from './iis-patterns.ts';
import { extOf, isWebRoot, normWin, SCRIPT_EXTENSIONS, urlPathsFor } from './paths.ts';
import { ftsHas, lightEvents, listFiles, str, writtenAt } from './rows.ts';
import type { EventHit, FileInfo } from './rows.ts';
import { ok2xx, READ_METHODS, requestsFrom } from './requests.ts';
import type { Request } from './requests.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** Probe requests listed in a scan finding (the count is always complete). */
const SCAN_EVIDENCE_CAP = 500;

export interface Shell {
  /** Original Windows path. */
  path: string;
  /** Lower-case URL paths it is served under. */
  urls: string[];
  /** When it was written: the OAB generator's line, else the file's modification time. */
  writtenAt: Micros | null;
  /** The evidence of the write (the OAB log line, or the file itself). */
  writeRefs: Array<{ ts: Micros | null; ref: EvidenceRef; kind: 'shell-write' | 'oab-write'; eventId: number | null }>;
  /** Proven a shell (YARA, hash, OAB-written script), not only suspected by placement. */
  strong: boolean;
  /** Known only from its request lines (webshell.log-use): its use joins an attacker's intrusion, makes none alone. */
  logOnly?: boolean;
  findings: PendingFinding[];
}

export interface IpProfile {
  ip: string;
  requests: Request[];
  /** Forged back-end requests (ServerInfo~ anchors Test-ProxyLogon counts) answered 2xx / not. */
  ssrfOk: Request[];
  ssrfTried: Request[];
  /** Requests that wrote something and were answered 2xx: SSRF, exploit POSTs, shell POSTs. */
  writes: Request[];
  shellUses: Array<{ req: Request; shell: Shell }>;
  /** Requests of a shell's URL that did not drive it (a bare GET): someone checking whether it is there. */
  shellGets: Array<{ req: Request; shell: Shell }>;
}

const anchorOf = (r: Request): string => str(r.hit.fields, 'AnchorMailbox');

/** ServerInfo~ anchors Test-ProxyLogon leaves out: autodiscover and localhost (scanners' and health probes). */
export function isExcludedProbeAnchor(anchor: string): boolean {
  const a = anchor.toLowerCase();
  return a.startsWith('serverinfo~') && !isSsrfAnchor(anchor);
}

/** How a finding names a web-shell file: scanned (YARA/placement), a hash or path IOC on a script, an OAB-written script, Defender; null when it does not. */
function shellFindingKind(p: PendingFinding): 'file' | 'ioc' | 'oab' | 'av' | null {
  const path = p.finding.path ?? '';
  const script = SCRIPT_EXTENSIONS.includes(extOf(path));
  if (p.finding.check === CHECK.webshell && p.details?.kind === 'file') return 'file';
  if ((p.finding.check === CHECK.iocHash || (p.finding.check === CHECK.iocPath && !p.details?.legitimateExchangeFile)) && script) return 'ioc';
  if (p.finding.check === CHECK.oab && script && isWebRoot(path)) return 'oab';
  // A script in a web folder that Defender named a threat: a shell, whatever Defender did with it afterwards.
  if (p.finding.check === CHECK.avDetection && p.details?.webFolder === true && script) return 'av';
  return null;
}

/** True when the finding names a web-shell file (see shellFindingKind). */
export const isShellFinding = (p: PendingFinding): boolean => shellFindingKind(p) !== null;

/** The web shells the other checks found: YARA/placement findings, hash and path IOCs on scripts, OAB-written scripts. */
export function collectShells(db: Db, found: PendingFinding[]): Shell[] {
  const byPath = new Map<string, Shell>();
  const get = (path: string): Shell => {
    const key = normWin(path);
    let s = byPath.get(key);
    if (!s) { s = { path, urls: urlPathsFor(path), writtenAt: null, writeRefs: [], strong: false, findings: [] }; byPath.set(key, s); }
    return s;
  };
  for (const p of found) {
    const kind = shellFindingKind(p);
    if (!kind) continue;
    const s = get(p.finding.path ?? '');
    s.findings.push(p);
    s.strong ||= kind !== 'file' || p.finding.confidence !== 'review';
  }
  for (const p of found) addLogOnlyShell(p, byPath);
  const files = new Map(listFiles(db).map((f) => [normWin(f.origPath), f]));
  for (const s of byPath.values()) addWrites(s, files.get(normWin(s.path)) ?? null);
  return [...byPath.values()];
}

/**
 * A web-shell page seen only in the logs, as a shell named by its URL (no file, no write time). Its use makes no
 * attacker (isAttacker): it only joins the intrusion of a client that exploited the server by other means.
 */
function addLogOnlyShell(p: PendingFinding, byPath: Map<string, Shell>): void {
  if (p.finding.check !== CHECK.webshellLogUse || typeof p.details?.page !== 'string') return;
  const hits = (p.details.hits ?? []) as Array<{ url?: string | null }>;
  const url = hits[0]?.url ?? p.details.page;
  if (byPath.has(normWin(url))) return;
  byPath.set(normWin(url), { path: url, urls: [p.details.page], writtenAt: null, writeRefs: [], strong: false, logOnly: true, findings: [p] });
}

function addWrites(s: Shell, file: FileInfo | null): void {
  for (const p of s.findings.filter((x) => x.finding.check === CHECK.oab)) {
    const hits = (p.details?.hits ?? []) as Array<{ eventId: number; ts: number }>;
    p.finding.evidence.forEach((ref, i) => s.writeRefs.push({ ts: hits[i]?.ts ?? null, ref, kind: 'oab-write', eventId: hits[i]?.eventId ?? null }));
  }
  if (file) s.writeRefs.push({ ts: writtenAt(file), ref: { file: file.relPath }, kind: 'shell-write', eventId: null });
  const times = s.writeRefs.map((w) => w.ts).filter((t): t is number => t !== null);
  s.writtenAt = times.length ? Math.min(...times) : null;
}

/** Forged-request rows of every kind (counted SSRF, autodiscover and localhost probes): their clients are candidates. */
function serverInfoClients(db: Db): string[] {
  const fts = ftsHas('ServerInfo');
  const anchor = fieldSql('AnchorMailbox');
  // only the client column: reading 8,170 rows whole for it took 0.4 s CPU at 2 GB
  const ips = db.prepare(`SELECT e.ip FROM events e WHERE ${fts.sql} AND e.source = 'httpproxy' AND ${anchor.sql} LIKE 'ServerInfo~%' ORDER BY e.ts, e.id`)
    .pluck().all(...fts.params, ...anchor.params) as Array<string | null>;
  return ips.filter((ip): ip is string => !!ip);
}

/** Clients of the shells' URLs, other than the server itself (IIS s-ip) and loopback. */
function shellClients(db: Db, shells: Shell[]): string[] {
  const urls = [...new Set(shells.flatMap((s) => s.urls))];
  if (!urls.length) return [];
  const fts = ftsHas(...urls);
  const rows = lightEvents(db, `${fts.sql} AND e.source IN ('iis', 'httpproxy') AND lower(e.url) IN (${urls.map(() => '?').join(',')})`, [...fts.params, ...urls], SERVER_IP);
  return rows.filter((h) => !isServerSelf(h)).map((h) => h.ip).filter((ip): ip is string => !!ip);
}

const SERVER_IP = new FieldSelection(['s-ip']);
const isServerSelf = (h: EventHit): boolean => !h.ip || LOOPBACK.has(h.ip) || h.ip === str(h.fields, 's-ip');

/** Every client IP worth a profile: from the findings (details.ip) and from the raw forged-request and shell rows. */
export function candidateIps(db: Db, found: PendingFinding[], shells: Shell[]): string[] {
  const ips = new Set<string>();
  for (const p of found) if (typeof p.details?.ip === 'string') ips.add(p.details.ip);
  for (const ip of [...serverInfoClients(db), ...shellClients(db, shells)]) ips.add(ip);
  return [...ips].filter((ip) => !LOOPBACK.has(ip)).sort();
}

/** A request drives a shell when it posts to it, or passes it parameters, and is not refused. */
const drivesShell = (r: Request): boolean => (!READ_METHODS.has(r.method) || r.query !== '') && !(r.status !== null && r.status >= 400);

function shellOf(r: Request, shells: Shell[]): Shell | null {
  return shells.find((s) => s.urls.includes(r.url)) ?? null;
}

export function profileIps(db: Db, ips: string[], shells: Shell[]): Map<string, IpProfile> {
  const out = new Map<string, IpProfile>();
  for (const [ip, requests] of requestsFrom(db, ips)) {
    const p: IpProfile = { ip, requests, ssrfOk: [], ssrfTried: [], writes: [], shellUses: [], shellGets: [] };
    for (const r of requests) {
      const anchor = anchorOf(r);
      const shell = shellOf(r, shells);
      if (isSsrfAnchor(anchor)) (ok2xx(r.status) ? p.ssrfOk : p.ssrfTried).push(r);
      if (shell && drivesShell(r)) p.shellUses.push({ req: r, shell });
      else if (shell) p.shellGets.push({ req: r, shell });
      const exploitPost = !READ_METHODS.has(r.method) && ok2xx(r.status) && !isExcludedProbeAnchor(anchor)
        && (isSsrfAnchor(anchor) || rulesMatched(r.hit).some((x) => x !== 'sentinel-stem') || (shell !== null && !shell.logOnly && drivesShell(r)));
      if (exploitPost) p.writes.push(r);
    }
    out.set(ip, p);
  }
  return out;
}

/** An attacker made the server do something: a forged request that worked, a 2xx exploit POST, a shell it drove. */
export const isAttacker = (p: IpProfile): boolean => p.ssrfOk.length > 0 || p.writes.length > 0 || p.shellUses.some((u) => !u.shell.logOnly);

/** A probe: a read, or a forged request of the kinds Test-ProxyLogon leaves out (autodiscover, localhost). */
const isProbe = (r: Request): boolean => READ_METHODS.has(r.method) || isExcludedProbeAnchor(anchorOf(r));

/**
 * Why a public IP is only a scanner (GET probes, no 2xx answer to a write, no follow-up), or null when it is not one.
 * An IP that tried a write and failed (an exploit POST answered 500) made an attempt: it is not a scanner.
 */
export function scannerReason(p: IpProfile): string | null {
  if (isAttacker(p) || isPrivateIp(p.ip) || p.requests.length === 0 || !p.requests.every(isProbe)) return null;
  const n = p.requests.length;
  const shells = p.shellGets.length ? `, ${p.shellGets.length} of known web-shell paths` : '';
  return `${n} probe request${n === 1 ? '' : 's'} (GET or autodiscover/localhost SSRF probes${shells}); no write, no follow-up`;
}

/** The scanner's own finding: low, informational, every probe listed once. */
export function scanFinding(p: IpProfile, reason: string): PendingFinding {
  const reqs = p.requests;
  const shown = reqs.slice(0, SCAN_EVIDENCE_CAP);
  const sample = [...new Set(reqs.map((r) => `${r.method} ${r.hit.url ?? r.url}`))].slice(0, 4).join(', ');
  const uas = [...new Set(reqs.map((r) => r.userAgent).filter((u): u is string => !!u))];
  const first = reqs[0].ts;
  const last = reqs[reqs.length - 1].ts;
  return {
    finding: {
      check: CHECK.scan, severity: 'low', confidence: 'info', confidenceReason: `a scanner: ${reason}`,
      title: `Scanned by ${p.ip}: ${reqs.length} request${reqs.length === 1 ? '' : 's'} (${sample}${reqs.length > 4 ? ', …' : ''}), no successful write, no follow-up`,
      path: null, time: microsToIso(first), sha256: null, evidence: shown.flatMap((r) => [r.ref, ...r.also]),
    },
    details: {
      ip: p.ip, count: reqs.length, first, last, userAgents: uas, evidenceCapped: reqs.length > shown.length,
      shellsProbed: [...new Set(p.shellGets.map((g) => g.shell.path))],
      requests: shown.map((r) => ({ eventIds: r.eventIds, ts: r.ts, method: r.method, url: r.hit.url, status: r.status })),
    },
  };
}
