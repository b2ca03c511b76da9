// Mailbox changes that keep mail flowing to an intruder after the shells are gone: forwarding set on a mailbox, inbox
// and transport rules that forward, copy or redirect mail, and mailbox rights or management roles granted. Read from
// Exchange's own cmdlet records (MSExchange Management log, ECP server log, HttpProxy). Administrators make the same
// changes, so each is for the analyst to confirm; within an intrusion's time it becomes one of its steps.
import type { Db } from '../case/db.ts';
import { microsToIso } from '../../shared/types.ts';
import { cmdletParam, eventText, findCmdlet } from './cmdlets.ts';
import { when } from './hits.ts';
import { str } from './rows.ts';
import type { EventHit } from './rows.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

type Kind = 'forwarding' | 'inbox-rule' | 'transport-rule' | 'full-access' | 'send-as' | 'role';

interface Change {
  cmdlet: string;
  kind: Kind;
  /** Parameters naming where mail goes or who gains the right; the first present and not cleared is the value. */
  params: string[];
  /** A further condition on the record's text (e.g. the FullAccess right). */
  require?: RegExp;
}

const FORWARD_RULE = ['ForwardTo', 'ForwardAsAttachmentTo', 'RedirectTo'];
const TRANSPORT_RULE = ['BlindCopyTo', 'RedirectMessageTo', 'AddToRecipients', 'CopyTo'];
const CHANGES: Change[] = [
  { cmdlet: 'Set-Mailbox', kind: 'forwarding', params: ['ForwardingSmtpAddress', 'ForwardingAddress'] },
  { cmdlet: 'New-InboxRule', kind: 'inbox-rule', params: FORWARD_RULE },
  { cmdlet: 'Set-InboxRule', kind: 'inbox-rule', params: FORWARD_RULE },
  { cmdlet: 'New-TransportRule', kind: 'transport-rule', params: TRANSPORT_RULE },
  { cmdlet: 'Set-TransportRule', kind: 'transport-rule', params: TRANSPORT_RULE },
  { cmdlet: 'Add-MailboxPermission', kind: 'full-access', params: ['User'], require: /FullAccess/i },
  { cmdlet: 'Add-RecipientPermission', kind: 'send-as', params: ['Trustee'] },
  { cmdlet: 'Add-ADPermission', kind: 'send-as', params: ['User'], require: /Send[- ]?As/i },
  { cmdlet: 'New-ManagementRoleAssignment', kind: 'role', params: ['User', 'SecurityGroup'] },
];

const MAIL_FLOW: ReadonlySet<Kind> = new Set(['forwarding', 'inbox-rule', 'transport-rule']);


/** A value that clears the setting rather than sets it. */
const cleared = (v: string): boolean => /^(\$null|null|""|''|)$/i.test(v.trim());

/** The record is of this cmdlet itself, not of one whose name starts the same (Set-MailboxJunkEmailConfiguration). */
function isOf(h: EventHit, cmdlet: string): boolean {
  const logged = str(h.fields, 'data.0');
  if (h.source === 'evtx' && logged) return logged.toLowerCase() === cmdlet.toLowerCase();
  return new RegExp(`(?:^|[^\\w-])${cmdlet}(?=[^\\w-]|$)`, 'i').test(eventText(h));
}

interface Made { change: Change; hit: EventHit; value: string; identity: string; by: string; failed: boolean; text: string }

function changesMade(db: Db): Made[] {
  const out: Made[] = [];
  for (const change of CHANGES) {
    for (const hit of findCmdlet(db, change.cmdlet)) {
      if (!isOf(hit, change.cmdlet)) continue;
      const text = eventText(hit);
      if (change.require && !change.require.test(text)) continue;
      const value = change.params.map((p) => cmdletParam(text, p)).find((v): v is string => v !== null && !cleared(v));
      if (!value) continue;
      const identity = cmdletParam(text, 'Identity') ?? cmdletParam(text, 'Mailbox') ?? '';
      out.push({ change, hit, value, identity, by: hit.source === 'evtx' ? str(hit.fields, 'data.2') : '', failed: hit.source === 'evtx' && Number(hit.fields.EventID) === 6, text });
    }
  }
  return out;
}

function titleOf(m: Made, n: number): string {
  const who = m.identity || '(mailbox not logged)';
  const name = cmdletParam(m.text, 'Name');
  const what: Record<Kind, string> = {
    forwarding: `Mail forwarding set on ${who} → ${m.value}`,
    'inbox-rule': `Inbox rule${name ? ` "${name}"` : ''} on ${who} sends mail to ${m.value}`,
    'transport-rule': `Transport rule${name ? ` "${name}"` : ''} sends copies of mail to ${m.value}`,
    'full-access': `Full access to mailbox ${who} granted to ${m.value}`,
    'send-as': `Send-as right on ${who} granted to ${m.value}`,
    role: `Management role ${cmdletParam(m.text, 'Role') ?? '(role not logged)'} assigned to ${m.value}`,
  };
  return `${m.failed ? 'FAILED: ' : ''}${what[m.change.kind]}${m.by ? ` by ${m.by}` : ''} (${m.change.cmdlet}, ${when(m.hit.ts)}${n > 1 ? `, ${n} times` : ''})`;
}

/** One finding per change (kind, mailbox, value); repeats of the same change are listed in it. */
export function checkMailboxChanges(db: Db): PendingFinding[] {
  const groups = new Map<string, Made[]>();
  for (const m of changesMade(db).sort((a, b) => a.hit.ts - b.hit.ts)) {
    const key = [m.change.kind, m.identity.toLowerCase(), m.value.toLowerCase(), m.failed].join('\u0000');
    const list = groups.get(key);
    if (list) list.push(m); else groups.set(key, [m]);
  }
  return [...groups.values()].map((list) => {
    const m = list[0];
    const flow = MAIL_FLOW.has(m.change.kind);
    return {
      finding: {
        check: flow ? CHECK.mailForwarding : CHECK.mailPermission,
        severity: m.failed ? 'low' : flow ? 'high' : 'medium',
        confidence: m.failed ? 'info' : 'review',
        confidenceReason: m.failed
          ? 'Exchange refused the change: an attempt'
          : flow ? 'intruders forward or copy mail to keep reading it after losing access; administrators set forwarding too: confirm it with the client'
            : 'intruders grant themselves mailbox rights or roles (Mailbox Import Export before an export); administrators do too: confirm it with the client',
        title: titleOf(m, list.length), path: null, time: microsToIso(m.hit.ts), sha256: null, evidence: list.map((x) => x.hit.ref),
      },
      details: {
        kind: m.change.kind, cmdlet: m.change.cmdlet, identity: m.identity || null, value: m.value, by: m.by || null, failed: m.failed,
        hits: list.map((x) => ({ eventId: x.hit.id, ts: x.hit.ts })),
      },
    };
  });
}
