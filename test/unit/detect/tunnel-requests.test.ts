// Web-shell tunnels in request logs: the real Tunna RDP-tunnel IIS log from the shared data, reGeorg's published
// request verbs, and the benign twins that must stay clean (an application's own `cmd=read`, a `proxy=` parameter).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { parseAccessLog } from '../../../electron/ingest/sources/access-log.ts';
import { parseIis } from '../../../electron/ingest/sources/iis.ts';
import { parseEvtx } from '../../../electron/ingest/sources/evtx/index.ts';
import { checkTunnelRequests, tunnelRequest } from '../../../electron/detect/tunnel-requests.ts';
import { runDetections } from '../../../electron/detect/index.ts';
import { readFindings } from '../../../electron/report/indicators.ts';
import { addLog, iisLog, newCase, sharedData } from './helpers.ts';

const TUNNA_LOG = sharedData('iis', 'Command_and_Control__Tunna_rdp_tunnel_IIS.log');
/** The same tunnel seen by Sysmon on the server: w3wp.exe connecting to 127.0.0.1:3389, then (after the IIS log ends) :445. */
const TUNNA_SYSMON = sharedData('evtx', 'Command_and_Control__tunna_iis_rdp_smb_tunneling_sysmon_3.evtx');
const IIS = 'C/inetpub/logs/LogFiles/W3SVC1';

const line = (time: string, method: string, stem: string, query: string, ip: string, status: number): string =>
  `2021-03-04 ${time} 10.0.0.5 ${method} ${stem} ${query} 443 - ${ip} python-requests/2.25.1 - ${status} 0 0 12`;

test('tunnel verbs: Tunna opens with proxy&port&ip and polls with a bare proxy; reGeorg connects to target:port, then reads and forwards', () => {
  assert.deepEqual(tunnelRequest('proxy&port=3389&ip=127.0.0.1'), { tool: 'Tunna', opens: '127.0.0.1:3389' });
  assert.deepEqual(tunnelRequest('proxy'), { tool: 'Tunna', opens: null });
  assert.deepEqual(tunnelRequest('cmd=connect&target=10.1.2.3&port=445'), { tool: 'reGeorg', opens: '10.1.2.3:445' });
  assert.deepEqual(tunnelRequest('cmd=forward'), { tool: 'reGeorg', opens: null });
  for (const benign of ['proxy=1', 'proxy&lang=en', 'cmd=readme', 'cmd=connect&target=x', 'cmd=connect&target=1.2.3.4&port=http', 'id=7&proxy-mode=on', '']) {
    assert.equal(tunnelRequest(benign), null, benign);
  }
});

test('the real Tunna RDP tunnel log is one confirmed, critical finding naming the page, the client and 127.0.0.1:3389 (RDP)', { skip: fs.existsSync(TUNNA_LOG) ? false : 'shared/data/iis not present' }, async () => {
  const tc = newCase();
  try {
    const raw = fs.readFileSync(TUNNA_LOG);
    await addLog(tc, `${IIS}/u_ex190903.log`, 'iis-log', parseIis, raw);
    const found = checkTunnelRequests(tc.db);
    assert.equal(found.length, 1);
    const [f] = found;
    assert.equal(f.finding.check, 'webshell.tunnel');
    assert.equal(f.finding.severity, 'critical');
    assert.equal(f.finding.confidence, 'confirmed');
    // every data line of the sample is Tunna's (setup, then ?proxy polls and sends)
    const tunnelLines = raw.toString('latin1').split('\n').filter((l) => / \/erp\/conn\.aspx proxy/.test(l)).length;
    assert.ok(tunnelLines > 4000);
    assert.equal(f.details?.count, tunnelLines, 'every request of the tunnel is counted');
    assert.match(f.finding.title, new RegExp(`^Web-shell tunnel \\(Tunna\\) at /erp/conn\\.aspx from 10\\.0\\.2\\.17: ${tunnelLines.toLocaleString('en-US')} requests, to 127\\.0\\.0\\.1:3389 \\(RDP\\)$`));
    assert.equal(f.finding.evidence.length, 500, 'evidence capped, the count stays in the title');
    // The client that tunnelled is an attacker: its intrusion reached "shell-used", each tunnel request a step of it.
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const stories = readFindings(tc.db).filter((x) => x.check === 'story');
    assert.equal(stories.length, 1, stories.map((x) => x.title).join('\n'));
    assert.match(stories[0].title, /^Intrusion 1: 10\.0\.2\.17 · 2019-09-03 10:13 → 2019-09-03 11:08 · shell-used · /, 'the last relayed request ends it');
    assert.equal(stories[0].severity, 'critical');
    assert.deepEqual(stories[0].details?.shells, ['/erp/conn.aspx'], 'the tunnel page is the intrusion\'s web shell, named by its URL');
    const steps = (stories[0].details?.steps ?? []) as Array<{ kind: string; text: string }>;
    assert.match(steps[0].text, /: Tunna tunnel through \/erp\/conn\.aspx: opens a connection to 127\.0\.0\.1:3389$/);
    // the relayed requests between the opening ones fold into one step each, counted
    const relays = steps.filter((s) => s.kind === 'tunnel-relay');
    assert.ok(relays.length >= 1 && relays.length < 20, `${relays.length} relay steps`);
    const counted = relays.map((s) => Number(/: ([\d,]+) requests until /.exec(s.text)?.[1]?.replace(/,/g, '') ?? 1)).reduce((a, b) => a + b, 0);
    assert.equal(counted + steps.filter((s) => s.kind === 'tunnel-open').length, tunnelLines, 'every tunnel request is in a step');
  } finally { tc.close(); }
});

