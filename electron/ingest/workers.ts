// Starts a worker thread running a TypeScript module.
import { Worker } from 'node:worker_threads';

const BOOT = new URL('./worker-boot.mjs', import.meta.url);

export function spawnTsWorker(entry: URL, data: Record<string, unknown> = {}): Worker {
  const compiled = entry.pathname.endsWith('.js');
  return new Worker(compiled ? entry : BOOT, {
    // The parent's argv, so a worker describes its process as the parent does (e.g. the writer lock's "loupe index").
    workerData: { ...data, __entry: entry.href, __compiled: compiled, __argv: process.argv },
    // Only the profiler's flags pass on (`node --cpu-prof …` profiles every thread; bench/run.ts --profile).
    execArgv: process.execArgv.filter((a) => a.startsWith('--cpu-prof')),
  });
}
