// Builds the report model from a case: one pass of read-only queries, no rendering.
import type { Db } from '../case/db.ts';
import { getMeta } from '../case/db.ts';
import { LOUPE_VERSION } from '../version.ts';
import type { ReportOptions, ReportSection, TimelineQuery, WarningRow, WebshellInfo } from '../../shared/api.ts';
import { timelineWhere } from '../case/read.ts';
import { REPORT_SECTIONS } from '../../shared/api.ts';
import type { EvidenceRef, FindingRow, SourceId } from '../../shared/types.ts';
import { isoToMicros } from '../../shared/types.ts';
import { buildCustody } from './custody.ts';
import { gatherCoverage, gatherVerdicts, gatherWebshells } from './detections.ts';
import { safeImageDataUrl } from './escape.ts';
import { collectIndicators, readFindings } from './indicators.ts';
import { getCompleteness, getIntrusions } from '../detect/queries.ts';
import { buildMethodology } from './methodology.ts';
import type { ReportEvent, ReportFinding, ReportModel, ReportStory, StoryStep } from './model-types.ts';
import { RefQuoter } from './quote.ts';
import { countBySource } from '../case/minutes.ts';
import { logPeriod } from '../detect/coverage.ts';

const QUOTES_PER_FINDING = 5;
const MAX_STORY_STEPS = 200;
const MAX_TIMELINE_EVENTS = 2000;
const MAX_WARNINGS = 500;

function chosenSections(wanted: ReportSection[] | undefined): ReportSection[] {
  if (!wanted || wanted.length === 0) return [...REPORT_SECTIONS];
  return REPORT_SECTIONS.filter((s) => wanted.includes(s));
}

function reportFindings(findings: FindingRow[], quoter: RefQuoter): ReportFinding[] {
  return findings.filter((f) => f.check !== 'story').map((f) => {
    const quotes = f.evidence.slice(0, QUOTES_PER_FINDING).map((r) => quoter.quote(r)).filter((q) => q !== null);
    return { ...f, timeUs: f.time ? isoToMicros(f.time) : null, quotes, moreRefs: Math.max(0, f.evidence.length - QUOTES_PER_FINDING) };
  });
}

function asRef(v: unknown): EvidenceRef | null {
  return v && typeof v === 'object' && typeof (v as EvidenceRef).file === 'string' ? (v as EvidenceRef) : null;
}

/** One step of a `story` finding's details.steps, tolerant of the names the correlation may use. */
function storyStep(s: Record<string, unknown>, quoter: RefQuoter): StoryStep {
  const ref = asRef(s.ref) ?? asRef(Array.isArray(s.evidence) ? s.evidence[0] : s.evidence);
  const quote = ref ? quoter.quote(ref) : null;
  const ts = typeof s.ts === 'number' ? s.ts : typeof s.time === 'string' ? isoToMicros(s.time) : quote?.ts ?? null;
  const label = [s.text, s.label, s.title, s.description, s.what].find((x) => typeof x === 'string') as string | undefined;
  const stage = typeof s.stage === 'string' ? s.stage : null;
  return { ts: Number.isFinite(ts) ? ts : null, stage, label: label ?? quote?.text ?? '', ref, quote };
}

/** Old-style stories (written before intrusions existed): whatever steps their details hold. */
function legacyStory(f: FindingRow, quoter: RefQuoter): ReportStory {
  const d = f.details ?? {};
  const steps: StoryStep[] = Array.isArray(d.steps)
    ? d.steps.filter((s): s is Record<string, unknown> => !!s && typeof s === 'object').slice(0, MAX_STORY_STEPS).map((s) => storyStep(s, quoter))
    : f.evidence.slice(0, MAX_STORY_STEPS).map((ref) => {
      const quote = quoter.quote(ref);
      return { ts: quote?.ts ?? null, stage: null, label: quote?.text ?? '', ref, quote };
    });
  return { title: f.title, summary: typeof d.summary === 'string' ? d.summary : null, steps, stepsTotal: Array.isArray(d.steps) ? d.steps.length : f.evidence.length, intrusion: null };
}

/** One story per intrusion (in order of first activity), each step quoted from its evidence. */
function buildStories(db: Db, findings: FindingRow[], quoter: RefQuoter): ReportStory[] {
  const intrusions = getIntrusions(db);
  const told = new Set(intrusions.map((i) => i.findingId));
  const stories: ReportStory[] = intrusions.map((i) => ({
    title: i.title,
    summary: i.mail.summary,
    stepsTotal: i.stepsTotal,
    steps: i.steps.slice(0, MAX_STORY_STEPS).map((s) => ({ ts: s.ts, stage: s.stage, label: s.text, ref: s.ref, quote: quoter.quote(s.ref) })),
    intrusion: { id: i.id, ips: i.ips, shells: i.shells, firstSeen: i.firstSeen, lastSeen: i.lastSeen, stages: i.stages, confidence: i.confidence, mail: i.mail },
  }));
  return [...stories, ...findings.filter((f) => f.check === 'story' && !told.has(f.id)).map((f) => legacyStory(f, quoter))];
}

const MARKED_IDS = `SELECT event_id FROM event_marks WHERE starred = 1 OR coalesce(note, '') <> ''
    UNION SELECT event_id FROM event_tags UNION SELECT id FROM events WHERE source = 'manual'`;

