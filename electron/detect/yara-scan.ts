// Which engine scans: an installed yara 4.x command line when one is found (yara-cli.ts, the fast path; analysts'
// laptops often carry yara64.exe), otherwise libyara in WebAssembly with the scan plan (yara-batch.ts), which runs
// everywhere the app does. Both give libyara's results; a command-line failure falls back to WASM for the rest.
import { yaraEngine } from './yara.ts';
import type { YaraMatch } from './yara.ts';
import { scanItems } from './yara-batch.ts';
import type { ScanItem } from './yara-batch.ts';
import { planScan, ruleMeta } from './yara-plan.ts';
import { CliScanner, findYaraCli } from './yara-cli.ts';
import type { YaraCli } from './yara-cli.ts';

export interface Scanner {
  /** "yara 4.2.3 (/usr/bin/yara)" or "libyara-wasm". */
  engine: string;
  scan(items: ScanItem[]): Promise<Map<number, YaraMatch[]>>;
  close(): void;
}

export function wasmScanner(source: string): Scanner {
  const plan = planScan(source);
  return { engine: 'libyara-wasm', scan: (items) => scanItems(yaraEngine(), items, source, plan), close() {} };
}

/** The fastest engine available for this rule source; `cli: null` forces WASM (tests, LOUPE_YARA=off). */
export async function openScanner(source: string, opts: { cli?: YaraCli | null; onFallback?: (why: string) => void } = {}): Promise<Scanner> {
  const cli = opts.cli === undefined ? findYaraCli() : opts.cli;
  const wasm = wasmScanner(source);
  if (!cli) return wasm;
  let native: CliScanner | null;
  try {
    native = await CliScanner.open(cli, source, ruleMeta(source));
  } catch (e) {
    opts.onFallback?.(`yara command line not usable (${(e as Error).message}); scanning with libyara-wasm`);
    return wasm;
  }
  return {
    engine: `yara ${cli.version} (${cli.yara})`,
    async scan(items) {
      if (native) {
        try { return await native.scan(items); } catch (e) {
          opts.onFallback?.(`yara command line failed (${(e as Error).message}); scanning the rest with libyara-wasm`);
          native.close();
          native = null;
        }
      }
      return wasm.scan(items);
    },
    close() { native?.close(); },
  };
}
