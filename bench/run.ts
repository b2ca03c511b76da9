// `npm run bench`: generates compromised-Exchange corpora at several scales (1, 10, 50 and the ≥ 5M-line, ≥ 2 GB one),
// indexes each in a process of its own, loads the same rows with the sqlite3 shell (the engine floor), and prints the
// figures the issues ask for beside their targets. Figures only: nothing here asserts a timing.
//   npm run bench -- [--scales 1,10,50,full] [--lines 5000000] [--bytes 2000000000] [--events 10000000]
//                    [--sigma-events 1000000] [--out DIR] [--only hash,index,floor,latency,evtx,yara,sigma,cli] [--workers N]
//                    [--profile]   (CPU-profiles every thread of each index run and prints where the time went)
//                    [--tsx-workers]   (workers load their TypeScript sources through tsx instead of their build)
//                    [--grid-events 1000000,3000000]   (the timeline grid figures also at these case sizes, below --events)
//                    [--sort-fields status,cs-uri-stem]   (columns whose sort index the grid figures build and read)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MultiHasher } from '../electron/ingest/hash.ts';
import { generateEvidence } from '../test/fixtures/generate.ts';
import { dumpFloorInputs, runFloor, type FloorFigures } from './floor.ts';
import type { IndexFigures } from './index-one.ts';
import { latencyBench } from './latency.ts';
import { formatSplit, splitRun } from './profile.ts';

const { values } = parseArgs({
  options: {
    scales: { type: 'string', default: '1,10,50,full' },
    lines: { type: 'string', default: '5000000' }, bytes: { type: 'string', default: '2000000000' },
    events: { type: 'string', default: '10000000' }, 'sigma-events': { type: 'string', default: '1000000' }, out: { type: 'string' },
    only: { type: 'string' }, workers: { type: 'string' }, profile: { type: 'boolean' }, 'tsx-workers': { type: 'boolean' },
    'grid-events': { type: 'string', default: '1000000,3000000' }, 'sort-fields': { type: 'string', default: 'status,cs-uri-stem' },
  },
});
const only = values.only ? new Set(values.only.split(',')) : null;
const want = (name: string): boolean => !only || only.has(name);
const outDir = path.resolve(values.out ?? path.join(os.tmpdir(), 'loupe-bench'));
const figures: Array<[string, string, string]> = [];
const fig = (name: string, value: string, target = ''): void => {
  figures.push([name, value, target]);
  console.log(`  ${name}: ${value}${target ? `   (target ${target})` : ''}`);
};
const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
const here = path.dirname(new URL(import.meta.url).pathname);

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

interface Corpus { name: string; root: string; lines: number; bytes: number }

/** The corpus of one scale, generated once and reused (`full` is sized by --lines and --bytes). */
async function corpus(scaleArg: string): Promise<Corpus> {
  const dir = path.join(outDir, `corpus-${scaleArg}`);
  const root = path.join(dir, 'evidence');
  const manifestPath = path.join(dir, 'evidence.manifest.json');
  if (fs.existsSync(manifestPath)) {
    const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { lines: number; bytes: number };
    if (scaleArg !== 'full' || (m.lines >= Number(values.lines) && m.bytes >= Number(values.bytes))) return { name: scaleArg, root, ...m };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let scale = Number(scaleArg);
  if (scaleArg === 'full') {
    const probeDir = path.join(dir, 'probe');
    const probe = await generateEvidence(probeDir, { scale: 1, seed: 7 });
    fs.rmSync(probeDir, { recursive: true, force: true });
    // Noise grows slightly less than linearly with scale (attack traces do not scale): aim a little high.
    scale = Math.max(1, Math.ceil(1.04 * Math.max(Number(values.lines) / probe.lines, Number(values.bytes) / probe.bytes)));
  }
  console.log(`generating corpus ${scaleArg} (scale ${scale}) into ${root} …`);
  const m = await generateEvidence(root, { scale, seed: 7 });
  fs.writeFileSync(manifestPath, JSON.stringify({ lines: m.lines, bytes: m.bytes }));
  return { name: scaleArg, root, lines: m.lines, bytes: m.bytes };
}

/** Indexes a corpus in a child process (its own peak memory and CPU time). */
function indexRun(c: Corpus): IndexFigures {
  const casePath = path.join(outDir, `case-${c.name}.loupe`);
  const profDir = path.join(outDir, `profile-${c.name}`);
  fs.rmSync(profDir, { recursive: true, force: true });
  // The parse and index workers inherit the profiler's flags (electron/ingest/workers.ts).
  const prof = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  const args = [...prof, '--import', 'tsx', path.join(here, 'index-one.ts'), '--evidence', c.root, '--case', casePath];
  if (values.workers) args.push('--workers', values.workers);
  // Workers start from their esbuild build, as `loupe index` runs them (electron/ingest/worker-bundle.ts). A profile
  // needs the sources' own file names to split the time by phase, so a --profile run loads them through tsx.
  const tsx = values.profile || values['tsx-workers'];
  const env = { ...process.env, ...(tsx ? { LOUPE_WORKER_BUILD: '0' } : {}) };
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20, env });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !line.startsWith('{')) throw new Error(`index run failed: ${r.stderr.slice(-2000)}`);
  const figures = JSON.parse(line) as IndexFigures;
  if (values.profile) console.log(`\nwhere the time went (scale ${c.name}; profiles in ${profDir})\n${formatSplit(splitRun(profDir))}`);
  return figures;
}

