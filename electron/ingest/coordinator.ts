// Indexes every evidence folder of a case: walks, hands files to parse workers, and is the one writer of the case db.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { IndexOptions, IndexProgress, IndexSummary } from '../../shared/api.ts';
import type { IngestWarning } from '../../shared/types.ts';
import { closeCaseDb, openCaseDb, type Db } from '../case/db.ts';
import { describeHolder, WriterLock } from '../case/lock.ts';
import { dropEventIndexes, ensureEventIndexes } from '../case/indexes.ts';
import { deleteFileEvents, insertWarning, markFileDone, nowIso, upsertFile } from '../case/write.ts';
import { saveFileOutcome } from '../case/recovered.ts';
import { CaseWriter } from './case-writer.ts';
import { filesystemEvents } from './fs-events.ts';
import type { FromWorker, ToWorker } from './parse-protocol.ts';
import { originalWindowsPath } from './paths.ts';
import { walkEvidence, type WalkedFile } from './walk.ts';
import { spawnTsWorker } from './workers.ts';
import { workerEntry } from './worker-bundle.ts';
import type { ScanProgress } from '../detect/webshell.ts';

/** The index run's SQLite page cache (KiB); the workbench's reading connections keep 64 MiB. */
const INDEX_CACHE_KIB = 32768;

export interface CoordinatorOptions extends IndexOptions {
  casePath: string;
  onProgress?: (p: IndexProgress) => void;
  signal?: AbortSignal;
  /** Parse workers to run; default: one per core (the writer mostly waits on them or they on it). */
  workers?: number;
  /** Run detections after indexing (default true). */
  detect?: boolean;
}

function rootReachable(root: string): boolean {
  try {
    return fs.statSync(root).isDirectory() && (fs.readdirSync(root), true);
  } catch {
    return false;
  }
}

interface Task {
  taskId: number; fileId: number; file: WalkedFile; sourceId: number; origPath: string; events: number;
  /** Ids of the first and last event written for the file in this run. */
  firstId?: number; lastId?: number;
}

const PROGRESS_EVERY_MS = 200;
/** A rough count of events per byte of evidence, to tell a load that doubles the case from a small addition. */
const BYTES_PER_EVENT = 200;

export class IndexCoordinator {
  private readonly db: Db;
  private readonly writer: CaseWriter;
  private readonly progress: IndexProgress = {
    phase: 'scanning', filesTotal: 0, filesDone: 0, bytesTotal: 0, bytesDone: 0, events: 0, warnings: 0,
    etaSeconds: null, startedAt: nowIso(), finishedAt: null, error: null, currentFile: null,
  };
  private readonly summary: IndexSummary = {
    filesSeen: 0, filesIndexed: 0, filesUnchanged: 0, filesRemoved: 0, bytesRead: 0, eventsAdded: 0, warnings: 0,
    findings: 0, cancelled: false, seconds: 0,
  };
  private lastProgressAt = 0;
  private readonly unreachable: string[] = [];
  private readonly t0 = performance.now();

  /** One writer per case: held from here until run() ends (a second run is refused, naming this one). */
  private readonly lock: WriterLock;

  constructor(private readonly opts: CoordinatorOptions) {
    this.lock = WriterLock.acquire(opts.casePath);
    try {
      this.db = openCaseDb(opts.casePath, { writerLock: true });
      // Half the reader's page cache: index builds and detections then stay under 600 MB at 2 GB of logs (the sorter's
      // memory follows the cache size; index builds reached 598 MB with 64 MiB, 503 MB with 32 MiB).
      this.db.pragma(`cache_size = -${INDEX_CACHE_KIB}`);
    } catch (e) {
      this.lock.release();
      throw e;
    }
    this.writer = new CaseWriter(this.db);
  }

