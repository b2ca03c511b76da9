// Indicators found in the case (attacker IPs, file hashes, web shell paths), shared by the report and the IOC exports.
// Each carries the strongest confidence of the findings it came from and names them; by default only confirmed and
// likely ones are listed, so a scanner's IP or a stock Exchange file at an IOC path is never shared as "malicious".
import type { Db } from '../case/db.ts';
import { FINDING_ORDER } from '../case/finding-order.ts';
import type { WebshellInfo } from '../../shared/api.ts';
import type { Confidence, FindingRow, Micros } from '../../shared/types.ts';
import { isoToMicros, SHAREABLE_CONFIDENCES } from '../../shared/types.ts';
import { parseObject, parseRefs, stringArray } from './json.ts';
import type { Indicator, IndicatorType } from './model-types.ts';

/** Checks whose file hash / path is itself an indicator (for `webshell`, only files: a process image is not). */
const FILE_CHECKS = new Set(['webshell', 'ioc.hash', 'ioc.path', 'suspicious.lsass-dump', 'suspicious.archive']);
const RANK: Record<Confidence, number> = { confirmed: 3, likely: 2, review: 1, info: 0 };

export function readFindings(db: Db): FindingRow[] {
  const rows = db.prepare(`SELECT id, check_id, severity, confidence, confidence_reason, title, path, time, sha256, evidence, details FROM findings
    ORDER BY ${FINDING_ORDER}`)
    .all() as Array<{ id: number; check_id: string; severity: FindingRow['severity']; confidence: FindingRow['confidence']; confidence_reason: string | null; title: string; path: string | null; time: number | null; sha256: string | null; evidence: string; details: string | null }>;
  return rows.map((r) => ({
    id: r.id, check: r.check_id, severity: r.severity, confidence: r.confidence, confidenceReason: r.confidence_reason, title: r.title, path: r.path,
    time: r.time === null ? null : new Date(Math.floor(r.time / 1000)).toISOString(), sha256: r.sha256,
    evidence: parseRefs(r.evidence), details: r.details === null ? null : parseObject(r.details),
  }));
}

export function ipType(ip: string): IndicatorType | null {
  if (/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(ip)) return ip.startsWith('127.') || ip === '0.0.0.0' ? null : 'ipv4';
  if (/^[0-9a-f:.]+$/i.test(ip) && ip.includes(':') && ip !== '::1' && ip !== '::') return 'ipv6';
  return null;
}

export function hashType(h: string): IndicatorType | null {
  if (/^[0-9a-f]{64}$/i.test(h)) return 'sha256';
  if (/^[0-9a-f]{40}$/i.test(h)) return 'sha1';
  if (/^[0-9a-f]{32}$/i.test(h)) return 'md5';
  return null;
}

class IndicatorSet {
  private readonly byKey = new Map<string, Indicator>();

  add(type: IndicatorType | null, value: string | null | undefined, f: FindingRow, seen: Micros | null): void {
    if (!type || !value) return;
    const v = type === 'filepath' ? value : value.toLowerCase();
    const key = `${type}\u0000${type === 'filepath' ? v.toLowerCase() : v}`;
    const cur = this.byKey.get(key) ?? { type, value: v, context: [], firstSeen: null, confidence: 'info', sources: [] };
    if (!cur.context.includes(f.check)) cur.context.push(f.check);
    if (!cur.sources.some((s) => s.findingId === f.id)) cur.sources.push({ findingId: f.id, check: f.check, title: f.title, confidence: f.confidence });
    const c = f.confidence ?? 'review';
    if (RANK[c] > RANK[cur.confidence]) cur.confidence = c;
    if (seen !== null && Number.isFinite(seen) && (cur.firstSeen === null || seen < cur.firstSeen)) cur.firstSeen = seen;
    this.byKey.set(key, cur);
  }

  list(): Indicator[] {
    const order: IndicatorType[] = ['ipv4', 'ipv6', 'sha256', 'sha1', 'md5', 'filepath'];
    return [...this.byKey.values()].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type) || a.value.localeCompare(b.value));
  }
}

/** When a story's IP first acted in it (its first step), else the story's start. */
function firstStepOf(f: FindingRow, ip: string): Micros | null {
  const steps = Array.isArray(f.details?.steps) ? (f.details.steps as Array<{ ip?: string | null; ts?: number | null }>) : [];
  const t = steps.find((s) => s.ip === ip && typeof s.ts === 'number')?.ts;
  return t ?? (f.time ? isoToMicros(f.time) : null);
}

/** Every indicator of the case, each with its confidence and the findings it came from (all confidences). */
export function allIndicators(findings: FindingRow[], webshells: WebshellInfo[]): Indicator[] {
  const set = new IndicatorSet();
  const byId = new Map(findings.map((f) => [f.id, f]));
  for (const w of webshells) {
    const f = byId.get(w.findingId);
    if (!f) continue;
    const seen = w.mtime ?? w.btime;
    set.add('sha256', w.sha256, f, seen);
    set.add('sha1', w.sha1, f, seen);
    set.add('md5', w.md5, f, seen);
    set.add('filepath', w.origPath, f, seen);
  }
  for (const f of findings) {
    const seen = f.time ? isoToMicros(f.time) : null;
    const d = f.details ?? {};
    // A Defender detection names an indicator when it is a web shell (a tool in a user's folder is not one to share).
    const avShell = f.check === 'av.defender-detection' && (d.webFolder === true || d.exchangeFamily === true);
    if ((FILE_CHECKS.has(f.check) && !(f.check === 'webshell' && d.kind === 'process')) || avShell) {
      if (f.sha256) set.add(hashType(f.sha256), f.sha256, f, seen);
      if (f.path) set.add('filepath', f.path, f, seen);
    }
    if (f.check === 'story') {
      for (const ip of stringArray(d.ips ?? d.attackerIps)) set.add(ipType(ip), ip, f, firstStepOf(f, ip));
      continue;
    }
    for (const ip of stringArray([d.ip, d.clientIp])) set.add(ipType(ip), ip, f, seen);
  }
  return set.list();
}

export const isShareable = (i: Indicator): boolean => SHAREABLE_CONFIDENCES.includes(i.confidence);

/** The indicators to list: confirmed and likely ones, or all of them (labelled) when review is asked for. */
export function collectIndicators(findings: FindingRow[], webshells: WebshellInfo[], includeReview = false): { list: Indicator[]; hidden: number } {
  const all = allIndicators(findings, webshells);
  const list = includeReview ? all : all.filter(isShareable);
  return { list, hidden: all.length - list.length };
}
