// Worker thread of a two-thread Sigma run (parallel.ts): compiles the rules from their documents, opens the case
// read-only and scans the id chunks it takes from the shared counter; sends back its matches.
import { parentPort, workerData } from 'node:worker_threads';
import { openCaseDb } from '../../case/db.ts';
import { compileRule } from './compile.ts';
import { cancelFlag, chunkSource, type SigmaWorkerData, type SigmaWorkerReply } from './parallel.ts';
import { runSigma } from './run.ts';

const port = parentPort!;
const data = workerData as SigmaWorkerData;
let reply: SigmaWorkerReply;
try {
  const rules = data.sources.map((s) => compileRule(s.doc, { file: s.file, line: s.line }, s.placeholders));
  (data as Partial<SigmaWorkerData>).sources = undefined; // the documents' copies are not needed past here
  const db = openCaseDb(data.casePath, { readonly: true });
  try {
    const cells = new Int32Array(data.shared);
    const run = runSigma(db, rules, { ...data.opts, chunks: chunkSource(cells, data.split, 1), cancelled: cancelFlag(cells) });
    reply = { type: 'done', hits: [...run.hits], stats: run.stats, cancelled: run.cancelled };
  } finally {
    db.close();
  }
} catch (e) {
  reply = { type: 'error', message: (e as Error).message };
}
port.postMessage(reply);
