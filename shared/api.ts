// The one contract between the front doors (Electron IPC, browser-mode HTTP, CLI) and the service.
// Every argument and result is plain JSON. Plain TypeScript only: no node:, electron or DOM imports.
import type {
  Confidence, EvidenceRef, FieldValue, FileKind, FindingRow, IngestWarning, Micros, Severity, SourceId, Verdict,
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
  /** Whether the case holds every file indexed and current detections (read from the case, so right after a kill). */
  completeness: Completeness;
}

/** What the detections' state means for the verdicts. */
export type DetectionState = 'current' | 'stale' | 'not-run' | 'outdated';

/**
 * Completeness of a case, from facts stored in it: files pending or failed, detections not run or older than the last
 * ingest, evidence folders the last run could not reach, files detections could not read.
 */
export interface Completeness {
  complete: boolean;
  /** One line for banners and the report's first page, e.g. "INCOMPLETE: 412 of 1,544 files indexed; detections have not run". */
  headline: string;
  /** Each reason the case is incomplete, as a sentence an analyst can act on. */
  reasons: string[];
  files: { total: number; indexed: number; pending: number; failed: number };
  detections: { state: DetectionState; ranAt: string | null; filesChangedSince: number };
  /** Evidence folders the last index run could not reach (their files and findings are kept as they were). */
  unreachable: string[];
  /** Evidence folders added but never indexed. */
  notIndexed: string[];
  /** Files that could not be read (ingest errors, and files the detections could not read), first 100. */
  unreadable: Array<{ file: string; message: string }>;
  unreadableTotal: number;
  /** An index run is going on in this process right now. */
  indexing: boolean;
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
  /** Folders of Sigma rules (.yml) in addition to the bundled ones. */
  sigma?: string[];
}

/** The analyst's own detection inputs, kept in the case and used by every index run. */
export interface DetectionInputs {
  iocs: string[];
  rules: string[];
  baselines: string[];
  /** Sigma rule folders (always returned; may be left out when setting). */
  sigma?: string[];
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

/** EVTX records recovered from slack or damaged chunks: shown and marked (include), hidden (exclude), or alone (only). */
export const RECOVERED_FILTERS = ['include', 'exclude', 'only'] as const;
export type RecoveredFilter = (typeof RECOVERED_FILTERS)[number];
/** A filter on one column or field of the grid: contains / equals / does not contain / regular expression. */
export interface ColumnFilter { field: string; op: 'contains' | 'equals' | 'not' | 'regex'; value: string }

/** Sort by time (field "ts") or by any column or field; ties in time then id order. */
export interface TimelineSort { field: string; dir: SortOrder }

export interface TimelineQuery {
  /** Search: words (AND-ed), "phrases", prefix*, field:value (* wildcards), NOT / -word, OR, parentheses; also
   * matches analyst notes and tags. A malformed search is refused with a message saying what is wrong. */
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
  /** Records recovered from EVTX slack or damaged chunks; default 'include' (shown, each marked): they are evidence too,
   * often of what a cleared or rewritten log no longer holds. 'exclude' gives the log as Windows reads it. */
  recovered?: RecoveredFilter;
  /** Column filters, every one must hold. */
  columns?: ColumnFilter[];
  /** Sort by a column; without it, time in `order`. A column sort pages by offset (keyset needs time order). */
  sort?: TimelineSort;
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
  /** Set on an EVTX record recovered from slack or a damaged chunk (not on the log's live record chain). */
  recovered?: 'slack' | 'damaged chunk';
  /** Ids of the findings whose evidence cites this event (or its file, for file-level evidence). */
  findings?: number[];
}

export interface TimelinePage {
  rows: EventRow[];
  /** Total rows matching, or null when not computed (very large results). */
  total: number | null;
  next: { ts: Micros; id: number } | null;
  /** For an empty first page: why it may be empty (a field no event has, or spelt with another case). */
  hints?: string[];
  /** Set while the sort index of the sorted column is built: the rows are then in time order. progress: 0…1. */
  sortIndex?: { field: string; progress: number };
}

/** A sort index kept in the case (built by the first sort by a column without an index of its own). */
export interface SortIndexInfo {
  /** The column (status, host, tsdesc, message, url, file, …) or `field:<name>` for any other field. */
  field: string;
  /** stale: events were added or removed since; the next sort by it brings it up to date. */
  state: 'building' | 'ready' | 'stale';
  progress: number;
  /** Its size in the case file; null when SQLite cannot say. */
  bytes: number | null;
  createdAt: string;
  builtAt: string | null;
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
  /** Keyset paging: continue after this file (rows are ordered by relPath, then id). */
  after?: { relPath: string; id: number };
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
  /** What the parser made of the file (EVTX: live records read, recovered from slack/damaged chunks, unreadable);
   * absent for files no parser reported on. */
  outcome?: FileOutcome;
}

export interface FileOutcome { read: number; recovered: number; unreadable: number }

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
  /** Which disclosure wave the CVE belongs to (e.g. "ProxyLogon, March 2021"). */
  wave: string;
  verdict: Verdict;
  /** Hits counted for the verdict (confirmed, likely or needs-review findings). */
  hits: number;
  /** Hits left out of the verdict: informational findings (scanners' probes). */
  excluded: number;
  /** The strongest confidence among the counted findings (null without hits). */
  confidence: Confidence | null;
  /** Whether the logs this check reads cover the CVE's window (`window`). */
  covered: boolean;
  /** The period the logs must span for "no evidence" to mean something, and its label ("Jan–Mar 2021"). */
  window: { from: Micros; to: Micros; label: string };
  summary: string;
  evidence: EvidenceRef[];
  /** The earliest counted hit (null without hits). */
  firstSeen?: Micros | null;
}