test('the real Tunna Sysmon log joins the tunnel\'s intrusion: w3wp.exe\'s connections to RDP, and to SMB after the IIS log ends, are follow-on steps of its story', { skip: fs.existsSync(TUNNA_LOG) && fs.existsSync(TUNNA_SYSMON) ? false : 'shared/data not present' }, async () => {
  const tc = newCase();
  try {
    await addLog(tc, `${IIS}/u_ex190903.log`, 'iis-log', parseIis, fs.readFileSync(TUNNA_LOG));
    await addLog(tc, 'C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx', 'evtx', parseEvtx, fs.readFileSync(TUNNA_SYSMON));
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const all = readFindings(tc.db);
    const sigma = all.find((x) => x.check === 'sigma.931ef9fc-aa69-48fc-a874-f8484adc1365');
    assert.ok(sigma, all.map((x) => x.check).join(', '));
    const stories = all.filter((x) => x.check === 'story');
    assert.equal(stories.length, 1, stories.map((x) => x.title).join('\n'));
    // The SMB tunnel at 11:33–11:34 comes after the last IIS line (11:08): the story now runs to it, and says the logs
    // no longer cover the whole intrusion for mail.
    assert.match(stories[0].title, /^Intrusion 1: 10\.0\.2\.17 · 2019-09-03 10:13 → 2019-09-03 11:34 · shell-used → follow-on · mail access not covered by the logs$/);
    const steps = (stories[0].details?.steps ?? []) as Array<{ kind: string; stage: string; text: string; ref: { record?: number } }>;
    const sysmon = steps.filter((x) => x.kind === 'sigma');
    assert.deepEqual(sysmon.map((x) => [x.stage, x.ref.record, /→ (127\.0\.0\.1:\d+)/.exec(x.text)?.[1]]), [
      ['follow-on', 35076, '127.0.0.1:3389'], ['follow-on', 35079, '127.0.0.1:3389'], ['follow-on', 35202, '127.0.0.1:445'], ['follow-on', 35205, '127.0.0.1:445'],
    ]);
    assert.match(sysmon[0].text, /^IIS Worker Connected to a Remote-Access Port: Sysmon 3: network connection C:\\Windows\\System32\\inetsrv\\w3wp\.exe /);
  } finally { tc.close(); }
});

