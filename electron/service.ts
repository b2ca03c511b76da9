// CaseService: the one implementation of shared/api.ts. Electron IPC, the browser mode and the CLI all call this.
import fs from 'node:fs';
import path from 'node:path';
import type {
  AuditEntry, CaseInfo, CaseMeta, CveVerdict, DetectionInputs, EventDetail, EventRow, EvidenceSource, ExportResult, FilePage, FilePreview,
  Histogram, IndexOptions, IndexProgress, LogCoverage, LoupeApi, ManualEventInput, TimelinePage, TimelineQuery,
  VerifyResult, WebshellInfo, FileQuery, FindingQuery, ReportOptions, ExportFormat, WarningQuery, WarningRow,
  BulkMark, RecentCase, SavedView, TagInfo, Intrusion, TimelineRange, SortIndexInfo,
} from '../shared/api.ts';
import type { Confidence, EvidenceRef, FindingRow, Severity, SourceId } from '../shared/types.ts';
import { microsToIso } from '../shared/types.ts';
import { caseWritable, closeCaseDb, isBusy, openCaseDb, getMeta, setMeta, CaseUpgradeNeeded, type Db } from './case/db.ts';
import { FINDING_ORDER } from './case/finding-order.ts';
import { WriterLock } from './case/lock.ts';
import { assertCaseOutsideEvidence } from './write-target.ts';
import { LATEST_VERSION } from './case/migrations/index.ts';
import { countBySource } from './case/minutes.ts';
import * as analyst from './case/analyst.ts';
import * as read from './case/read.ts';
import { timelineIndex } from './case/timeline-seek.ts';
import { dropSortIndex, listSortIndexes, SortIndexBuilds } from './case/sort-index.ts';
import { listRecentCases, rememberCase } from './recent-cases.ts';
import { audit, EventInserter, nowIso } from './case/write.ts';
import { getCompleteness, getIntrusions, getLogCoverage, getTimelineRange, getVerdicts, getWebshells } from './detect/queries.ts';
import { startIndexJob, type IndexJob } from './ingest/index.ts';
import { readRawEvidence, previewEvidenceFile, relBytesOf } from './evidence-read.ts';
import { verifyEvidence } from './verify.ts';
import { LOUPE_VERSION } from './version.ts';
import type { PrintToPdf } from './report/pdf.ts';

const META_KEYS: Array<keyof CaseMeta> = ['client', 'caseNumber', 'examiner', 'displayZone', 'companyName'];
const DEFAULT_META: CaseMeta = { client: '', caseNumber: '', examiner: '', displayZone: 'UTC', companyName: '' };

export class UserError extends Error {}

function idleProgress(): IndexProgress {
  return {
    phase: 'idle', filesTotal: 0, filesDone: 0, bytesTotal: 0, bytesDone: 0, events: 0, warnings: 0, etaSeconds: null,
    startedAt: null, finishedAt: null, error: null, currentFile: null,
  };
}

export class CaseService implements LoupeApi {
  /** The reading connection: read-only, so opening a case for reading never changes it (nor anything else). */
  private db: Db | null = null;
  /** The writing connection, opened on the first edit. */
  private wdb: Db | null = null;
  private casePath: string | null = null;
  private job: IndexJob | null = null;
  private progress: IndexProgress = idleProgress();
  /** Sort indexes being built for this case (on the writing connection, a slice at a time). */
  private sortBuilds: SortIndexBuilds | null = null;

  private readonly printToPdf?: PrintToPdf;
  /** False for a command run (the CLI): a column sort reads a sort index the case has, else sorts the whole result, and builds none. */
  private readonly buildSortIndexes: boolean;

