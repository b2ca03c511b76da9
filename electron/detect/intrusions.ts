// Clustering into intrusions: attacker IPs are joined to the shells they drove, and to the shells their exploit
// session wrote (the nearest preceding successful forged request or shell POST, within an hour of the write). Each
// connected group is one intrusion; traces without an IP (dumps, archives, cmdlet records) join the intrusion active
// at their time. Two intruders on different IPs, shells and days stay two stories.
import type { Micros } from '../../shared/types.ts';
import { isoToMicros } from '../../shared/types.ts';
import type { IpProfile, Shell } from './actors.ts';
import { isAttacker } from './actors.ts';
import type { Request } from './requests.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';
import { normWin } from './paths.ts';
import { isCveCheck } from './cve-registry.ts';

export interface IntrusionCluster {
  /** 1-based, in order of first activity. */
  n: number;
  ips: string[];
  shells: Shell[];
  first: Micros | null;
  last: Micros | null;
  /** Which IP's request wrote each shell (lower-case path → writer). */
  writers: Map<string, { ip: string; req: Request }>;
}

/** A shell written within this long after an attacker's request is attributed to that request's session. */
export const WRITE_WINDOW: Micros = 60 * 60 * 1_000_000;
/** Logged request times are when the request ended; the file may carry a slightly earlier time. */
const WRITE_SLACK: Micros = 10 * 1_000_000;
/** A trace without an IP joins an intrusion whose activity ended at most this long before it. */
export const FOLLOW_ON_WINDOW: Micros = 24 * 3600 * 1_000_000;

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let p = this.parent.get(x) ?? x;
    if (p !== x) { p = this.find(p); this.parent.set(x, p); }
    return p;
  }
  add(x: string): void { if (!this.parent.has(x)) this.parent.set(x, x); }
  union(a: string, b: string): void { this.add(a); this.add(b); this.parent.set(this.find(a), this.find(b)); }
}

/** The attacker request that most plausibly wrote the shell: the latest success before its write time, within the window. */
export function writerOf(shell: Shell, attackers: IpProfile[]): { ip: string; req: Request } | null {
  if (shell.writtenAt === null) return null;
  const w = shell.writtenAt;
  let best: { ip: string; req: Request } | null = null;
  for (const p of attackers) {
    for (const r of [...p.ssrfOk, ...p.writes]) {
      if (r.ts > w + WRITE_SLACK || r.ts < w - WRITE_WINDOW) continue;
      if (!best || r.ts > best.req.ts) best = { ip: p.ip, req: r };
    }
  }
  return best;
}

/** `attacker` decides who is one (by default: made the server do something, as the profile shows). */
export function clusterIntrusions(profiles: Map<string, IpProfile>, shells: Shell[], attacker: (p: IpProfile) => boolean = isAttacker): IntrusionCluster[] {
  const attackers = [...profiles.values()].filter(attacker);
  const uf = new UnionFind();
  const shellKey = (s: Shell): string => `shell:${normWin(s.path)}`;
  for (const p of attackers) {
    uf.add(`ip:${p.ip}`);
    for (const u of p.shellUses) uf.union(`ip:${p.ip}`, shellKey(u.shell));
  }
  const writers = new Map<string, { ip: string; req: Request }>();
  for (const s of shells) {
    const w = writerOf(s, attackers);
    if (w) { writers.set(normWin(s.path), w); uf.union(`ip:${w.ip}`, shellKey(s)); }
    else if (s.strong) uf.add(shellKey(s));
  }
  const groups = new Map<string, { ips: string[]; shells: Shell[] }>();
  const group = (key: string): { ips: string[]; shells: Shell[] } => {
    const root = uf.find(key);
    let g = groups.get(root);
    if (!g) { g = { ips: [], shells: [] }; groups.set(root, g); }
    return g;
  };
  for (const p of attackers) group(`ip:${p.ip}`).ips.push(p.ip);
  const lone: Shell[] = [];
  for (const s of shells) {
    if (groups.has(uf.find(shellKey(s)))) group(shellKey(s)).shells.push(s);
    else if (s.strong) lone.push(s);
  }
  const clusters = spans([...groups.values()], profiles);
  // A proven shell no request ties to an IP joins the intrusion active when it was written, else is one of its own.
  // In write order: a shell written just before another would otherwise start an intrusion of its own.
  lone.sort((a, b) => (a.writtenAt ?? Infinity) - (b.writtenAt ?? Infinity));
  for (const s of lone) {
    const c = intrusionAt(clusters, s.writtenAt);
    if (c) c.shells.push(s);
    else clusters.push(...spans([{ ips: [], shells: [s] }], profiles));
  }
  clusters.sort((a, b) => (a.first ?? Infinity) - (b.first ?? Infinity));
  clusters.forEach((c, i) => { c.n = i + 1; });
  for (const c of clusters) c.writers = new Map([...writers].filter(([path]) => c.shells.some((s) => normWin(s.path) === path)));
  return clusters;
}