const secs = (n: number): string => `${n.toFixed(1)} s`;

interface ScaleResult { c: Corpus; r: IndexFigures; floor: FloorFigures | null; load: [number, number] }

function printScale({ c, r, floor, load }: ScaleResult): void {
  const cpu = r.cpuUserSeconds + r.cpuSysSeconds;
  console.log(`\nscale ${c.name}: ${c.lines.toLocaleString('en-US')} log lines, ${mb(c.bytes)}`);
  fig(`[${c.name}] events indexed`, r.events.toLocaleString('en-US'));
  // The profiler roughly doubles CPU time: figures of a --profile run are for the split, not for comparison.
  const profiled = values.profile ? ' — PROFILED: the profiler\'s own cost included' : '';
  fig(`[${c.name}] end to end (hash, parse, store, FTS, indexes, detections)`, `${secs(r.wallSeconds)} wall, ${secs(cpu)} CPU (user+sys, all threads)${profiled}`);
  fig(`[${c.name}] events/s (wall)`, Math.round(r.events / r.wallSeconds).toLocaleString('en-US'), '≥ 150,000');
  fig(`[${c.name}] events per CPU second (all threads)`, Math.round(r.events / cpu).toLocaleString('en-US'));
  fig(`[${c.name}] input MB/s`, mb(r.inputBytes / r.wallSeconds));
  fig(`[${c.name}] µs per event (wall / CPU)`, `${(r.wallSeconds / r.events * 1e6).toFixed(2)} / ${(cpu / r.events * 1e6).toFixed(2)}`, 'flat across scales');
  fig(`[${c.name}] worker threads start from`, values.profile || values['tsx-workers'] ? 'their TypeScript sources, through tsx' : 'their esbuild build (as `loupe index` runs them)');
  fig(`[${c.name}] time by phase`, r.phases.map(([k, t]) => `${k} ${secs(t)}`).join(', '));
  fig(`[${c.name}] case size ÷ input`, `${(r.caseBytes / r.inputBytes).toFixed(2)}× (${mb(r.caseBytes)})`, '≤ 1.2×');
  fig(`[${c.name}] peak RSS`, mb(r.peakRssBytes), '≤ 600 MB');
  fig(`[${c.name}] peak RSS so far, as each phase ended`, r.peakRssByPhase.map(([k, b]) => `${k} ${mb(b)}`).join(', '));
  fig(`[${c.name}] steps that raised the peak RSS by 8 MB or more`, r.rssRises.map(([k, b]) => `${k} +${mb(b)}`).join(', ') || 'none');
  fig(`[${c.name}] findings`, String(r.findings));
  // Wall time on a shared machine says little without the load it ran under; CPU time says more.
  fig(`[${c.name}] machine load (1-min average) before / after`, `${load[0].toFixed(1)} / ${load[1].toFixed(1)} on ${os.cpus().length} cores`);
  if (floor) {
    fig(`[${c.name}] sqlite3 ${floor.sqliteVersion} floor (same rows, FTS5 content, indexes)`, `${secs(floor.wallSeconds)} wall, ${secs(floor.cpuSeconds)} CPU, ${mb(floor.peakRssBytes)} peak`);
    fig(`[${c.name}] Loupe ÷ floor`, `${(r.wallSeconds / floor.wallSeconds).toFixed(2)}× wall, ${(cpu / floor.cpuSeconds).toFixed(2)}× CPU`, '≤ 1.3×');
  }
}

