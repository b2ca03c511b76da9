// Shapes shared by the detection checks: options, the summary, a finding waiting to be written, a CVE check.
import type { Db } from '../case/db.ts';
import type { LogCoverage } from '../../shared/api.ts';
import type { Confidence, Finding, IngestWarning, Micros } from '../../shared/types.ts';
import type { ScanProgress } from './webshell.ts';

export interface DetectOptions {
  /** evidence_sources.id → absolute root of that evidence folder (read-only). */
  evidenceRoots: Map<number, string>;
  /** Analyst IOC files (CSV/TXT/STIX 2.1/MISP JSON), matched in addition to the bundled feed. */
  iocFiles?: string[];
  /** Folders of .yar/.yara rule files, used in addition to the bundled rules. */
  ruleDirs?: string[];
  /** Known-good baselines in CSS-Exchange `SHA256,build,\path` format. */
  baselines?: string[];
  /** Folders of Sigma rules, run in addition to the bundled ones. */
  sigmaDirs?: string[];
  warn?: (w: IngestWarning) => void;
  signal?: AbortSignal;
  /** YARA scan progress (files and bytes scanned / to scan). */
  onScanProgress?: (p: ScanProgress) => void;
  /** Where the bundled rules/ and iocs/ live; defaults to the repository's resources/ folder. */
  resourcesDir?: string;
}

export interface DetectSummary {
  findings: number;
  byCheck: Record<string, number>;
  filesScanned: number;
  iocLists: number;
  indicators: number;
  rulePacks: number;
  rules: number;
  sigmaRules: number;
  sigmaSkipped: number;
  /** Loaded Sigma rules with an `re` pattern run without the `u` flag (invalid under it). */
  sigmaRegexNotUnicode: number;
  seconds: number;
  /** True when opts.signal aborted the run: nothing was written, the previous findings stay. */
  cancelled: boolean;
}

/** A finding produced by a check, written by runDetections. */
export interface PendingFinding {
  finding: Finding;
  details?: Record<string, unknown>;
  fileId?: number | null;
}

/** A check's own judgement of its finding: how sure, and why in one line. */
export type Judgement = [Confidence, string];

/**
 * One CVE check: what it reads, the window its logs must cover for "no evidence" to mean something, and how it runs.
 * A new CVE (ProxyShell, ProxyNotShell, OWASSRF …) is one file exporting one of these, listed in cve-registry.ts;
 * the verdict list, the coverage test, the report and the methodology pick it up from there.
 */
export interface CveCheck {
  cve: string;
  /** The finding check id its findings carry. */
  check: string;
  title: string;
  /** The disclosure wave, e.g. "ProxyLogon (March 2021)". */
  wave: string;
  /** The logs must span this period for a verdict of "no evidence". */
  window: { from: Micros; to: Micros; label: string };
  /** The log folders this check reads. */
  reads: (c: LogCoverage) => boolean;
  /** What it looks for, in words a client can read (report methodology). */
  description: string;
  /** The published facts it was written from (report methodology). */
  source: string;
  /** Findings with details.outcome 'exploited' | 'attempted' and, where the check knows it, a confidence. */
  run(db: Db, memo?: RunMemo): PendingFinding[];
}

/** Scans several checks share (ProxyNotShell/OWASSRF requests feed CVE-2022-41082 too), computed once per detection run. */
export type RunMemo = Map<string, unknown>;

export function memoized<T>(memo: RunMemo | undefined, key: string, compute: () => T): T {
  if (!memo) return compute();
  if (!memo.has(key)) memo.set(key, compute());
  return memo.get(key) as T;
}

/** The coverage of a web-request check: every IIS log, and the HttpProxy logs of the named protocol folders. */
export function readsWebLogs(...httpProxyFolders: string[]): (c: LogCoverage) => boolean {
  const folder = new RegExp(`/(${httpProxyFolders.join('|')})$`, 'i');
  return (c) => c.kind === 'iis-log' || (c.kind === 'httpproxy-log' && folder.test(c.folder));
}

/** How a CVE check classifies its hits (see getVerdicts). */
export type Outcome = 'exploited' | 'attempted';

export const CHECK = {
  ssrf: 'proxylogon.cve-2021-26855',
  um: 'proxylogon.cve-2021-26857',
  oab: 'proxylogon.cve-2021-26858',
  ecp: 'proxylogon.cve-2021-27065',
  webshell: 'webshell',
  iocHash: 'ioc.hash',
  iocIp: 'ioc.ip',
  iocPath: 'ioc.path',
  iocUserAgent: 'ioc.user-agent',
  iocDomain: 'ioc.domain',
  hafniumRequest: 'hafnium.request',
  webshellTunnel: 'webshell.tunnel',
  webshellLogUse: 'webshell.log-use',
  avDetection: 'av.defender-detection',
  avTamper: 'av.defender-tamper',
  mailForwarding: 'mail.forwarding',
  mailPermission: 'mail.permission',
  lsass: 'suspicious.lsass-dump',
  archive: 'suspicious.archive',
  baseline: 'baseline.unknown-file',
  story: 'story',
  scan: 'scan',
  mailEwsSsrf: 'mail.ews-ssrf',
  mailEws: 'mail.ews',
  mailExport: 'mail.export-request',
  mailPst: 'mail.pst',
  mailOab: 'mail.oab-download',
  proxyShellSsrf: 'proxyshell.cve-2021-34473',
  proxyShellPowerShell: 'proxyshell.cve-2021-34523',
  proxyShellExport: 'proxyshell.cve-2021-31207',
  proxyNotShellSsrf: 'proxynotshell.cve-2022-41040',
  proxyNotShellRce: 'proxynotshell.cve-2022-41082',
  owassrfSsrf: 'owassrf.cve-2022-41080',
  owassrfRce: 'owassrf.cve-2022-41082',
} as const;
