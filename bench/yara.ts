// Benchmark: Loupe's YARA scan (libyara WASM, bundled rules) over every file of a folder vs Debian's `yara -r` on the
// same files and rules. Prints figures only. Run: node --import tsx bench/yara.ts [DIR]  (no DIR: a synthetic web root)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listRuleFiles, loadRuleSetStrict } from '../electron/detect/rules.ts';
import { YaraEngine } from '../electron/detect/yara.ts';
import { planScan } from '../electron/detect/yara-plan.ts';
import { scanItems } from '../electron/detect/yara-batch.ts';
import { readCapped, YARA_SIZE_CAP } from '../electron/detect/webshell.ts';

const RULES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../resources/rules');

function listAll(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listAll(full)); else if (e.isFile()) out.push(full);
  }
  return out;
}

export interface YaraBench { files: number; bytes: number; oursMs: number; warmupMs: number; yaraMs: number | null; oursMatches: number; yaraMatches: number | null }

export async function benchYara(dir: string): Promise<YaraBench> {
  const files = listAll(dir);
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  let t = performance.now();
  const rules = await loadRuleSetStrict([RULES_DIR]);
  const engine = new YaraEngine();
  await engine.run(new Uint8Array(0), rules.source);
  const warmupMs = performance.now() - t;
  // The same path as the web-shell scan: read, probe in batches, full scans only where a gating string hit.
  t = performance.now();
  const items = files.map((f, key) => ({ key, bytes: readCapped(f, YARA_SIZE_CAP) ?? new Uint8Array(0) }));
  const probe = planScan(rules.source);
  const found = await scanItems(engine, items, rules.source, probe);
  const oursMatches = [...found.values()].reduce((n, m) => n + m.length, 0);
  const oursMs = performance.now() - t;
  let yaraMs: number | null = null;
  let yaraMatches: number | null = null;
  t = performance.now();
  const r = spawnSync('yara', ['-w', '-r', ...listRuleFiles(RULES_DIR), dir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status === 0) {
    yaraMs = performance.now() - t;
    yaraMatches = r.stdout.split('\n').filter(Boolean).length;
  }
  const res = { files: files.length, bytes, oursMs, warmupMs, yaraMs, oursMatches, yaraMatches };
  console.log(`yara bench: ${res.files} files, ${(bytes / 1e6).toFixed(1)} MB, ${rules.rules.length} rules`);
  console.log(`  loupe (libyara-wasm): ${oursMs.toFixed(0)} ms read+scan (+${warmupMs.toFixed(0)} ms engine load/compile warm-up), ${oursMatches} matches, prefilter ${probe ? 'on' : 'off (rules not all string-gated)'}, ${engine.instances} WASM instance(s)`);
  console.log(yaraMs === null ? '  yara -r: not available (Debian package `yara` not installed)'
    : `  yara -r (Debian):     ${yaraMs.toFixed(0)} ms incl. process start, ${yaraMatches} matches; ratio loupe/yara ${(oursMs / yaraMs).toFixed(2)}×`);
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

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = process.argv[2];
  const dir = arg ?? fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-yara-bench-'));
  try {
    if (!arg) makeWebRoot(dir);
    await benchYara(dir);
  } finally {
    if (!arg) fs.rmSync(dir, { recursive: true, force: true });
  }
}