function printTable(results: ScaleResult[]): void {
  console.log('\nscale   events      input MB  wall s   CPU s    events/s  ev/CPU-s  MB/s   µs/ev  floor s  ÷floor  case÷in  peak RSS');
  for (const { c, r, floor } of results) {
    const cpu = r.cpuUserSeconds + r.cpuSysSeconds;
    console.log([
      c.name.padEnd(7), r.events.toLocaleString('en-US').padStart(10), (r.inputBytes / 1e6).toFixed(1).padStart(9),
      r.wallSeconds.toFixed(1).padStart(7), cpu.toFixed(1).padStart(7), Math.round(r.events / r.wallSeconds).toLocaleString('en-US').padStart(10),
      Math.round(r.events / cpu).toLocaleString('en-US').padStart(9),
      (r.inputBytes / 1e6 / r.wallSeconds).toFixed(1).padStart(6), (r.wallSeconds / r.events * 1e6).toFixed(2).padStart(6),
      (floor ? floor.wallSeconds.toFixed(1) : '-').padStart(8), (floor ? (r.wallSeconds / floor.wallSeconds).toFixed(2) + '×' : '-').padStart(7),
      ((r.caseBytes / r.inputBytes).toFixed(2) + '×').padStart(8), mb(r.peakRssBytes).padStart(10),
    ].join(' '));
  }
}

/** CPU time of a fixed JavaScript loop: tells a slow or shared machine from a slow Loupe. */
function calibration(): string {
  const t = process.cpuUsage();
  let s = 0;
  for (let i = 0; i < 1e8; i++) s += i;
  const c = process.cpuUsage(t);
  return `${((c.user + c.system) / 1000).toFixed(0)} ms CPU for 1e8 additions (${s > 0 ? 'ok' : ''}; a quiet modern core takes ~100 ms)`;
}

async function hashBench(root: string): Promise<void> {
  console.log('\nhashing (same files, page cache warm)');
  const files = listFiles(root);
  execFileSync('cat', files, { maxBuffer: 1 << 20, stdio: ['ignore', 'ignore', 'ignore'] }); // warm the cache
  let t = performance.now();
  for (let i = 0; i < files.length; i += 500) execFileSync('sha256sum', files.slice(i, i + 500), { maxBuffer: 64 << 20 });
  const shaSec = (performance.now() - t) / 1000;
  t = performance.now();
  let bytes = 0;
  const buf = Buffer.allocUnsafe(1 << 20);
  for (const f of files) {
    const h = new MultiHasher();
    const fd = fs.openSync(f, 'r');
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
    fs.closeSync(fd);
    h.digest();
    bytes += h.bytes;
  }
  const ourSec = (performance.now() - t) / 1000;
  fig('sha256sum alone', `${shaSec.toFixed(2)} s (${mb(bytes / shaSec)}/s)`);
  fig('Loupe MD5+SHA-1+SHA-256, one read', `${ourSec.toFixed(2)} s (${mb(bytes / ourSec)}/s)`);
  fig('hash time ratio (Loupe / sha256sum)', `${(ourSec / shaSec).toFixed(2)}×`, '≤ 1.3×');
}

async function optional<T>(name: string, modulePath: string, fn: (m: T) => Promise<void>): Promise<void> {
  if (!want(name)) return;
  const abs = new URL(modulePath, import.meta.url);
  if (!fs.existsSync(abs)) { console.log(`\n${name}: ${modulePath} not present, skipped`); return; }
  try { await fn((await import(abs.href)) as T); } catch (e) { console.log(`\n${name}: failed: ${(e as Error).message}`); }
}