  /**
   * printToPdf: the desktop shell's own PDF printer (Electron's printToPDF); without it a system Chromium is used.
   * casePath: opened for reading (no write, no migration); the first edit opens it for writing.
   */
  constructor(opts: { casePath?: string; printToPdf?: PrintToPdf; buildSortIndexes?: boolean } = {}) {
    this.printToPdf = opts.printToPdf;
    this.buildSortIndexes = opts.buildSortIndexes ?? true;
    if (opts.casePath) this.open(opts.casePath, 'read');
  }

  // ---------- case ----------

  /** 'read': read-only; 'upgrade': read-only once an older schema was migrated; 'create': a new case, writable. */
  private open(file: string, mode: 'read' | 'upgrade' | 'create'): void {
    const abs = path.resolve(file);
    let wdb: Db | null = null;
    if (mode === 'create') wdb = openCaseDb(abs, { create: true });
    let db: Db;
    try {
      db = wdb ?? openCaseDb(abs, { readonly: true });
    } catch (e) {
      if (mode !== 'upgrade' || !(e instanceof CaseUpgradeNeeded)) throw e;
      // The analyst opened an older case to work on it: bring its schema up to date once.
      closeCaseDb(openCaseDb(abs));
      db = openCaseDb(abs, { readonly: true });
    }
    this.close();
    this.db = db;
    this.wdb = wdb;
    this.casePath = abs;
    this.progress = idleProgress();
    rememberCase(abs);
  }

  close(): void {
    this.job?.cancel();
    this.job = null;
    this.sortBuilds?.stop();
    this.sortBuilds = null;
    if (this.wdb && this.wdb !== this.db) closeCaseDb(this.wdb);
    if (this.db) closeCaseDb(this.db);
    this.db = null;
    this.wdb = null;
    this.casePath = null;
  }

  private need(): Db {
    if (!this.db) throw new UserError('no case is open — create or open a case first');
    return this.wdb ?? this.db;
  }

  /** False when the case sits on read-only storage or this user may not write it: reading works, edits are refused. */
  get writable(): boolean {
    return !!this.casePath && (!!this.wdb || caseWritable(this.casePath));
  }

  /** The writing connection, opened on first use. */
  private writer(): Db {
    this.need();
    if (!this.wdb) {
      if (!caseWritable(this.casePath!)) {
        throw new UserError(`${this.casePath} is read-only here (read-only storage, or not writable by this user): reading works; to tag, annotate or index, copy it to writable storage`);
      }
      this.wdb = openCaseDb(this.casePath!);
    }
    return this.wdb;
  }

  /** The open case's path (for the CLI and the report). */
  get path(): string | null { return this.casePath; }

  /** The open case's db handle, for in-process callers (CLI, tests). */
  get handle(): Db { return this.need(); }

  /** The writing connection (opened on first use; refused with a sentence when the case is read-only here). */
  get writeHandle(): Db { return this.writer(); }

  async createCase(args: { path: string; meta?: Partial<CaseMeta> }): Promise<CaseInfo> {
    const abs = path.resolve(args.path);
    if (fs.existsSync(abs)) throw new UserError(`a file already exists at ${abs} — open it instead, or choose another name`);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    this.open(abs, 'create');
    const db = this.writer();
    db.transaction(() => {
      setMeta(db, 'createdAt', nowIso());
      setMeta(db, 'loupeVersion', LOUPE_VERSION);
      for (const k of META_KEYS) setMeta(db, k, String(args.meta?.[k] ?? DEFAULT_META[k]));
      audit(db, 'case.create', { path: abs, meta: args.meta ?? {} });
    }).immediate();
    return this.getCaseInfo();
  }

  async openCase(args: { path: string }): Promise<CaseInfo> {
    this.open(args.path, 'upgrade');
    if (this.writable) audit(this.writer(), 'case.open', { path: this.casePath });
    return this.getCaseInfo();
  }

  async closeCase(): Promise<void> {
    if (this.db && this.writable) audit(this.writer(), 'case.close', { path: this.casePath });
    this.close();
  }

  async recentCases(): Promise<RecentCase[]> {
    return listRecentCases();
  }

