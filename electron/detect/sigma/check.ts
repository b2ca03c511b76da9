// Sigma matches → findings: one finding per rule (`sigma.<rule id>`), severity from the rule's level, its title,
// references and ATT&CK tags, and the matched events (in time order) as evidence.
import type { Db } from '../../case/db.ts';
import { microsToIso } from '../../../shared/types.ts';
import { FieldSelection, FieldsReader, PACKED_COLUMNS, type PackedRow } from '../../case/fields.ts';
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

const HOST = new FieldSelection(['Computer']);

/** Runs `read` over the ids, ID_BATCH at a time, and returns what it gives, in time order. */
function byIdBatches<T extends { id: number; ts: number }>(ids: number[], read: (part: number[], marks: string) => T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += ID_BATCH) {
    const part = ids.slice(i, i + ID_BATCH);
    out.push(...read(part, part.map(() => '?').join(',')));
  }
  return out.sort((a, b) => a.ts - b.ts || a.id - b.id);
}

function eventsById(db: Db, ids: number[]): EventHit[] {
  return byIdBatches(ids, (part, marks) => queryEvents(db, `e.id IN (${marks})`, part));
}

/**
 * Time and host (the Computer field, decoded alone) of every matched event, in time order: what a finding counts. A
 * broad rule may match millions of events; only the MAX_EVIDENCE it shows are then read whole.
 */
function matchedEvents(db: Db, reader: FieldsReader, ids: number[]): Array<{ id: number; ts: number; host: string | null }> {
  return byIdBatches(ids, (part, marks) => (db.prepare(`SELECT e.id, e.ts, ${PACKED_COLUMNS('e')} FROM events e WHERE e.id IN (${marks})`).all(...part) as Array<PackedRow & { id: number; ts: number }>)
    .map((r) => { const c = reader.read(r, HOST).Computer; return { id: r.id, ts: r.ts, host: typeof c === 'string' ? c : null }; }));
}

export function sigmaFindings(db: Db, rules: SigmaRule[], hits: Map<number, number[]>): PendingFinding[] {
  const out: PendingFinding[] = [];
  const reader = new FieldsReader(db);
  for (const [ruleIdx, ids] of hits) {
    const rule = rules[ruleIdx];
    const matched = matchedEvents(db, reader, ids);
    if (matched.length === 0) continue;
    const shown = eventsById(db, matched.slice(0, MAX_EVIDENCE).map((m) => m.id));
    const n = matched.length;
    const hosts = [...new Set(matched.map((m) => m.host).filter((h): h is string => !!h))];
    out.push({
      finding: {
        check: sigmaCheckId(rule), severity: severityOfLevel(rule.level),
        title: `Sigma: ${rule.title} — ${n} ${n === 1 ? 'event' : 'events'}${hosts.length === 1 ? ` on ${hosts[0]}` : ''}`,
        path: null, time: microsToIso(matched[0].ts), sha256: null, evidence: shown.map((e) => e.ref),
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
