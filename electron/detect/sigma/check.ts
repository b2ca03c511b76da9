// Sigma matches → findings: one finding per rule (`sigma.<rule id>`), severity from the rule's level, its title,
// references and ATT&CK tags, and the matched events (in time order) as evidence.
import type { Db } from '../../case/db.ts';
import { microsToIso } from '../../../shared/types.ts';
import { queryEvents, type EventHit } from '../rows.ts';
import type { PendingFinding } from '../types.ts';
import type { SigmaRule } from './compile.ts';
import { severityOfLevel } from './severity.ts';

/** Evidence refs and event details kept per finding; the count says how many matched in all. */
export const MAX_EVIDENCE = 1000;
const ID_BATCH = 500;

export const sigmaCheckId = (rule: Pick<SigmaRule, 'id'>): string => `sigma.${rule.id}`;

/** ATT&CK tags (`attack.t1059.001`, `attack.execution`) as written in the rule. */
export const attackTags = (tags: string[]): string[] => tags.filter((t) => /^attack\./i.test(t));

function eventsById(db: Db, ids: number[]): EventHit[] {
  const out: EventHit[] = [];
  for (let i = 0; i < ids.length; i += ID_BATCH) {
    const part = ids.slice(i, i + ID_BATCH);
    out.push(...queryEvents(db, `e.id IN (${part.map(() => '?').join(',')})`, part));
  }
  return out.sort((a, b) => a.ts - b.ts || a.id - b.id);
}

export function sigmaFindings(db: Db, rules: SigmaRule[], hits: Map<number, number[]>): PendingFinding[] {
  const out: PendingFinding[] = [];
  for (const [ruleIdx, ids] of hits) {
    const rule = rules[ruleIdx];
    const events = eventsById(db, ids);
    if (events.length === 0) continue;
    const shown = events.slice(0, MAX_EVIDENCE);
    const n = events.length;
    const hosts = [...new Set(events.map((e) => (typeof e.fields.Computer === 'string' ? e.fields.Computer : null)).filter((h): h is string => !!h))];
    out.push({
      finding: {
        check: sigmaCheckId(rule), severity: severityOfLevel(rule.level),
        title: `Sigma: ${rule.title} — ${n} ${n === 1 ? 'event' : 'events'}${hosts.length === 1 ? ` on ${hosts[0]}` : ''}`,
        path: null, time: microsToIso(events[0].ts), sha256: null, evidence: shown.map((e) => e.ref),
      },
      details: {
        kind: 'sigma', ruleId: rule.id, ruleTitle: rule.title, level: rule.level, status: rule.status, description: rule.description,
        author: rule.author, references: rule.references, attack: attackTags(rule.tags), tags: rule.tags,
        falsepositives: rule.falsepositives, ruleFile: rule.file, matched: n, hosts, truncated: n > shown.length,
        events: shown.map((e) => ({ eventId: e.id, ts: e.ts, message: e.message, ref: e.ref })),
      },
    });
  }
  return out.sort((a, b) => (a.finding.time ?? '').localeCompare(b.finding.time ?? '') || a.finding.check.localeCompare(b.finding.check));
}
