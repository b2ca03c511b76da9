// `loupe timeline --jsonl` on a 1M-event case: every event, in order, one JSON object per line, while the command's
// peak memory (read from /proc as it runs) stays under 200 MB. No timing is asserted.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { test } from 'node:test';
import { loupeSpawn } from '../../helpers/loupe.ts';
import { tmpDir } from '../../helpers/tmp.ts';
import { writeBigCase } from './big-case.ts';

const EVENTS = 1_000_000;
const RSS_LIMIT_KB = 200 * 1024;

/** The peak resident set (VmHWM, kB) of a running process, or null once it has gone. */
function peakRssKb(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

test(`timeline --jsonl streams all ${EVENTS.toLocaleString('en-US')} events with peak RSS under 200 MB`, { skip: !fs.existsSync('/proc/self/status') && 'needs /proc' }, async (t) => {
  const dir = tmpDir(t);
  const casePath = path.join(dir, 'big.loupe');
  writeBigCase(casePath, EVENTS);
  const child = loupeSpawn(['timeline', '--case', casePath, '--jsonl']);
  let peak = 0;
  const sample = (): void => { peak = Math.max(peak, peakRssKb(child.pid!) ?? 0); };
  const timer = setInterval(sample, 50);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  let n = 0;
  let last = { ts: -Infinity, id: -Infinity };
  for await (const line of readline.createInterface({ input: child.stdout })) {
    const row = JSON.parse(line) as { id: number; ts: number; time: string };
    assert.ok(row.ts > last.ts || (row.ts === last.ts && row.id > last.id), `row ${n} in (ts, id) order`);
    last = row;
    n++;
    // VmHWM only grows: a sample now and then, plus the timer, sees the peak before the process exits.
    if (n % 50_000 === 0) sample();
  }
  const code = await new Promise<number | null>((resolve) => { if (child.exitCode !== null) resolve(child.exitCode); else child.on('exit', resolve); });
  clearInterval(timer);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, '');
  assert.equal(n, EVENTS);
  t.diagnostic(`peak RSS of loupe timeline --jsonl: ${(peak / 1024).toFixed(0)} MB`);
  assert.ok(peak > 0, 'RSS was sampled');
  assert.ok(peak < RSS_LIMIT_KB, `peak RSS ${(peak / 1024).toFixed(0)} MB < 200 MB`);
});
