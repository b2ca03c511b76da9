// The one contract between the front doors (Electron IPC, browser-mode HTTP, CLI) and the service.
// Every argument and result is plain JSON. Plain TypeScript only: no node:, electron or DOM imports.
import type {
  EvidenceRef, FieldValue, FileKind, FindingRow, IngestWarning, Micros, Severity, SourceId, Verdict,
} from './types.ts';

export interface CaseMeta {
  client: string;
  caseNumber: string;
  examiner: string;
  /** IANA zone used for display, e.g. "UTC" or "Europe/Oslo". Storage is always UTC. */
  displayZone: string;
  companyName: string;
}

export interface CaseInfo {
  path: string;
  meta: CaseMeta;
  schemaVersion: number;
  loupeVersion: string;
  createdAt: string;
  counts: CaseCounts;
}

export interface CaseCounts {
  files: number;
  bytes: number;
  events: number;
  findings: number;
  warnings: number;
  eventsBySource: Partial<Record<SourceId, number>>;
}

export interface EvidenceSource {
  id: number;
  root: string;
  label: string;
  addedAt: string;
  lastIndexedAt: string | null;
}

export interface IndexOptions {
  /** IOC files (CSV/TXT/STIX 2.1/MISP JSON) to match in addition to the bundled feed. */
  iocs?: string[];
  /** Folders of .yar rule files in addition to the bundled rules. */
  rules?: string[];
  /** Known-good hash baselines (CSS-Exchange `SHA256,build,path` CSV). */
  baselines?: string[];
}

/** The analyst's own detection inputs, kept in the case and used by every index run. */
export interface DetectionInputs {
  iocs: string[];
  rules: string[];
  baselines: string[];
}

export type IndexPhase = 'idle' | 'scanning' | 'indexing' | 'detecting' | 'done' | 'cancelled' | 'failed';

export interface IndexProgress {
  phase: IndexPhase;
  filesTotal: number;
  filesDone: number;
  bytesTotal: number;
  bytesDone: number;
  events: number;
  warnings: number;
  /** Seconds, null while unknown. */
  etaSeconds: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  currentFile: string | null;
  /** During detections: web-facing files (distinct contents) scanned by YARA so far / to scan, with their bytes. */
  detect?: { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number; engine: string | null } | null;
}

export interface IndexSummary {
  filesSeen: number;
  filesIndexed: number;
  filesUnchanged: number;
  filesRemoved: number;
  bytesRead: number;
  eventsAdded: number;
  warnings: number;
  findings: number;
  cancelled: boolean;
  seconds: number;
}

export type SortOrder = 'asc' | 'desc';

export interface TimelineQuery {
  /** FTS5 full-text query over message and fields; plain words are AND-ed, quoted phrases kept. */
  text?: string;
  from?: Micros;
  to?: Micros;
  sources?: SourceId[];
  hosts?: string[];
  ips?: string[];
  statuses?: number[];
  tags?: string[];
  starredOnly?: boolean;
  /** Exact field filters: every entry must hold (field name → value). */
  fieldEquals?: Array<{ field: string; value: string }>;
  /** Exclusions: events where the field equals the value are dropped. */
  fieldNotEquals?: Array<{ field: string; value: string }>;
  fileId?: number;
  order?: SortOrder;
  /** Keyset paging: continue after this (ts, id). */
  after?: { ts: Micros; id: number };
  offset?: number;
  limit?: number;
}

export interface EventRow {
  id: number;
  ts: Micros;
  tsDesc: string;
  source: SourceId;
  host: string | null;
  message: string;
  ip: string | null;
  status: number | null;
  ref: EvidenceRef;
  starred: boolean;
  tags: string[];
  note: string | null;
  manual: boolean;
}

export interface TimelinePage {
  rows: EventRow[];
  /** Total rows matching, or null when not computed (very large results). */
  total: number | null;
  next: { ts: Micros; id: number } | null;
}

export interface EventDetail extends EventRow {
  fields: Record<string, FieldValue>;
  /** The raw line (text logs) or record XML (EVTX), size-capped. */
  raw: string | null;
  fileId: number | null;
}

export interface HistogramBucket { start: Micros; count: number }
export interface Histogram { from: Micros; to: Micros; bucketMicros: Micros; buckets: HistogramBucket[] }

