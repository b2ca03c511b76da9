// `loupe timeline --jsonl` over a whole case: rows per second, CPU time and the command's peak memory (from /proc),
// the figures behind "every row, streamed, constant memory".  Run: npx tsx bench/cli.ts CASE.loupe
// (the main bench calls benchCli() on its case after inflating it for the latency figures).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TICKS_PER_SECOND = 100;

/** Peak RSS (kB) and CPU seconds so far of a running process, from /proc; null once it has gone. */
function sampleProc(pid: number): { hwmKb: number; cpuSec: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { hwmKb: Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0), cpuSec: ticks / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

export async function benchCli(casePath: string): Promise<Record<string, string>> {
  const t = performance.now();
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin/loupe.mjs'), 'timeline', '--case', casePath, '--jsonl'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let rows = 0;
  let last = { hwmKb: 0, cpuSec: 0 };
  // A zombie's status has no VmHWM line: keep the highest figures seen.
  const timer = setInterval(() => {
    const s = sampleProc(child.pid!);
    if (s) last = { hwmKb: Math.max(last.hwmKb, s.hwmKb), cpuSec: Math.max(last.cpuSec, s.cpuSec) };
  }, 100);
  child.stdout.on('data', (d: Buffer) => {
    for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) rows++;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(timer);
  const sec = (performance.now() - t) / 1000;
  return {
    'timeline --jsonl rows': rows.toLocaleString('en-US') + (code === 0 ? '' : ` (exit ${code})`),
    'timeline --jsonl wall': `${sec.toFixed(1)} s (${Math.round(rows / sec).toLocaleString('en-US')} rows/s)`,
    'timeline --jsonl CPU (sampled)': `${last.cpuSec.toFixed(1)} s`,
    'timeline --jsonl peak RSS': `${(last.hwmKb / 1024).toFixed(0)} MB (target: flat, < 200 MB)`,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const file = process.argv[2];
  if (!file) { console.error('usage: npx tsx bench/cli.ts CASE.loupe'); process.exit(2); }
  for (const [k, v] of Object.entries(await benchCli(path.resolve(file)))) console.log(`${k.padEnd(32)} ${v}`);
}
