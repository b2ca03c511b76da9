// Correlation: the requests to each web shell's URL, the client IPs behind them, everything else those IPs did
// (SSRF rows first), and one ordered attack story: first SSRF → config change → shell written → shell used →
// follow-on files.
import type { Db } from '../case/db.ts';
import type { WebshellRequest } from '../../shared/api.ts';
import type { EvidenceRef, Micros } from '../../shared/types.ts';
import { isoToMicros, microsToIso } from '../../shared/types.ts';
import { urlPathsFor } from './paths.ts';
import { ftsHas, queryEvents } from './rows.ts';
import type { EventHit } from './rows.ts';
import { findSsrfHits } from './cve-2021-26855.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** The attacker IPs' other activity kept in the story's details (the timeline holds all of it). */
export const ACTIVITY_CAP = 2000;

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

export function attackerIps(requests: Array<{ ip: string | null }>): string[] {
  return [...new Set(requests.map((r) => r.ip).filter((ip): ip is string => !!ip && !LOOPBACK.has(ip)))];
}

/** Everything the IPs did, SSRF rows first, then by time. */
export function activityOf(db: Db, ips: string[], ssrfIds: Set<number>): EventHit[] {
  if (!ips.length) return [];
  const rows = queryEvents(db, `e.ip IN (${ips.map(() => '?').join(',')})`, ips);
  return rows.sort((a, b) => Number(ssrfIds.has(b.id)) - Number(ssrfIds.has(a.id)) || a.ts - b.ts || a.id - b.id);
}

export type Stage = 'ssrf' | 'config-change' | 'shell-written' | 'shell-used' | 'follow-on';
const STAGE_ORDER: Stage[] = ['ssrf', 'config-change', 'shell-written', 'shell-used', 'follow-on'];
export interface StoryStep { stage: Stage; ts: Micros | null; text: string; ref: EvidenceRef }

const firstHitRef = (p: PendingFinding): { ts: Micros | null; ref: EvidenceRef } => ({
  ts: p.finding.time === null ? null : isoToMicros(p.finding.time),
  ref: p.finding.evidence[0],
});

/** Builds the ordered story from this run's findings; null when there is no intrusion to tell. */
export function buildStory(db: Db, found: PendingFinding[]): { story: PendingFinding | null; shellIps: Map<string, string[]> } {
  const steps: StoryStep[] = [];
  const shells = found.filter((p) => p.finding.check === CHECK.webshell && p.details?.kind === 'file');
  const shellIps = new Map<string, string[]>();
  let firstUse: Micros | null = null;
  const ips = new Set<string>();
  for (const s of shells) {
    const path = s.finding.path ?? '';
    const reqs = requestsToFile(db, path);
    const shellIpList = attackerIps(reqs);
    shellIps.set(path, shellIpList);
    shellIpList.forEach((ip) => ips.add(ip));
    const w = firstHitRef(s);
    steps.push({ stage: 'shell-written', ts: w.ts, text: `web shell ${path} written`, ref: w.ref });
    for (const r of reqs.filter((q) => q.ip && !LOOPBACK.has(q.ip)).slice(0, 20)) {
      steps.push({ stage: 'shell-used', ts: r.ts, text: `${r.method ?? 'request'} ${r.url} from ${r.ip} (${r.status ?? '-'})`, ref: r.ref });
      if (firstUse === null || r.ts < firstUse) firstUse = r.ts;
    }
  }
  const ssrf = findSsrfHits(db);
  const firstSsrf = ssrf.find((h) => h.ip && ips.has(h.ip)) ?? ssrf[0];
  if (firstSsrf) steps.push({ stage: 'ssrf', ts: firstSsrf.ts, text: `first SSRF request from ${firstSsrf.ip ?? '?'}`, ref: firstSsrf.ref });
  const config = found.filter((p) => p.finding.check === CHECK.ecp).sort((a, b) => (a.finding.time ?? '').localeCompare(b.finding.time ?? ''))[0];
  if (config) { const c = firstHitRef(config); steps.push({ stage: 'config-change', ts: c.ts, text: 'virtual-directory configuration changed', ref: c.ref }); }
  for (const p of found.filter((x) => x.finding.check === CHECK.oab)) {
    const c = firstHitRef(p);
    steps.push({ stage: 'shell-written', ts: c.ts, text: `OAB generator wrote ${p.finding.path}`, ref: c.ref });
  }
  for (const p of found.filter((x) => x.finding.check === CHECK.lsass || x.finding.check === CHECK.archive || (x.finding.check === CHECK.webshell && x.details?.kind === 'process'))) {
    const c = firstHitRef(p);
    if (firstUse !== null && c.ts !== null && c.ts < firstUse) continue;
    steps.push({ stage: 'follow-on', ts: c.ts, text: p.finding.title, ref: c.ref });
  }
  if (!shells.length && !firstSsrf) return { story: null, shellIps };
  const ssrfIds = new Set(ssrf.map((h) => h.id));
  const activity = activityOf(db, [...ips], ssrfIds).slice(0, ACTIVITY_CAP).map((h) => ({
    eventId: h.id, ts: h.ts, ip: h.ip, source: h.source, ssrf: ssrfIds.has(h.id), method: h.method, url: h.url, status: h.status, ref: h.ref,
  }));
  steps.sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage) || (a.ts ?? 0) - (b.ts ?? 0));
  const first = steps.find((s) => s.ts !== null);
  const stagesSeen = STAGE_ORDER.filter((st) => steps.some((s) => s.stage === st));
  return {
    story: {
      finding: {
        check: CHECK.story,
        severity: shells.length ? 'critical' : 'high',
        title: `Attack story: ${stagesSeen.join(' → ')}${ips.size ? ` (attacker IPs ${[...ips].join(', ')})` : ''}`,
        path: shells[0]?.finding.path ?? null,
        time: first?.ts != null ? microsToIso(first.ts) : null,
        sha256: null,
        evidence: steps.map((s) => s.ref),
      },
      details: { steps, attackerIps: [...ips], activity },
    },
    shellIps,
  };
}
