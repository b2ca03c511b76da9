// One verdict per CVE check of the registry, from the stored findings, their confidence, the log coverage and the
// case's completeness: exploited (a confirmed or likely hit proving success) > attempted (only attempts, or hits that
// need review) > no-evidence (no hits, complete case, logs span the CVE's window) > not-covered (no hits, logs missing
// or too short) — and not-assessed when the case is incomplete, because then "no hits" proves nothing.
// Informational hits (a scanner's probes) are counted apart and left out of the verdict.
import type { Db } from '../case/db.ts';
import type { Completeness, CveVerdict, LogCoverage } from '../../shared/api.ts';
import type { Confidence, EvidenceRef, FileKind, Micros, Verdict } from '../../shared/types.ts';
import { microsToIso } from '../../shared/types.ts';
import { computeCompleteness } from './completeness.ts';
import { CONFIDENCE_RANK, strongest } from './confidence.ts';
import { computeFileSpans, computeLogCoverage, coversWindow, gapIn, spanOf } from './coverage.ts';
import type { FileSpan } from './coverage.ts';
import { CVE_CHECKS } from './cve-registry.ts';
import type { CveCheck } from './types.ts';

const day = (us: number | null): string => (us === null ? '?' : microsToIso(us).slice(0, 10));

interface Row { evidence: EvidenceRef[]; outcome: string | null; confidence: Confidence | null; time: Micros | null }

function readRows(db: Db, check: string): Row[] {
  const rows = db.prepare('SELECT evidence, details, confidence, time FROM findings WHERE check_id = ? ORDER BY time, id').all(check) as Array<{ evidence: string; details: string | null; confidence: Confidence | null; time: number | null }>;
  return rows.map((r) => ({
    time: r.time,
    evidence: JSON.parse(r.evidence) as EvidenceRef[],
    outcome: r.details ? ((JSON.parse(r.details) as { outcome?: string }).outcome ?? null) : null,
    confidence: r.confidence,
  }));
}

/** A hit proves success when it is not an attempt and Loupe is at least fairly sure of it (unassessed old findings count). */
const proves = (r: Row): boolean => r.outcome !== 'attempted' && (r.confidence === null || CONFIDENCE_RANK[r.confidence] >= CONFIDENCE_RANK.likely);

/** Web and proxy logs get health-probe traffic every day; EVTX channels, ECP and OAB logs can be silent for days. */
const DAILY_KINDS: readonly FileKind[] = ['iis-log', 'httpproxy-log'];

/** The spans of the daily-written files a check reads (each file as a one-file folder entry, as `reads` sees it). */
const dailySpansRead = (c: CveCheck, spans: FileSpan[]): FileSpan[] =>
  spans.filter((x) => DAILY_KINDS.includes(x.kind) && c.reads({ folder: x.folder, kind: x.kind, files: 1, oldest: x.oldest, newest: x.newest, coversMarch2021: false }));

/** A stretch of the window the check's daily logs leave empty, or null (none, or no daily logs to judge by). */
function holeIn(c: CveCheck, spans: FileSpan[]): { from: Micros; to: Micros } | null {
  const daily = dailySpansRead(c, spans);
  return daily.length ? gapIn(daily, c.window) : null;
}

export function verdictFor(c: CveCheck, rows: Row[], coverage: LogCoverage[], completeness: Completeness, spans?: FileSpan[]): CveVerdict {
  const counted = rows.filter((r) => r.confidence !== 'info');
  const excluded = rows.filter((r) => r.confidence === 'info').reduce((n, r) => n + r.evidence.length, 0);
  const evidence = counted.flatMap((r) => r.evidence);
  const logs = coverage.filter(c.reads);
  const span = spanOf(logs);
  const spanned = logs.length > 0 && coversWindow(span.oldest, span.newest, c.window);
  // Logs that reach both ends of the window can still miss the middle of it (a copy put together from two periods).
  const hole = spanned && spans ? holeIn(c, spans) : null;
  const covered = spanned && hole === null;
  const verdict: Verdict = evidence.length ? (counted.some(proves) ? 'exploited' : 'attempted')
    : !completeness.complete ? 'not-assessed' : covered ? 'no-evidence' : 'not-covered';
  const logText = logs.length ? `${span.folders} log folder(s) span ${day(span.oldest)} … ${day(span.newest)}${hole ? ` with no entries from ${day(hole.from)} to ${day(hole.to)}` : ''}` : 'no logs this check reads were collected';
  const scanners = excluded ? `; ${excluded} scanner request${excluded === 1 ? '' : 's'} not counted` : '';
  const caveat = completeness.complete ? '' : ` The case is incomplete (${completeness.reasons[0]}).`;
  const summary = evidence.length
    ? `${evidence.length} matching entr${evidence.length === 1 ? 'y' : 'ies'} (${verdict}); ${logText}${scanners}.${caveat}`
    : verdict === 'not-assessed'
      ? `Not assessed: ${completeness.reasons.join('; ')}${scanners}.`
      : `No matching entries; ${logText}${covered ? '' : `, which does not cover ${c.window.label}`}${scanners}.`;
  return {
    cve: c.cve, check: c.check, title: c.title, wave: c.wave, verdict, hits: evidence.length, excluded,
    confidence: strongest(counted.map((r) => r.confidence)), covered, window: c.window, summary, evidence,
    firstSeen: counted.reduce<Micros | null>((m, r) => (r.time !== null && (m === null || r.time < m) ? r.time : m), null),
  };
}

export function computeVerdicts(db: Db, coverage?: LogCoverage[], completeness: Completeness = computeCompleteness(db)): CveVerdict[] {
  const spans = computeFileSpans(db);
  const cov = coverage ?? computeLogCoverage(db, spans);
  return CVE_CHECKS.map((c) => verdictFor(c, readRows(db, c.check), cov, completeness, spans));
}
