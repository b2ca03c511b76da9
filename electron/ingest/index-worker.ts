// Worker thread that runs one index job, so the process hosting the UI stays responsive.
import { parentPort, workerData } from 'node:worker_threads';
import { IndexCoordinator, type CoordinatorOptions } from './coordinator.ts';

const port = parentPort!;
const ac = new AbortController();
port.on('message', (m: { type: string }) => { if (m.type === 'cancel') ac.abort(); });

const opts = workerData.opts as Omit<CoordinatorOptions, 'onProgress' | 'signal'>;
try {
  const summary = await new IndexCoordinator({
    ...opts, signal: ac.signal, onProgress: (p) => port.postMessage({ type: 'progress', progress: p }),
  }).run();
  port.postMessage({ type: 'summary', summary });
} catch (e) {
  port.postMessage({ type: 'error', message: (e as Error).message, code: (e as { code?: unknown }).code, stack: (e as Error).stack });
}
port.close();