export type StoryStage = 'scan' | 'ssrf' | 'config-change' | 'shell-written' | 'shell-used' | 'follow-on';
export const STORY_STAGES: readonly StoryStage[] = ['scan', 'ssrf', 'config-change', 'shell-written', 'shell-used', 'follow-on'];

/** One step of an intrusion's story: one request (its IIS line and HttpProxy row joined), one file, one record. */
export interface StoryStep {
  ts: Micros | null;
  stage: StoryStage;
  /** What happened, e.g. "ssrf", "mailbox-access", "shell-write", "shell-use", "export-request", "lsass-dump". */
  kind: string;
  text: string;
  ip: string | null;
  /** The evidence behind the step. */
  ref: EvidenceRef;
  /** The same request in another log (the IIS line of an HttpProxy row, joined on cafeReqId or time). */
  also: EvidenceRef[];
  eventId: number | null;
}

/** The per-intrusion answer to "was mail accessed or taken?". */
export type MailAnswer = 'exported' | 'accessed' | 'no-evidence' | 'not-covered';

export interface MailVerdict {
  answer: MailAnswer;
  /** One or two sentences a client can read. */
  summary: string;
  /** The offline address book (the directory, not mail) was downloaded. */
  addressBook: boolean;
  /** Ids of the mail findings behind the answer. */
  findingIds: number[];
}

/** One intrusion: attacker IPs, the shells they wrote and used, the SSRF sessions that led there, in time order. */
export interface Intrusion {
  /** 1-based, in order of first activity. */
  id: number;
  findingId: number;
  title: string;
  ips: string[];
  shells: string[];
  firstSeen: Micros | null;
  lastSeen: Micros | null;
  stages: StoryStage[];
  confidence: Confidence | null;
  mail: MailVerdict;
  steps: StoryStep[];
  /** Steps recorded for the intrusion (steps may be capped; the timeline holds every event). */
  stepsTotal: number;
}

/** Where the timeline opens: the log period (or the findings' period), not the copy's file times. */
export interface TimelineRange {
  logs: { from: Micros; to: Micros } | null;
  findings: { from: Micros; to: Micros } | null;
  all: { from: Micros; to: Micros } | null;
  /** File-system events stamped at the time the evidence copy was made (kept out of the default range). */
  copyEvents: number;
  default: { from: Micros; to: Micros; basis: 'logs' | 'findings' | 'all' } | null;
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
  /** The shell families its rules name (the rules' `family` meta), most telling first. */
  families: string[];
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

/** A named timeline view kept in the case: the filters, search and sort as a TimelineQuery. */
export interface SavedView { id: number; name: string; query: TimelineQuery; updatedAt: string }

export interface TagInfo { tag: string; count: number; color: string | null }

/** Tag or star many events at once: the listed ids, or every event matching a query ("tag all results"). */
export interface BulkMark {
  ids?: number[];
  query?: TimelineQuery;
  tag?: string;
  /** With tag: remove it instead of adding it. */
  untag?: boolean;
  starred?: boolean;
}

export interface RecentCase { path: string; openedAt: string; exists: boolean }

export interface AuditEntry { id: number; at: string; user: string; action: string; details: Record<string, unknown> }

export interface VerifyResult {
  checked: number;
  ok: number;
  changed: Array<{ relPath: string; expected: string; actual: string }>;
  missing: string[];
  added: string[];
  at: string;
  /** What the check itself could not avoid (e.g. folder access times changed by listing them). */
  warnings?: string[];
  /** False when the result could not be kept in the case (read-only storage, or another process writing it). */
  recorded?: boolean;
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
  /** Narrows the analyst timeline section to the marked events that match; `label` says so in the report. */
  timeline?: { query: TimelineQuery; label: string };
  /** Also list needs-review and informational indicators (labelled) in the report and the IOC exports. */
  includeReview?: boolean;
}

export type ExportFormat = 'html' | 'pdf' | 'csv' | 'timesketch' | 'timesketch-csv' | 'stix' | 'ioc-csv';

export interface ExportResult { path: string; bytes: number; rows?: number }

export interface FindingQuery { check?: string; severity?: Severity[] }
export interface WarningQuery { offset?: number; limit?: number; /** Keyset paging: warnings after this id. */ afterId?: number }

/**
 * What the UI and the CLI may ask. The service implements it once; Electron IPC, the browser-mode
 * HTTP bridge and the CLI expose the same methods. Every method takes one JSON argument (or none).
 */
export interface LoupeApi {
  // --- case ---
  createCase(args: { path: string; meta?: Partial<CaseMeta> }): Promise<CaseInfo>;
  openCase(args: { path: string }): Promise<CaseInfo>;
  /** Closes the open case (any indexing run is cancelled first). */
  closeCase(): Promise<void>;
  /** Case files opened or created lately on this machine, newest first. */
  recentCases(): Promise<RecentCase[]>;
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
  listTags(): Promise<TagInfo[]>;
  /** Position of an event (or a time, with id 0) in a time-sorted query's result: how many rows come before it. */
  timelineIndex(args: TimelineQuery & { at: { ts: Micros; id: number } }): Promise<{ index: number }>;
  listViews(): Promise<SavedView[]>;
  /** Creates or replaces the view of that name (audited). */
  saveView(args: { name: string; query: TimelineQuery }): Promise<SavedView>;
  deleteView(args: { name: string }): Promise<void>;
  /** Grid layout and other per-case display settings (keys start with "ui."); not audited. */
  getUiSettings(): Promise<Record<string, string>>;
  /** The sort indexes kept in the case, with their size and build progress. */
  listSortIndexes(): Promise<SortIndexInfo[]>;
  /** Removes a sort index (audited); the next sort by its column builds it again. */
  dropSortIndex(args: { field: string }): Promise<void>;
  setUiSetting(args: { key: string; value: string }): Promise<void>;

