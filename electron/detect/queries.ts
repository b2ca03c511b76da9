// Read-side queries over detection results, used by the service, the UI and the report.
// OWNED BY THE DETECTIONS WORK: these signatures are fixed; the bodies are filled in by electron/detect/.
import type { Db } from '../case/db.ts';
import type { CveVerdict, LogCoverage, WebshellInfo } from '../../shared/api.ts';
import { computeLogCoverage } from './coverage.ts';
import { computeVerdicts } from './verdicts.ts';
import { attackerIps, requestsToFile, toRequest } from './correlate.ts';
import { extOf, SCRIPT_EXTENSIONS } from './paths.ts';
import { CHECK } from './types.ts';

/** One verdict per CVE (26855, 26857, 26858, 27065), Test-ProxyLogon style. */
export function getVerdicts(db: Db): CveVerdict[] {
  return computeVerdicts(db, computeLogCoverage(db));
}

/** Oldest/newest log per log folder, and whether it covers January–March 2021. */
export function getLogCoverage(db: Db): LogCoverage[] {
  return computeLogCoverage(db);
}

interface ShellRow {
  findingId: number; check: string; path: string | null; details: string | null; fileId: number | null; relPath: string | null;
  origPath: string | null; size: number | null; mtime: number | null; btime: number | null; md5: string | null;
  sha1: string | null; sha256: string | null; evidence: string;
}

/**
 * Every flagged web shell with its hashes, matched rules, the requests to its URL and the attacker IPs: files of
 * `webshell` findings, plus script files matched by a hash or path IOC.
 */
export function getWebshells(db: Db): WebshellInfo[] {
  const rows = db.prepare(`SELECT fi.id AS findingId, fi.check_id AS "check", fi.path, fi.details, fi.file_id AS fileId, fi.evidence,
      f.rel_path AS relPath, f.orig_path AS origPath, f.size, f.mtime, f.btime, f.md5, f.sha1, f.sha256
    FROM findings fi LEFT JOIN files f ON f.id = fi.file_id
    WHERE fi.check_id IN (?, ?, ?) ORDER BY fi.id`).all(CHECK.webshell, CHECK.iocHash, CHECK.iocPath) as ShellRow[];
  const byFile = new Map<string, WebshellInfo>();
  for (const r of rows) {
    const details = r.details ? (JSON.parse(r.details) as { kind?: string; rules?: string[]; reasons?: string[]; legitimateExchangeFile?: boolean; indicators?: Array<{ type: string; value: string; list: string }> }) : {};
    if (r.check === CHECK.webshell && details.kind !== 'file') continue;
    if (details.legitimateExchangeFile) continue;
    const origPath = r.origPath ?? r.path ?? '';
    if (r.check !== CHECK.webshell && !SCRIPT_EXTENSIONS.includes(extOf(origPath))) continue;
    const key = r.fileId !== null ? `id:${r.fileId}` : `path:${origPath.toLowerCase()}`;
    const info = byFile.get(key) ?? newInfo(db, r, origPath);
    info.rules.push(...(details.rules ?? []).filter((x) => !info.rules.includes(x)));
    const reasons = details.reasons ?? (details.indicators ?? []).map((i) => `IOC ${i.type} ${i.value} (${i.list})`);
    info.reasons.push(...reasons.filter((x) => !info.reasons.includes(x)));
    byFile.set(key, info);
  }
  return [...byFile.values()];
}

function newInfo(db: Db, r: ShellRow, origPath: string): WebshellInfo {
  const requests = requestsToFile(db, origPath).map(toRequest);
  const evidence = JSON.parse(r.evidence) as Array<{ file: string }>;
  return {
    findingId: r.findingId, fileId: r.fileId, relPath: r.relPath ?? evidence[0]?.file ?? '', origPath,
    size: r.size, mtime: r.mtime, btime: r.btime, md5: r.md5, sha1: r.sha1, sha256: r.sha256,
    rules: [], reasons: [], requests, attackerIps: attackerIps(requests),
  };
}
