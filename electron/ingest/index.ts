// Starts an index job in a worker thread and relays its progress.
import type { Worker } from 'node:worker_threads';
import type { IndexOptions, IndexProgress, IndexSummary } from '../../shared/api.ts';
import { workerEntry } from './worker-bundle.ts';
import { spawnTsWorker } from './workers.ts';

export interface IndexJob {
  readonly done: Promise<IndexSummary>;
  cancel(): void;
}

type JobMessage = { type: string; progress?: IndexProgress; summary?: IndexSummary; message?: string; code?: unknown };

export function startIndexJob(casePath: string, opts: IndexOptions & { workers?: number; detect?: boolean }, onProgress?: (p: IndexProgress) => void): IndexJob {
  let worker: Worker | null = null;
  let cancelled = false;
  const done = workerEntry(new URL('./index-worker.ts', import.meta.url)).then((entry) => {
    const w = (worker = spawnTsWorker(entry, { opts: { ...opts, casePath } }));
    // A cancel that came while the worker's build was being checked.
    if (cancelled) w.postMessage({ type: 'cancel' });
    return relay(w, onProgress);
  });
  return {
    done,
    cancel: () => {
      cancelled = true;
      worker?.postMessage({ type: 'cancel' });
    },
  };
}

function relay(w: Worker, onProgress?: (p: IndexProgress) => void): Promise<IndexSummary> {
  return new Promise<IndexSummary>((resolve, reject) => {
    let settled = false;
    w.on('message', (m: JobMessage) => {
      if (m.type === 'progress' && m.progress) onProgress?.(m.progress);
      else if (m.type === 'summary' && m.summary) { settled = true; resolve(m.summary); }
      else if (m.type === 'error') {
        settled = true;
        // The error's code travels too (SQLite's busy answer is turned into the lock holder's name by the CLI).
        reject(Object.assign(new Error(m.message), typeof m.code === 'string' ? { code: m.code } : {}));
      }
    });
    w.on('error', (e) => { settled = true; reject(e); });
    w.on('exit', (code) => { if (!settled) reject(new Error(`index worker exited (${code}) before finishing`)); });
  });
}