  async run(): Promise<IndexSummary> {
    try {
      const tasks = this.plan();
      const stale = this.lock.tookOverFrom;
      if (stale) this.warn({ file: this.opts.casePath, message: `an earlier index run ended without finishing (${describeHolder(stale)}): its lock was taken over and its partial work is redone` }, null);
      this.progress.phase = 'indexing';
      this.emit(true);
      const rebuild = this.loadDoublesCase();
      if (rebuild) dropEventIndexes(this.db);
      // No fsync during the load: a killed process loses nothing (the OS has the writes), and a power cut at worst
      // means re-indexing; the evidence itself is never touched.
      this.db.pragma('synchronous = OFF');
      try {
        await this.parseAll(tasks);
        this.writer.commit();
      } catch (e) {
        this.writer.rollback();
        throw e;
      } finally {
        if (rebuild) {
          this.progress.currentFile = '(building indexes)';
          this.emit(true);
        }
        ensureEventIndexes(this.db);
        this.db.pragma('synchronous = NORMAL');
      }
      if (this.opts.signal?.aborted) {
        this.summary.cancelled = true;
        this.progress.phase = 'cancelled';
      } else {
        const runDetect = this.opts.detect !== false && this.unreachable.length === 0;
        if (this.opts.detect !== false && !runDetect) {
          // Web-shell scans read file contents; with evidence missing they would drop findings. Keep the last ones.
          this.warn({ file: this.unreachable[0], message: 'detections not re-run while an evidence folder is not reachable: the previous findings are kept' }, null);
        }
        const cancelled = runDetect && !(await this.detect());
        if (cancelled) {
          this.summary.cancelled = true;
          this.progress.phase = 'cancelled';
        } else {
          this.db.prepare('UPDATE evidence_sources SET last_indexed_at = ?').run(nowIso());
          this.progress.phase = 'done';
        }
      }
      this.db.pragma('optimize');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (e) {
      this.progress.phase = 'failed';
      this.progress.error = (e as Error).message;
      throw e;
    } finally {
      this.summary.seconds = (performance.now() - this.t0) / 1000;
      this.progress.finishedAt = nowIso();
      this.progress.etaSeconds = 0;
      this.emit(true);
      closeCaseDb(this.db);
      this.lock.release();
    }
    return this.summary;
  }

  /** True when this run adds at least as many events as the case holds: then indexes are built once at the end. */
  private loadDoublesCase(): boolean {
    const held = (this.db.prepare('SELECT count(*) FROM event_rows').pluck().get() as number);
    return this.progress.bytesTotal / BYTES_PER_EVENT >= held;
  }

  private warn(w: IngestWarning, fileId: number | null): void {
    insertWarning(this.db, w, fileId);
    this.summary.warnings++;
    this.progress.warnings++;
  }

  /** Walks every evidence folder and decides which files need (re)reading; creates their manifest rows. */
  private plan(): Task[] {
    const sources = this.db.prepare('SELECT id, root FROM evidence_sources ORDER BY id').all() as Array<{ id: number; root: string }>;
    if (sources.length === 0) throw new Error('no evidence folder in this case — add one first (`loupe index <folder> --case FILE`)');
    const tasks: Task[] = [];
    let taskId = 0;
    // Warnings not tied to a file (walk, detections) are produced afresh by every run.
    this.db.prepare('DELETE FROM warnings WHERE file_id IS NULL').run();
    for (const src of sources) {
      const reachable = rootReachable(src.root);
      // Kept in the case (not only in this run's memory) so completeness is right after a crash too.
      this.db.prepare('UPDATE evidence_sources SET unreachable_at = ? WHERE id = ?').run(reachable ? null : nowIso(), src.id);
      if (!reachable) {
        // An unplugged drive must not read as "every file was deleted": keep what the case holds for this source.
        this.unreachable.push(src.root);
        this.warn({ file: src.root, message: 'evidence folder not reachable: its files and events are kept as they were — reconnect it (or fix the path) and index again' }, null);
        continue;
      }
      const walked = walkEvidence(src.root, (w) => this.warn(w, null));
      const existing = new Map<string, { id: number; size: number; mtime: number | null; state: string }>();
      for (const r of this.db.prepare('SELECT id, rel_path, size, mtime, state FROM files WHERE source_id = ?').iterate(src.id) as Iterable<{ id: number; rel_path: string; size: number; mtime: number | null; state: string }>) {
        existing.set(r.rel_path, { id: r.id, size: r.size, mtime: r.mtime, state: r.state });
      }
      const seen = new Set<string>();
      this.db.transaction(() => {
        for (const f of walked) {
          seen.add(f.rel);
          this.summary.filesSeen++;
          const old = existing.get(f.rel);
          if (old && old.state === 'done' && old.size === f.size && old.mtime === f.mtime) {
            this.summary.filesUnchanged++;
            continue;
          }
          if (old) deleteFileEvents(this.db, old.id);
          const origPath = originalWindowsPath(f.rel);
          const fileId = upsertFile(this.db, {
            sourceId: src.id, relPath: f.rel, origPath, size: f.size, mtime: f.mtime, atime: f.atime, ctime: f.ctime,
            btime: f.btime, md5: null, sha1: null, sha256: null, kind: 'other', parser: null,
          });
          if (f.relBytes) this.db.prepare('UPDATE files SET rel_path_bytes = ? WHERE id = ?').run(f.relBytes, fileId);
          tasks.push({ taskId: taskId++, fileId, file: f, sourceId: src.id, origPath, events: 0 });
        }
        for (const [rel, old] of existing) {
          if (seen.has(rel)) continue;
          deleteFileEvents(this.db, old.id);
          this.db.prepare('DELETE FROM findings WHERE file_id = ?').run(old.id);
          this.db.prepare('DELETE FROM files WHERE id = ?').run(old.id);
          this.summary.filesRemoved++;
        }
      }).immediate();
    }
    this.progress.filesTotal = tasks.length;
    this.progress.bytesTotal = tasks.reduce((n, t) => n + t.file.size, 0);
    return tasks;
  }

  private async parseAll(tasks: Task[]): Promise<void> {
    if (tasks.length === 0) return;
    const n = Math.max(1, Math.min(this.opts.workers ?? os.availableParallelism(), tasks.length));
    const byId = new Map(tasks.map((t) => [t.taskId, t]));
    const queue = [...tasks].sort((a, b) => b.file.size - a.file.size); // big files first: better load balance
    const workers: Worker[] = [];
    let remaining = tasks.length;
    const entry = await workerEntry(new URL('./parse-worker.ts', import.meta.url));
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => resolve();
      this.opts.signal?.addEventListener('abort', onAbort, { once: true });
      const feed = (w: Worker): void => {
        const t = queue.shift();
        if (!t || this.opts.signal?.aborted) return;
        this.progress.currentFile = t.file.rel;
        w.postMessage({ type: 'task', taskId: t.taskId, abs: t.file.abs, rel: t.file.rel, size: t.file.size, mtime: t.file.mtime } satisfies ToWorker);
      };
      for (let i = 0; i < n; i++) {
        const w = spawnTsWorker(entry);
        workers.push(w);
        w.on('error', (e) => reject(e));
        w.on('message', (m: FromWorker) => {
          try {
            this.onWorkerMessage(m, byId, w);
            if (m.type === 'done') {
              feed(w);
              if (--remaining === 0) resolve();
            }
          } catch (e) { reject(e); }
        });
        feed(w);
        feed(w); // two in flight per worker so it never waits for the writer between files
      }
    }).finally(async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    });
  }

  private onWorkerMessage(m: FromWorker, byId: Map<number, Task>, w: Worker): void {
    const t = byId.get(m.taskId)!;
    switch (m.type) {
      case 'batch':
        if (m.batch.rows) {
          const first = this.writer.batch(m.batch, m.taskId, t.fileId);
          t.firstId ??= first;
          t.lastId = first + m.batch.rows - 1;
        }
        t.events += m.batch.rows;
        this.summary.eventsAdded += m.batch.rows;
        this.progress.events += m.batch.rows;
        w.postMessage({ type: 'ack', taskId: m.taskId } satisfies ToWorker);
        break;
      case 'warn':
        this.warn(m.warning, t.fileId);
        break;
      case 'progress':
        this.progress.bytesDone += m.bytes;
        this.summary.bytesRead += m.bytes;
        this.emit();
        break;
      case 'done':
        this.finishFile(t, m);
        break;
    }
  }

  private finishFile(t: Task, m: Extract<FromWorker, { type: 'done' }>): void {
    this.writer.within(() => {
      const h = m.hashes;
      this.writer.endScope(t.taskId);
      // The manifest's size is the size that was hashed (a file that grew while it was read is warned about).
      this.db.prepare('UPDATE files SET md5 = ?, sha1 = ?, sha256 = ?, size = ?, kind = ?, parser = ? WHERE id = ?')
        .run(h?.md5 ?? null, h?.sha1 ?? null, h?.sha256 ?? null, h ? m.bytes : t.file.size, m.kind, m.parser, t.fileId);
      if (m.error && !h) {
        this.db.prepare(`UPDATE files SET state = 'error', events = ? WHERE id = ?`).run(t.events, t.fileId);
        return;
      }
      // Scopes below zero are this thread's own encoders; a task's scope is its id.
      const n = this.writer.events(filesystemEvents(t.file, t.origPath, h?.sha256 ?? null), -1 - t.taskId, t.fileId);
      t.events += n;
      this.summary.eventsAdded += n;
      this.progress.events += n;
      markFileDone(this.db, t.fileId, t.events);
      if (m.outcome) saveFileOutcome(this.db, t.fileId, m.outcome, t.firstId ?? null, t.lastId ?? null);
    });
    this.writer.maybeCommit();
    this.summary.filesIndexed++;
    this.progress.filesDone++;
    this.emit();
  }

  /** Runs the detections; false when they were cancelled (the previous findings are then kept). */
  private async detect(): Promise<boolean> {
    this.progress.phase = 'detecting';
    this.progress.currentFile = null;
    this.progress.etaSeconds = null;
    this.emit(true);
    // Statistics for the indexes just built (sampled: 0.2 s at 2 GB): without them the planner picks index scans that
    // made the detections take 2.7 times the CPU (and far more wall time) at 2 GB. 0x10000: every table, used or not.
    this.db.pragma('optimize=0x10012');
    const roots = new Map<number, string>();
    for (const r of this.db.prepare('SELECT id, root FROM evidence_sources').all() as Array<{ id: number; root: string }>) roots.set(r.id, path.resolve(r.root));
    const { runDetections } = await import('../detect/index.ts');
    const res = await runDetections(this.db, {
      evidenceRoots: roots, iocFiles: this.opts.iocs, ruleDirs: this.opts.rules, baselines: this.opts.baselines, sigmaDirs: this.opts.sigma,
      warn: (w: IngestWarning) => this.warn(w, null), signal: this.opts.signal,
      onScanProgress: (sp) => this.scanProgress(sp),
    });
    this.summary.findings = res.findings;
    return !res.cancelled;
  }

  /** Detection progress: files scanned / to scan, and an ETA from the bytes scanned so far (none until some are). */
  private scanProgress(sp: ScanProgress): void {
    const now = performance.now();
    this.scanStart ??= now;
    const sec = (now - this.scanStart) / 1000;
    this.progress.detect = { ...sp, engine: sp.engine ?? null };
    this.progress.etaSeconds = sp.bytesDone > 0 && sec > 0.5 ? Math.max(0, Math.round((sp.bytesTotal - sp.bytesDone) / (sp.bytesDone / sec))) : null;
    this.emit(true);
  }

  private scanStart: number | null = null;

  private emit(force = false): void {
    const now = performance.now();
    if (!force && now - this.lastProgressAt < PROGRESS_EVERY_MS) return;
    this.lastProgressAt = now;
    const elapsed = (now - this.t0) / 1000;
    const p = this.progress;
    if (p.phase === 'indexing' && p.bytesDone > 0 && elapsed > 1) {
      const rate = p.bytesDone / elapsed;
      p.etaSeconds = Math.max(0, Math.round((p.bytesTotal - p.bytesDone) / rate));
    }
    this.opts.onProgress?.({ ...p });
  }
}
