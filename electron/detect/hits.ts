// Turns log hits of one check into findings: one finding per client IP and outcome, listing every hit's ref, with the
// check's own judgement of how sure it is.
import { microsToIso } from '../../shared/types.ts';
import type { Micros, Severity } from '../../shared/types.ts';
import type { EventHit } from './rows.ts';
import type { Judgement, Outcome, PendingFinding } from './types.ts';

/** "2021-03-03 04:11:02": a time in a finding's title (UTC, to the second). */
export const when = (us: Micros): string => microsToIso(us).replace('T', ' ').slice(0, 19);

export interface ClassifiedHit { hit: EventHit; outcome: Outcome; detail: Record<string, unknown> }

/** How sure a group of hits is; the default trusts the check's signature and reads the outcome. */
export type Judge = (outcome: Outcome, hits: ClassifiedHit[]) => Judgement;

export const defaultJudge: Judge = (outcome) => (outcome === 'exploited'
  ? ['likely', 'matched the check\'s signature, and the server carried the request out']
  : ['likely', 'matched the check\'s signature, but the server did not carry the request out: an attempt']);

export const severityOf = (o: Outcome): Severity => (o === 'exploited' ? 'critical' : 'high');

/** Groups hits by (outcome, client IP) so no hit is lost and each finding stays readable. */
export function groupHits(check: string, label: string, hits: ClassifiedHit[], judge: Judge = defaultJudge): PendingFinding[] {
  const groups = new Map<string, ClassifiedHit[]>();
  for (const h of hits) {
    const key = `${h.outcome}\u0000${h.hit.ip ?? ''}`;
    const list = groups.get(key);
    if (list) list.push(h); else groups.set(key, [h]);
  }
  const out: PendingFinding[] = [];
  for (const list of groups.values()) {
    const first = list[0];
    const ip = first.hit.ip;
    const verb = first.outcome === 'exploited' ? 'exploited' : 'attempted';
    const n = list.length;
    const [confidence, confidenceReason] = judge(first.outcome, list);
    out.push({
      finding: {
        check,
        severity: severityOf(first.outcome),
        confidence,
        confidenceReason,
        title: `${label} ${verb}: ${n} ${n === 1 ? 'entry' : 'entries'}${ip ? ` from ${ip}` : ''}`,
        path: null,
        time: microsToIso(first.hit.ts),
        sha256: null,
        evidence: list.map((h) => h.hit.ref),
      },
      details: {
        outcome: first.outcome,
        ip,
        hits: list.map((h) => ({ eventId: h.hit.id, ts: h.hit.ts, ...h.detail })),
      },
    });
  }
  return out.sort((a, b) => (a.finding.time ?? '').localeCompare(b.finding.time ?? ''));
}