test('reGeorg: a session is found by its connect (or by reads and forwards when the connect is older than the log); an app\'s lone cmd=read and refused tries are told apart', async () => {
  const tc = newCase();
  try {
    await addLog(tc, `${IIS}/u_ex210304.log`, 'iis-log', parseIis, iisLog([
      line('01:00:00', 'POST', '/aspnet_client/tunnel.aspx', 'cmd=connect&target=10.0.0.20&port=445', '203.0.113.7', 200),
      line('01:00:01', 'POST', '/aspnet_client/tunnel.aspx', 'cmd=forward', '203.0.113.7', 200),
      line('01:00:02', 'POST', '/aspnet_client/tunnel.aspx', 'cmd=read', '203.0.113.7', 200),
      line('01:00:03', 'POST', '/aspnet_client/tunnel.aspx', 'cmd=disconnect', '203.0.113.7', 200),
      // the connect of this session is older than the log: reads and forwards alone
      line('02:00:00', 'POST', '/owa/auth/t.ashx', 'cmd=read', '198.51.100.4', 200),
      line('02:00:01', 'POST', '/owa/auth/t.ashx', 'cmd=forward', '198.51.100.4', 200),
      // refused: the page is gone
      line('03:00:00', 'POST', '/owa/auth/old.aspx', 'cmd=connect&target=10.0.0.9&port=3389', '192.0.2.50', 404),
      // benign twins: an application's own parameter and a proxy setting
      line('04:00:00', 'GET', '/helpdesk/ticket.aspx', 'cmd=read&id=42', '10.0.0.77', 200),
      line('04:00:01', 'GET', '/intranet/settings.aspx', 'proxy=on&port=8080', '10.0.0.77', 200),
    ]));
    const found = checkTunnelRequests(tc.db);
    assert.deepEqual(found.map((f) => [f.details?.url, f.details?.ip, f.details?.targets, f.finding.severity, f.finding.confidence]), [
      ['/aspnet_client/tunnel.aspx', '203.0.113.7', ['10.0.0.20:445'], 'critical', 'confirmed'],
      ['/owa/auth/t.ashx', '198.51.100.4', [], 'critical', 'likely'],
      ['/owa/auth/old.aspx', '192.0.2.50', ['10.0.0.9:3389'], 'high', 'likely'],
    ]);
    assert.match(found[0].finding.title, /to 10\.0\.0\.20:445 \(SMB\)$/);
  } finally { tc.close(); }
});

test('tunnel verbs in capitals (CMD=Read, PROXY&PORT=…) pass the query prefilter: a session written in any case is found', async () => {
  const tc = newCase();
  try {
    await addLog(tc, `${IIS}/u_ex210304.log`, 'iis-log', parseIis, iisLog([
      line('01:00:00', 'POST', '/aspnet_client/t.aspx', 'CMD=Connect&Target=10.0.0.20&Port=445', '203.0.113.7', 200),
      line('01:00:01', 'POST', '/aspnet_client/t.aspx', 'Cmd=FORWARD', '203.0.113.7', 200),
      line('02:00:00', 'POST', '/owa/auth/c.aspx', 'PROXY&PORT=3389&IP=127.0.0.1', '198.51.100.4', 200),
      line('02:00:01', 'POST', '/owa/auth/c.aspx', 'PROXY', '198.51.100.4', 200),
    ]));
    assert.deepEqual(checkTunnelRequests(tc.db).map((f) => [f.details?.tool, f.details?.url, f.details?.targets]), [
      ['reGeorg', '/aspnet_client/t.aspx', ['10.0.0.20:445']],
      ['Tunna', '/owa/auth/c.aspx', ['127.0.0.1:3389']],
    ]);
  } finally { tc.close(); }
});

test('a reverse proxy\'s access log (nginx combined format) is read like IIS: a reGeorg session through it is found', async () => {
  const tc = newCase();
  try {
    const at = (t: string, q: string): string => `198.51.100.23 - - [05/Mar/2021:0${t} +0000] "POST /aspnet_client/system_web/tunnel.ashx?${q} HTTP/1.1" 200 0 "-" "python-requests/2.25.1"`;
    await addLog(tc, 'nginx/access.log', 'access-log', parseAccessLog, [at('1:00:00', 'cmd=connect&target=10.0.0.5&port=5985'), at('1:00:01', 'cmd=read'), at('1:00:02', 'cmd=forward')].join('\n') + '\n');
    const found = checkTunnelRequests(tc.db);
    assert.deepEqual(found.map((f) => [f.details?.tool, f.details?.url, f.details?.ip, f.details?.targets, f.finding.confidence]), [
      ['reGeorg', '/aspnet_client/system_web/tunnel.ashx', '198.51.100.23', ['10.0.0.5:5985'], 'confirmed'],
    ]);
    assert.match(found[0].finding.title, /\(WinRM\)$/);
  } finally { tc.close(); }
});
