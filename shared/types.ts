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
  | 'access-log'
  | 'evtx'
  | 'bodyfile'
  | 'filesystem'
  | 'manual'
  // other tools' output, imported (electron/ingest/sources/tools/)
  | 'evtxecmd'
  | 'mftecmd'
  | 'hayabusa'
  | 'chainsaw'
  | 'plaso'
  | 'timeline-csv'
  | 'kape';

export const SOURCE_IDS: readonly SourceId[] = [
  'iis', 'httpproxy', 'ecp-server', 'oab-generator', 'access-log', 'evtx', 'bodyfile', 'filesystem', 'manual',
  'evtxecmd', 'mftecmd', 'hayabusa', 'plaso', 'timeline-csv', 'kape', 'chainsaw',
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
  | 'access-log'
  | 'evtx'
  | 'bodyfile'
  | 'evtxecmd-csv'
  | 'mftecmd-mft-csv'
  | 'mftecmd-j-csv'
  | 'hayabusa-csv'
  | 'hayabusa-jsonl'
  | 'chainsaw-json'
  | 'chainsaw-csv'
  | 'plaso-jsonl'
  | 'plaso-csv'
  | 'timeline-csv'
  | 'kape-copy-log'
  | 'kape-console-log'
  | 'web-script'
  | 'minidump'
  | 'archive'
  | 'pe'
  | 'text'
  | 'binary'
  | 'empty'
  | 'other';

/** Every FileKind (for option checks and completion); a kind missing here is a compile error below. */
export const FILE_KINDS = [
  'iis-log', 'httpproxy-log', 'ecp-server-log', 'oab-generator-log', 'access-log', 'evtx', 'bodyfile', 'evtxecmd-csv', 'mftecmd-mft-csv',
  'mftecmd-j-csv', 'hayabusa-csv', 'hayabusa-jsonl', 'plaso-jsonl', 'plaso-csv', 'timeline-csv', 'kape-copy-log',
  'kape-console-log', 'chainsaw-json', 'chainsaw-csv', 'web-script', 'minidump', 'archive', 'pe', 'text', 'binary', 'empty', 'other',
] as const satisfies readonly FileKind[];
export const FILE_KINDS_COMPLETE: Exclude<FileKind, (typeof FILE_KINDS)[number]> extends never ? true : never = true;

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/**
 * How sure Loupe is that a finding is what its title says: confirmed (the evidence proves it), likely (strong but
 * circumstantial), needs review (could be benign: an analyst must check), informational (true, but not an intrusion:
 * a scanner, a routine process). Only confirmed and likely indicators are shared by default.
 */
export type Confidence = 'confirmed' | 'likely' | 'review' | 'info';
export const CONFIDENCES: readonly Confidence[] = ['confirmed', 'likely', 'review', 'info'];
export const CONFIDENCE_LABELS: Record<Confidence, string> = {
  confirmed: 'confirmed', likely: 'likely', review: 'needs review', info: 'informational',
};
/** Confidences whose indicators go into IOC exports and the report's Indicators by default. */
export const SHAREABLE_CONFIDENCES: readonly Confidence[] = ['confirmed', 'likely'];

/** The finding shape printed by `loupe findings --json` (exactly these keys). */
export interface Finding {
  check: string;
  severity: Severity;
  /** Set by the detections (null in cases whose detections ran before confidence was recorded). */
  confidence?: Confidence | null;
  /** The reason for the confidence, in one line. */
  confidenceReason?: string | null;
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
  confidence: Confidence | null;
  confidenceReason: string | null;
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

/** not-assessed: the case is incomplete (detections did not run over all of it), so "no evidence" cannot be said. */
export type Verdict = 'exploited' | 'attempted' | 'no-evidence' | 'not-covered' | 'not-assessed';

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

/** Fields from column names and one row's values (a repeated name keeps its last value, as in an object literal). */
export function fieldsOf(names: readonly string[], values: readonly FieldValue[]): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (let i = 0; i < names.length; i++) out[names[i]] = values[i] ?? null;
  return out;
}