  async getCase(): Promise<CaseInfo | null> {
    return this.db ? this.getCaseInfo() : null;
  }

  private getCaseInfo(): CaseInfo {
    const db = this.need();
    const meta = { ...DEFAULT_META };
    for (const k of META_KEYS) meta[k] = getMeta(db, k) ?? DEFAULT_META[k];
    const files = db.prepare('SELECT count(*) AS n, coalesce(sum(size), 0) AS b FROM files').get() as { n: number; b: number };
    const bySource = countBySource(db) as Array<{ source: SourceId; n: number }>;
    const one = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
    return {
      path: this.casePath!, meta, schemaVersion: LATEST_VERSION, loupeVersion: getMeta(db, 'loupeVersion') ?? LOUPE_VERSION,
      createdAt: getMeta(db, 'createdAt') ?? '',
      counts: {
        files: files.n, bytes: files.b, events: bySource.reduce((n, r) => n + r.n, 0),
        findings: one('SELECT count(*) AS n FROM findings'), warnings: one('SELECT count(*) AS n FROM warnings'),
        eventsBySource: Object.fromEntries(bySource.map((r) => [r.source, r.n])),
      },
      completeness: getCompleteness(db, this.job !== null),
    };
  }

  async updateCaseMeta(args: Partial<CaseMeta>): Promise<CaseInfo> {
    const db = this.writer();
    db.transaction(() => {
      for (const k of META_KEYS) if (args[k] !== undefined) setMeta(db, k, String(args[k]));
      audit(db, 'case.meta', { ...args });
    }).immediate();
    return this.getCaseInfo();
  }

  async addEvidence(args: { root: string; label?: string }): Promise<EvidenceSource> {
    const db = this.writer();
    const root = path.resolve(args.root);
    assertCaseOutsideEvidence(this.casePath!, [root]);
    let st: fs.Stats;
    try { st = fs.statSync(root); } catch (e) {
      throw new UserError(`evidence folder not readable: ${root} (${(e as NodeJS.ErrnoException).code}) — check the path, or run as a user that can read it`);
    }
    if (!st.isDirectory()) throw new UserError(`not a folder: ${root} — point Loupe at the top of the collected evidence`);
    const existing = db.prepare('SELECT * FROM evidence_sources WHERE root = ?').get(root) as RawSource | undefined;
    if (existing) return toSource(existing);
    const label = args.label?.trim() || path.basename(root);
    const id = Number(db.prepare('INSERT INTO evidence_sources (root, label, added_at) VALUES (?, ?, ?)').run(root, label, nowIso()).lastInsertRowid);
    audit(db, 'evidence.add', { root, label });
    return toSource(db.prepare('SELECT * FROM evidence_sources WHERE id = ?').get(id) as RawSource);
  }

  async listEvidence(): Promise<EvidenceSource[]> {
    return (this.need().prepare('SELECT * FROM evidence_sources ORDER BY id').all() as RawSource[]).map(toSource);
  }

  async startIndex(args: IndexOptions = {}): Promise<{ started: boolean }> {
    const db = this.writer();
    if (this.job) throw new UserError('indexing is already running — wait for it or cancel it');
    const roots = (db.prepare('SELECT root FROM evidence_sources').all() as Array<{ root: string }>).map((r) => r.root);
    if (roots.length === 0) throw new UserError('add an evidence folder before indexing');
    assertCaseOutsideEvidence(this.casePath!, roots);
    // Another process indexing this case says so now; the run itself holds the lock (see case/lock.ts).
    WriterLock.assertFree(this.casePath!);
    const inputs = this.storeDetectionInputs(mergeInputs(readDetectionInputs(db), args));
    audit(db, 'index.start', { ...inputs });
    this.progress = { ...idleProgress(), phase: 'scanning', startedAt: nowIso() };
    const job = startIndexJob(this.casePath!, inputs, (p) => { this.progress = p; });
    this.job = job;
    job.done.then(
      (s) => { this.progress = { ...this.progress, phase: s.cancelled ? 'cancelled' : 'done', finishedAt: nowIso(), etaSeconds: 0 }; },
      (e: Error) => { this.progress = { ...this.progress, phase: 'failed', error: e.message, finishedAt: nowIso() }; },
    ).finally(() => { if (this.job === job) this.job = null; });
    return { started: true };
  }