  // --- files ---
  listFiles(args: FileQuery): Promise<FilePage>;
  previewFile(args: { id: number; maxBytes?: number }): Promise<FilePreview>;

  // --- findings ---
  listFindings(args: FindingQuery): Promise<FindingRow[]>;
  verdicts(): Promise<CveVerdict[]>;
  logCoverage(): Promise<LogCoverage[]>;
  listWebshells(): Promise<WebshellInfo[]>;
  /** One story per intrusion, in order of first activity. */
  listIntrusions(): Promise<Intrusion[]>;
  /** The log period, the findings' period and the default range the timeline opens on. */
  timelineRange(): Promise<TimelineRange>;

  // --- analyst actions (each written to the audit log) ---
  setStar(args: { eventId: number; starred: boolean }): Promise<void>;
  addTag(args: { eventId: number; tag: string }): Promise<void>;
  removeTag(args: { eventId: number; tag: string }): Promise<void>;
  setNote(args: { eventId: number; note: string }): Promise<void>;
  /** Tags / stars many events in one transaction; returns how many events it touched. */
  bulkMark(args: BulkMark): Promise<{ count: number }>;
  /** A tag's colour (#rrggbb), or null to clear it. */
  setTagColor(args: { tag: string; color: string | null }): Promise<void>;
  addManualEvent(args: ManualEventInput): Promise<{ id: number }>;
  deleteManualEvent(args: { id: number }): Promise<void>;
  auditLog(args: { limit?: number }): Promise<AuditEntry[]>;

  // --- report and exports ---
  /** Self-contained report HTML (for the live preview). */
  renderReportHtml(args: ReportOptions): Promise<string>;
  /** Writes a report or export to a path chosen by the user (dialog in Electron, argument elsewhere); a timeline
   * export (csv / timesketch / timesketch-csv) writes only the events matching `query`, in its order. rawCells: CSVs
   * keep cells exactly (by default a cell starting with = + - @ TAB CR gets a leading ' for Excel). */
  exportTo(args: { format: ExportFormat; path: string; report?: ReportOptions; query?: TimelineQuery; rawCells?: boolean }): Promise<ExportResult>;
}

export type ApiMethod = keyof LoupeApi;

/** Every method name, checked against the interface so a missing or extra name is a compile error. */
export const API_METHODS = [
  'createCase', 'openCase', 'closeCase', 'recentCases', 'getCase', 'updateCaseMeta', 'addEvidence', 'listEvidence', 'startIndex',
  'getDetectionInputs', 'setDetectionInputs', 'cancelIndex',
  'getProgress', 'listWarnings', 'verify',
  'queryTimeline', 'histogram', 'getEvent', 'findEvent', 'listSources', 'listHosts', 'listTags',
  'timelineIndex', 'listViews', 'saveView', 'deleteView', 'getUiSettings', 'setUiSetting',
  'listSortIndexes', 'dropSortIndex',
  'listFiles', 'previewFile',
  'listFindings', 'verdicts', 'logCoverage', 'listWebshells', 'listIntrusions', 'timelineRange',
  'setStar', 'addTag', 'removeTag', 'setNote', 'bulkMark', 'setTagColor', 'addManualEvent', 'deleteManualEvent', 'auditLog',
  'renderReportHtml', 'exportTo',
] as const satisfies readonly ApiMethod[];

type Missing = Exclude<ApiMethod, (typeof API_METHODS)[number]>;
// Fails to compile when a method of LoupeApi is not listed above.
export const API_METHODS_COMPLETE: Missing extends never ? true : Missing = true;

export type ApiArgs<M extends ApiMethod> = Parameters<LoupeApi[M]>[0];
export type ApiResult<M extends ApiMethod> = Awaited<ReturnType<LoupeApi[M]>>;