/** Marked events that also match `where` (timelineWhere's SQL over the events table). */
const markedEventsSql = (where: string): string => `
  WITH marked(id) AS (${MARKED_IDS})
  SELECT e.id, e.ts, e.ts_desc AS tsDesc, e.source, e.host, e.message, e.ip, e.line, e.record, e.offset, e.manual,
         f.rel_path AS relPath, coalesce(m.starred, 0) AS starred, m.note,
         (SELECT group_concat(tag, char(31)) FROM event_tags t WHERE t.event_id = e.id) AS tags
  FROM marked JOIN (SELECT * FROM events WHERE ${where}) e ON e.id = marked.id
  LEFT JOIN files f ON f.id = e.file_id LEFT JOIN event_marks m ON m.event_id = e.id
  ORDER BY e.ts, e.id LIMIT ?`;

function markedEvents(db: Db, query: TimelineQuery = {}): { rows: ReportEvent[]; total: number } {
  const where = timelineWhere(query);
  const rows = db.prepare(markedEventsSql(where.sql)).all(...where.params, MAX_TIMELINE_EVENTS) as Array<Record<string, unknown>>;
  const total = (db.prepare(`SELECT count(*) AS n FROM (${MARKED_IDS}) marked JOIN (SELECT id FROM events WHERE ${where.sql}) e ON e.id = marked.event_id`)
    .get(...where.params) as { n: number }).n;
  return {
    total,
    rows: rows.map((r) => ({
      id: r.id as number, ts: r.ts as number, tsDesc: r.tsDesc as string, source: r.source as SourceId,
      host: (r.host as string | null) ?? null, message: r.message as string, ip: (r.ip as string | null) ?? null,
      ref: refOf(r), starred: r.starred === 1, tags: r.tags ? String(r.tags).split('\u001f').sort() : [],
      note: (r.note as string | null) ?? null, manual: r.manual === 1 || r.source === 'manual',
    })),
  };
}

function refOf(r: Record<string, unknown>): EvidenceRef {
  const ref: EvidenceRef = { file: (r.relPath as string | null) ?? (r.source === 'manual' ? '(manual entry)' : '(unknown file)') };
  if (typeof r.line === 'number') ref.line = r.line;
  else if (typeof r.record === 'number') ref.record = r.record;
  else if (typeof r.offset === 'number') ref.offset = r.offset;
  return ref;
}

function readWarnings(db: Db): { rows: WarningRow[]; total: number } {
  const rows = db.prepare(`SELECT id, file, line, offset, message, created_at AS createdAt FROM warnings ORDER BY id LIMIT ?`).all(MAX_WARNINGS) as Array<WarningRow & { line: number | null; offset: number | null }>;
  const total = (db.prepare('SELECT count(*) AS n FROM warnings').get() as { n: number }).n;
  return {
    total,
    rows: rows.map((w) => ({ id: w.id, file: w.file, message: w.message, createdAt: w.createdAt, ...(w.line !== null ? { line: w.line } : {}), ...(w.offset !== null ? { offset: w.offset } : {}) })),
  };
}

export function buildReportModel(db: Db, opts: ReportOptions & { casePath: string }): ReportModel {
  const meta = (k: string): string => getMeta(db, k) ?? '';
  const quoter = new RefQuoter(db);
  const notes: string[] = [];
  const completeness = getCompleteness(db);
  const coverage = gatherCoverage(db);
  const verdicts = gatherVerdicts(db, coverage.value, completeness);
  const webshells = gatherWebshells(db);
  for (const g of [verdicts, coverage, webshells]) if (g.note) notes.push(g.note);
  const findings = readFindings(db);
  const range = { ...logPeriod(db), events: countBySource(db).reduce((n, r) => n + r.n, 0) };
  const timeline = markedEvents(db, opts.timeline?.query);
  const warnings = readWarnings(db);
  const companyName = opts.companyName ?? meta('companyName');
  const indicators = collectIndicators(findings, webshells.value, opts.includeReview ?? false);
  const client = meta('client');
  return {
    title: opts.title || `Exchange compromise assessment${client ? ` — ${client}` : ''}`,
    generatedAt: new Date().toISOString(),
    loupeVersion: LOUPE_VERSION,
    sections: chosenSections(opts.sections),
    companyName,
    logoDataUrl: safeImageDataUrl(opts.logoDataUrl),
    meta: {
      client, caseNumber: meta('caseNumber'), examiner: meta('examiner'), displayZone: meta('displayZone') || 'UTC',
      createdAt: getMeta(db, 'createdAt'), caseLoupeVersion: getMeta(db, 'loupeVersion'), casePath: opts.casePath,
    },
    evidenceRange: range,
    completeness,
    verdicts: verdicts.value,
    coverage: coverage.value,
    findings: reportFindings(findings, quoter),
    webshells: webshells.value as WebshellInfo[],
    stories: buildStories(db, findings, quoter),
    timeline: timeline.rows,
    timelineTotal: timeline.total,
    timelineFilter: opts.timeline?.label ?? null,
    indicators: indicators.list,
    includeReview: opts.includeReview ?? false,
    indicatorsHidden: indicators.hidden,
    methodology: buildMethodology(db),
    warnings: warnings.rows,
    warningsTotal: warnings.total,
    custody: buildCustody(db),
    notes,
  };
}
