// The report model: everything the report shows, gathered from the case once, rendered by html.ts.
import type { Completeness, CveVerdict, EventRow, LogCoverage, MailVerdict, ReportSection, StoryStage, VerifyResult, WarningRow, WebshellInfo } from '../../shared/api.ts';
import type { Confidence, EvidenceRef, FieldValue, FindingRow, Micros, SourceId } from '../../shared/types.ts';
import type { KapeCustody } from './kape-custody.ts';

/** The log line or record behind a claim, as stored (event) or as read back from the evidence file. */
export interface Quote {
  ref: EvidenceRef;
  from: 'event' | 'file' | 'missing';
  ts: Micros | null;
  text: string;
  fields: Record<string, FieldValue> | null;
}

export interface ReportFinding extends FindingRow {
  timeUs: Micros | null;
  quotes: Quote[];
  /** Refs beyond the quoted ones (listed, not quoted). */
  moreRefs: number;
}

export interface StoryStep {
  ts: Micros | null;
  /** ssrf | config-change | shell-written | shell-used | follow-on, when the correlation names it. */
  stage: string | null;
  label: string;
  ref: EvidenceRef | null;
  quote: Quote | null;
}

export interface ReportStory {
  title: string;
  summary: string | null;
  steps: StoryStep[];
  /** Steps in the case (the report lists the first ones). */
  stepsTotal: number;
  /** Set for the stories of intrusions (absent for a story written by an older Loupe). */
  intrusion: {
    id: number; ips: string[]; shells: string[]; firstSeen: Micros | null; lastSeen: Micros | null;
    stages: StoryStage[]; confidence: Confidence | null; mail: MailVerdict;
  } | null;
}

/** An event in the report's analyst timeline: a timeline row without the HTTP status. */
export type ReportEvent = Omit<EventRow, 'status'>;

export type IndicatorType = 'ipv4' | 'ipv6' | 'sha256' | 'sha1' | 'md5' | 'filepath';

export interface Indicator {
  type: IndicatorType;
  value: string;
  /** Check ids / reasons that produced it. */
  context: string[];
  firstSeen: Micros | null;
  /** The strongest confidence among the findings it came from ('review' for findings never assessed). */
  confidence: Confidence;
  /** The findings it came from. */
  sources: Array<{ findingId: number; check: string; title: string; confidence: Confidence | null }>;
}

export interface CustodyFile { relPath: string; origPath: string; size: number; sha256: string | null; md5: string | null; sha1: string | null; reason: string }

export interface Custody {
  sources: Array<{ root: string; label: string; addedAt: string; lastIndexedAt: string | null }>;
  fileCount: number;
  totalBytes: number;
  /** SHA-256 of the sorted manifest lines `rel_path\tsize\tsha256\n` (see custody.ts). */
  manifestDigest: string;
  firstIndexedAt: string | null;
  lastIndexedAt: string | null;
  flaggedFiles: CustodyFile[];
  verify: VerifyResult | null;
  /** KAPE's console and copy logs found in the evidence, the copies checked against the case (kape-custody.ts). */
  kape: KapeCustody;
}

export interface Methodology {
  /** `source`: the published facts a CVE check was written from ('' for the other checks). */
  checks: Array<{ check: string; description: string; findings: number; source: string }>;
  rulePacks: Array<{ name: string; path: string; sha256: string; rules: number; addedAt: string }>;
  iocLists: Array<{ name: string; path: string; sha256: string; format: string; count: number; addedAt: string }>;
  sources: Array<{ source: string; events: number }>;
  /** What the parsers made of the EVTX files: live records read, recovered (slack, damaged chunks), unreadable. */
  parsing?: ParseOutcomes;
}

export interface ParseOutcomes {
  totals: { files: number; read: number; recovered: number; unreadable: number; bySlack: number; byDamagedChunk: number };
  /** Files with recovered or unreadable records, most first. */
  files: Array<{ file: string; read: number; recovered: number; unreadable: number; details?: Record<string, number> }>;
  /** Further such files not listed. */
  more: number;
}

export interface ReportModel {
  title: string;
  generatedAt: string;
  loupeVersion: string;
  sections: ReportSection[];
  companyName: string;
  logoDataUrl: string | null;
  meta: {
    client: string; caseNumber: string; examiner: string; displayZone: string;
    createdAt: string | null; caseLoupeVersion: string | null; casePath: string;
  };
  evidenceRange: { first: Micros | null; last: Micros | null; events: number };
  /** Whether the case is complete; the first page says so when it is not. */
  completeness: Completeness;
  verdicts: CveVerdict[];
  coverage: LogCoverage[];
  findings: ReportFinding[];
  webshells: WebshellInfo[];
  stories: ReportStory[];
  timeline: ReportEvent[];
  timelineTotal: number;
  /** The filters that narrowed the analyst timeline, in words; null when it holds every marked event. */
  timelineFilter: string | null;
  indicators: Indicator[];
  /** Needs-review and informational indicators are listed (labelled) only when asked. */
  includeReview: boolean;
  /** Indicators left out because they need review or are informational. */
  indicatorsHidden: number;
  methodology: Methodology;
  warnings: WarningRow[];
  warningsTotal: number;
  custody: Custody;
  /** What could not be gathered (e.g. a detection query that failed), shown in the report. */
  notes: string[];
}
