// Indicators found in the case (attacker IPs, file hashes, web shell paths), shared by the report and the IOC exports.
import type { Db } from '../case/db.ts';
import type { WebshellInfo } from '../../shared/api.ts';
import type { FindingRow, Micros, TimelineEvent } from '../../shared/types.ts';
import { isoToMicros } from '../../shared/types.ts';
import { liftedColumns } from '../case/write.ts';
import { parseObject, parseRefs, stringArray } from './json.ts';
import type { Indicator, IndicatorType } from './model-types.ts';
import { RefQuoter } from './quote.ts';

/** Checks whose evidence rows carry the attacker's client IP. */
const IP_CHECKS = new Set(['proxylogon.cve-2021-26855', 'proxylogon.cve-2021-27065', 'ioc.ip', 'hafnium.request']);
/** Checks whose file hash / path is itself an indicator. */
const FILE_CHECKS = new Set(['webshell', 'ioc.hash', 'ioc.path', 'suspicious.lsass-dump', 'suspicious.archive']);
const MAX_REFS_PER_FINDING = 500;

export function readFindings(db: Db): FindingRow[] {
  const rows = db.prepare(`SELECT id, check_id, severity, confidence, confidence_reason, title, path, time, sha256, evidence, details FROM findings
    ORDER BY CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, time, id`)
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

  add(type: IndicatorType | null, value: string | null | undefined, context: string, seen: Micros | null): void {
    if (!type || !value) return;
    const v = type === 'filepath' ? value : value.toLowerCase();
    const key = `${type}\u0000${type === 'filepath' ? v.toLowerCase() : v}`;
    const cur = this.byKey.get(key) ?? { type, value: v, context: [], firstSeen: null };
    if (!cur.context.includes(context)) cur.context.push(context);
    if (seen !== null && Number.isFinite(seen) && (cur.firstSeen === null || seen < cur.firstSeen)) cur.firstSeen = seen;
    this.byKey.set(key, cur);
  }

  list(): Indicator[] {
    const order: IndicatorType[] = ['ipv4', 'ipv6', 'sha256', 'sha1', 'md5', 'filepath'];
    return [...this.byKey.values()].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type) || a.value.localeCompare(b.value));
  }
}

export function collectIndicators(db: Db, findings: FindingRow[], webshells: WebshellInfo[]): Indicator[] {
  const set = new IndicatorSet();
  const quoter = new RefQuoter(db);
  for (const w of webshells) {
    const seen = w.btime ?? w.mtime;
    set.add('sha256', w.sha256, 'webshell', seen);
    set.add('sha1', w.sha1, 'webshell', seen);
    set.add('md5', w.md5, 'webshell', seen);
    set.add('filepath', w.origPath, 'webshell', seen);
    for (const ip of w.attackerIps) set.add(ipType(ip), ip, 'webshell request', null);
    for (const r of w.requests) if (r.ip) set.add(ipType(r.ip), r.ip, 'webshell request', r.ts);
  }
  for (const f of findings) {
    const seen = f.time ? isoToMicros(f.time) : null;
    if (FILE_CHECKS.has(f.check)) {
      if (f.sha256) set.add(hashType(f.sha256), f.sha256, f.check, seen);
      if (f.path) set.add('filepath', f.path, f.check, seen);
    }
    const d = f.details ?? {};
    for (const ip of [...stringArray(d.attackerIps), ...stringArray(d.ips), ...stringArray([d.ip, d.clientIp])]) set.add(ipType(ip), ip, f.check, f.check === 'story' ? null : seen);
    if (!IP_CHECKS.has(f.check)) continue;
    for (const ref of f.evidence.slice(0, MAX_REFS_PER_FINDING)) {
      const q = quoter.quote(ref);
      if (!q?.fields) continue;
      const ip = liftedColumns({ fields: q.fields } as TimelineEvent).ip;
      if (ip) set.add(ipType(ip), ip, f.check, q.ts);
    }
  }
  return set.list();
}
