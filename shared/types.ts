// Core data shapes shared by the service, the CLI, the renderer and the report.
// Plain TypeScript only: no node:, electron or DOM imports here.

/** Microseconds since the Unix epoch, UTC. */
export type Micros = number;

/** Identifies one source format (one parser). */
export type SourceId =
  | 'iis'
  | 'httpproxy'
  | 'ecp-server'
  | 'oab-generator'
  | 'evtx'
  | 'bodyfile'
  | 'filesystem'
  | 'manual';

export const SOURCE_IDS: readonly SourceId[] = [
  'iis', 'httpproxy', 'ecp-server', 'oab-generator', 'evtx', 'bodyfile', 'filesystem', 'manual',
];

/** Points at the exact evidence behind a claim: a file (evidence-relative POSIX path) plus a line, record or offset. */
export interface EvidenceRef {
  file: string;
  /** 1-based physical line number. */
  line?: number;
  /** EVTX EventRecordID. */
  record?: number;
  /** Byte offset in the file. */
  offset?: number;
}

export type FieldValue = string | number | null;

/** One event produced by a parser. */
export interface TimelineEvent {
  ts: Micros;
  /** What the time means: "Request", "File Modified", "Event Logged", … */
  tsDesc: string;
  source: SourceId;
  host?: string;
  /** One human-readable line. */
  message: string;
  /** Format-specific key/values (column name → value). */
  fields: Record<string, FieldValue>;
  ref: EvidenceRef;
}

/** Detected kind of an evidence file (classification by path and first bytes). */
export type FileKind =
  | 'iis-log'
  | 'httpproxy-log'
  | 'ecp-server-log'
  | 'oab-generator-log'
  | 'evtx'
  | 'bodyfile'
  | 'web-script'
  | 'minidump'
  | 'archive'
  | 'pe'
  | 'text'
  | 'binary'
  | 'empty'
  | 'other';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** The finding shape printed by `loupe findings --json` (exactly these keys). */
export interface Finding {
  check: string;
  severity: Severity;
  title: string;
  /** Original Windows path where known. */
  path: string | null;
  /** ISO-8601 UTC. */
  time: string | null;
  sha256: string | null;
  evidence: EvidenceRef[];
}

/** A finding as stored, with its id and optional structured details for the UI and report. */
export interface FindingRow extends Finding {
  id: number;
  details: Record<string, unknown> | null;
}

/** A problem with one input that did not stop the run. */
export interface IngestWarning {
  /** Evidence-relative POSIX path (or the absolute path when outside any evidence root). */
  file: string;
  line?: number;
  offset?: number;
  message: string;
}

/** What a parser made of one file: records read as live, recovered (slack, damaged chunks), and unreadable. */
export interface ParseOutcome {
  read: number;
  recovered: number;
  unreadable: number;
  /** Finer counts, named in words (shown as they are). */
  details?: Record<string, number>;
}

export type Verdict = 'exploited' | 'attempted' | 'no-evidence' | 'not-covered';

/** Microseconds → ISO-8601 UTC with microsecond precision when present. */
export function microsToIso(us: Micros): string {
  const ms = Math.floor(us / 1000);
  const rest = us - ms * 1000;
  const iso = new Date(ms).toISOString();
  if (rest === 0) return iso;
  return iso.replace('Z', String(rest).padStart(3, '0') + 'Z');
}

/** ISO-8601 (or anything Date.parse accepts, with up to 7 fractional digits) → microseconds; NaN when invalid. */
export function isoToMicros(iso: string): Micros {
  const m = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/.exec(iso.trim());
  if (!m) return NaN;
  const base = Date.parse(m[1] + (m[3] ?? 'Z'));
  if (Number.isNaN(base)) return NaN;
  const frac = (m[2] ?? '').padEnd(6, '0').slice(0, 6);
  return base * 1000 + Number(frac);
}
