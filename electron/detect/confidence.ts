// The confidence model. Each check states what its own evidence proves (its findings arrive with a confidence where
// the check knows); this module fills in the rest from a table per check, then adjusts every finding by what the
// correlation learned about who did it: a scanner's probes become informational, a trace that belongs to an intrusion
// is raised. A check with no rule here and no confidence of its own reads "needs review".
import type { Confidence } from '../../shared/types.ts';
import { isCveCheck } from './cve-registry.ts';
import { isPrivateIp } from './iis-patterns.ts';
import { CHECK } from './types.ts';
import type { Judgement, PendingFinding } from './types.ts';

export const CONFIDENCE_RANK: Record<Confidence, number> = { confirmed: 3, likely: 2, review: 1, info: 0 };

export const strongest = (list: Array<Confidence | null | undefined>): Confidence | null =>
  list.reduce<Confidence | null>((best, c) => (c && (best === null || CONFIDENCE_RANK[c] > CONFIDENCE_RANK[best]) ? c : best), null);

export function judge(p: PendingFinding, [confidence, reason]: Judgement): void {
  p.finding.confidence = confidence;
  p.finding.confidenceReason = reason;
}

/** What the correlation learned: which IPs are scanners, which findings belong to which intrusion. */
export interface Attribution {
  /** IP → why it is a scanner ("5 GET probes, no 2xx write, no follow-up"). */
  scanners: Map<string, string>;
  /** IP → intrusion number. */
  intrusionOfIp: Map<string, number>;
  /** Findings tied to an intrusion by file, path or time → intrusion number. */
  intrusionOf: Map<PendingFinding, number>;
  /** IPs that made the server do something (a 2xx forged request or exploit POST, a shell they drove). */
  attackers: Set<string>;
}

const detailIp = (p: PendingFinding): string | null => (typeof p.details?.ip === 'string' ? p.details.ip : null);

/** Base rules for checks that do not judge their own findings. */
const BASE: Record<string, (p: PendingFinding) => Judgement> = {
  [CHECK.iocHash]: (p) => ['confirmed', `its hash is listed as a known web shell or tool (${listsOf(p)})`],
  [CHECK.iocPath]: (p) => (p.details?.legitimateExchangeFile
    ? ['review', 'IOC path that is also a stock Exchange file: verify its hash against a baseline']
    : ['likely', `a file at a path listed for web shells (${listsOf(p)})`]),
  [CHECK.iocIp]: (p) => ['likely', `client IP listed in ${listsOf(p)}`],
  [CHECK.iocUserAgent]: () => ['review', 'user agents are shared by many clients (scripts, scanners): check what these requests did'],
  [CHECK.iocDomain]: (p) => ['likely', `host name listed in ${listsOf(p)}`],
  [CHECK.hafniumRequest]: () => ['likely', 'requests matching published HAFNIUM patterns (CHIRP, signature-base, Sentinel)'],
  [CHECK.lsass]: () => ['likely', 'an LSASS memory dump holds credentials; administrators rarely leave one in these folders'],
  [CHECK.archive]: () => ['review', 'archives under ProgramData were used to stage stolen data, but installers leave them too'],
  [CHECK.baseline]: () => ['review', 'not in the known-good baseline for this build: a customisation or an implant'],
  [CHECK.scan]: () => ['info', 'probes only: no successful write, no follow-up'],
};

function listsOf(p: PendingFinding): string {
  const ind = Array.isArray(p.details?.indicators) ? (p.details.indicators as Array<{ list?: string }>) : [];
  const names = [...new Set(ind.map((i) => i.list).filter((l): l is string => !!l))];
  return names.length ? names.join(', ') : 'an IOC list';
}

function baseJudgement(p: PendingFinding): Judgement {
  const rule = BASE[p.finding.check];
  if (rule) return rule(p);
  if (isCveCheck(p.finding.check)) {
    return p.details?.outcome === 'attempted' ? ['likely', 'matched the check, did not succeed: an attempt'] : ['likely', 'matched the check and succeeded'];
  }
  return ['review', 'no confidence rule for this check yet: review the evidence'];
}

/** Checks whose finding is an action of the client IP in details.ip (so a scanner's probe becomes informational). */
const IP_ACTOR_CHECKS = new Set<string>([CHECK.ssrf, CHECK.ecp, CHECK.hafniumRequest, CHECK.iocIp, CHECK.iocUserAgent, CHECK.mailEwsSsrf, CHECK.mailEws, CHECK.mailOab]);
/** What membership of an intrusion raises, and to what. */
const RAISE_IN_INTRUSION: Record<string, Confidence> = {
  [CHECK.iocIp]: 'confirmed', [CHECK.hafniumRequest]: 'confirmed', [CHECK.lsass]: 'confirmed', [CHECK.archive]: 'likely',
  [CHECK.ecp]: 'confirmed', [CHECK.mailExport]: 'likely', [CHECK.mailOab]: 'confirmed', [CHECK.webshell]: 'likely', [CHECK.mailEws]: 'confirmed',
  // a script page driven like a shell by an IP that exploited the server: likely a shell, never confirmed from logs alone
  [CHECK.webshellLogUse]: 'likely',
};

function adjust(p: PendingFinding, a: Attribution): void {
  const ip = detailIp(p);
  const scanner = ip ? a.scanners.get(ip) : undefined;
  if (scanner && (IP_ACTOR_CHECKS.has(p.finding.check) || isCveCheck(p.finding.check))) {
    judge(p, ['info', `from ${ip}, which only scanned this server (${scanner})`]);
    return;
  }
  if (ip && p.finding.check === CHECK.hafniumRequest && !a.attackers.has(ip)) {
    judge(p, isPrivateIp(ip)
      ? ['review', `an internal client (${ip}) matching published HAFNIUM patterns with nothing succeeding: an in-house scan, or an internal attacker`]
      : ['likely', `published HAFNIUM patterns, but nothing ${ip} sent succeeded: an attempt`]);
    return;
  }
  const intrusion = (ip ? a.intrusionOfIp.get(ip) : undefined) ?? a.intrusionOf.get(p);
  const target = RAISE_IN_INTRUSION[p.finding.check];
  const current = p.finding.confidence ?? 'review';
  if (intrusion !== undefined && target && current !== 'info' && CONFIDENCE_RANK[target] > CONFIDENCE_RANK[current]) {
    judge(p, [target, `${p.finding.confidenceReason ?? ''}; part of intrusion ${intrusion}`.replace(/^; /, '')]);
  }
}

/** Gives every finding a confidence and a one-line reason. */
export function assessConfidence(found: PendingFinding[], a: Attribution): void {
  for (const p of found) {
    if (!p.finding.confidence) judge(p, baseJudgement(p));
    adjust(p, a);
  }
}
