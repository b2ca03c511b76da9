// Sigma speed: every Windows rule of the SigmaHQ snapshot (../shared/data/sigma/rules/windows) over a case of N EVTX
// events (default 1,000,000; target ≤ 60 s). The events are the real records of the shared EVTX samples and the
// regression data (Sysmon, Security, PowerShell, System… from many Windows builds), read by Loupe's parser and
// repeated with new record ids and times until N; they go through the real writer (rows + FTS).
//   npx tsx bench/sigma.ts [--events 1000000] [--out DIR]      (the main bench calls benchSigma())
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { openCaseDb } from '../electron/case/db.ts';
import { EventInserter } from '../electron/case/write.ts';
import { loadSigmaRules, runSigma, sigmaFindings } from '../electron/detect/sigma/index.ts';
import { parseEvtx } from '../electron/ingest/sources/evtx/index.ts';
import type { TimelineEvent } from '../shared/types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const data = path.resolve(repoRoot, '../shared/data');
const RULES = path.join(data, 'sigma', 'rules', 'windows');

function evtxFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? evtxFiles(p) : e.name.endsWith('.evtx') ? [p] : [];
  });
}

async function sampleEvents(): Promise<TimelineEvent[]> {
  const out: TimelineEvent[] = [];
  for (const f of [...evtxFiles(path.join(data, 'evtx')), ...evtxFiles(path.join(data, 'sigma', 'regression_data'))]) {
    const chunks = (async function* () { yield fs.readFileSync(f); })();
    for await (const e of parseEvtx({ rel: path.basename(f), chunks }, { warn: () => {} })) out.push(e);
  }
  return out;
}

/** A case of `n` EVTX events (kept and reused by the next run with the same n). */
async function buildCase(dir: string, n: number): Promise<string> {
  const casePath = path.join(dir, `sigma-${n}.loupe`);
  if (fs.existsSync(casePath)) return casePath;
  const samples = await sampleEvents();
  const db = openCaseDb(`${casePath}.tmp`, { create: true });
  const ins = new EventInserter(db);
  const base = Date.UTC(2021, 2, 1) * 1000;
  const t0 = performance.now();
  for (let i = 0; i < n;) {
    db.transaction(() => {
      for (const end = Math.min(n, i + 20_000); i < end; i++) {
        const s = samples[i % samples.length];
        ins.insert({ ...s, ts: base + i * 2_000_000, ref: { file: s.ref.file, record: i + 1 }, fields: { ...s.fields, RecordID: i + 1 } }, null);
      }
    })();
  }
  db.close();
  fs.renameSync(`${casePath}.tmp`, casePath);
  console.log(`  built a case of ${n.toLocaleString('en-US')} EVTX events from ${samples.length} sample records in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return casePath;
}

const cpuSeconds = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e6;

export async function benchSigma(dir: string, n = 1_000_000): Promise<Record<string, string>> {
  if (!fs.existsSync(RULES)) return { skipped: `no rules at ${RULES}` };
  fs.mkdirSync(dir, { recursive: true });
  const casePath = await buildCase(dir, n);
  let cpu = process.cpuUsage();
  let t = performance.now();
  const set = loadSigmaRules([RULES]);
  const load = { wall: (performance.now() - t) / 1000, cpu: cpuSeconds(process.cpuUsage(cpu)) };
  const db = openCaseDb(casePath);
  try {
    cpu = process.cpuUsage();
    t = performance.now();
    const run = runSigma(db, set.rules);
    const match = { wall: (performance.now() - t) / 1000, cpu: cpuSeconds(process.cpuUsage(cpu)) };
    t = performance.now();
    const findings = sigmaFindings(db, set.rules, run.hits);
    const write = (performance.now() - t) / 1000;
    const s = run.stats;
    return {
      events: n.toLocaleString('en-US'),
      'rules loaded': `${set.rules.length} of ${set.rules.length + set.errors.length} (load ${load.wall.toFixed(1)} s wall, ${load.cpu.toFixed(1)} s CPU)`,
      'match all rules': `${match.wall.toFixed(1)} s wall, ${match.cpu.toFixed(1)} s CPU (target ≤ 60 s incl. load)`,
      plan: `${s.targets} rule targets: ${s.anchored} FTS-anchored, ${s.scanned} tested on their whole logsource`,
      work: `${s.evaluated.toLocaleString('en-US')} events decoded, ${s.tests.toLocaleString('en-US')} rule tests`,
      'rules fired': `${run.hits.size} (${findings.length} findings built in ${write.toFixed(1)} s)`,
      'peak RSS': `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
    };
  } finally {
    db.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, out: { type: 'string' } } });
  const dir = path.resolve(values.out ?? path.join(os.tmpdir(), 'loupe-bench'));
  console.log(`Sigma bench — ${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  for (const [k, v] of Object.entries(await benchSigma(dir, Number(values.events)))) console.log(`  sigma ${k}: ${v}`);
}
