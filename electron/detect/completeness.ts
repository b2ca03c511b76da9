// Completeness of a case, read from facts stored in it (never from a run's memory), so it is right after a Ctrl+C,
// a kill -9 or a crash: files still pending or failed, detections that have not run or predate the last ingest,
// evidence folders the last run could not reach, files the detections could not read.
import type { Db } from '../case/db.ts';
import { getMeta, setMeta } from '../case/db.ts';
import type { Completeness, DetectionState } from '../../shared/api.ts';

/** Bumped when the detections' output changes meaning (2: confidence, intrusions, scanners, mail findings). */
export const DETECTION_MODEL = 2;
const RECORD_KEY = 'detections';
const UNREADABLE_SHOWN = 100;

/** What a finished detection run leaves in the case. */
export interface DetectionRecord {
  model: number;
  /** When the run started: a file indexed after this is newer than the findings. */
  startedAt: string;
  finishedAt: string;
  /** Files in the manifest when it ran. */
  files: number;
  /** Files the detections could not read (web-shell scan), with why. */
  unreadable: Array<{ file: string; message: string }>;
}

/** Written in the same transaction as the findings, so both are there or neither is. */
export function recordDetectionRun(db: Db, rec: Omit<DetectionRecord, 'model' | 'files'>): void {
  const files = (db.prepare('SELECT count(*) AS n FROM files').get() as { n: number }).n;
  setMeta(db, RECORD_KEY, JSON.stringify({ model: DETECTION_MODEL, files, ...rec } satisfies DetectionRecord));
}

export function readDetectionRecord(db: Db): DetectionRecord | null {
  const raw = getMeta(db, RECORD_KEY);
  if (!raw) return null;
  try {
    const r = JSON.parse(raw) as Partial<DetectionRecord>;
    return typeof r.startedAt === 'string' ? { model: r.model ?? 0, startedAt: r.startedAt, finishedAt: r.finishedAt ?? r.startedAt, files: r.files ?? 0, unreadable: r.unreadable ?? [] } : null;
  } catch {
    return null;
  }
}

interface FileCounts { total: number; indexed: number; pending: number; failed: number }
interface SourceRow { root: string; unreachable: string | null; lastIndexed: string | null; files: number }

function fileCounts(db: Db): FileCounts {
  const r = db.prepare(`SELECT count(*) AS total, coalesce(sum(state = 'done'), 0) AS indexed,
      coalesce(sum(state = 'pending'), 0) AS pending, coalesce(sum(state = 'error'), 0) AS failed FROM files`).get() as FileCounts;
  return r;
}

function detectionState(db: Db, rec: DetectionRecord | null, files: FileCounts): { state: DetectionState; changed: number } {
  if (!rec) {
    const ran = (db.prepare('SELECT (SELECT count(*) FROM findings) + (SELECT count(*) FROM ioc_lists) AS n').get() as { n: number }).n > 0;
    return { state: ran ? 'outdated' : 'not-run', changed: 0 };
  }
  if (rec.model < DETECTION_MODEL) return { state: 'outdated', changed: 0 };
  const changed = (db.prepare('SELECT count(*) AS n FROM files WHERE indexed_at > ?').get(rec.startedAt) as { n: number }).n;
  return { state: changed > 0 || files.total !== rec.files ? 'stale' : 'current', changed: Math.max(changed, Math.abs(files.total - rec.files)) };
}

function unreadableFiles(db: Db, rec: DetectionRecord | null): Array<{ file: string; message: string }> {
  const failed = db.prepare(`SELECT f.rel_path AS file,
      coalesce((SELECT w.message FROM warnings w WHERE w.file_id = f.id ORDER BY w.id LIMIT 1), 'could not be read') AS message
    FROM files f WHERE f.state = 'error' ORDER BY f.rel_path`).all() as Array<{ file: string; message: string }>;
  return [...failed, ...(rec?.unreadable ?? [])];
}

const n = (x: number): string => x.toLocaleString('en-US');
const plural = (x: number, one: string, many = `${one}s`): string => `${n(x)} ${x === 1 ? one : many}`;

const DETECTION_WORDS: Record<DetectionState, (changed: number) => string | null> = {
  current: () => null,
  'not-run': () => 'detections have not run',
  stale: (c) => `detections are older than the last ingest (${plural(c, 'file')} changed since)`,
  outdated: () => 'detections were run by an older Loupe (no confidence, intrusions or mail findings): index again to refresh them',
};

/** The case's completeness; `indexing` is whether this process is indexing it right now. */
export function computeCompleteness(db: Db, indexing = false): Completeness {
  const files = fileCounts(db);
  const rec = readDetectionRecord(db);
  const det = detectionState(db, rec, files);
  const sources = db.prepare(`SELECT s.root, s.unreachable_at AS unreachable, s.last_indexed_at AS lastIndexed,
      (SELECT count(*) FROM files f WHERE f.source_id = s.id) AS files FROM evidence_sources s ORDER BY s.id`).all() as SourceRow[];
  const unreachable = sources.filter((s) => s.unreachable !== null).map((s) => s.root);
  const notIndexed = sources.filter((s) => s.unreachable === null && s.files === 0 && s.lastIndexed === null).map((s) => s.root);
  const unreadable = unreadableFiles(db, rec);
  const reasons: string[] = [];
  if (indexing) reasons.push('indexing is running now');
  if (files.total === 0) reasons.push(sources.length ? 'no evidence has been indexed yet' : 'no evidence folder has been added');
  else if (files.pending > 0) reasons.push(`${n(files.indexed)} of ${plural(files.total, 'file')} indexed`);
  if (files.failed > 0) reasons.push(`${plural(files.failed, 'file')} could not be read`);
  const detWords = files.total > 0 ? DETECTION_WORDS[det.state](det.changed) : null;
  if (detWords) reasons.push(detWords);
  for (const root of unreachable) reasons.push(`evidence folder not reachable at the last run: ${root}`);
  for (const root of notIndexed) reasons.push(`evidence folder not indexed yet: ${root}`);
  const unscanned = rec?.unreadable.length ?? 0;
  if (unscanned > 0) reasons.push(`${plural(unscanned, 'file')} the detections could not read`);
  const complete = reasons.length === 0;
  return {
    complete,
    headline: complete ? `Complete: ${plural(files.total, 'file')} indexed; detections current` : `INCOMPLETE: ${reasons.join('; ')}`,
    reasons,
    files,
    detections: { state: det.state, ranAt: rec?.finishedAt ?? null, filesChangedSince: det.changed },
    unreachable,
    notIndexed,
    unreadable: unreadable.slice(0, UNREADABLE_SHOWN),
    unreadableTotal: unreadable.length,
    indexing,
  };
}
