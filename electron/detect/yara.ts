// The YARA engine: libyara (VirusTotal's C library) compiled to WebAssembly by the `libyara-wasm` package.
// Pure WASM, so the same build runs in Node and Electron on Windows, macOS and Linux. See YARA.md for the limits.
import { createRequire } from 'node:module';

interface WasmVector<T> { size(): number; get(i: number): T; delete?(): void }
interface WasmMatch { location: number; matchLength: number; stringIdentifier: string; delete?(): void }
interface WasmRule { ruleName: string; resolvedMatches: WasmVector<WasmMatch>; metadata: WasmVector<{ identifier: string; data: string }>; delete?(): void }
interface WasmCompileError { message: string; lineNumber: number; warning: boolean }
interface WasmResult {
  matchedRules: WasmVector<WasmRule>;
  compileErrors: WasmVector<WasmCompileError>;
  delete?(): void;
}
interface WasmYara { run(data: Uint8Array, rules: string): WasmResult }

export interface YaraStringMatch { identifier: string; offset: number; length: number }
export interface YaraMatch { rule: string; meta: Record<string, string>; strings: YaraStringMatch[] }
export interface YaraCompileMessage { line: number; message: string; warning: boolean }
export interface YaraRunResult { matches: YaraMatch[]; errors: YaraCompileMessage[] }

let engine: Promise<WasmYara> | null = null;

/** Loads the WASM engine once per process. */
export function loadYara(): Promise<WasmYara> {
  if (!engine) {
    const require = createRequire(import.meta.url);
    const factory = require('libyara-wasm') as () => Promise<WasmYara>;
    engine = factory();
  }
  return engine;
}

function readVector<T, R>(v: WasmVector<T>, map: (x: T) => R): R[] {
  const out: R[] = [];
  for (let i = 0; i < v.size(); i++) {
    const item = v.get(i);
    out.push(map(item));
    (item as { delete?: () => void }).delete?.();
  }
  v.delete?.();
  return out;
}

/** Compiles `rules` and scans `data` in one call (libyara-wasm has no separate compile step). */
export function yaraRun(y: WasmYara, data: Uint8Array, rules: string): YaraRunResult {
  const r = y.run(data, rules);
  try {
    const errors = readVector(r.compileErrors, (e) => ({ line: e.lineNumber, message: e.message, warning: e.warning }));
    const matches = readVector(r.matchedRules, (m) => ({
      rule: m.ruleName,
      meta: Object.fromEntries(readVector(m.metadata, (x) => [x.identifier, x.data] as const)),
      strings: readVector(m.resolvedMatches, (s) => ({ identifier: s.stringIdentifier, offset: Number(s.location), length: Number(s.matchLength) })),
    }));
    return { matches, errors };
  } finally {
    r.delete?.();
  }
}
