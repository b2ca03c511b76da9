// The web-shell scan: the JavaScript triage (yara-triage.ts) settles most (file, rule) pairs; the rest go to libyara,
// through an installed yara 4.x command line when one is found (yara-cli.ts; analysts' laptops often carry
// yara64.exe), otherwise through libyara compiled to WebAssembly, which runs everywhere the app does. Either way a
// rule the triage could not settle is decided by libyara itself; a command-line failure falls back to WASM.
import { yaraEngine } from './yara.ts';
import type { ScanItem, YaraMatch } from './yara.ts';
import { planTriage, settle, sortMatches, subsetSource, triageFile } from './yara-triage.ts';
import type { Triage } from './yara-triage.ts';
import type { FileText } from './yara-strings.ts';
import { probeOpenFiles } from './yara-probe.ts';
import { CliScanner, findYaraCli } from './yara-cli.ts';
import type { YaraCli } from './yara-cli.ts';

export interface ScanStats {
  /** Files (or windows) scanned. */
  items: number;
  /** Of those, files the triage left open (a rule it could not settle alone). */
  openFiles: number;
  /** (file, rule) pairs left open. */
  openPairs: number;
  /** Files libyara then scanned alone (after the probes, in WASM; or through the command line). */
  aloneFiles: number;
}

export interface Scanner {
  /** "libyara-wasm" or "libyara-wasm + yara 4.2.3 (/usr/bin/yara)". */
  engine: string;
  scan(items: ScanItem[]): Promise<Map<number, YaraMatch[]>>;
  stats: ScanStats;
  close(): void;
}

/** A file for libyara: the public rules the triage left open (null: all, when there is no triage). */
interface Pending { item: ScanItem; open: string[] | null; text: FileText | null }

/** libyara's matches for the open rules of each pending file. */
type Backend = (pending: Pending[], stats: ScanStats) => Promise<Map<number, YaraMatch[]>>;

/** One file alone in WASM: compiled with just its open rules (and what they use), or the whole source. */
async function wasmAlone(source: string, triage: Triage | null, item: ScanItem, rules: string[] | null): Promise<YaraMatch[]> {
  const { matches } = await yaraEngine().run(item.bytes, triage && rules ? subsetSource(triage, rules) : source);
  const wanted = rules ? new Set(rules) : null;
  return wanted ? matches.filter((m) => wanted.has(m.rule)) : matches;
}

function wasmBackend(source: string, triage: Triage | null): Backend {
  return async (pending, stats) => {
    const out = new Map<number, YaraMatch[]>();
    const probed = pending.filter((p): p is Pending & { open: string[]; text: FileText } => !!p.open && !!p.text);
    if (triage) await probeOpenFiles(triage, yaraEngine(), probed.map((p) => ({ key: p.item.key, bytes: p.item.bytes, text: p.text, open: p.open })));
    for (const p of pending) {
      let found: YaraMatch[] = [];
      let rules = p.open;
      if (triage && p.text && p.open) {
        // What the probes taught settles more rules; only those that were open are new here.
        const v = settle(triage, p.text, new Set(p.open));
        found = v.matches;
        rules = v.open;
      }
      if (!rules || rules.length) { stats.aloneFiles++; found = [...found, ...await wasmAlone(source, triage, p.item, rules)]; }
      if (found.length) out.set(p.item.key, found);
    }
    return out;
  };
}

function cliBackend(native: CliScanner): Backend {
  return async (pending, stats) => {
    stats.aloneFiles += pending.length;
    const found = await native.scan(pending.map((p) => p.item));
    for (const p of pending) {
      const ms = found.get(p.item.key);
      if (ms && p.open) found.set(p.item.key, ms.filter((m) => (p.open as string[]).includes(m.rule)));
    }
    return found;
  };
}

/** Triage every item, then hand the open ones to the backend and merge its matches with the settled ones. */
async function scanWith(triage: Triage | null, backend: Backend, items: ScanItem[], stats: ScanStats): Promise<Map<number, YaraMatch[]>> {
  stats.items += items.length;
  if (!triage) { stats.openFiles += items.length; return backend(items.map((item) => ({ item, open: null, text: null })), stats); }
  const out = new Map<number, YaraMatch[]>();
  const pending: Pending[] = [];
  for (const it of items) {
    const v = triageFile(triage, it.bytes);
    if (v.matches.length) out.set(it.key, v.matches);
    if (!v.open.length) continue;
    pending.push({ item: it, open: v.open, text: v.text });
    stats.openPairs += v.open.length;
  }
  stats.openFiles += pending.length;
  if (!pending.length) return out;
  for (const [key, ms] of await backend(pending, stats)) out.set(key, sortMatches(triage, [...(out.get(key) ?? []), ...ms]));
  return out;
}

const newStats = (): ScanStats => ({ items: 0, openFiles: 0, openPairs: 0, aloneFiles: 0 });

export function wasmScanner(source: string, triage = planTriage(source)): Scanner {
  const stats = newStats();
  const backend = wasmBackend(source, triage);
  return { engine: 'libyara-wasm', stats, scan: (items) => scanWith(triage, backend, items, stats), close() {} };
}

/** Below this many open files in a round, libyara-wasm is quicker than starting the command line (measured:
 *  ~25 ms of CPU per file in WASM vs a few hundred ms to load the compiled rules in a new yara process). */
export const CLI_MIN_FILES = 16;

export interface ScannerOptions {
  /** A yara command line to use (undefined: look for one; null: never). */
  cli?: YaraCli | null;
  /** Rounds with fewer open files than this stay in WASM (tests set 1 to exercise the command line). */
  cliMinFiles?: number;
  onFallback?: (why: string) => void;
}

/** The triage, then libyara: through the yara command line for rounds with many open files when one is installed
 *  (compiled on first need), through libyara-wasm otherwise; a command-line failure falls back to WASM for good. */
export async function openScanner(source: string, opts: ScannerOptions = {}): Promise<Scanner> {
  const cli = opts.cli === undefined ? findYaraCli() : opts.cli;
  const triage = planTriage(source);
  const wasm = wasmBackend(source, triage);
  if (!cli) return wasmScanner(source, triage);
  const stats = newStats();
  let native: CliScanner | null | undefined;
  const fallback = (why: string): void => {
    opts.onFallback?.(`yara command line ${why}; scanning with libyara-wasm`);
    native?.close();
    native = null;
  };
  const backend: Backend = async (pending, st) => {
    if (native === null || pending.length < (opts.cliMinFiles ?? CLI_MIN_FILES)) return wasm(pending, st);
    try {
      native ??= await CliScanner.open(cli, source, new Map(triage?.rules.map((r) => [r.name, r.meta]) ?? []));
      return await cliBackend(native)(pending, st);
    } catch (e) {
      fallback(`failed (${(e as Error).message})`);
      return wasm(pending, st);
    }
  };
  return {
    engine: `libyara-wasm + yara ${cli.version} (${cli.yara})`,
    stats,
    scan: (items) => scanWith(triage, backend, items, stats),
    close() { native?.close(); },
  };
}
