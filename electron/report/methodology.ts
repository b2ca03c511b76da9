// The methodology section: which checks ran (with what they look for), rule packs, IOC lists, sources indexed.
import type { Db } from '../case/db.ts';
import type { Methodology } from './model-types.ts';
import { countBySource } from '../case/minutes.ts';
import { parseOutcomes } from '../case/recovered.ts';
import { CVE_CHECKS } from '../detect/cve-registry.ts';

/** The CVE checks describe themselves in the registry (read when the report is built, so a new one is listed). */
export const cveDescriptions = (): Array<[string, string]> =>
  CVE_CHECKS.map((c) => [c.check, `${c.cve} (${c.wave}; logs must cover ${c.window.label}): ${c.description}`]);

/** The published source each CVE check was written from, by check id. */
const cveSources = (): Map<string, string> => new Map(CVE_CHECKS.map((c) => [c.check, c.source]));

/** What each other check looks for, in words a client can read. */
export const CHECK_DESCRIPTIONS: ReadonlyArray<[string, string]> = [
  ['webshell', 'Server-side scripts in Exchange and IIS web folders matched by YARA rules, known web shell paths or placement heuristics; also processes started by the IIS worker w3wp.exe (Sysmon 1 / Security 4688).'],
  ['ioc.hash', 'File MD5/SHA-1/SHA-256 values matching the IOC lists used.'],
  ['ioc.ip', 'Client IP addresses in the logs matching the IOC lists used.'],
  ['ioc.path', 'File paths matching known web shell paths from the IOC lists used (a path that is also a stock Exchange file is only a hint to verify).'],
  ['ioc.user-agent', 'Requests whose user agent matches the IOC lists used (e.g. python-requests/2.25.1, antSword/v2.1).'],
  ['ioc.domain', 'Request hosts, referers and Sysmon DNS/network host names matching domain indicators (exact host or subdomain).'],
  ['hafnium.request', 'IIS/HttpProxy requests matching published HAFNIUM patterns (CISA CHIRP AA21062A, signature-base log signatures, Sentinel hunting): POSTs to /ecp/<x>.js, /ecp/default.flt, /ecp/main.css, /owa/auth/Current/…, exploit user agents; one finding per client IP that did more than scan.'],
  ['webshell.tunnel', 'IIS/HttpProxy requests of web-shell TCP tunnels: Tunna (`?proxy&port=<port>&ip=<host>`, then `?proxy` on the same page) and reGeorg (`?cmd=connect&target=<host>&port=<port>`, then `cmd=read/forward/disconnect`); one finding per page and client that opened a connection (or read and forwarded), with the hosts and ports it reached. Tools that carry these verbs in headers or bodies (Neo-reGeorg) leave nothing in these logs.'],
  ['webshell.log-use', 'Web-shell use seen in IIS/HttpProxy/access logs when the shell file was not collected: a server-side script page (.aspx .ashx .asmx .asp .cshtml .jsp .php …) answered 2xx to POSTs (in the 2021 shell folders also to GETs passing parameters) from at most 3 clients, and not a page Exchange ships (its OWA/ECP/EWS/Autodiscover/ActiveSync/MAPI/PowerShell folders are left out; in /aspnet_client/, /owa/auth/, /ecp/auth/ and /oab/ only the stock logon pages are). High and likely in those 2021 shell folders, medium and needs review elsewhere; never confirmed from logs alone, and no finding for a page a shell file or tunnel finding already covers. One finding per page, with its clients, counts and request lines.'],
  ['av.defender-detection', 'Microsoft Defender Antivirus detections in its Operational event log (1006/1116, behaviour 1015), joined by Detection ID to what Defender did (1007/1117 action taken, 1008/1118/1119 action failed): one finding per threat and file, with whether the file was removed or left in place. Critical when the threat name is an Exchange-attack or web-shell family (Exmann, SecChecker, Chopper, DoejoCrypt, Backdoor:ASP/…) or the file is in a web folder.'],
  ['av.defender-tamper', 'Microsoft Defender protection turned off (5001 real-time protection, 5010/5012 scanning) and exclusions added (5007 changes under …\\Exclusions\\), as attackers do before running their tools.'],
  ['scan', 'Clients that only probed (GETs, autodiscover/localhost SSRF probes Test-ProxyLogon excludes, GETs of known shell paths) with no 2xx answer to a write and no follow-up: one low, informational finding each, kept out of verdicts and shareable indicators.'],
  ['mail.ews-ssrf', 'Mailbox access through the SSRF: forged back-end requests (ServerInfo~ anchors) to EWS/Exchange.asmx, per client IP, with the EWS operations the log records.'],
  ['mail.ews', 'EWS requests answered 2xx from IPs that also exploited the server (mail read with valid credentials).'],
  ['mail.export-request', 'New-MailboxExportRequest in the MSExchange Management cmdlet log, the ECP log or the HttpProxy logs: mailbox, .pst path, whether the .pst is in the evidence and who downloaded it.'],
  ['mail.forwarding', 'Mail sent on to others by a change Exchange logged (MSExchange Management cmdlet log, ECP log, HttpProxy): Set-Mailbox -ForwardingSmtpAddress/-ForwardingAddress, inbox rules with -ForwardTo/-ForwardAsAttachmentTo/-RedirectTo, transport rules with -BlindCopyTo/-RedirectMessageTo/-AddToRecipients/-CopyTo; one finding per mailbox and destination, for the analyst to confirm (administrators set forwarding too).'],
  ['mail.permission', 'Mailbox rights and roles granted in the same logs: Add-MailboxPermission FullAccess, Add-RecipientPermission / Add-ADPermission Send-As, New-ManagementRoleAssignment; one finding per grant, for the analyst to confirm.'],
  ['mail.pst', 'Outlook data files (.pst/.ost) in web folders, and the requests that downloaded them.'],
  ['mail.oab-download', 'Offline address book downloads (/OAB/…) answered 2xx to IPs that also exploited the server.'],
  ['suspicious.lsass-dump', 'LSASS memory dumps / minidumps under C:\\root, %WINDIR%\\Temp or web roots.'],
  ['suspicious.archive', '.7z/.zip/.rar archives under %ProgramData% (staging for exfiltration).'],
  ['baseline.unknown-file', 'Files in Exchange web folders absent from the known-good hash baseline for the build.'],
  ['story', 'Correlation: one story per intrusion (attacker IPs, the shells they wrote and drove, the SSRF sessions that led there), in time order, with the answer to "was mail accessed or taken?".'],
];

