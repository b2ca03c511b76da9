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
  /** `onDone` hears of items as they are decided (most right after the triage), for progress within a round. */
  scan(items: ScanItem[], onDone?: OnDone): Promise<Map<number, YaraMatch[]>>;
  stats: ScanStats;
  close(): void;
}

/** Keys of items whose result is final. */
export type OnDone = (keys: number[]) => void;

/** A file for libyara: the public rules the triage left open (null: all, when there is no triage). */
interface Pending { item: ScanItem; open: string[] | null; text: FileText | null }

/** libyara's matches for files scanned one by one, each for its open rules (all rules when null). */
type Alone = (files: Array<{ item: ScanItem; rules: string[] | null }>) => Promise<Map<number, YaraMatch[]>>;

/** In WASM, each file compiled with just its open rules (and what they use), or the whole source. */
function wasmAlone(source: string, triage: Triage | null): Alone {
  return async (files) => {
    const out = new Map<number, YaraMatch[]>();
    for (const { item, rules } of files) {
      const { matches } = await yaraEngine().run(item.bytes, triage && rules ? subsetSource(triage, rules) : source);
      const wanted = rules ? new Set(rules) : null;
      out.set(item.key, wanted ? matches.filter((m) => wanted.has(m.rule)) : matches);
    }
    return out;
  };
}

/** Through the yara command line: every file of the round in one process, the rules compiled once. */
function cliAlone(native: CliScanner): Alone {
  return async (files) => {
    const found = await native.scan(files.map((f) => f.item));
    for (const { item, rules } of files) {
      const ms = found.get(item.key);
      if (ms && rules) found.set(item.key, ms.filter((m) => rules.includes(m.rule)));
    }
    return found;
  };
}

/** Whether to probe a round's open files in WASM (a fixed answer, or one by how many files are open). */
type Probe = boolean | ((openFiles: number) => boolean);

/** The open files: their unsettled strings probed together in WASM, the triage run again, the rest scanned alone. */
async function resolveOpen(triage: Triage | null, pending: Pending[], stats: ScanStats, alone: Alone, probe: Probe, onDone?: OnDone): Promise<Map<number, YaraMatch[]>> {
  const out = new Map<number, YaraMatch[]>();
  const rest: Array<{ item: ScanItem; rules: string[] | null }> = [];
  const seen = new Set<number>();
  const again = (p: Pending): void => {
    seen.add(p.item.key);
    if (!triage || !p.open || !p.text) { rest.push({ item: p.item, rules: p.open }); return; }
    const v = settle(triage, p.text, new Set(p.open));
    if (v.matches.length) out.set(p.item.key, v.matches);
    if (v.open.length) rest.push({ item: p.item, rules: v.open });
    else onDone?.([p.item.key]);
  };
  const byKey = new Map(pending.map((p) => [p.item.key, p]));
  const probed = pending.filter((p): p is Pending & { open: string[]; text: FileText } => !!p.open && !!p.text);
  if (triage && (typeof probe === 'function' ? probe(pending.length) : probe)) {
    await probeOpenFiles(triage, yaraEngine(), probed.map((p) => ({ key: p.item.key, bytes: p.item.bytes, text: p.text, open: p.open })),
      (batch) => batch.forEach((f) => again(byKey.get(f.key) as Pending)));
  }
  for (const p of pending) if (!seen.has(p.item.key)) again(p);
  stats.aloneFiles += rest.length;
  if (rest.length) for (const [key, ms] of await alone(rest)) out.set(key, [...(out.get(key) ?? []), ...ms]);
  onDone?.(rest.map((r) => r.item.key));
  return out;
}