export interface FileQuery {
  /** Glob over the evidence-relative path or the original Windows path (case-insensitive). */
  glob?: string;
  /** Substring of path or name. */
  text?: string;
  /** MD5, SHA-1 or SHA-256 (hex, any case). */
  hash?: string;
  kinds?: FileKind[];
  flaggedOnly?: boolean;
  offset?: number;
  limit?: number;
}

export interface FileRow {
  id: number;
  sourceId: number;
  relPath: string;
  origPath: string;
  size: number;
  mtime: Micros | null;
  atime: Micros | null;
  ctime: Micros | null;
  btime: Micros | null;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  kind: FileKind;
  events: number;
  flagged: boolean;
  iocMatch: boolean;
}

export interface FilePage { rows: FileRow[]; total: number }

export interface FilePreview {
  fileId: number;
  relPath: string;
  size: number;
  /** Decoded text (UTF-8/UTF-16 detected), capped at maxBytes; null for binary. */
  text: string | null;
  truncated: boolean;
  /** Hex dump of the first bytes when binary. */
  hex: string | null;
  /** Byte ranges in `text` (character offsets) matched by YARA strings, for highlighting. */
  highlights: Array<{ start: number; end: number; rule: string; identifier: string }>;
}

export interface CveVerdict {
  cve: string;
  check: string;
  title: string;
  verdict: Verdict;
  hits: number;
  /** Whether the logs this check reads cover 2021-01-01 … 2021-03-31. */
  covered: boolean;
  summary: string;
  evidence: EvidenceRef[];
}

export interface LogCoverage {
  folder: string;
  kind: FileKind;
  files: number;
  oldest: Micros | null;
  newest: Micros | null;
  coversMarch2021: boolean;
}

export interface WebshellRequest {
  eventId: number;
  ts: Micros;
  ip: string | null;
  method: string | null;
  url: string;
  status: number | null;
  userAgent: string | null;
  ref: EvidenceRef;
}

export interface WebshellInfo {
  findingId: number;
  fileId: number | null;
  relPath: string;
  origPath: string;
  size: number | null;
  mtime: Micros | null;
  btime: Micros | null;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  rules: string[];
  reasons: string[];
  requests: WebshellRequest[];
  attackerIps: string[];
}

export interface WarningRow extends IngestWarning { id: number; createdAt: string }

export interface ManualEventInput {
  ts: Micros;
  tsDesc?: string;
  message: string;
  host?: string;
  tags?: string[];
}

export interface AuditEntry { id: number; at: string; user: string; action: string; details: Record<string, unknown> }

export interface VerifyResult {
  checked: number;
  ok: number;
  changed: Array<{ relPath: string; expected: string; actual: string }>;
  missing: string[];
  added: string[];
  at: string;
}

export type ReportSection =
  | 'summary' | 'findings' | 'webshells' | 'story' | 'timeline' | 'indicators'
  | 'methodology' | 'warnings' | 'custody';

export const REPORT_SECTIONS: readonly ReportSection[] = [
  'summary', 'findings', 'webshells', 'story', 'timeline', 'indicators', 'methodology', 'warnings', 'custody',
];

export interface ReportOptions {
  sections?: ReportSection[];
  companyName?: string;
  /** data: URL of a PNG/JPEG/SVG logo. */
  logoDataUrl?: string;
  title?: string;
}

export type ExportFormat = 'html' | 'pdf' | 'csv' | 'timesketch' | 'timesketch-csv' | 'stix' | 'ioc-csv';

export interface ExportResult { path: string; bytes: number; rows?: number }

export interface FindingQuery { check?: string; severity?: Severity[] }
export interface WarningQuery { offset?: number; limit?: number }

/**
 * What the UI and the CLI may ask. The service implements it once; Electron IPC, the browser-mode
 * HTTP bridge and the CLI expose the same methods. Every method takes one JSON argument (or none).
 */