export function buildMethodology(db: Db): Methodology {
  const counts = new Map((db.prepare('SELECT check_id AS c, count(*) AS n FROM findings GROUP BY check_id').all() as Array<{ c: string; n: number }>).map((r) => [r.c, r.n]));
  const described = [...cveDescriptions(), ...CHECK_DESCRIPTIONS];
  const known = new Set(described.map(([c]) => c));
  const sources = cveSources();
  const checks = described.map(([check, description]) => ({ check, description, findings: counts.get(check) ?? 0, source: sources.get(check) ?? '' }));
  for (const [check, n] of counts) if (!known.has(check)) checks.push({ check, description: '(check added after this report template)', findings: n, source: '' });
  return {
    checks,
    rulePacks: db.prepare('SELECT name, path, sha256, rules, added_at AS addedAt FROM rule_packs ORDER BY name').all() as Methodology['rulePacks'],
    iocLists: db.prepare('SELECT name, path, sha256, format, count, added_at AS addedAt FROM ioc_lists ORDER BY name').all() as Methodology['iocLists'],
    // From the per-minute counts: no scan of millions of rows per preview.
    sources: countBySource(db).map((r) => ({ source: r.source, events: r.n })).sort((a, b) => (a.source < b.source ? -1 : 1)),
    parsing: parseOutcomes(db),
  };
}
