// Verdicts, log coverage and web shells for the report: from electron/detect/queries.ts, or — when a query fails —
// a plainer reading of the stored findings, with a note in the report saying so.
import path from 'node:path';
import type { Db } from '../case/db.ts';
import type { Completeness, CveVerdict, LogCoverage, WebshellInfo } from '../../shared/api.ts';
import type { EvidenceRef, FileKind, Verdict } from '../../shared/types.ts';
import { getLogCoverage, getVerdicts, getWebshells } from '../detect/queries.ts';
import { CVE_CHECKS } from '../detect/cve-registry.ts';
import { plausibleLogTimes } from '../detect/coverage.ts';
import { parseObject, parseRefs, stringArray } from './json.ts';


const JAN_1_2021 = Date.UTC(2021, 0, 1) * 1000;
const APR_1_2021 = Date.UTC(2021, 3, 1) * 1000;
const LOG_KINDS = new Set<FileKind>(['iis-log', 'httpproxy-log', 'ecp-server-log', 'oab-generator-log', 'evtx']);

export interface Gathered<T> { value: T; note: string | null }

function gather<T>(what: string, primary: () => T, fallback: () => T): Gathered<T> {
  try {
    return { value: primary(), note: null };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { value: fallback(), note: `${what}: the detection query failed (${why}); shown as read from the stored findings.` };
  }
}

export function gatherCoverage(db: Db): Gathered<LogCoverage[]> {
  return gather('Log coverage', () => getLogCoverage(db), () => coverageFromEvents(db));
}

export function gatherVerdicts(db: Db, coverage: LogCoverage[], completeness?: Completeness): Gathered<CveVerdict[]> {
  return gather('Verdicts', () => getVerdicts(db, completeness), () => verdictsFromFindings(db, coverage));
}

export function gatherWebshells(db: Db): Gathered<WebshellInfo[]> {
  return gather('Web shells', () => getWebshells(db), () => webshellsFromFindings(db));
}

/** Oldest/newest event per log folder; "covers" means the folder spans all of January–March 2021. */
function coverageFromEvents(db: Db): LogCoverage[] {
  const { from, to } = plausibleLogTimes();
  const rows = db.prepare(`SELECT f.rel_path AS relPath, f.kind, min(e.ts) AS oldest, max(e.ts) AS newest
    FROM files f LEFT JOIN events e ON e.file_id = f.id AND e.ts BETWEEN ? AND ? GROUP BY f.id`).all(from, to) as Array<{ relPath: string; kind: FileKind; oldest: number | null; newest: number | null }>;
  const byFolder = new Map<string, LogCoverage>();
  for (const r of rows) {
    if (!LOG_KINDS.has(r.kind)) continue;
    const folder = path.posix.dirname(r.relPath);
    const c = byFolder.get(folder) ?? { folder, kind: r.kind, files: 0, oldest: null, newest: null, coversMarch2021: false };
    c.files++;
    if (r.oldest !== null && (c.oldest === null || r.oldest < c.oldest)) c.oldest = r.oldest;
    if (r.newest !== null && (c.newest === null || r.newest > c.newest)) c.newest = r.newest;
    c.coversMarch2021 = c.oldest !== null && c.newest !== null && c.oldest <= JAN_1_2021 && c.newest >= APR_1_2021 - 1;
    byFolder.set(folder, c);
  }
  return [...byFolder.values()].sort((a, b) => a.folder.localeCompare(b.folder));
}

function verdictsFromFindings(db: Db, coverage: LogCoverage[]): CveVerdict[] {
  const stmt = db.prepare('SELECT severity, evidence FROM findings WHERE check_id = ?');
  return CVE_CHECKS.map((c) => {
    const rows = stmt.all(c.check) as Array<{ severity: string; evidence: string }>;
    const evidence: EvidenceRef[] = rows.flatMap((r) => parseRefs(r.evidence));
    const logs = coverage.filter(c.reads);
    const covered = logs.some((k) => k.coversMarch2021);
    const serious = rows.some((r) => r.severity === 'critical' || r.severity === 'high');
    // Without the detection query there is no completeness to lean on: never claim "no evidence".
    const verdict: Verdict = rows.length ? (serious ? 'exploited' : 'attempted') : logs.length ? 'not-assessed' : 'not-covered';
    const summary = rows.length
      ? `${rows.length} finding(s), ${evidence.length} evidence reference(s)`
      : logs.length ? 'no matching log entries (not assessed)' : 'no logs of the kind this check reads were collected';
    return {
      cve: c.cve, check: c.check, title: c.title, wave: c.wave, verdict, hits: evidence.length, excluded: 0, confidence: null,
      covered, window: c.window, summary, evidence,
    };
  });
}

function webshellsFromFindings(db: Db): WebshellInfo[] {
  const rows = db.prepare(`SELECT x.id, x.title, x.path, x.sha256 AS xsha, x.details, f.id AS fileId, f.rel_path, f.orig_path,
      f.size, f.mtime, f.btime, f.md5, f.sha1, f.sha256
    FROM findings x LEFT JOIN files f ON f.id = x.file_id WHERE x.check_id = 'webshell' ORDER BY x.id`).all() as Array<Record<string, unknown>>;
  return rows.map((r) => {
    const d = parseObject(r.details);
    return {
      findingId: r.id as number,
      fileId: (r.fileId as number | null) ?? null,
      relPath: (r.rel_path as string | null) ?? '',
      origPath: (r.orig_path as string | null) ?? (r.path as string | null) ?? '',
      size: (r.size as number | null) ?? null,
      mtime: (r.mtime as number | null) ?? null,
      btime: (r.btime as number | null) ?? null,
      md5: (r.md5 as string | null) ?? null,
      sha1: (r.sha1 as string | null) ?? null,
      sha256: (r.sha256 as string | null) ?? (r.xsha as string | null) ?? null,
      rules: stringArray(d.rules),
      families: stringArray(d.families),
      reasons: stringArray(d.reasons).length ? stringArray(d.reasons) : [String(r.title)],
      requests: [],
      attackerIps: stringArray(d.attackerIps),
    };
  });
}
