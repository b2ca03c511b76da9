// Where an index run's CPU time goes: reads the V8 CPU profiles of every thread of one run (`node --cpu-prof`, which
// the parse and index workers inherit) and splits their busy time into the ingest phases. Each sample goes to the
// innermost frame of its stack that names a phase, so SQLite's own time counts for the JavaScript call that entered it
// (row inserts, full-text inserts, commits, index builds, detection queries). V8 samples a thread's state, not CPU
// use: a thread blocked in a system call or waiting for a core on a busy machine counts as busy in that state.
//   node --import tsx bench/profile.ts DIR        (DIR holds the .cpuprofile files of one run)
import fs from 'node:fs';
import path from 'node:path';

interface CallFrame { functionName: string; url: string }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const WRITER_JS = 'writer: batch decode, interning, counts (JS)';
const ENCODING = 'encoding (worker: layouts, packing, index text)';

/** A phase and the frames that mark it: function names, optionally only in files whose URL ends with `file`. */
interface Rule { phase: string; fns?: readonly string[]; file?: RegExp }

// Innermost match wins, so the specific rules (a SQLite call inside the writer) come before the broad ones (the writer).
const RULES: readonly Rule[] = [
  { phase: 'idle', fns: ['(idle)'] },
  { phase: 'garbage collection', fns: ['(garbage collector)'] },
  { phase: 'hashing', fns: ['update', 'digest'], file: /hash(\.ts)?$/ },
  { phase: 'reading files', fns: ['readChunk', 'read', 'openEvidence', 'statOf', 'drain'], file: /parse-file\.ts$|evidence-open\.ts$|promises$/ },
  { phase: 'detections: Sigma', file: /detect\/sigma\// },
  { phase: 'detections: event queries', fns: ['queryEvents', 'toHit'], file: /detect\/rows\.ts$/ },
  { phase: 'detections: log coverage', file: /detect\/coverage\.ts$/ },
  { phase: 'detections: YARA scan', file: /detect\/(yara|webshell)[^/]*\.ts$/ },
  { phase: 'detections: other', file: /electron\/detect\// },
  { phase: 'SQLite: row inserts', fns: ['drainRows'] },
  { phase: 'SQLite: full-text inserts', fns: ['flushFts'] },
  { phase: 'SQLite: per-minute counts', fns: ['flush'], file: /event-store\.ts$/ },
  { phase: 'SQLite: commits', fns: ['commit'], file: /case-writer\.ts$/ },
  { phase: 'SQLite: index builds', fns: ['ensureEventIndexes'] },
  { phase: WRITER_JS, file: /event-store\.ts$|event-batch\.ts$/ },
  { phase: ENCODING, file: /event-encoder\.ts$|field-layout\.ts$|jsonb\.ts$|search-text\.ts$|message-template\.ts$/ },
  { phase: 'parsing (worker)', file: /ingest\/sources\// },
  { phase: 'thread messages', fns: ['postMessage', 'receiveMessageOnPort', 'sendBatch', 'onWorkerMessage'] },
  { phase: 'walk, manifest, file records', file: /ingest\/(coordinator|walk|fs-events|classify|paths)\.ts$|case\/(write|recovered)\.ts$/ },
  { phase: 'module loading (tsx, startup)', file: /tsx|node:internal\/modules|hooks$|loader$|realm$|utils$|lexer$|module_job$/ },
];

function phaseOf(f: CallFrame): string | null {
  for (const r of RULES) {
    if (r.fns && !r.fns.includes(f.functionName)) continue;
    if (r.file && !r.file.test(f.url)) continue;
    return r.phase;
  }
  return null;
}

/** Seconds per phase over one profile (a thread). */
export function splitProfile(p: CpuProfile): Map<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const phaseOfNode = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = phaseOfNode.get(id);
    if (known) return known;
    const own = phaseOf(byId.get(id)!.callFrame);
    const up = parent.get(id);
    const phase = own ?? (up === undefined ? 'other' : resolve(up));
    phaseOfNode.set(id, phase);
    return phase;
  };
  // In a parse worker the batch code is the BatchWriter side: encoding, not the case writer's decoding.
  const parseWorker = p.nodes.some((n) => n.callFrame.functionName === 'parseFile');
  const out = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const ph = parseWorker && resolve(id) === WRITER_JS ? ENCODING : resolve(id);
    out.set(ph, (out.get(ph) ?? 0) + p.timeDeltas[i] / 1e6);
  });
  return out;
}

/** The split of every profile in `dir`, all threads summed, busiest phase first (idle left out). */
export function splitRun(dir: string): Array<[string, number]> {
  const total = new Map<string, number>();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
    const p = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CpuProfile;
    for (const [k, v] of splitProfile(p)) total.set(k, (total.get(k) ?? 0) + v);
  }
  total.delete('idle');
  return [...total].sort((a, b) => b[1] - a[1]);
}

export function formatSplit(split: Array<[string, number]>): string {
  const busy = split.reduce((n, [, s]) => n + s, 0);
  return split.map(([k, s]) => `    ${s.toFixed(2).padStart(7)} s ${((100 * s) / busy).toFixed(1).padStart(5)}%  ${k}`).join('\n')
    + `\n    ${busy.toFixed(2).padStart(7)} s busy, all threads (sampled; the profiler adds its own overhead)`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(formatSplit(splitRun(process.argv[2])));
}