export interface LoupeApi {
  // --- case ---
  createCase(args: { path: string; meta?: Partial<CaseMeta> }): Promise<CaseInfo>;
  openCase(args: { path: string }): Promise<CaseInfo>;
  getCase(): Promise<CaseInfo | null>;
  updateCaseMeta(args: Partial<CaseMeta>): Promise<CaseInfo>;
  addEvidence(args: { root: string; label?: string }): Promise<EvidenceSource>;
  listEvidence(): Promise<EvidenceSource[]>;
  /** Starts indexing every evidence folder in the background; poll getProgress. IOC files, rule folders and baselines
   * given here are added to the case's detection inputs, and every run uses all of them. */
  startIndex(args: IndexOptions): Promise<{ started: boolean }>;
  getDetectionInputs(): Promise<DetectionInputs>;
  /** Replaces the case's detection inputs (each path must exist); they apply from the next index run. */
  setDetectionInputs(args: DetectionInputs): Promise<DetectionInputs>;
  cancelIndex(): Promise<void>;
  getProgress(): Promise<IndexProgress>;
  listWarnings(args: WarningQuery): Promise<{ rows: WarningRow[]; total: number }>;
  verify(): Promise<VerifyResult>;

  // --- timeline ---
  queryTimeline(args: TimelineQuery): Promise<TimelinePage>;
  histogram(args: TimelineQuery & { buckets?: number }): Promise<Histogram>;
  getEvent(args: { id: number }): Promise<EventDetail | null>;
  /** The event behind an evidence ref (file + line, or file + EVTX record); null when it is not in the case. */
  findEvent(args: EvidenceRef): Promise<EventRow | null>;
  listSources(): Promise<Array<{ source: SourceId; count: number }>>;
  listHosts(): Promise<Array<{ host: string; count: number }>>;
  listTags(): Promise<Array<{ tag: string; count: number }>>;

  // --- files ---
  listFiles(args: FileQuery): Promise<FilePage>;
  previewFile(args: { id: number; maxBytes?: number }): Promise<FilePreview>;

  // --- findings ---
  listFindings(args: FindingQuery): Promise<FindingRow[]>;
  verdicts(): Promise<CveVerdict[]>;
  logCoverage(): Promise<LogCoverage[]>;
  listWebshells(): Promise<WebshellInfo[]>;

  // --- analyst actions (each written to the audit log) ---
  setStar(args: { eventId: number; starred: boolean }): Promise<void>;
  addTag(args: { eventId: number; tag: string }): Promise<void>;
  removeTag(args: { eventId: number; tag: string }): Promise<void>;
  setNote(args: { eventId: number; note: string }): Promise<void>;
  addManualEvent(args: ManualEventInput): Promise<{ id: number }>;
  deleteManualEvent(args: { id: number }): Promise<void>;
  auditLog(args: { limit?: number }): Promise<AuditEntry[]>;

  // --- report and exports ---
  /** Self-contained report HTML (for the live preview). */
  renderReportHtml(args: ReportOptions): Promise<string>;
  /** Writes a report or export to a path chosen by the user (dialog in Electron, argument elsewhere). */
  exportTo(args: { format: ExportFormat; path: string; report?: ReportOptions }): Promise<ExportResult>;
}

export type ApiMethod = keyof LoupeApi;

/** Every method name, checked against the interface so a missing or extra name is a compile error. */
export const API_METHODS = [
  'createCase', 'openCase', 'getCase', 'updateCaseMeta', 'addEvidence', 'listEvidence', 'startIndex',
  'getDetectionInputs', 'setDetectionInputs', 'cancelIndex',
  'getProgress', 'listWarnings', 'verify',
  'queryTimeline', 'histogram', 'getEvent', 'findEvent', 'listSources', 'listHosts', 'listTags',
  'listFiles', 'previewFile',
  'listFindings', 'verdicts', 'logCoverage', 'listWebshells',
  'setStar', 'addTag', 'removeTag', 'setNote', 'addManualEvent', 'deleteManualEvent', 'auditLog',
  'renderReportHtml', 'exportTo',
] as const satisfies readonly ApiMethod[];

type Missing = Exclude<ApiMethod, (typeof API_METHODS)[number]>;
// Fails to compile when a method of LoupeApi is not listed above.
export const API_METHODS_COMPLETE: Missing extends never ? true : Missing = true;

export type ApiArgs<M extends ApiMethod> = Parameters<LoupeApi[M]>[0];
export type ApiResult<M extends ApiMethod> = Awaited<ReturnType<LoupeApi[M]>>;