  async getDetectionInputs(): Promise<DetectionInputs> {
    return readDetectionInputs(this.need());
  }

  async setDetectionInputs(args: DetectionInputs): Promise<DetectionInputs> {
    const db = this.writer();
    const inputs = this.storeDetectionInputs(mergeInputs({ iocs: [], rules: [], baselines: [], sigma: [] }, args));
    audit(db, 'detection.inputs', { ...inputs });
    return inputs;
  }

  /** Checks every path exists, then keeps the inputs in the case. */
  private storeDetectionInputs(inputs: DetectionInputs): DetectionInputs {
    for (const f of [...inputs.iocs, ...inputs.baselines]) {
      if (!fs.existsSync(f) || !fs.statSync(f).isFile()) throw new UserError(`IOC or baseline file not found: ${f} — restore it, or remove it from the case's detection inputs`);
    }
    for (const d of inputs.rules) {
      if (!fs.existsSync(d) || !fs.statSync(d).isDirectory()) throw new UserError(`rules folder not found: ${d} — give a folder of .yar files, or remove it from the case's detection inputs`);
    }
    for (const d of inputs.sigma ?? []) {
      if (!fs.existsSync(d)) throw new UserError(`Sigma rules folder not found: ${d} — give a folder of Sigma .yml rules, or remove it from the case's detection inputs`);
    }
    setMeta(this.writer(), 'detectionInputs', JSON.stringify(inputs));
    return inputs;
  }

  /** For the CLI: the running job's completion. */
  get indexJob(): IndexJob | null { return this.job; }

  async cancelIndex(): Promise<void> {
    this.job?.cancel();
  }

  async getProgress(): Promise<IndexProgress> {
    return { ...this.progress };
  }

  async listWarnings(args: WarningQuery = {}): Promise<{ rows: WarningRow[]; total: number }> {
    return read.listWarnings(this.need(), args);
  }

  /** Re-hashes the evidence; the result is recorded in the case when the case is writable (see `writable`). */
  async verify(): Promise<VerifyResult> {
    const res = await verifyEvidence(this.need());
    res.recorded = false;
    if (!this.writable) return res;
    const db = this.writer();
    try {
      db.transaction(() => {
        db.prepare('INSERT INTO verify_runs (at, checked, ok, result) VALUES (?, ?, ?, ?)').run(res.at, res.checked, res.ok, JSON.stringify(res));
        audit(db, 'evidence.verify', { checked: res.checked, ok: res.ok, changed: res.changed.length, missing: res.missing.length, added: res.added.length });
      }).immediate();
      res.recorded = true;
    } catch (e) {
      // An index run holding the case must not turn a finished verification into a failure.
      if (!isBusy(e)) throw e;
    }
    return res;
  }

  // ---------- timeline ----------

  async queryTimeline(args: TimelineQuery): Promise<TimelinePage> {
    const q = args ?? {};
    // A column without an index is sorted through a sort index built in the background (when the case can be
    // written and no indexing run holds it); meanwhile the page is in time order and says how far the build is.
    const canBuild = this.buildSortIndexes && this.writable && this.job === null;
    const page = read.queryTimeline(this.need(), q, { unindexedSort: canBuild ? 'defer' : 'sort' });
    if (!page.sortIndex) return page;
    if (!this.sortBuilds) { const own = this.writer(); this.sortBuilds = new SortIndexBuilds(() => own); }
    // A small extension (a few events added since) completes at once: then the page is read sorted.
    return this.sortBuilds.ensure(page.sortIndex.field) ? read.queryTimeline(this.need(), q, { unindexedSort: 'defer' }) : page;
  }

