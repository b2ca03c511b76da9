// The methodology section: which checks ran (with what they look for), rule packs, IOC lists, sources indexed.
import type { Db } from '../case/db.ts';
import type { Methodology } from './model-types.ts';
import { countBySource } from '../case/minutes.ts';
import { parseOutcomes } from '../case/recovered.ts';

/** What each check looks for, in words a client can read. */
export const CHECK_DESCRIPTIONS: ReadonlyArray<[string, string]> = [
  ['proxylogon.cve-2021-26855', 'HttpProxy log rows whose AnchorMailbox is ServerInfo~*/* (server-side request forgery), excluding autodiscover and localhost noise — the Test-ProxyLogon logic.'],
  ['proxylogon.cve-2021-26857', 'Application event log errors from MSExchange Unified Messaging carrying System.InvalidCastException (deserialization).'],
  ['proxylogon.cve-2021-26858', 'OAB generator log lines "Download failed and temporary file … needs to be removed" for paths outside ClientAccess\\OAB.'],
  ['proxylogon.cve-2021-27065', 'ECP server log Set-*VirtualDirectory commands whose URL carries an HTML/script tag, HttpProxy ECP Reset*VirtualDirectory requests answered 200, and MSExchange Management cmdlet-log events (local or collected through Windows Event Forwarding) running Set-OabVirtualDirectory with script in a URL.'],
  ['webshell', 'Server-side scripts in Exchange and IIS web folders matched by YARA rules, known web shell paths or placement heuristics; also processes started by the IIS worker w3wp.exe (Sysmon 1 / Security 4688).'],
  ['ioc.hash', 'File MD5/SHA-1/SHA-256 values matching the IOC lists used.'],
  ['ioc.ip', 'Client IP addresses in the logs matching the IOC lists used.'],
  ['ioc.path', 'File paths matching known web shell paths from the IOC lists used.'],
  ['ioc.user-agent', 'Requests whose user agent matches the IOC lists used (e.g. python-requests/2.25.1, antSword/v2.1).'],
  ['ioc.domain', 'Request hosts, referers and Sysmon DNS/network host names matching domain indicators (exact host or subdomain).'],
  ['hafnium.request', 'IIS/HttpProxy requests matching published HAFNIUM patterns (CISA CHIRP AA21062A, signature-base log signatures, Sentinel hunting): POSTs to /ecp/<x>.js, /ecp/default.flt, /ecp/main.css, /owa/auth/Current/…, exploit user agents; one finding per client IP.'],
  ['suspicious.lsass-dump', 'LSASS memory dumps / minidumps under C:\\root, %WINDIR%\\Temp or web roots.'],
  ['suspicious.archive', '.7z/.zip/.rar archives under %ProgramData% (staging for exfiltration).'],
  ['baseline.unknown-file', 'Files in Exchange web folders absent from the known-good hash baseline for the build.'],
  ['story', 'Correlation: the ordered chain from the first SSRF request to the web shell and its use.'],
];

export function buildMethodology(db: Db): Methodology {
  const counts = new Map((db.prepare('SELECT check_id AS c, count(*) AS n FROM findings GROUP BY check_id').all() as Array<{ c: string; n: number }>).map((r) => [r.c, r.n]));
  const known = new Set(CHECK_DESCRIPTIONS.map(([c]) => c));
  const checks = CHECK_DESCRIPTIONS.map(([check, description]) => ({ check, description, findings: counts.get(check) ?? 0 }));
  for (const [check, n] of counts) if (!known.has(check)) checks.push({ check, description: '(check added after this report template)', findings: n });
  return {
    checks,
    rulePacks: db.prepare('SELECT name, path, sha256, rules, added_at AS addedAt FROM rule_packs ORDER BY name').all() as Methodology['rulePacks'],
    iocLists: db.prepare('SELECT name, path, sha256, format, count, added_at AS addedAt FROM ioc_lists ORDER BY name').all() as Methodology['iocLists'],
    // From the per-minute counts: no scan of millions of rows per preview.
    sources: countBySource(db).map((r) => ({ source: r.source, events: r.n })).sort((a, b) => (a.source < b.source ? -1 : 1)),
    parsing: parseOutcomes(db),
  };
}
