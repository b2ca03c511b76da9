// The YARA engine: libyara (VirusTotal's C library) compiled to WebAssembly by the `libyara-wasm` package.
// Pure WASM, so the same build runs in Node and Electron on Windows, macOS and Linux. See YARA.md for the limits.
// libyara-wasm compiles the rules on every call and never frees that memory (~10 MB per call); at the 2 GB WASM
// limit scans then fail silently. YaraEngine therefore puts the instance's memory back to its start-up state after
// every call (see the class), and swaps in a fresh instance if one call alone grows the heap past HEAP_RECYCLE_BYTES.
import fs from 'node:fs';
import { createRequire } from 'node:module';

interface WasmVector<T> { size(): number; get(i: number): T; delete?(): void }
interface WasmMatch { location: number; matchLength: number; stringIdentifier: string }
interface WasmRule { ruleName: string; resolvedMatches: WasmVector<WasmMatch>; metadata: WasmVector<{ identifier: string; data: string }> }
interface WasmCompileError { message: string; lineNumber: number; warning: boolean }
interface WasmResult { matchedRules: WasmVector<WasmRule>; compileErrors: WasmVector<WasmCompileError>; delete?(): void }
interface WasmYara { run(data: Uint8Array, rules: string): WasmResult; HEAPU8: Uint8Array }
type Factory = (overrides: Record<string, unknown>) => Promise<WasmYara>;

/** One buffer to scan (a whole file or a window of one), keyed by the caller. */
export interface ScanItem { key: number; bytes: Uint8Array }
export interface YaraStringMatch { identifier: string; offset: number; length: number }
/** A matching rule with the first matches of each of its strings (MATCHES_PER_STRING at most, in offset order). */
export interface YaraMatch { rule: string; meta: Record<string, string>; strings: YaraStringMatch[] }

/** Matches kept per string of a matching rule: enough to highlight; libyara may find thousands of a common token. */
export const MATCHES_PER_STRING = 25;

/** Keeps the first MATCHES_PER_STRING matches of each string identifier (the list is grouped by string). */
export function keepFirstMatches(strings: YaraStringMatch[]): YaraStringMatch[] {
  const seen = new Map<string, number>();
  return strings.filter((s) => { const n = (seen.get(s.identifier) ?? 0) + 1; seen.set(s.identifier, n); return n <= MATCHES_PER_STRING; });
}
export interface YaraCompileMessage { line: number; message: string; warning: boolean }
export interface YaraRunResult { matches: YaraMatch[]; errors: YaraCompileMessage[] }

/** Past this heap size the instance is replaced (one call's need; 2 GB is the hard WASM32 limit). */
export const HEAP_RECYCLE_BYTES = 256 * 1024 * 1024;

// The WebAssembly global, typed locally (Node's types do not declare it without the DOM lib).
type WasmModule = object;
type WasmInstance = object;
interface WasmApi { compile(b: Uint8Array): Promise<WasmModule>; instantiate(m: WasmModule, imports: object): Promise<WasmInstance> }
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const require = createRequire(import.meta.url);
let wasmModule: Promise<WasmModule> | null = null;

/** The WASM binary embedded (base64) in the package's JS, compiled once per process. */
function compiledModule(): Promise<WasmModule> {
  if (!wasmModule) {
    const js = fs.readFileSync(require.resolve('libyara-wasm'), 'latin1');
    const m = /data:application\/octet-stream;base64,([A-Za-z0-9+/=]+)/.exec(js);
    if (!m) throw new Error('libyara-wasm: embedded WASM binary not found — was the package changed? (pinned to 1.2.1)');
    wasmModule = WA.compile(Buffer.from(m[1], 'base64'));
  }
  return wasmModule;
}

/** A fresh engine instance sharing the compiled module (instantiation takes milliseconds, not a recompile). */
export async function newYaraInstance(): Promise<WasmYara> {
  const mod = await compiledModule();
  const factory = require('libyara-wasm') as Factory;
  const before = { ex: process.listeners('uncaughtException'), rej: process.listeners('unhandledRejection') };
  try {
    return await factory({
      instantiateWasm(imports: object, done: (i: WasmInstance, m: WasmModule) => void) {
        void WA.instantiate(mod, imports).then((inst) => done(inst, mod));
        return {};
      },
    });
  } finally {
    // The Emscripten glue adds rethrowing process handlers per instance; they would keep every old heap alive.
    for (const l of process.listeners('uncaughtException')) if (!before.ex.includes(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!before.rej.includes(l)) process.removeListener('unhandledRejection', l);
  }
}

function readVector<T, R>(v: WasmVector<T>, map: (x: T) => R): R[] {
  const out: R[] = [];
  // Each call into the embind glue allocates: the size is asked once.
  for (let i = 0, n = v.size(); i < n; i++) {
    const item = v.get(i);
    out.push(map(item));
    (item as { delete?: () => void }).delete?.();
  }
  v.delete?.();
  return out;
}

/** Compiles `rules` and scans `data` in one call (libyara-wasm has no separate compile step); `all` keeps every
 *  string match (the triage's probes need them all), else the first MATCHES_PER_STRING of each string. */
export function yaraRun(y: WasmYara, data: Uint8Array, rules: string, all = false): YaraRunResult {
  const r = y.run(data, rules);
  try {
    const errors = readVector(r.compileErrors, (e) => ({ line: e.lineNumber, message: e.message, warning: e.warning }));
    const matches = readVector(r.matchedRules, (m) => ({
      rule: m.ruleName,
      meta: Object.fromEntries(readVector(m.metadata, (x) => [x.identifier, x.data] as const)),
      strings: (all ? (x: YaraStringMatch[]) => x : keepFirstMatches)(readVector(m.resolvedMatches, (s) => ({ identifier: s.stringIdentifier, offset: Number(s.location), length: Number(s.matchLength) }))),
    }));
    return { matches, errors };
  } finally {
    r.delete?.();
  }
}

/** Scans buffers one after another. After each call the instance's memory is put back as it was right after start-up
 *  (every C global, the allocator's state and the objects made at start-up live in the first pages), so the memory
 *  libyara-wasm never frees is reused by the next call instead of growing the heap: each call starts as in a fresh
 *  instance, without paying for one. An instance whose heap still grew past HEAP_RECYCLE_BYTES (one huge call) or
 *  whose call threw is replaced. */
export class YaraEngine {
  private instance: WasmYara | null = null;
  private pristine: Uint8Array | null = null;
  instances = 0;

  /** The current instance's WASM memory size (0 before the first call). */
  get heapBytes(): number { return this.instance?.HEAPU8.length ?? 0; }

  async run(data: Uint8Array, rules: string, opts: { allMatches?: boolean } = {}): Promise<YaraRunResult> {
    if (!this.instance || this.instance.HEAPU8.length + data.length * 2 > HEAP_RECYCLE_BYTES) {
      this.instance = await newYaraInstance();
      this.pristine = this.instance.HEAPU8.slice();
      this.instances++;
    }
    const y = this.instance;
    let done = false;
    try {
      const r = yaraRun(y, data, rules, opts.allMatches);
      done = true;
      return r;
    } finally {
      if (done) y.HEAPU8.set(this.pristine as Uint8Array);
      else this.instance = null;
    }
  }
}

let shared: YaraEngine | null = null;
/** One engine per process for the checks (rule validation, scans). */
export function yaraEngine(): YaraEngine {
  shared ??= new YaraEngine();
  return shared;
}
