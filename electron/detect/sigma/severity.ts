// The one place a Sigma rule's level becomes a Loupe severity (the confidence model will read it from here too).
import type { Severity } from '../../../shared/types.ts';

const LEVELS: Record<string, Severity> = {
  critical: 'critical', high: 'high', medium: 'medium', low: 'low', informational: 'info', info: 'info',
};

/** Sigma `level` → severity; a missing or unknown level is `medium`, the Sigma default. */
export function severityOfLevel(level: unknown): Severity {
  return LEVELS[String(level ?? '').toLowerCase()] ?? 'medium';
}