  /** Waits for the sort indexes being built (the bench, tests). */
  async sortIndexesIdle(): Promise<void> { await this.sortBuilds?.idle(); }

  async listSortIndexes(): Promise<SortIndexInfo[]> { return listSortIndexes(this.need()); }

  async dropSortIndex(args: { field: string }): Promise<void> {
    if (!dropSortIndex(this.writer(), args.field)) throw new UserError(`this case has no sort index for "${args.field}"`);
  }

  async histogram(args: TimelineQuery & { buckets?: number }): Promise<Histogram> {
    return read.histogram(this.need(), args ?? {});
  }

  async getEvent(args: { id: number }): Promise<EventDetail | null> {
    const r = read.getEventRow(this.need(), args.id);
    if (!r) return null;
    const { sourceRoot, ...row } = r;
    const raw = sourceRoot && row.ref.file ? await readRawEvidence(sourceRoot, row.ref, relBytesOf(this.need(), row.ref.file)) : null;
    return { ...row, raw };
  }

  async findEvent(args: EvidenceRef): Promise<EventRow | null> {
    return read.findEventByRef(this.need(), args);
  }

  async listSources(): Promise<Array<{ source: SourceId; count: number }>> {
    return countBySource(this.need()).map((r) => ({ source: r.source as SourceId, count: r.n }));
  }

  async listHosts(): Promise<Array<{ host: string; count: number }>> {
    return read.countHosts(this.need());
  }

  async listTags(): Promise<TagInfo[]> {
    return read.listTags(this.need());
  }

  async timelineIndex(args: TimelineQuery & { at: { ts: number; id: number } }): Promise<{ index: number }> {
    const { at, ...q } = args;
    return { index: timelineIndex(this.need(), q, at) };
  }

  async listViews(): Promise<SavedView[]> { return analyst.listViews(this.need()); }
  async saveView(args: { name: string; query: TimelineQuery }): Promise<SavedView> { return analyst.saveView(this.writer(), args.name, args.query); }
  async deleteView(args: { name: string }): Promise<void> { analyst.deleteView(this.writer(), args.name); }
  async getUiSettings(): Promise<Record<string, string>> { return analyst.getUiSettings(this.need()); }
  async setUiSetting(args: { key: string; value: string }): Promise<void> { analyst.setUiSetting(this.writer(), args.key, args.value); }
  async bulkMark(args: BulkMark): Promise<{ count: number }> { return analyst.bulkMark(this.writer(), args); }
  async setTagColor(args: { tag: string; color: string | null }): Promise<void> { analyst.setTagColor(this.writer(), args.tag, args.color); }

  // ---------- files ----------

  async listFiles(args: FileQuery): Promise<FilePage> {
    return read.listFiles(this.need(), args ?? {});
  }

  async previewFile(args: { id: number; maxBytes?: number }): Promise<FilePreview> {
    const db = this.need();
    const f = read.getFileWithRoot(db, args.id);
    if (!f) throw new UserError(`no file with id ${args.id}`);
    return previewEvidenceFile(db, f, args.maxBytes);
  }

  // ---------- findings ----------

  async listFindings(args: FindingQuery = {}): Promise<FindingRow[]> {
    return listFindingRows(this.need(), args);
  }

  async verdicts(): Promise<CveVerdict[]> { return getVerdicts(this.need(), getCompleteness(this.need(), this.job !== null)); }
  async logCoverage(): Promise<LogCoverage[]> { return getLogCoverage(this.need()); }
  async listWebshells(): Promise<WebshellInfo[]> { return getWebshells(this.need()); }
  async listIntrusions(): Promise<Intrusion[]> { return getIntrusions(this.need()); }
  async timelineRange(): Promise<TimelineRange> { return getTimelineRange(this.need()); }

