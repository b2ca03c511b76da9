// EVTX parse throughput over the shared sample logs, beside libevtx's evtxexport on the same files, and peak memory
// while streaming a long synthetic log.  Run: npx tsx bench/evtx.ts   (the main bench calls benchEvtx()).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseEvtx } from '../electron/ingest/sources/evtx/index.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const evtxDir = path.resolve(repoRoot, '../shared/data/evtx');
const ROUNDS = 5;
const EVTXEXPORT_ROUNDS = 3;
const STREAM_MIB = 256;

export interface EvtxBenchFigures {
  files: number;
  bytesPerRound: number;
  recordsPerRound: number;
  rounds: number;
  /** Fastest round of each side (the machine is shared: the best round is the least disturbed). */
  parseSeconds: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  evtxexportSeconds: number | null;
  evtxexportRecordsPerSecond: number | null;
  speedupVsEvtxexport: number | null;
  streamedMiB: number;
  streamedRecords: number;
  streamRecordsPerSecond: number;
  /** Peak RSS before the synthetic stream, and overall: close figures show memory does not grow with input size. */
  peakRssBeforeStreamMiB: number;
  peakRssMiB: number;
}

async function* pieces(bytes: Uint8Array, size = 65536): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function countRecords(chunks: AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  for await (const e of parseEvtx({ rel: 'bench.evtx', chunks }, { warn: () => {} })) if (e.ts) n++;
  return n;
}

/** evtxexport over every file once, output discarded; null when the tool is not installed. */
async function timeEvtxexport(files: string[]): Promise<number | null> {
  const start = performance.now();
  for (const f of files) {
    const code = await new Promise<number | null>((resolve) => {
      const p = spawn('evtxexport', ['-f', 'xml', f], { stdio: ['ignore', 'ignore', 'ignore'] });
      p.on('error', () => resolve(null));
      p.on('close', (c) => resolve(c));
    });
    if (code === null) return null;
  }
  return (performance.now() - start) / 1000;
}

/** A long log made of the sample chunks repeated (chunks are self-contained), never held in memory at once. */
async function* syntheticStream(chunks: Uint8Array[], header: Uint8Array, mib: number): AsyncGenerator<Uint8Array> {
  yield header;
  for (let i = 0; i < (mib * 16); i++) yield chunks[i % chunks.length];
}

function sampleChunks(files: string[]): { header: Uint8Array; chunks: Uint8Array[] } {
  const chunks: Uint8Array[] = [];
  let header = new Uint8Array(4096);
  for (const f of files) {
    const b = new Uint8Array(fs.readFileSync(f));
    header = b.slice(0, 4096);
    for (let at = 4096; at + 65536 <= b.length; at += 65536) if (b[at] === 0x45) chunks.push(b.slice(at, at + 65536));
  }
  // Chunks beyond the header's count are read as in a dirty file, so any header will do.
  return { header, chunks };
}

export async function benchEvtx(): Promise<EvtxBenchFigures | null> {
  if (!fs.existsSync(evtxDir)) return null;
  const files = fs.readdirSync(evtxDir).filter((f) => f.endsWith('.evtx')).sort().map((f) => path.join(evtxDir, f));
  const data = files.map((f) => new Uint8Array(fs.readFileSync(f)));
  const bytesPerRound = data.reduce((n, b) => n + b.length, 0);
  let recordsPerRound = 0;
  for (const b of data) recordsPerRound += await countRecords(pieces(b)); // warm-up round
  let parseSeconds = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    for (const b of data) await countRecords(pieces(b));
    parseSeconds = Math.min(parseSeconds, (performance.now() - start) / 1000);
  }
  let evtxexportSeconds: number | null = Infinity;
  for (let r = 0; r < EVTXEXPORT_ROUNDS && evtxexportSeconds !== null; r++) {
    const s = await timeEvtxexport(files);
    evtxexportSeconds = s === null ? null : Math.min(evtxexportSeconds, s);
  }

  const { header, chunks } = sampleChunks(files);
  const peakRssBeforeStreamMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  const streamStart = performance.now();
  const streamedRecords = await countRecords(syntheticStream(chunks, header, STREAM_MIB));
  const streamSeconds = (performance.now() - streamStart) / 1000;

  const perRound = parseSeconds;
  return {
    files: files.length,
    bytesPerRound,
    recordsPerRound,
    rounds: ROUNDS,
    parseSeconds: +parseSeconds.toFixed(3),
    recordsPerSecond: Math.round(recordsPerRound / perRound),
    mbPerSecond: +(bytesPerRound / 1e6 / perRound).toFixed(1),
    evtxexportSeconds: evtxexportSeconds === null ? null : +evtxexportSeconds.toFixed(3),
    evtxexportRecordsPerSecond: evtxexportSeconds === null ? null : Math.round(recordsPerRound / evtxexportSeconds),
    speedupVsEvtxexport: evtxexportSeconds === null ? null : +(evtxexportSeconds / perRound).toFixed(2),
    streamedMiB: STREAM_MIB,
    streamedRecords,
    streamRecordsPerSecond: Math.round(streamedRecords / streamSeconds),
    peakRssBeforeStreamMiB,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

function print(f: EvtxBenchFigures | null): void {
  if (!f) { console.log(`evtx: skipped (no sample logs at ${evtxDir})`); return; }
  console.log(`evtx: ${f.files} files, ${(f.bytesPerRound / 1e6).toFixed(1)} MB, ${f.recordsPerRound} records per round; best of ${f.rounds} rounds (evtxexport: of ${EVTXEXPORT_ROUNDS})`);
  console.log(`  loupe       ${f.parseSeconds} s/round  ${f.recordsPerSecond} records/s  ${f.mbPerSecond} MB/s`);
  if (f.evtxexportSeconds === null) console.log('  evtxexport  not installed');
  else console.log(`  evtxexport  ${f.evtxexportSeconds} s/round  ${f.evtxexportRecordsPerSecond} records/s  → loupe is ${f.speedupVsEvtxexport}× faster`);
  console.log(`  streamed ${f.streamedMiB} MiB synthetic log: ${f.streamedRecords} records, ${f.streamRecordsPerSecond} records/s`);
  console.log(`  peak RSS ${f.peakRssBeforeStreamMiB} MiB before the stream, ${f.peakRssMiB} MiB after it`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) print(await benchEvtx());
