// Runs Sigma rules over the case on two threads: this one and a worker (sigma-worker.ts, started like the index
// workers, ingest/workers.ts) that opens the case read-only and compiles the rules again from their documents
// (compiled rules hold functions, which cannot cross threads). Both take windows of event ids from one shared counter,
// so neither waits for the other; the matches are merged by rule and event id — what one thread alone gives.
import type { Worker } from 'node:worker_threads';
import type { Db } from '../../case/db.ts';
import { workerEntry } from '../../ingest/worker-bundle.ts';
import { spawnTsWorker } from '../../ingest/workers.ts';
import type { RuleSource, SigmaRule } from './compile.ts';
import { idRange } from './scan.ts';
import { runSigma, WINDOW, type ChunkSource, type SigmaRunOptions, type SigmaRunResult, type SigmaRunStats } from './run.ts';

/** Below this many event ids a worker's start (its modules and the rules compiled again: about a second) does not pay. */
export const PARALLEL_MIN_IDS = 100_000;
/**
 * Below this many rules one thread is used: the worker holds its own compiled rules and gates (about 330 MB with all
 * of SigmaHQ's Windows rules), which only pays when a large pack makes matching the longest phase of an index; the
 * bundled rules and small analyst folders stay within the index's 600 MB.
 */
export const PARALLEL_MIN_RULES = 500;

/** Ids per chunk handed out: a few windows, so the SQL range scans stay long and the threads still end together. */
const CHUNK = 2 * WINDOW;

/** What the worker is given (workerData) and what it sends back. */
export interface SigmaWorkerData {
  casePath: string; sources: RuleSource[]; opts: Pick<SigmaRunOptions, 'prefilter' | 'fts' | 'gate'>;
  shared: SharedArrayBuffer; split: Split;
}
/** The id chunks: `chunks` of `size` ids from `base`; `alternate`: thread t takes chunks t, t+2… (else the first free). */
interface Split { base: number; size: number; chunks: number; alternate: boolean }
export type SigmaWorkerReply =
  | { type: 'done'; hits: Array<[number, number[]]>; stats: SigmaRunStats; cancelled: boolean }
  | { type: 'error'; message: string };

export interface ParallelOptions extends SigmaRunOptions {
  /** Threads to use (1: this thread only). Default 2. */
  threads?: number;
  /** Smallest id span run on two threads (default PARALLEL_MIN_IDS). */
  minIds?: number;
  /** Fewest rules run on two threads (default PARALLEL_MIN_RULES). */
  minRules?: number;
  /** For the tests: ids per chunk, and chunks dealt alternately (each thread surely scans some) instead of taken as free. */
  chunkIds?: number; alternate?: boolean;
}

/** Thread `thread`'s next chunk [lo, hi): the next free one by the shared counter (cell 0), or its next by turn; null when none is left. */
export function chunkSource(cells: Int32Array, split: Split, thread: number): ChunkSource {
  let turn = thread;
  return () => {
    const k = split.alternate ? (turn += 2) - 2 : Atomics.add(cells, 0, 1);
    return k < split.chunks ? [split.base + k * split.size, split.base + (k + 1) * split.size] : null;
  };
}

/** Cell 1 of the shared cells: set when the run is cancelled. */
export const cancelFlag = (cells: Int32Array) => (): boolean => Atomics.load(cells, 1) !== 0;

export async function runSigmaParallel(db: Db, rules: SigmaRule[], opts: ParallelOptions = {}): Promise<SigmaRunResult> {
  const { lo, hi } = idRange(db);
  const span = lo === null || hi === null ? 0 : hi - lo + 1;
  // (a worker's own connection sees only committed rows: inside a transaction this thread reads alone)
  if ((opts.threads ?? 2) < 2 || db.memory || db.inTransaction || !db.name || span < (opts.minIds ?? PARALLEL_MIN_IDS)
    || rules.length === 0 || rules.length < (opts.minRules ?? PARALLEL_MIN_RULES)) return runSigma(db, rules, opts);
  const t0 = performance.now();
  const size = opts.chunkIds ?? CHUNK;
  const base = lo! - (lo! % size);
  const split: Split = { base, size, chunks: Math.ceil((hi! + 1 - base) / size), alternate: !!opts.alternate };
  const shared = new SharedArrayBuffer(8);
  const cells = new Int32Array(shared);
  const data: SigmaWorkerData = {
    casePath: db.name, sources: rules.map((r) => r.source), shared, split,
    opts: { prefilter: opts.prefilter, fts: opts.fts, gate: opts.gate },
  };
  const worker = spawnTsWorker(await workerEntry(new URL('./sigma-worker.ts', import.meta.url)), data as unknown as Record<string, unknown>);
  const reply = workerReply(worker);
  const onAbort = () => Atomics.store(cells, 1, 1);
  opts.signal?.addEventListener('abort', onAbort);
  try {
    const mine = runSigma(db, rules, { ...opts, chunks: chunkSource(cells, split, 0), cancelled: cancelFlag(cells) });
    if (mine.cancelled) onAbort();
    const theirs = await reply;
    if (mine.cancelled || opts.signal?.aborted) return { ...mine, cancelled: true };
    // a worker that failed leaves its chunks unread: the whole run again on this thread, rather than lose matches
    if (theirs.type === 'error') return runSigma(db, rules, opts);
    if (theirs.cancelled) return { ...mine, cancelled: true };
    return { hits: mergeHits(mine.hits, new Map(theirs.hits)), stats: mergeStats(mine.stats, theirs.stats, t0), cancelled: false };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}

function workerReply(worker: Worker): Promise<SigmaWorkerReply> {
  return new Promise((resolve) => {
    worker.once('message', (m: SigmaWorkerReply) => resolve(m));
    worker.once('error', (e) => resolve({ type: 'error', message: e.message }));
    worker.once('exit', (code) => resolve({ type: 'error', message: `Sigma worker exited (${code})` }));
  });
}

/** Two threads' hits (each rule's ids ascending, the threads' ids disjoint) → one map, rules and ids ascending. */
export function mergeHits(a: Map<number, number[]>, b: Map<number, number[]>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const r of [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y)) {
    out.set(r, [...(a.get(r) ?? []), ...(b.get(r) ?? [])].sort((x, y) => x - y));
  }
  return out;
}

/** Work counts add up; the plan's counts (rule targets, groups) are each thread's own, so the larger is kept. */
function mergeStats(a: SigmaRunStats, b: SigmaRunStats, t0: number): SigmaRunStats {
  return {
    threads: 2, events: a.events + b.events, rules: a.rules, targets: Math.max(a.targets, b.targets), groups: Math.max(a.groups, b.groups),
    anchored: Math.max(a.anchored, b.anchored), scanned: Math.max(a.scanned, b.scanned),
    evaluated: a.evaluated + b.evaluated, tests: a.tests + b.tests, seconds: (performance.now() - t0) / 1000,
  };
}
