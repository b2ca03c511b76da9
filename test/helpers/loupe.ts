// Runs the real `loupe` command (bin/loupe.mjs) in a child process, as a user or a script would.
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './tmp.ts';

export const loupeBin = path.join(repoRoot, 'bin/loupe.mjs');

export interface LoupeRun { status: number | null; stdout: string; stderr: string }

export function loupe(args: string[], opts: SpawnSyncOptions = {}): LoupeRun {
  const r = spawnSync(process.execPath, [loupeBin, ...args], { encoding: 'utf8', maxBuffer: 512 << 20, ...opts });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Runs loupe through `sh -c` with its stdout piped into another command (e.g. `head -n 1`). */
export function loupePiped(args: string[], into: string): LoupeRun & { pipeStatus: number[] } {
  const quoted = [process.execPath, loupeBin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `${quoted} | ${into}; echo "\${PIPESTATUS[*]}" >&3`], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20,
  });
  const fd3 = String(r.output[3] ?? '').trim();
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr), pipeStatus: fd3.split(/\s+/).map(Number) };
}

/** Starts loupe without waiting (for streaming checks). */
export const loupeSpawn = (args: string[]) => spawn(process.execPath, [loupeBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
