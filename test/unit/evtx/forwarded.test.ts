// Events collected through Windows Event Forwarding (and Windows 10+ channels) are stored as XML written straight
// into the record, without templates: the MSExchange Management cmdlet log the CVE-2021-27065 check reads must be
// read in that form too (a real forwarded record, and a written one carrying the attack).
import fs from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseEvtx } from '../../../electron/ingest/sources/evtx/index.ts';
import { checkCve202127065, findManagementEvents, findManagementHits } from '../../../electron/detect/cve-2021-27065.ts';
import { writeEvtx, type EvtxRecordSpec } from '../../fixtures/evtx-writer.ts';
import { addLog, newCase, sharedData } from '../detect/helpers.ts';
import { parseBytes } from './support.ts';

const WEC = sharedData('evtx-hard', 'rs__samples__MSExchange_Management_wec.evtx');
const REL = 'C/Windows/System32/winevt/Logs/ForwardedEvents.evtx';

test('a real MSExchange Management event collected through Windows Event Forwarding is read and seen by the CVE-2021-27065 check', { skip: !fs.existsSync(WEC) && 'evtx-hard samples absent' }, async () => {
  const tc = newCase();
  try {
    const events = await addLog(tc, REL, 'evtx', parseEvtx, fs.readFileSync(WEC));
    assert.equal(events.length, 1);
    const [e] = events;
    assert.equal(e.fields.Channel, 'MSExchange Management');
    assert.equal(e.fields.Provider, 'MSExchange CmdletLogs');
    assert.equal(e.fields.RecordID, 3229);
    assert.equal(e.fields['data.0'], 'Set-Mailbox');
    assert.equal(e.fields['data.1'], '-Identity "Administrateur" -DeliverToMailboxAndForward "False" -ForwardingSmtpAddress "smtp:test2@example.com"');
    assert.equal(e.host, 'WEC.ave.local');
    assert.deepEqual(findManagementEvents(tc.db).map((h) => h.ref), [{ file: REL, record: 3229 }]);
    assert.deepEqual(findManagementHits(tc.db), [], 'a mailbox forwarding rule is not the virtual-directory attack');
  } finally {
    tc.close();
  }
});

const cmdlet = (recordId: number, params: string): EvtxRecordSpec => ({
  recordId, time: `2021-03-03T01:11:4${recordId % 10}.1234567Z`, provider: 'MSExchange CmdletLogs', eventId: 1, qualifiers: 16384,
  level: 4, task: 1, channel: 'MSExchange Management', computer: 'EXCH01.contoso.local',
  data: ['Set-OabVirtualDirectory', params, 'contoso.local/Users/SYSTEM', 'S-1-5-18', 'S-1-5-18', 'Remote-ManagementShell-Unknown', '', ''],
});

test('a forwarded Set-OabVirtualDirectory with script in -ExternalUrl is a CVE-2021-27065 finding; its admin twin is not', async () => {
  const bytes = writeEvtx([
    cmdlet(7700, `-ExternalUrl 'https://mail.contoso.com/OAB' -Identity 'OAB (Default Web Site)'`),
    cmdlet(7713, `-ExternalUrl 'http://f/<script language="JScript" runat="server">function Page_Load(){eval(Request["klk123456"],"unsafe");}</script>' -Identity 'OAB (Default Web Site)'`),
  ], { forwarded: true });
  // Written the forwarded way: no template instance (token 0x0c) right after the first record's fragment header.
  assert.notEqual(bytes[4096 + 512 + 24 + 4], 0x0c);
  const { events, warnings } = await parseBytes(bytes);
  assert.deepEqual(warnings, []);
  assert.deepEqual(events.map((e) => [e.fields.RecordID, e.fields['data.0'], e.fields.Qualifiers, e.ts % 1_000_000]), [
    [7700, 'Set-OabVirtualDirectory', '16384', 123456], [7713, 'Set-OabVirtualDirectory', '16384', 123456],
  ]);
  const tc = newCase();
  try {
    await addLog(tc, REL, 'evtx', parseEvtx, Buffer.from(bytes));
    const found = checkCve202127065(tc.db);
    assert.equal(found.length, 1);
    assert.deepEqual(found[0].finding.evidence.map((r) => r.record), [7713]);
  } finally {
    tc.close();
  }
});
