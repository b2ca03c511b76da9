// Starts a worker thread running a TypeScript module.
import { Worker } from 'node:worker_threads';

const BOOT = new URL('./worker-boot.mjs', import.meta.url);

/** Starts a worker from a TypeScript entry (through tsx) or from its build (worker-bundle.ts's workerEntry). */
export function spawnTsWorker(entry: URL, data: Record<string, unknown> = {}): Worker {
  const compiled = /\.m?js$/.test(entry.pathname);
  return new Worker(BOOT, {
    // The parent's argv, so a worker describes its process as the parent does (e.g. the writer lock's "loupe index").
    workerData: { ...data, __entry: entry.href, __compiled: compiled, __argv: process.argv },
    // Only the profiler's flags pass on (`node --cpu-prof …` profiles every thread; bench/run.ts --profile).
    execArgv: process.execArgv.filter((a) => a.startsWith('--cpu-prof')),
  });
}
