// Benchmark: Loupe's YARA scan over every file of a folder vs Debian's `yara -r` on the same files and rules (bundled
// rules, then with a generated 720-rule signature-base-style pack). Prints figures only.
// Run: node --import tsx bench/yara.ts [DIR]  (no DIR: a synthetic web root of 1,500 pages and scripts plus a shell)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listRuleFiles, loadRuleSetStrict } from '../electron/detect/rules.ts';
import { readCapped, YARA_SIZE_CAP } from '../electron/detect/webshell.ts';
import { openScanner } from '../electron/detect/yara-scan.ts';
import { findYaraCli } from '../electron/detect/yara-cli.ts';
import type { YaraCli } from '../electron/detect/yara-cli.ts';
import type { ScanItem } from '../electron/detect/yara.ts';
import { writeSignatureBaseStylePack } from './sigpack.ts';

const RULES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../resources/rules');

function listAll(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listAll(full)); else if (e.isFile()) out.push(full);
  }
  return out;
}

export interface YaraRun { rules: string; engine: string; ms: number; cpuMs: number; yaraMs: number | null; yaraCpuMs: number | null; ratio: number | null; cpuRatio: number | null; matches: number; yaraMatches: number | null; openFiles: number; aloneFiles: number }
export interface YaraBench { files: number; bytes: number; runs: YaraRun[]; peakRssMb: number }

/** Bytes read per scan call, as the web-shell check does (webshell.ts rounds). */
const ROUND_BYTES = 32 * 1024 * 1024;

