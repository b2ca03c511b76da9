// Parse worker: takes file tasks from the coordinator and streams back event rows, warnings and hashes.
import { parentPort } from 'node:worker_threads';
import type { EventBatch } from '../case/event-batch.ts';
import { parseFile } from './parse-file.ts';
import type { FromWorker, ToWorker } from './parse-protocol.ts';

const port = parentPort!;
const MAX_UNACKED = 4;
let unacked = 0;
let wake: (() => void) | null = null;
const post = (m: FromWorker): void => port.postMessage(m);

async function sendBatch(taskId: number, batch: EventBatch): Promise<void> {
  port.postMessage({ type: 'batch', taskId, batch } satisfies FromWorker, [batch.buf.buffer as ArrayBuffer]);
  unacked++;
  // Flow control: wait for the writer to catch up so memory stays bounded.
  while (unacked > MAX_UNACKED) await new Promise<void>((r) => { wake = r; });
}

let queue: Promise<void> = Promise.resolve();

port.on('message', (m: ToWorker) => {
  if (m.type === 'ack') {
    unacked--;
    const w = wake; wake = null; w?.();
  } else if (m.type === 'stop') {
    process.exit(0);
  } else if (m.type === 'task') {
    queue = queue.then(async () => {
      let pendingBytes = 0;
      const r = await parseFile(m, {
        batch: (batch) => sendBatch(m.taskId, batch),
        warn: (warning) => post({ type: 'warn', taskId: m.taskId, warning }),
        progress: (n) => {
          pendingBytes += n;
          if (pendingBytes >= 8 << 20) { post({ type: 'progress', taskId: m.taskId, bytes: pendingBytes }); pendingBytes = 0; }
        },
      });
      if (pendingBytes) post({ type: 'progress', taskId: m.taskId, bytes: pendingBytes });
      post({ type: 'done', taskId: m.taskId, ...r });
    });
  }
});
