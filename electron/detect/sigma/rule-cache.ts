// A cache of parsed Sigma rule files, so a run does not parse 2,400 YAML files again (half of the loading time):
// each file's documents as plain data (what `yaml` gives), keyed by the SHA-256 of the file's bytes, in one JSON
// file in the user's cache folder (never next to the evidence; per user, as a cache another user could write would
// let them change what rules say). Only files whose every document compiled are kept; the rules are always compiled
// again from the cached documents, so a change of the compiler needs no new cache. Any fault reading or writing the
// cache only means parsing the YAML.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Doc } from './compile.ts';

/** A cached file: its documents in order (null: an empty document) with the line each starts on. */
export interface CachedFile { docs: Array<{ js: Doc | null; line: number }> }

/** Files kept past those of the current load (other rule folders, earlier versions); beyond, only the current load's. */
const MAX_FILES = 20_000;

/** Bumped when what is cached changes; the `yaml` version is part of the key too, as its output is what is kept. */
const FORMAT = 1;
const YAML_VERSION = '2.9.1';

/** The cache file: LOUPE_SIGMA_CACHE, else `sigma-rules.json` in the per-user cache folder of the platform. */
export function defaultRuleCache(): string {
  if (process.env.LOUPE_SIGMA_CACHE) return process.env.LOUPE_SIGMA_CACHE;
  const home = os.homedir();
  const dir = process.platform === 'win32' ? path.join(process.env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'Loupe', 'Cache')
    : process.platform === 'darwin' ? path.join(home, 'Library', 'Caches', 'Loupe')
      : path.join(process.env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'loupe');
  return path.join(dir, 'sigma-rules.json');
}

export class RuleCache {
  private readonly old: Record<string, CachedFile>;
  private readonly now: Record<string, CachedFile> = {};
  private added = 0;
  /** Files taken from the cache in this load. */
  hits = 0;

  constructor(private readonly file: string | null) {
    this.old = file ? readCache(file) : {};
  }

  get(sha256: string): CachedFile | undefined {
    const hit = this.old[sha256];
    if (hit) { this.now[sha256] = hit; this.hits++; }
    return hit;
  }

  /** Keeps a file's documents when they are plain JSON data (a YAML `.inf` or a binary value is not). */
  put(sha256: string, entry: CachedFile): void {
    if (!this.file || !entry.docs.every((d) => jsonSafe(d.js))) return;
    this.now[sha256] = entry;
    this.added++;
  }

  /**
   * Writes the cache when a file was added: the files of earlier loads too (another rule folder set must not evict
   * this one's), unless that makes it larger than MAX_FILES.
   */
  save(): void {
    if (!this.file || this.added === 0) return;
    const all = { ...this.old, ...this.now };
    const files = Object.keys(all).length <= MAX_FILES ? all : this.now;
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      fs.writeFileSync(tmp, JSON.stringify({ format: FORMAT, yaml: YAML_VERSION, files }));
      fs.renameSync(tmp, this.file);
    } catch {
      // A cache that cannot be written (a read-only home, another user's folder) only costs the next load its parse.
      try { fs.rmSync(tmp, { force: true }); } catch { /* nothing was written there */ }
    }
  }
}

function readCache(file: string): Record<string, CachedFile> {
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as { format?: unknown; yaml?: unknown; files?: unknown };
    return c.format === FORMAT && c.yaml === YAML_VERSION && c.files && typeof c.files === 'object' ? c.files as Record<string, CachedFile> : {};
  } catch {
    return {};
  }
}

/** Does the value survive JSON unchanged (plain objects, arrays, strings, finite numbers, booleans, null)? */
function jsonSafe(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(jsonSafe);
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v as object).every(jsonSafe);
  return false;
}
