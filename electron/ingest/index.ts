// Starts an index job in a worker thread and relays its progress.
import type { IndexOptions, IndexProgress, IndexSummary } from '../../shared/api.ts';
import { spawnTsWorker } from './workers.ts';

export interface IndexJob {
  readonly done: Promise<IndexSummary>;
  cancel(): void;
}

export function startIndexJob(casePath: string, opts: IndexOptions & { workers?: number; detect?: boolean }, onProgress?: (p: IndexProgress) => void): IndexJob {
  const w = spawnTsWorker(new URL('./index-worker.ts', import.meta.url), { opts: { ...opts, casePath } });
  const done = new Promise<IndexSummary>((resolve, reject) => {
    let settled = false;
    w.on('message', (m: { type: string; progress?: IndexProgress; summary?: IndexSummary; message?: string; code?: unknown }) => {
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
  return { done, cancel: () => w.postMessage({ type: 'cancel' }) };
}
