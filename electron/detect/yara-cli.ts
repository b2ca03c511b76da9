// Accelerator: an installed YARA command line (yara / yara64.exe, 4.x) found on PATH or named by LOUPE_YARA. The rules
// are compiled once (yarac when beside it); each round of files is written to a private temporary folder and scanned
// in one process, so evidence is never opened by another program (its access times stay untouched) and odd file
// names cannot confuse the output. Results are libyara's own, so they equal `yara -r`'s. LOUPE_YARA=off disables it.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MATCHES_PER_STRING } from './yara.ts';
import type { ScanItem, YaraMatch } from './yara.ts';

export interface YaraCli { yara: string; yarac: string | null; version: string }

const exeNames = (base: string): string[] => (process.platform === 'win32' ? [`${base}64.exe`, `${base}.exe`, `${base}32.exe`] : [base]);

function versionOf(bin: string): string | null {
  try {
    const v = execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return /^4\.\d+/.test(v) ? v : null;
  } catch {
    return null;
  }
}

function onPath(names: string[]): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const n of names) { const p = path.join(dir, n); if (fs.existsSync(p)) return p; }
  }
  return null;
}

/** The yara 4.x command line to use, or null (none found, too old, or LOUPE_YARA=off). */
export function findYaraCli(env = process.env): YaraCli | null {
  const want = env.LOUPE_YARA;
  if (want === 'off') return null;
  const yara = want || onPath(exeNames('yara'));
  if (!yara) return null;
  const version = versionOf(yara);
  if (!version) return null;
  const besideC = exeNames('yarac').map((n) => path.join(path.dirname(yara), n)).find((p) => fs.existsSync(p));
  return { yara, yarac: besideC ?? null, version };
}

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('latin1')) : reject(new Error(`${path.basename(bin)} exited ${code}: ${err.trim().slice(0, 500)}`))));
  });
}

/** Whether a string already has its MATCHES_PER_STRING matches in this rule match (they come grouped by string). */
function kept(m: YaraMatch, id: string): boolean {
  let n = 0;
  for (let i = m.strings.length - 1; i >= 0 && m.strings[i].identifier === id; i--) n++;
  return n >= MATCHES_PER_STRING;
}

/** Parses `yara -s -L` output: `RULE PATH` lines, then `0xOFFSET:LENGTH:$id: data` lines for that match. */
export function parseCliOutput(out: string, dir: string): Map<number, YaraMatch[]> {
  const res = new Map<number, YaraMatch[]>();
  let cur: YaraMatch | null = null;
  for (const line of out.split('\n')) {
    const s = /^0x([0-9a-f]+):(\d+):(\$[A-Za-z0-9_]*): /.exec(line);
    if (s && cur) { if (!kept(cur, s[3])) cur.strings.push({ identifier: s[3], offset: parseInt(s[1], 16), length: Number(s[2]) }); continue; }
    const sp = line.indexOf(' ');
    if (sp < 0) continue;
    const file = line.slice(sp + 1).replace(/\r$/, '');
    if (path.dirname(file) !== dir) continue;
    const key = Number(path.basename(file));
    cur = { rule: line.slice(0, sp), meta: {}, strings: [] };
    res.set(key, [...(res.get(key) ?? []), cur]);
  }
  return res;
}

/** Scans rounds of items with the command line; rule metadata comes from the caller (yara prints it lossy). */
export class CliScanner {
  private work: string;
  private rulesArg: string[];

  private constructor(readonly cli: YaraCli, work: string, rulesArg: string[], private meta: Map<string, Record<string, string>>) {
    this.work = work;
    this.rulesArg = rulesArg;
  }

  static async open(cli: YaraCli, source: string, meta: Map<string, Record<string, string>>): Promise<CliScanner> {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-yara-'));
    const src = path.join(work, 'rules.yar');
    fs.writeFileSync(src, source);
    let rulesArg = [src];
    if (cli.yarac) {
      try { await run(cli.yarac, ['-w', src, path.join(work, 'rules.yarc')]); rulesArg = ['-C', path.join(work, 'rules.yarc')]; } catch { /* compile per round */ }
    }
    return new CliScanner(cli, work, rulesArg, meta);
  }

  async scan(items: ScanItem[]): Promise<Map<number, YaraMatch[]>> {
    const dir = fs.mkdtempSync(path.join(this.work, 'round-'));
    try {
      for (const it of items) fs.writeFileSync(path.join(dir, String(it.key)), it.bytes, { mode: 0o600 });
      const out = await run(this.cli.yara, ['-w', '-s', '-L', ...this.rulesArg, dir]);
      const res = parseCliOutput(out, dir);
      for (const ms of res.values()) for (const m of ms) m.meta = this.meta.get(m.rule) ?? {};
      return res;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  close(): void { fs.rmSync(this.work, { recursive: true, force: true }); }
}