  // ---------- analyst actions ----------

  private eventExists(id: number): void {
    if (!this.need().prepare('SELECT 1 FROM events WHERE id = ?').get(id)) throw new UserError(`no event with id ${id}`);
  }

  async setStar(args: { eventId: number; starred: boolean }): Promise<void> {
    const db = this.writer();
    this.eventExists(args.eventId);
    db.transaction(() => {
      db.prepare(`INSERT INTO event_marks (event_id, starred) VALUES (?, ?) ON CONFLICT(event_id) DO UPDATE SET starred = excluded.starred`)
        .run(args.eventId, args.starred ? 1 : 0);
      audit(db, args.starred ? 'event.star' : 'event.unstar', { eventId: args.eventId });
    }).immediate();
  }

  async addTag(args: { eventId: number; tag: string }): Promise<void> {
    const db = this.writer();
    const tag = args.tag.trim();
    if (!tag) throw new UserError('a tag cannot be empty');
    this.eventExists(args.eventId);
    db.transaction(() => {
      db.prepare('INSERT OR IGNORE INTO event_tags (event_id, tag) VALUES (?, ?)').run(args.eventId, tag);
      audit(db, 'event.tag', { eventId: args.eventId, tag });
    }).immediate();
  }

  async removeTag(args: { eventId: number; tag: string }): Promise<void> {
    const db = this.writer();
    db.transaction(() => {
      db.prepare('DELETE FROM event_tags WHERE event_id = ? AND tag = ?').run(args.eventId, args.tag);
      audit(db, 'event.untag', { eventId: args.eventId, tag: args.tag });
    }).immediate();
  }

  async setNote(args: { eventId: number; note: string }): Promise<void> {
    const db = this.writer();
    this.eventExists(args.eventId);
    const note = args.note.trim() ? args.note : null;
    db.transaction(() => {
      db.prepare(`INSERT INTO event_marks (event_id, note) VALUES (?, ?) ON CONFLICT(event_id) DO UPDATE SET note = excluded.note`).run(args.eventId, note);
      audit(db, 'event.note', { eventId: args.eventId, note });
    }).immediate();
  }

  async addManualEvent(args: ManualEventInput): Promise<{ id: number }> {
    const db = this.writer();
    if (!Number.isFinite(args.ts)) throw new UserError('a manual event needs a valid time');
    if (!args.message?.trim()) throw new UserError('a manual event needs a description');
    const id = db.transaction(() => {
      const eid = new EventInserter(db).insert({
        ts: args.ts, tsDesc: args.tsDesc?.trim() || 'Analyst Note', source: 'manual', host: args.host || undefined,
        message: args.message.trim(), fields: { author: currentAnalyst() }, ref: { file: '(manual)' },
      }, null, true);
      for (const t of args.tags ?? []) if (t.trim()) db.prepare('INSERT OR IGNORE INTO event_tags (event_id, tag) VALUES (?, ?)').run(eid, t.trim());
      audit(db, 'event.manual.add', { eventId: eid, ...args });
      return eid;
    }).immediate();
    return { id };
  }

  async deleteManualEvent(args: { id: number }): Promise<void> {
    const db = this.writer();
    const row = db.prepare('SELECT manual FROM events WHERE id = ?').get(args.id) as { manual: number } | undefined;
    if (!row) throw new UserError(`no event with id ${args.id}`);
    if (row.manual !== 1) throw new UserError('only events added by hand can be deleted; evidence events are kept');
    db.transaction(() => {
      db.prepare('DELETE FROM events_fts WHERE rowid = ?').run(args.id);
      db.prepare('DELETE FROM event_tags WHERE event_id = ?').run(args.id);
      db.prepare('DELETE FROM event_marks WHERE event_id = ?').run(args.id);
      db.prepare('DELETE FROM events WHERE id = ?').run(args.id);
      audit(db, 'event.manual.delete', { eventId: args.id });
    }).immediate();
  }