/** Triage every item, resolve the open ones with libyara, and merge its matches with the settled ones. */
async function scanWith(triage: Triage | null, alone: Alone, items: ScanItem[], stats: ScanStats, probe: Probe = true, onDone?: OnDone): Promise<Map<number, YaraMatch[]>> {
  stats.items += items.length;
  const out = new Map<number, YaraMatch[]>();
  const pending: Pending[] = [];
  for (const it of items) {
    if (!triage) { pending.push({ item: it, open: null, text: null }); continue; }
    const v = triageFile(triage, it.bytes);
    if (v.matches.length) out.set(it.key, v.matches);
    if (!v.open.length) { onDone?.([it.key]); continue; }
    pending.push({ item: it, open: v.open, text: v.text });
    stats.openPairs += v.open.length;
  }
  stats.openFiles += pending.length;
  if (!pending.length) return out;
  for (const [key, ms] of await resolveOpen(triage, pending, stats, alone, probe, onDone)) {
    const all = [...(out.get(key) ?? []), ...ms];
    if (all.length) out.set(key, triage ? sortMatches(triage, all) : all);
  }
  return out;
}

const newStats = (): ScanStats => ({ items: 0, openFiles: 0, openPairs: 0, aloneFiles: 0 });

export function wasmScanner(source: string, triage = planTriage(source), probe = true): Scanner {
  const stats = newStats();
  const alone = wasmAlone(source, triage);
  return { engine: 'libyara-wasm', stats, scan: (items, onDone) => scanWith(triage, alone, items, stats, probe, onDone), close() {} };
}

/** Below this many files to scan alone in a round, libyara-wasm is quicker than starting the command line (~25 ms of
 *  CPU per file in WASM vs a few hundred ms to start yara and load the compiled rules). */
export const CLI_MIN_FILES = 16;
/** Rule sets up to this size send whole rounds to the command line instead of probing (bundled: 31; a 720-rule pack
 *  measured slower that way on 5 and 48 MB trees). */
export const CLI_DIRECT_MAX_RULES = 100;

export interface ScannerOptions {
  /** A yara command line to use (undefined: look for one; null: never). */
  cli?: YaraCli | null;
  /** Rounds with fewer files to scan alone stay in WASM (tests set 1 to exercise the command line). */
  cliMinFiles?: number;
  /** false: no WASM probes, every open file is scanned alone (tests, to exercise that path). */
  probe?: boolean;
  onFallback?: (why: string) => void;
}

/** The triage, then the open files: a round with CLI_MIN_FILES of them goes whole to the yara command line when one
 *  is installed (compiled on first need); a smaller round is probed in WASM and what stays open is scanned alone in
 *  libyara-wasm. A command-line failure falls back to WASM (with the probes) for good. */
export async function openScanner(source: string, opts: ScannerOptions = {}): Promise<Scanner> {
  const cli = opts.cli === undefined ? findYaraCli() : opts.cli;
  const triage = planTriage(source);
  if (!cli) return wasmScanner(source, triage, opts.probe);
  const wasm = wasmAlone(source, triage);
  const stats = newStats();
  let native: CliScanner | null | undefined;
  const alone: Alone = async (files) => {
    if (native === null || files.length < (opts.cliMinFiles ?? CLI_MIN_FILES)) return wasm(files);
    try {
      native ??= await CliScanner.open(cli, source, new Map(triage?.rules.map((r) => [r.name, r.meta]) ?? []));
      return await cliAlone(native)(files);
    } catch (e) {
      opts.onFallback?.(`yara command line failed (${(e as Error).message}); scanning with libyara-wasm`);
      native?.close();
      native = null;
      return wasm(files);
    }
  };
  return {
    engine: `libyara-wasm + yara ${cli.version} (${cli.yara})`,
    stats,
    // With a small rule set a round with enough open files goes to the command line whole: one native run beats the
    // WASM probes (~0.5-1 s of CPU per 5 MB of open pages); with a large pack compiling it (yarac) costs more than the
    // probes (measured: YARA.md), so its rounds are probed as without a command line.
    scan: (items, onDone) => scanWith(triage, alone, items, stats, opts.probe ?? ((n) => native === null || n < (opts.cliMinFiles ?? CLI_MIN_FILES)
      || (triage?.rules.length ?? Infinity) > CLI_DIRECT_MAX_RULES), onDone),
    close() { native?.close(); },
  };
}