function spans(groups: Array<{ ips: string[]; shells: Shell[] }>, profiles: Map<string, IpProfile>): IntrusionCluster[] {
  return groups.map((g) => {
    const times = [...g.ips.flatMap((ip) => profiles.get(ip)!.requests.map((r) => r.ts)), ...g.shells.flatMap((s) => (s.writtenAt === null ? [] : [s.writtenAt]))];
    return { n: 0, ips: g.ips.sort(), shells: g.shells, first: times.length ? Math.min(...times) : null, last: times.length ? Math.max(...times) : null, writers: new Map() };
  });
}

/** The intrusion active at `ts`: the one whose span holds it, else the latest one that ended shortly before. */
export function intrusionAt(clusters: IntrusionCluster[], ts: Micros | null): IntrusionCluster | null {
  if (ts === null) return null;
  const within = clusters.find((c) => c.first !== null && c.last !== null && ts >= c.first && ts <= c.last);
  if (within) return within;
  let best: IntrusionCluster | null = null;
  for (const c of clusters) {
    if (c.first === null || c.last === null || ts < c.last || ts - c.last > FOLLOW_ON_WINDOW) continue;
    if (!best || c.last > (best.last ?? -Infinity)) best = c;
  }
  return best;
}

/**
 * Loupe's own Sigma rules (resources/sigma) for what an exploited worker or a web shell does next on the server: the
 * IIS worker starting a shell, injecting a thread, logging on with explicit credentials or connecting to a
 * remote-access port; the UM worker starting a process (CVE-2021-26857); LSASS dumped through comsvcs.dll. Their
 * events have no client IP: like the checks below, they join the intrusion active at their time, each event a step.
 */
export const STORY_SIGMA_CHECKS = new Set<string>([
  '30a13fcf-a7c6-4ea5-882a-5b44049a69c8', '23d58afc-e2e2-469f-a604-c9bc6b077dc8', '87cbcf8a-6af2-4aa5-9b38-3a43fcdfcace',
  '931ef9fc-aa69-48fc-a874-f8484adc1365', '2c9bee27-f095-47f5-b26c-8533754794c4', '46ce3ce5-1aac-4bdd-8d7f-296743e116a6',
].map((id) => `sigma.${id}`));

/** Checks whose findings are traces without a client IP, placed in an intrusion by their time. */
const TIMED_CHECKS = new Set<string>([CHECK.ecp, CHECK.um, CHECK.lsass, CHECK.archive, CHECK.mailExport, CHECK.mailPst, CHECK.webshell, CHECK.baseline, CHECK.avDetection, CHECK.avTamper, CHECK.mailForwarding, CHECK.mailPermission, ...STORY_SIGMA_CHECKS]);

/**
 * Each finding that belongs to an intrusion: by its IP, by its shell's path, or by its (first) time; `byTime` holds
 * the last kind, whose every hit is placed by its own time in the story.
 */
export function attributeFindings(found: PendingFinding[], clusters: IntrusionCluster[]): { of: Map<PendingFinding, number>; byTime: Set<PendingFinding> } {
  const byIp = new Map(clusters.flatMap((c) => c.ips.map((ip) => [ip, c.n] as const)));
  const byShell = new Map(clusters.flatMap((c) => c.shells.map((s) => [normWin(s.path), c.n] as const)));
  const out = new Map<PendingFinding, number>();
  const byTime = new Set<PendingFinding>();
  for (const p of found) {
    const ip = typeof p.details?.ip === 'string' ? p.details.ip : null;
    const fetchers = Array.isArray(p.details?.downloads) ? (p.details.downloads as Array<{ ip?: string }>).map((d) => d.ip ?? '') : [];
    const viaIp = [ip, ...fetchers].map((x) => (x ? byIp.get(x) : undefined)).find((x) => x !== undefined);
    // a shell seen only in the logs is named by its URL (webshell.log-use details.page)
    const viaPath = [p.finding.path, p.details?.page].map((x) => (typeof x === 'string' && x ? byShell.get(normWin(x)) : undefined)).find((x) => x !== undefined);
    const isTimed = TIMED_CHECKS.has(p.finding.check) || isCveCheck(p.finding.check);
    const timed = isTimed && !ip ? intrusionAt(clusters, timeOf(p))?.n : undefined;
    const n = viaIp ?? viaPath ?? timed;
    if (n !== undefined) out.set(p, n);
    if (viaIp === undefined && viaPath === undefined && isTimed && !ip) byTime.add(p);
  }
  return { of: out, byTime };
}

const timeOf = (p: PendingFinding): Micros | null => (p.finding.time ? isoToMicros(p.finding.time) : null);
