// One verdict per CVE from the stored findings and the log coverage:
// exploited (a hit proving success) > attempted (only hits that did not succeed, e.g. SSRF rows with a non-2xx
// status, or Reset…VirtualDirectory rows without 200) > no-evidence (no hits, logs span Jan–Mar 2021) >
// not-covered (no hits, and the logs are missing or do not span that window).
import type { Db } from '../case/db.ts';
import type { CveVerdict, LogCoverage } from '../../shared/api.ts';
import type { EvidenceRef, Verdict } from '../../shared/types.ts';
import { microsToIso } from '../../shared/types.ts';
import { computeLogCoverage, coversWindow, CVE_LOGS, spanOf } from './coverage.ts';
import { CHECK } from './types.ts';

const CVES: Array<{ cve: string; check: string; title: string }> = [
  { cve: 'CVE-2021-26855', check: CHECK.ssrf, title: 'Server-side request forgery (ProxyLogon SSRF)' },
  { cve: 'CVE-2021-26857', check: CHECK.um, title: 'Unified Messaging insecure deserialization' },
  { cve: 'CVE-2021-26858', check: CHECK.oab, title: 'Arbitrary file write via OAB generator' },
  { cve: 'CVE-2021-27065', check: CHECK.ecp, title: 'Arbitrary file write via ECP virtual-directory settings' },
];

const day = (us: number | null): string => (us === null ? '?' : microsToIso(us).slice(0, 10));

export function computeVerdicts(db: Db, coverage: LogCoverage[] = computeLogCoverage(db)): CveVerdict[] {
  const stmt = db.prepare('SELECT evidence, details FROM findings WHERE check_id = ? ORDER BY time, id');
  return CVES.map(({ cve, check, title }) => {
    const rows = stmt.all(check) as Array<{ evidence: string; details: string | null }>;
    const evidence: EvidenceRef[] = [];
    let exploited = false;
    for (const r of rows) {
      evidence.push(...(JSON.parse(r.evidence) as EvidenceRef[]));
      const d = r.details ? (JSON.parse(r.details) as { outcome?: string }) : {};
      if (d.outcome !== 'attempted') exploited = true;
    }
    const logs = coverage.filter(CVE_LOGS[cve]);
    const span = spanOf(logs);
    const covered = logs.length > 0 && coversWindow(span.oldest, span.newest);
    const verdict: Verdict = evidence.length ? (exploited ? 'exploited' : 'attempted') : covered ? 'no-evidence' : 'not-covered';
    const logText = logs.length
      ? `${span.folders} log folder(s) span ${day(span.oldest)} … ${day(span.newest)}`
      : 'no logs this check reads were collected';
    const summary = evidence.length
      ? `${evidence.length} matching entr${evidence.length === 1 ? 'y' : 'ies'} (${verdict}); ${logText}`
      : `no matching entries; ${logText}${covered ? '' : ', which does not cover 2021-01-01 … 2021-03-31'}`;
    return { cve, check, title, verdict, hits: evidence.length, covered, summary, evidence };
  });
}
