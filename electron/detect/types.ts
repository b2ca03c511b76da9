// Shapes shared by the detection checks: options, the summary, and a finding waiting to be written.
import type { Finding, IngestWarning } from '../../shared/types.ts';

export interface DetectOptions {
  /** evidence_sources.id → absolute root of that evidence folder (read-only). */
  evidenceRoots: Map<number, string>;
  /** Analyst IOC files (CSV/TXT/STIX 2.1/MISP JSON), matched in addition to the bundled feed. */
  iocFiles?: string[];
  /** Folders of .yar/.yara rule files, used in addition to the bundled rules. */
  ruleDirs?: string[];
  /** Known-good baselines in CSS-Exchange `SHA256,build,\path` format. */
  baselines?: string[];
  warn?: (w: IngestWarning) => void;
  signal?: AbortSignal;
  /** YARA scan progress (files and bytes scanned / to scan). */
  onScanProgress?: (p: { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number }) => void;
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
  lsass: 'suspicious.lsass-dump',
  archive: 'suspicious.archive',
  baseline: 'baseline.unknown-file',
  story: 'story',
} as const;
