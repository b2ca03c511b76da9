// Read-side queries over detection results, used by the service, the UI and the report.
import type { Db } from '../case/db.ts';
import type { Completeness, CveVerdict, Intrusion, LogCoverage, TimelineRange, WebshellInfo } from '../../shared/api.ts';
import { computeCompleteness } from './completeness.ts';
import { computeLogCoverage, logPeriod } from './coverage.ts';
import { computeVerdicts } from './verdicts.ts';
import { attackerIps, requestsToFile, toRequest } from './correlate.ts';
import { extOf, SCRIPT_EXTENSIONS } from './paths.ts';
import { queryOf } from './requests.ts';
import { CHECK } from './types.ts';

/** One verdict per CVE of the registry, Test-ProxyLogon style, aware of confidence and of the case's completeness. */
export function getVerdicts(db: Db, completeness: Completeness = computeCompleteness(db)): CveVerdict[] {
  return computeVerdicts(db, undefined, completeness);
}

/** Oldest/newest log per log folder, and whether it covers January–March 2021. */
export function getLogCoverage(db: Db): LogCoverage[] {
  return computeLogCoverage(db);
}

export function getCompleteness(db: Db, indexing = false): Completeness {
  return computeCompleteness(db, indexing);
}

/** The intrusions, from their story findings, in order of first activity. */
export function getIntrusions(db: Db): Intrusion[] {
  const rows = db.prepare(`SELECT id, title, details FROM findings WHERE check_id = ? ORDER BY time IS NULL, time, id`).all(CHECK.story) as Array<{ id: number; title: string; details: string | null }>;
  return rows.flatMap((r) => {
    const d = r.details ? (JSON.parse(r.details) as Partial<Intrusion>) : {};
    if (!Array.isArray(d.steps) || !d.mail) return []; // a story written before intrusions existed
    return [{
      id: d.id ?? 0, findingId: r.id, title: r.title, ips: d.ips ?? [], shells: d.shells ?? [], firstSeen: d.firstSeen ?? null,
      lastSeen: d.lastSeen ?? null, stages: d.stages ?? [], confidence: d.confidence ?? null, mail: d.mail, steps: d.steps, stepsTotal: d.stepsTotal ?? d.steps.length,
    }];
  });
}

/** The log period (log entries only), the findings' period, everything, and where the timeline should open. */
export function getTimelineRange(db: Db): TimelineRange {
  const { first: lo, last: hi } = logPeriod(db);
  const f = db.prepare("SELECT min(time) AS lo, max(time) AS hi FROM findings WHERE time IS NOT NULL AND check_id <> 'baseline.unknown-file'").get() as { lo: number | null; hi: number | null };
  const first = db.prepare('SELECT ts FROM events ORDER BY ts LIMIT 1').get() as { ts: number } | undefined;
  const last = db.prepare('SELECT ts FROM events ORDER BY ts DESC LIMIT 1').get() as { ts: number } | undefined;
  const copyEvents = (db.prepare("SELECT count(*) AS n FROM events WHERE source = 'filesystem' AND ts_desc = 'File Created (copy)'").get() as { n: number }).n;
  const logs = lo !== null && hi !== null ? { from: lo, to: hi + 1 } : null;
  const findings = f.lo !== null && f.hi !== null ? { from: f.lo, to: f.hi + 1 } : null;
  const all = first && last ? { from: first.ts, to: last.ts + 1 } : null;
  const def = logs ? { ...logs, basis: 'logs' as const } : findings ? { ...findings, basis: 'findings' as const } : all ? { ...all, basis: 'all' as const } : null;
  return { logs, findings, all, copyEvents, default: def };
}

interface ShellRow {
  findingId: number; check: string; path: string | null; details: string | null; fileId: number | null; relPath: string | null;
  origPath: string | null; size: number | null; mtime: number | null; btime: number | null; md5: string | null;
  sha1: string | null; sha256: string | null; evidence: string;
}

/**
 * Every flagged web shell with its hashes, matched rules, the requests to its URL and the IPs that drove it: files of
 * `webshell` findings, plus script files matched by a hash or path IOC.
 */
export function getWebshells(db: Db): WebshellInfo[] {
  const rows = db.prepare(`SELECT fi.id AS findingId, fi.check_id AS "check", fi.path, fi.details, fi.file_id AS fileId, fi.evidence,
      f.rel_path AS relPath, f.orig_path AS origPath, f.size, f.mtime, f.btime, f.md5, f.sha1, f.sha256
    FROM findings fi LEFT JOIN files f ON f.id = fi.file_id
    WHERE fi.check_id IN (?, ?, ?) ORDER BY fi.id`).all(CHECK.webshell, CHECK.iocHash, CHECK.iocPath) as ShellRow[];
  const byFile = new Map<string, WebshellInfo>();
  for (const r of rows) {
    const details = r.details ? (JSON.parse(r.details) as { kind?: string; rules?: string[]; families?: string[]; reasons?: string[]; legitimateExchangeFile?: boolean; indicators?: Array<{ type: string; value: string; list: string }> }) : {};
    if (r.check === CHECK.webshell && details.kind !== 'file') continue;
    if (details.legitimateExchangeFile) continue;
    const origPath = r.origPath ?? r.path ?? '';
    if (r.check !== CHECK.webshell && !SCRIPT_EXTENSIONS.includes(extOf(origPath))) continue;
    const key = r.fileId !== null ? `id:${r.fileId}` : `path:${origPath.toLowerCase()}`;
    const info = byFile.get(key) ?? newInfo(db, r, origPath);
    info.rules.push(...(details.rules ?? []).filter((x) => !info.rules.includes(x)));
    info.families.push(...(details.families ?? []).filter((x) => !info.families.includes(x)));
    const reasons = details.reasons ?? (details.indicators ?? []).map((i) => `IOC ${i.type} ${i.value} (${i.list})`);
    info.reasons.push(...reasons.filter((x) => !info.reasons.includes(x)));
    byFile.set(key, info);
  }
  return [...byFile.values()];
}

function newInfo(db: Db, r: ShellRow, origPath: string): WebshellInfo {
  const hits = requestsToFile(db, origPath);
  const evidence = JSON.parse(r.evidence) as Array<{ file: string }>;
  return {
    findingId: r.findingId, fileId: r.fileId, relPath: r.relPath ?? evidence[0]?.file ?? '', origPath,
    size: r.size, mtime: r.mtime, btime: r.btime, md5: r.md5, sha1: r.sha1, sha256: r.sha256,
    rules: [], families: [], reasons: [], requests: hits.map(toRequest), attackerIps: attackerIps(hits.map((h) => ({ ip: h.ip, method: h.method, status: h.status, query: queryOf(h) }))),
  };
}
