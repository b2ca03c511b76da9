// Runs the real `loupe` command (bin/loupe.mjs) in a child process, as a user or a script would.
import { execFile, spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './tmp.ts';

export const loupeBin = path.join(repoRoot, 'bin/loupe.mjs');

export interface LoupeRun { status: number | null; stdout: string; stderr: string }

export function loupe(args: string[], opts: SpawnSyncOptions = {}): LoupeRun {
  const r = spawnSync(process.execPath, [loupeBin, ...args], { encoding: 'utf8', maxBuffer: 512 << 20, ...opts });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The same, without blocking: several runs can overlap (each spends most of its time starting up). */
export function loupeAsync(args: string[], cwd?: string): Promise<LoupeRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [loupeBin, ...args], { encoding: 'utf8', maxBuffer: 512 << 20, cwd }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

/** Runs `fn` over the items, at most `width` at a time, results in item order. */
export async function inParallel<T, R>(items: T[], fn: (item: T) => Promise<R>, width = 4): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

/** Runs loupe through bash with its stdout piped into another command (e.g. `head -n 1`); pipeStatus[0] is loupe's exit. */
export function loupePiped(args: string[], into: string): Promise<LoupeRun & { pipeStatus: number[] }> {
  const quoted = [process.execPath, loupeBin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `${quoted} | ${into}; echo "\${PIPESTATUS[*]}" >&3`], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const bufs: string[][] = [[], [], [], []];
    for (const fd of [1, 2, 3]) (child.stdio[fd] as NodeJS.ReadableStream).on('data', (d: Buffer) => bufs[fd].push(d.toString()));
    child.on('close', (status) => {
      resolve({ status, stdout: bufs[1].join(''), stderr: bufs[2].join(''), pipeStatus: bufs[3].join('').trim().split(/\s+/).map(Number) });
    });
  });
}

/** Starts loupe without waiting (for streaming checks). */
export const loupeSpawn = (args: string[]) => spawn(process.execPath, [loupeBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
