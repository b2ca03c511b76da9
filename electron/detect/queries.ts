// Read-side queries over detection results, used by the service, the UI and the report.
// OWNED BY THE DETECTIONS WORK: these signatures are fixed; the bodies are filled in by electron/detect/.
import type { Db } from '../case/db.ts';
import type { CveVerdict, LogCoverage, WebshellInfo } from '../../shared/api.ts';

/** One verdict per CVE (26855, 26857, 26858, 27065), Test-ProxyLogon style. */
export function getVerdicts(db: Db): CveVerdict[] {
  void db;
  throw new Error('getVerdicts: not implemented yet');
}

/** Oldest/newest log per log folder, and whether it covers January–March 2021. */
export function getLogCoverage(db: Db): LogCoverage[] {
  void db;
  throw new Error('getLogCoverage: not implemented yet');
}

/** Every flagged web shell with its hashes, matched rules, the requests to its URL and the attacker IPs. */
export function getWebshells(db: Db): WebshellInfo[] {
  void db;
  throw new Error('getWebshells: not implemented yet');
}