/** CPU time of this process's finished children (Linux /proc; 0 elsewhere): the yara command line's share. */
function childCpuMs(): number {
  try {
    const f = fs.readFileSync('/proc/self/stat', 'utf8').slice(fs.readFileSync('/proc/self/stat', 'utf8').lastIndexOf(')') + 2).split(' ');
    return ((Number(f[13]) + Number(f[14])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** One engine over every file (read + scan in rounds, as the web-shell check does), timed in wall and CPU time
 *  (this process plus the yara command line it starts). */
async function timeEngine(files: string[], source: string, cli: YaraCli | null): Promise<{ engine: string; ms: number; cpuMs: number; matches: number; openFiles: number; aloneFiles: number }> {
  const t = performance.now();
  const c0 = process.cpuUsage();
  const k0 = childCpuMs();
  const scanner = await openScanner(source, { cli });
  let matches = 0;
  let round: ScanItem[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    for (const m of (await scanner.scan(round)).values()) matches += m.length;
    round = [];
    size = 0;
  };
  for (const [key, f] of files.entries()) {
    const bytes = readCapped(f, YARA_SIZE_CAP);
    round.push({ key, bytes });
    size += bytes.length;
    if (size >= ROUND_BYTES) await flush();
  }
  await flush();
  scanner.close();
  const c = process.cpuUsage(c0);
  return { engine: scanner.engine, ms: performance.now() - t, cpuMs: (c.user + c.system) / 1000 + childCpuMs() - k0, matches, openFiles: scanner.stats.openFiles, aloneFiles: scanner.stats.aloneFiles };
}

function timeYara(ruleFiles: string[], dir: string): { ms: number; cpuMs: number; matches: number } | null {
  const t = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', 'yara', '-w', '-r', ...ruleFiles, dir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) return null;
  const [u, sy] = (r.stderr.trim().split('\n').pop() ?? '0 0').split(' ').map(Number);
  return { ms: performance.now() - t, cpuMs: (u + sy) * 1000, matches: r.stdout.split('\n').filter(Boolean).length };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One scan in a fresh process, as `loupe index` runs it: rules loaded and checked, WASM loaded, triage planned, every
 *  file scanned (libyara-wasm). CPU from after the modules are imported to the end, so start-up counts. */
async function coldScan(dir: string, ruleDirs: string[]): Promise<void> {
  const t = performance.now();
  const c0 = process.cpuUsage();
  const set = await loadRuleSetStrict(ruleDirs);
  const ours = await timeEngine(listAll(dir), set.source, null);
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ ms: performance.now() - t, cpuMs: (c.user + c.system) / 1000, matches: ours.matches, scanCpuMs: ours.cpuMs }));
}

function timeCold(dir: string, ruleDirs: string[]): { ms: number; cpuMs: number; matches: number; scanCpuMs: number } {
  const out = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--cold', dir, ...ruleDirs], { encoding: 'utf8', maxBuffer: 16 << 20 });
  if (out.status !== 0) throw new Error(`cold scan failed: ${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').pop() as string);
}

/** Loupe's scan vs `yara -r` on the same tree, with the bundled rules and with a generated 720-rule third-party pack;
 *  each engine (the yara command line when installed, and libyara-wasm) run `repeat` times, each run right after a
 *  `yara -r` run (a shared machine's load changes by the minute); the median of the paired ratios is reported. */
export async function benchYara(dir: string, opts: { repeat?: number } = {}): Promise<YaraBench> {
  const files = listAll(dir);
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const packDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-pack-'));
  const res: YaraBench = { files: files.length, bytes, runs: [], peakRssMb: 0 };
  try {
    writeSignatureBaseStylePack(packDir);
    const cli = findYaraCli();
    console.log(`yara bench: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB; machine load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    for (const [label, dirs] of [['bundled', [RULES_DIR]], ['bundled + 720-rule pack', [RULES_DIR, packDir]]] as const) {
      for (let i = 0; i < (opts.repeat ?? 2); i++) {
        const theirs = timeYara(dirs.flatMap(listRuleFiles), dir);
        const cold = timeCold(dir, [...dirs]);
        console.log(`  ${label}, fresh process (rules checked, WASM loaded, planned, scanned): ${cold.ms.toFixed(0)} ms wall, ${cold.cpuMs.toFixed(0)} ms CPU (of which the scan ${cold.scanCpuMs.toFixed(0)}), ${cold.matches} matching rules` +
          (theirs ? ` | yara -r ${theirs.ms.toFixed(0)} ms wall, ${theirs.cpuMs.toFixed(0)} ms CPU, ${theirs.matches} | ${(cold.ms / theirs.ms).toFixed(2)}× wall, ${(cold.cpuMs / theirs.cpuMs).toFixed(2)}× CPU` : ''));
      }
      const set = await loadRuleSetStrict([...dirs]);
      for (const e of [...(cli ? [cli] : []), null]) {
        const pairs: YaraRun[] = [];
        for (let i = 0; i < (opts.repeat ?? 2); i++) {
          const theirs = timeYara(dirs.flatMap(listRuleFiles), dir);
          const ours = await timeEngine(files, set.source, e);
          const run: YaraRun = { rules: `${label} (${set.rules.length} rules)`, engine: ours.engine, ms: ours.ms, cpuMs: ours.cpuMs, yaraMs: theirs?.ms ?? null,
            yaraCpuMs: theirs?.cpuMs ?? null, ratio: theirs ? ours.ms / theirs.ms : null, cpuRatio: theirs ? ours.cpuMs / theirs.cpuMs : null,
            matches: ours.matches, yaraMatches: theirs?.matches ?? null, openFiles: ours.openFiles, aloneFiles: ours.aloneFiles };
          pairs.push(run);
          console.log(`  ${run.rules}, ${run.engine}: ${run.ms.toFixed(0)} ms wall, ${run.cpuMs.toFixed(0)} ms CPU, ${run.matches} matching rules; triage left ${run.openFiles} files open, ${run.aloneFiles} scanned alone by libyara` +
            (theirs ? ` | yara -r ${theirs.ms.toFixed(0)} ms wall, ${theirs.cpuMs.toFixed(0)} ms CPU, ${theirs.matches} | ${run.ratio?.toFixed(2)}× wall, ${run.cpuRatio?.toFixed(2)}× CPU` : ' | yara -r not installed'));
        }
        const mid = pairs.find((p) => p.ratio === median(pairs.map((x) => x.ratio ?? 0))) ?? pairs[0];
        res.runs.push(mid);
      }
    }
  } finally {
    fs.rmSync(packDir, { recursive: true, force: true });
  }
  res.peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(`  peak RSS ${res.peakRssMb.toFixed(0)} MB (target < 600 MB)`);
  return res;
}

/** A deterministic synthetic web root: benign pages and scripts of 1–60 KB, plus a few shells. */
export function makeWebRoot(dir: string, n = 1500): void {
  const page = (i: number): string => `<%@ Page Language="C#" AutoEventWireup="true" %>\n<html><head><title>Page ${i}</title></head><body>\n` +
    `<p>${'Lorem ipsum dolor sit amet, Request["lang"] consectetur adipiscing elit. '.repeat(20 + (i * 37) % 800)}</p></body></html>\n`;
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, `site${i % 7}`, `dir${i % 13}`);
    fs.mkdirSync(sub, { recursive: true });
    const js = i % 3 === 0;
    fs.writeFileSync(path.join(sub, `f${i}.${js ? 'js' : 'aspx'}`), js ? `function f${i}(a){return a+${i};}\n`.repeat(30 + (i * 53) % 1500) : page(i));
  }
  fs.writeFileSync(path.join(dir, 'site0', 'shell.aspx'), '<%@ Page Language="Jscript"%><%eval(Request.Item["z"],"unsafe");%>');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv[2] === '--cold') {
  await coldScan(process.argv[3], process.argv.slice(4));
} else if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = process.argv.slice(2).find((a) => !a.startsWith('--'));
  const dir = arg ?? fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-yara-bench-'));
  try {
    if (!arg) makeWebRoot(dir);
    const json = process.argv.includes('--json');
    // With --json the figures go to stderr and one JSON line to stdout (for bench/run.ts).
    const log = console.log;
    if (json) console.log = (...a: unknown[]) => console.error(...a);
    const r = await benchYara(dir);
    if (json) log(JSON.stringify(r));
  } finally {
    if (!arg) fs.rmSync(dir, { recursive: true, force: true });
  }
}
