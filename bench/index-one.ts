// One index run in a process of its own, so its peak memory and CPU time are its alone (parse workers and the
// writer are threads of this process). Prints one JSON line with the figures; `npm run bench` runs it per scale.
//   node --import tsx bench/index-one.ts --evidence DIR --case FILE [--workers N] [--no-detect]
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { startIndexJob } from '../electron/ingest/index.ts';
import { CaseService } from '../electron/service.ts';

export interface IndexFigures {
  events: number;
  inputBytes: number;
  caseBytes: number;
  findings: number;
  wallSeconds: number;
  cpuUserSeconds: number;
  cpuSysSeconds: number;
  peakRssBytes: number;
  /** Seconds per phase, in order: scanning, indexing, building indexes, detecting. */
  phases: Array<[string, number]>;
  /** The process's peak RSS (bytes) as each phase ended: where the peak was reached. */
  peakRssByPhase: Array<[string, number]>;
  /** Progress steps (phase: current file or detection step) during which the peak RSS rose by 8 MB or more. */
  rssRises: Array<[string, number]>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { evidence: { type: 'string' }, case: { type: 'string' }, workers: { type: 'string' }, 'no-detect': { type: 'boolean' } } });
  const casePath = values.case!;
  for (const s of ['', '-wal', '-shm']) fs.rmSync(casePath + s, { force: true });
  const svc = new CaseService();
  await svc.createCase({ path: casePath });
  await svc.addEvidence({ root: values.evidence! });
  svc.close();
  const phases: Array<[string, number]> = [];
  const peakRssByPhase: Array<[string, number]> = [];
  const maxRss = (): number => process.resourceUsage().maxRSS * 1024;
  const rssRises: Array<[string, number]> = [];
  let step = '';
  let stepRss = maxRss();
  let phase = '';
  let since = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const job = startIndexJob(casePath, { workers: values.workers ? Number(values.workers) : undefined, detect: !values['no-detect'] }, (p) => {
    const now = performance.now();
    const name = p.currentFile === '(building indexes)' ? 'building indexes' : p.phase;
    const nextStep = `${name}: ${name === 'indexing' ? 'files' : p.currentFile ?? 'checks'}`;
    if (nextStep !== step) {
      const rss = maxRss();
      if (step && rss - stepRss >= 8 << 20) rssRises.push([step, rss - stepRss]);
      step = nextStep;
      stepRss = rss;
    }
    if (name === phase) return;
    if (phase) {
      phases.push([phase, (now - since) / 1000]);
      peakRssByPhase.push([phase, maxRss()]);
    }
    phase = name;
    since = now;
  });
  const s = await job.done;
  const wall = (performance.now() - t0) / 1000;
  if (phase && phase !== 'done') {
    phases.push([phase, (performance.now() - since) / 1000]);
    peakRssByPhase.push([phase, maxRss()]);
  }
  if (step && maxRss() - stepRss >= 8 << 20) rssRises.push([step, maxRss() - stepRss]);
  const cpu = process.cpuUsage(cpu0);
  const figures: IndexFigures = {
    events: s.eventsAdded, inputBytes: s.bytesRead, caseBytes: fs.statSync(casePath).size, findings: s.findings,
    wallSeconds: wall, cpuUserSeconds: cpu.user / 1e6, cpuSysSeconds: cpu.system / 1e6,
    peakRssBytes: maxRss(), phases, peakRssByPhase, rssRises,
  };
  console.log(JSON.stringify(figures));
}

await main();
