// `npm run bench`: generates a large compromised-Exchange corpus, indexes it, and prints the figures the issues ask
// for beside their targets. Figures only: nothing here asserts a timing.
//   npm run bench -- [--lines 5000000] [--bytes 2000000000] [--events 10000000] [--sigma-events 1000000] [--out DIR]
//                    [--only hash,index,latency,evtx,yara,sigma,cli]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MultiHasher } from '../electron/ingest/hash.ts';
import { startIndexJob } from '../electron/ingest/index.ts';
import { CaseService } from '../electron/service.ts';
import { generateEvidence } from '../test/fixtures/generate.ts';
import { latencyBench } from './latency.ts';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '5000000' }, bytes: { type: 'string', default: '2000000000' },
    events: { type: 'string', default: '10000000' }, 'sigma-events': { type: 'string', default: '1000000' }, out: { type: 'string' },
    only: { type: 'string' },
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

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function corpus(): Promise<{ root: string; lines: number; bytes: number }> {
  const root = path.join(outDir, 'evidence');
  const manifestPath = path.join(outDir, 'evidence.manifest.json');
  const wantLines = Number(values.lines);
  const wantBytes = Number(values.bytes);
  if (fs.existsSync(manifestPath)) {
    const m = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { lines: number; bytes: number };
    if (m.lines >= wantLines && m.bytes >= wantBytes) {
      console.log(`reusing corpus ${root} (${m.lines.toLocaleString('en-US')} lines, ${mb(m.bytes)})`);
      return { root, ...m };
    }
  }
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const probeDir = path.join(outDir, 'probe');
  const probe = await generateEvidence(probeDir, { scale: 1, seed: 7 });
  fs.rmSync(probeDir, { recursive: true, force: true });
  // Noise grows slightly less than linearly with scale (attack traces do not scale): aim a little high.
  const scale = Math.max(1, Math.ceil(1.04 * Math.max(wantLines / probe.lines, wantBytes / probe.bytes)));
  console.log(`generating corpus at scale ${scale} into ${root} …`);
  const t = performance.now();
  const m = await generateEvidence(root, { scale, seed: 7 });
  const sec = (performance.now() - t) / 1000;
  fs.writeFileSync(manifestPath, JSON.stringify({ lines: m.lines, bytes: m.bytes }));
  fig('corpus', `${m.lines.toLocaleString('en-US')} log lines, ${mb(m.bytes)}, ${m.files.length} files, generated in ${sec.toFixed(1)} s`);
  return { root, lines: m.lines, bytes: m.bytes };
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

async function indexBench(root: string): Promise<string> {
  console.log('\nindexing end to end (walk, hash, parse, write, FTS, indexes, detections)');
  const casePath = path.join(outDir, 'bench.loupe');
  for (const s of ['', '-wal', '-shm']) fs.rmSync(casePath + s, { force: true });
  const svc = new CaseService();
  await svc.createCase({ path: casePath });
  await svc.addEvidence({ root });
  svc.close();
  let last = 0;
  let phase = 'scanning';
  const peakByPhase: Record<string, number> = {};
  const sampler = setInterval(() => {
    const rss = process.memoryUsage().rss;
    peakByPhase[phase] = Math.max(peakByPhase[phase] ?? 0, rss);
  }, 100);
  const t = performance.now();
  const phaseStart: Record<string, number> = {};
  const job = startIndexJob(casePath, {}, (p) => {
    phase = p.phase === 'indexing' && p.currentFile === '(building indexes)' ? 'building indexes' : p.phase;
    phaseStart[phase] ??= performance.now();
    if (Date.now() - last > 10_000) {
      last = Date.now();
      console.log(`    ${p.phase} ${p.filesDone}/${p.filesTotal} files, ${mb(p.bytesDone)}/${mb(p.bytesTotal)}, ${p.events.toLocaleString('en-US')} events`);
    }
  });
  const s = await job.done;
  clearInterval(sampler);
  const sec = (performance.now() - t) / 1000;
  fig('events indexed', s.eventsAdded.toLocaleString('en-US'));
  fig('wall time', `${sec.toFixed(1)} s`);
  fig('events/s end to end', Math.round(s.eventsAdded / sec).toLocaleString('en-US'), '≥ 200,000');
  fig('input MB/s', mb(s.bytesRead / sec));
  fig('peak RSS (process incl. worker threads)', mb(process.resourceUsage().maxRSS * 1024), '< 600 MB');
  const order = Object.entries(phaseStart).sort((a, b) => a[1] - b[1]);
  fig('time by phase', order.map(([k, t0], i) => `${k} ${(((order[i + 1]?.[1] ?? performance.now()) - t0) / 1000).toFixed(1)} s`).join(', '));
  fig('peak RSS by phase (sampled)', Object.entries(peakByPhase).map(([k, v]) => `${k} ${mb(v)}`).join(', '));
  const size = fs.statSync(casePath).size;
  fig('case file size', `${mb(size)} (${(size / s.bytesRead).toFixed(2)}× the input)`);
  fig('findings', String(s.findings));
  return casePath;
}

async function optional<T>(name: string, modulePath: string, fn: (m: T) => Promise<void>): Promise<void> {
  if (!want(name)) return;
  const abs = new URL(modulePath, import.meta.url);
  if (!fs.existsSync(abs)) { console.log(`\n${name}: ${modulePath} not present, skipped`); return; }
  try { await fn((await import(abs.href)) as T); } catch (e) { console.log(`\n${name}: failed: ${(e as Error).message}`); }
}

async function main(): Promise<void> {
  console.log(`Loupe bench — ${os.cpus().length} cores, ${mb(os.totalmem())} RAM, node ${process.version}`);
  // The EVTX and YARA benches bring their own inputs: the generated corpus is only made when a bench reads it.
  const root = want('hash') || want('index') || want('latency') ? (await corpus()).root : '';
  if (want('hash')) await hashBench(root);
  let casePath: string | null = null;
  if (want('index')) casePath = await indexBench(root);
  await optional<{ benchEvtx: () => Promise<Record<string, unknown>> }>('evtx', './evtx.ts', async (m) => {
    console.log('\nEVTX parser vs evtxexport');
    const r = await m.benchEvtx();
    for (const [k, v] of Object.entries(r)) fig(`evtx ${k}`, String(v));
  });
  await optional<{ benchYara: (dir: string) => Promise<Record<string, unknown>>; makeWebRoot: (dir: string) => void }>('yara', './yara.ts', async (m) => {
    console.log('\nweb-root YARA scan vs yara -r (synthetic web root: 1,500 pages and scripts plus shells)');
    const web = path.join(outDir, 'webroot');
    if (!fs.existsSync(web)) { fs.mkdirSync(web, { recursive: true }); m.makeWebRoot(web); }
    const r = await m.benchYara(web);
    for (const [k, v] of Object.entries(r)) fig(`yara ${k}`, String(v));
  });
  await optional<{ benchSigma: (dir: string, n: number) => Promise<Record<string, string>> }>('sigma', './sigma.ts', async (m) => {
    console.log('\nSigma: every Windows rule of the SigmaHQ snapshot over EVTX events');
    const r = await m.benchSigma(outDir, Number(values['sigma-events']));
    for (const [k, v] of Object.entries(r)) fig(`sigma ${k}`, v);
  });
  // Last: inflating the case to the latency target grows this process's memory, which would blur the figures above.
  if (want('latency')) {
    casePath ??= path.join(outDir, 'bench.loupe');
    if (fs.existsSync(casePath)) await latencyBench(casePath, Number(values.events), fig);
  }
  // After the latency figures, so the stream runs over the inflated case (every row, constant memory).
  const benchCase = casePath ?? path.join(outDir, 'bench.loupe');
  if (fs.existsSync(benchCase)) {
    await optional<{ benchCli: (file: string) => Promise<Record<string, string>> }>('cli', './cli.ts', async (m) => {
      console.log('\nCLI streaming: loupe timeline --jsonl over the whole case');
      for (const [k, v] of Object.entries(await m.benchCli(benchCase))) fig(k, v);
    });
  }
  console.log('\nsummary');
  for (const [n, v, t] of figures) console.log(`${n.padEnd(44)} ${v.padEnd(40)} ${t}`);
  console.log(`\ncorpus and case kept in ${outDir} (reused by the next run; delete it to start afresh)`);
}

await main();
