// Correlation: who did what (attackers, scanners), one intrusion per connected group of attacker IPs and shells,
// the mail findings, everyone's confidence, and one story per intrusion. Also the per-file request helpers the
// Web shells view uses.
import type { Db } from '../case/db.ts';
import type { StoryStep, WebshellRequest } from '../../shared/api.ts';
import { candidateIps, collectShells, isAttacker, profileIps, scanFinding, scannerReason } from './actors.ts';
import type { IpProfile } from './actors.ts';
import { assessConfidence } from './confidence.ts';
import { computeLogCoverage } from './coverage.ts';
import { findSsrfHits } from './cve-2021-26855.ts';
import { isCveCheck } from './cve-registry.ts';
import { attributeFindings, clusterIntrusions, intrusionAt } from './intrusions.ts';
import { checkEwsSsrf, checkEwsUse, checkExportRequests, checkOabDownloads, checkPstFiles } from './mail.ts';
import { urlPathsFor } from './paths.ts';
import { READ_METHODS } from './requests.ts';
import { ftsHas, queryEvents } from './rows.ts';
import type { EventHit, FileInfo } from './rows.ts';
import { findingSteps, storyFinding } from './story.ts';
import { CHECK } from './types.ts';
import type { PendingFinding, RunMemo } from './types.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function toRequest(h: EventHit): WebshellRequest {
  return { eventId: h.id, ts: h.ts, ip: h.ip, method: h.method, url: h.url ?? '', status: h.status, userAgent: h.userAgent, ref: h.ref };
}

/** IIS and HttpProxy requests whose URL path is one under which the file is served. */
export function requestsToFile(db: Db, origPath: string): EventHit[] {
  const urls = urlPathsFor(origPath);
  if (!urls.length) return [];
  const fts = ftsHas(...urls);
  return queryEvents(db, `${fts.sql} AND e.source IN ('iis', 'httpproxy') AND lower(e.url) IN (${urls.map(() => '?').join(',')})`, [...fts.params, ...urls]);
}

/**
 * The IPs that drove a shell: a POST, or a request passing parameters, not refused. Another client's bare GET (a
 * scanner checking a known shell path) is listed among the requests but makes no attacker.
 */
export function attackerIps(requests: Array<{ ip: string | null; method?: string | null; status?: number | null; query?: string }>): string[] {
  const drives = (r: (typeof requests)[number]): boolean =>
    (!READ_METHODS.has((r.method ?? '').toUpperCase()) || !!r.query) && !(r.status != null && r.status >= 400);
  return [...new Set(requests.filter(drives).map((r) => r.ip).filter((ip): ip is string => !!ip && !LOOPBACK.has(ip)))];
}

/** A request a CVE check of the registry judged exploited is a write: a shell written soon after is its session's. */
function addCveWrites(base: PendingFinding[], profiles: Map<string, IpProfile>): void {
  const exploited = new Set(base.filter((p) => isCveCheck(p.finding.check) && p.details?.outcome === 'exploited')
    .flatMap((p) => ((p.details?.hits ?? []) as Array<{ eventId?: number }>).map((h) => h.eventId)));
  for (const p of profiles.values()) {
    for (const r of p.requests) if (!p.writes.includes(r) && r.eventIds.some((id) => exploited.has(id))) p.writes.push(r);
  }
}

/** Findings of the checks in, findings out: scanners' pattern hits folded into `scan` findings, mail findings and stories added, every finding judged. */
export function correlateFindings(db: Db, base: PendingFinding[], files: FileInfo[], memo?: RunMemo): PendingFinding[] {
  const shells = collectShells(db, base);
  const profiles = profileIps(db, candidateIps(db, base, shells), shells);
  // A CVE check (of the registry) that saw an IP succeed makes it an attacker, whatever its requests look like here.
  // So does a client whose web-shell tunnel carried traffic (the page relayed its connections).
  const drove = (p: PendingFinding): boolean => (isCveCheck(p.finding.check) && p.details?.outcome === 'exploited')
    || (p.finding.check === CHECK.webshellTunnel && p.finding.confidence === 'confirmed');
  const exploitedBy = new Set(base.filter((p) => drove(p) && typeof p.details?.ip === 'string').map((p) => String(p.details!.ip)));
  const attacker = (p: IpProfile): boolean => isAttacker(p) || exploitedBy.has(p.ip);
  addCveWrites(base, profiles);
  const scanners = new Map<string, string>();
  for (const p of profiles.values()) {
    const why = attacker(p) ? null : scannerReason(p);
    if (why) scanners.set(p.ip, why);
  }
  const clusters = clusterIntrusions(profiles, shells, attacker);
  const attackers: IpProfile[] = [...profiles.values()].filter(attacker);
  const found = [
    ...base.filter((p) => !(p.finding.check === CHECK.hafniumRequest && scanners.has(String(p.details?.ip)))),
    ...[...scanners].map(([ip, why]) => scanFinding(profiles.get(ip)!, why)),
    ...checkEwsSsrf(findSsrfHits(db, memo)), ...checkEwsUse(attackers), ...checkOabDownloads(attackers),
    ...checkExportRequests(db, files), ...checkPstFiles(db, files),
  ];
  const { of: intrusionOf, byTime } = attributeFindings(found, clusters);
  const intrusionOfIp = new Map(clusters.flatMap((c) => c.ips.map((ip) => [ip, c.n] as const)));
  assessConfidence(found, { scanners, intrusionOfIp, intrusionOf, attackers: new Set(attackers.map((p) => p.ip)) });
  const coverage = computeLogCoverage(db);
  // A finding placed by time lends each of its hits to the intrusion active at that hit's own time.
  const stepsOf = (n: number): StoryStep[] => found.flatMap((p) => (byTime.has(p)
    ? findingSteps(p).filter((s) => intrusionAt(clusters, s.ts)?.n === n)
    : intrusionOf.get(p) === n ? findingSteps(p) : []));
  const cveHits = new Map(base.filter((p) => isCveCheck(p.finding.check)).flatMap((p) =>
    ((p.details?.hits ?? []) as Array<{ eventId?: number }>).flatMap((h) => (typeof h.eventId === 'number' ? [[h.eventId, p.finding.title] as const] : []))));
  const stories = clusters.map((c) => storyFinding(c, profiles, found.filter((p) => intrusionOf.get(p) === c.n), stepsOf(c.n), coverage, cveHits));
  return [...found, ...stories];
}