async function main(): Promise<void> {
  console.log(`Loupe bench — ${os.cpus().length} cores, ${mb(os.totalmem())} RAM, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`machine speed: ${calibration()}`);
  const results: ScaleResult[] = [];
  let largest: Corpus | null = null;
  // The EVTX, YARA and Sigma benches bring their own inputs: corpora are only made when a bench reads them.
  const needCorpus = want('hash') || want('index') || want('latency') || want('cli');
  for (const scale of needCorpus ? values.scales!.split(',') : []) {
    const c = await corpus(scale);
    largest = c;
    if (!want('index')) continue;
    console.log(`\nindexing corpus ${scale} …`);
    const load0 = os.loadavg()[0];
    const r = indexRun(c);
    const load: [number, number] = [load0, os.loadavg()[0]];
    let floor: FloorFigures | null = null;
    if (want('floor')) {
      const dir = path.join(outDir, `floor-${scale}`);
      dumpFloorInputs(path.join(outDir, `case-${scale}.loupe`), dir);
      floor = runFloor(dir);
      fs.rmSync(path.join(dir, 'rows.csv'), { force: true });
      fs.rmSync(path.join(dir, 'fts.csv'), { force: true });
    }
    results.push({ c, r, floor, load });
    printScale({ c, r, floor, load });
  }
  if (results.length) printTable(results);
  if (want('hash') && largest) await hashBench(largest.root);
  await optional<{ benchEvtx: () => Promise<Record<string, unknown>> }>('evtx', './evtx.ts', async (m) => {
    console.log('\nEVTX parser vs evtxexport');
    const r = await m.benchEvtx();
    for (const [k, v] of Object.entries(r)) fig(`evtx ${k}`, String(v));
  });
  await optional<{ makeWebRoot: (dir: string) => void }>('yara', './yara.ts', async (m) => {
    console.log('\nweb-root YARA scan vs yara -r (synthetic web root: 1,500 pages and scripts plus a shell)');
    const web = path.join(outDir, 'webroot');
    if (!fs.existsSync(web)) { fs.mkdirSync(web, { recursive: true }); m.makeWebRoot(web); }
    // In a process of its own, so the peak RSS is the scan's, not the indexing's before it.
    const out = execFileSync(process.execPath, ['--import', 'tsx', new URL('./yara.ts', import.meta.url).pathname, web, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
    const r = JSON.parse(out.trim().split('\n').pop() as string) as { runs: Array<{ rules: string; engine: string; ratio: number | null; cpuRatio: number | null }>; peakRssMb: number };
    for (const x of r.runs) {
      fig(`yara ${x.rules}, ${x.engine}`, x.ratio === null ? 'yara -r not installed' : `${x.ratio.toFixed(2)}× yara -r wall, ${x.cpuRatio?.toFixed(2)}× CPU`, '≤ 2×');
    }
    fig('yara scan peak RSS', `${r.peakRssMb.toFixed(0)} MB`, '< 600 MB');
  });
  await optional<{ benchSigma: (dir: string, n: number) => Promise<Record<string, string>> }>('sigma', './sigma.ts', async (m) => {
    console.log('\nSigma: every Windows rule of the SigmaHQ snapshot over EVTX events');
    const r = await m.benchSigma(outDir, Number(values['sigma-events']));
    for (const [k, v] of Object.entries(r)) fig(`sigma ${k}`, v);
  });
  // Last: inflating the case to the latency target grows it well beyond the corpus, which would blur the figures above.
  const casePath = largest ? path.join(outDir, `case-${largest.name}.loupe`) : null;
  if (want('latency') && casePath) {
    if (fs.existsSync(casePath)) await latencyBench(casePath, Number(values.events), fig, values['grid-events']!.split(',').filter(Boolean).map(Number), values['sort-fields']!.split(',').filter(Boolean));
  }
  // After the latency figures, so the stream runs over the inflated case (every row, constant memory).
  if (casePath && fs.existsSync(casePath)) {
    await optional<{ benchCli: (file: string) => Promise<Record<string, string>> }>('cli', './cli.ts', async (m) => {
      console.log('\nCLI streaming: loupe timeline --jsonl over the whole case');
      for (const [k, v] of Object.entries(await m.benchCli(casePath))) fig(k, v);
    });
  }
  console.log('\nsummary');
  for (const [n, v, t] of figures) console.log(`${n.padEnd(64)} ${v.padEnd(44)} ${t}`);
  console.log(`load at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`\ncorpora and cases kept in ${outDir} (reused by the next run; delete it to start afresh)`);
}

await main();
