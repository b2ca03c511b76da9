// Worker entry: workers do not inherit the parent's TypeScript loader, so register it, then load the real entry.
import { workerData } from 'node:worker_threads';

if (Array.isArray(workerData.__argv)) process.argv = workerData.__argv;

if (!workerData.__compiled) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.__entry);
