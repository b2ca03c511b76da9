// The web-shell scan: the JavaScript triage (yara-triage.ts) settles most (file, rule) pairs; the rest go to libyara,
// through an installed yara 4.x command line when one is found (yara-cli.ts; analysts' laptops often carry
// yara64.exe), otherwise through libyara compiled to WebAssembly, which runs everywhere the app does. Either way a
// rule the triage could not settle is decided by libyara itself; a command-line failure falls back to WASM.
import { yaraEngine } from './yara.ts';
import type { ScanItem, YaraMatch } from './yara.ts';
import { planTriage, sortMatches, subsetSource, triageFile } from './yara-triage.ts';
import type { Triage } from './yara-triage.ts';
import { CliScanner, findYaraCli } from './yara-cli.ts';
import type { YaraCli } from './yara-cli.ts';

export interface ScanStats {
  /** Files (or windows) scanned. */
  items: number;
  /** Of those, sent to libyara with at least one rule the triage left open. */
  toLibyara: number;
  /** (file, rule) pairs left open. */
  openPairs: number;
}

export interface Scanner {
  /** "yara 4.2.3 (/usr/bin/yara)" or "libyara-wasm". */
  engine: string;
  scan(items: ScanItem[]): Promise<Map<number, YaraMatch[]>>;
  stats: ScanStats;
  close(): void;
}

/** libyara's verdict on some items for the given rules (every rule when `open` has no entry for an item). */
type Backend = (items: ScanItem[], open: Map<number, string[]>) => Promise<Map<number, YaraMatch[]>>;

function wasmBackend(source: string, triage: Triage | null): Backend {
  return async (items, open) => {
    const out = new Map<number, YaraMatch[]>();
    for (const it of items) {
      const rules = open.get(it.key);
      const { matches } = await yaraEngine().run(it.bytes, triage && rules ? subsetSource(triage, rules) : source);
      const wanted = rules ? new Set(rules) : null;
      const mine = wanted ? matches.filter((m) => wanted.has(m.rule)) : matches;
      if (mine.length) out.set(it.key, mine);
    }
    return out;
  };
}

function cliBackend(native: CliScanner): Backend {
  return async (items, open) => {
    const found = await native.scan(items);
    for (const [key, ms] of found) {
      const rules = open.get(key);
      if (rules) found.set(key, ms.filter((m) => rules.includes(m.rule)));
    }
    return found;
  };
}

/** Triage every item, then hand the open ones to the backend and merge its matches with the settled ones. */
async function scanWith(triage: Triage | null, backend: Backend, items: ScanItem[], stats: ScanStats): Promise<Map<number, YaraMatch[]>> {
  stats.items += items.length;
  if (!triage) { stats.toLibyara += items.length; return backend(items, new Map()); }
  const out = new Map<number, YaraMatch[]>();
  const open = new Map<number, string[]>();
  const pending: ScanItem[] = [];
  for (const it of items) {
    const v = triageFile(triage, it.bytes);
    if (v.matches.length) out.set(it.key, v.matches);
    if (!v.open.length) continue;
    open.set(it.key, v.open);
    pending.push(it);
    stats.openPairs += v.open.length;
  }
  stats.toLibyara += pending.length;
  if (!pending.length) return out;
  for (const [key, ms] of await backend(pending, open)) out.set(key, sortMatches(triage, [...(out.get(key) ?? []), ...ms]));
  return out;
}

const newStats = (): ScanStats => ({ items: 0, toLibyara: 0, openPairs: 0 });

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
  const backend: Backend = async (items, open) => {
    if (native === null || items.length < (opts.cliMinFiles ?? CLI_MIN_FILES)) return wasm(items, open);
    try {
      native ??= await CliScanner.open(cli, source, new Map(triage?.rules.map((r) => [r.name, r.meta]) ?? []));
      return await cliBackend(native)(items, open);
    } catch (e) {
      fallback(`failed (${(e as Error).message})`);
      return wasm(items, open);
    }
  };
  return {
    engine: `libyara-wasm + yara ${cli.version} (${cli.yara})`,
    stats,
    scan: (items) => scanWith(triage, backend, items, stats),
    close() { native?.close(); },
  };
}