  async auditLog(args: { limit?: number } = {}): Promise<AuditEntry[]> {
    const rows = this.need().prepare('SELECT id, at, user, action, details FROM audit ORDER BY id DESC LIMIT ?')
      .all(Math.max(1, Math.min(args.limit ?? 500, 10000))) as Array<{ id: number; at: string; user: string; action: string; details: string }>;
    return rows.map((r) => ({ ...r, details: JSON.parse(r.details) }));
  }

  // ---------- report and exports ----------

  async renderReportHtml(args: ReportOptions = {}): Promise<string> {
    const { buildReportModel, renderReportHtml } = await import('./report/index.ts');
    return renderReportHtml(buildReportModel(this.need(), { ...args, casePath: this.casePath! }));
  }

  async exportTo(args: { format: ExportFormat; path: string; report?: ReportOptions; query?: TimelineQuery; rawCells?: boolean }): Promise<ExportResult> {
    const db = this.need();
    const { exportTo } = await import('./report/index.ts');
    const res = await exportTo(db, this.casePath!, args, { printToPdf: this.printToPdf, query: args.query });
    if (this.writable) {
      audit(this.writer(), 'export', {
        format: args.format, path: res.path, bytes: res.bytes, rows: res.rows ?? null, rawCells: args.rawCells ?? false,
        includeReview: args.report?.includeReview ?? false, ...(args.query ? { query: args.query } : {}),
      });
    }
    return res;
  }
}

function readDetectionInputs(db: Db): DetectionInputs {
  const raw = getMeta(db, 'detectionInputs');
  const v = raw ? (JSON.parse(raw) as Partial<DetectionInputs>) : {};
  return { iocs: v.iocs ?? [], rules: v.rules ?? [], baselines: v.baselines ?? [], sigma: v.sigma ?? [] };
}

/** Union of two sets of inputs, as absolute paths, first-seen order. */
function mergeInputs(a: DetectionInputs, b: IndexOptions): DetectionInputs {
  const join = (x: string[], y: string[] | undefined): string[] => [...new Set([...x, ...(y ?? [])].map((p) => path.resolve(p)))];
  return { iocs: join(a.iocs, b.iocs), rules: join(a.rules, b.rules), baselines: join(a.baselines, b.baselines), sigma: join(a.sigma ?? [], b.sigma) };
}

function currentAnalyst(): string {
  return process.env.LOUPE_USER || process.env.USER || process.env.USERNAME || 'analyst';
}

interface RawSource { id: number; root: string; label: string; added_at: string; last_indexed_at: string | null }
const toSource = (r: RawSource): EvidenceSource => ({ id: r.id, root: r.root, label: r.label, addedAt: r.added_at, lastIndexedAt: r.last_indexed_at });

export function listFindingRows(db: Db, q: FindingQuery = {}): FindingRow[] {
  const w: string[] = [];
  const p: unknown[] = [];
  if (q.check) { w.push('check_id = ?'); p.push(q.check); }
  if (q.severity?.length) { w.push(`severity IN (${q.severity.map(() => '?').join(',')})`); p.push(...q.severity); }
  const rows = db.prepare(`SELECT * FROM findings ${w.length ? 'WHERE ' + w.join(' AND ') : ''} ORDER BY ${FINDING_ORDER}`).all(...p) as Array<{
    id: number; check_id: string; severity: Severity; title: string; path: string | null; time: number | null; sha256: string | null; evidence: string; details: string | null;
    confidence: Confidence | null; confidence_reason: string | null;
  }>;
  return rows.map((r) => ({
    id: r.id, check: r.check_id, severity: r.severity, confidence: r.confidence, confidenceReason: r.confidence_reason, title: r.title, path: r.path,
    time: r.time === null ? null : microsToIso(r.time), sha256: r.sha256, evidence: JSON.parse(r.evidence), details: r.details ? JSON.parse(r.details) : null,
  }));
}
