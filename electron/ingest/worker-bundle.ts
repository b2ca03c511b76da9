// Worker threads start from one JavaScript file built from their TypeScript sources instead of loading every source
// through tsx: under tsx each thread resolves and transforms its whole module graph anew (about 0.5 s of CPU per parse
// worker and more for the index worker, on every index run). A build made ahead by scripts/electron-build.mjs
// (dist-electron/workers, shipped in the app, whose archive cannot be written) is used while every source it was made
// from is unchanged (content digests); else a build cached beside the installed packages, rebuilt when any of its
// sources changes (size or modification time); when neither can be had (no esbuild, a read-only install) the worker
// loads its sources through tsx as before.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE_DIR = path.join(ROOT, 'node_modules/.cache/loupe-workers');
/** Where scripts/electron-build.mjs puts the builds made ahead. */
export const PREBUILT_DIR = path.join(ROOT, 'dist-electron/workers');
/** The worker entries started with workerEntry (built ahead for the app). */
export const WORKER_ENTRIES = ['electron/ingest/index-worker.ts', 'electron/ingest/parse-worker.ts', 'electron/detect/sigma/sigma-worker.ts'];
/** Bumped when the build options change, so older builds are not reused. */
const BUILD_VERSION = 1;

interface Manifest { version: number; inputs: Array<[string, number, number]> }

const ready = new Map<string, Promise<URL | null>>();

/** The file a worker should start from: its built JavaScript, or its TypeScript entry (loaded through tsx). */
export async function workerEntry(entry: URL): Promise<URL> {
  return (await workerBuild(entry)) ?? entry;
}

/** The built file for a worker's TypeScript entry, or null when the worker should load its sources through tsx. */
function workerBuild(entry: URL): Promise<URL | null> {
  if (process.env.LOUPE_WORKER_BUILD === '0' || !entry.pathname.endsWith('.ts')) return Promise.resolve(null);
  let p = ready.get(entry.href);
  if (!p) {
    const src = fileURLToPath(entry);
    const ahead = prebuiltWorker(src);
    p = ahead ? Promise.resolve(pathToFileURL(ahead)) : builtWorker(src).then((out) => pathToFileURL(out), () => null);
    ready.set(entry.href, p);
  }
  return p;
}

/** One build per entry path (two checkouts may share node_modules through a link). */
const outName = (src: string): string =>
  path.join(CACHE_DIR, `${path.basename(src, '.ts')}-${crypto.createHash('sha256').update(src).digest('hex').slice(0, 12)}.mjs`);

/** The path of a worker entry's build, made afresh when missing or stale; throws when it cannot be built. */
export async function builtWorker(src: string): Promise<string> {
  const out = outName(src);
  if (!fresh(out)) await build(src, out);
  return out;
}

/** True when the build exists and none of its sources changed since. */
function fresh(out: string): boolean {
  try {
    const m = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')) as Manifest;
    if (m.version !== BUILD_VERSION || !fs.existsSync(out)) return false;
    return m.inputs.every(([file, size, mtime]) => {
      const st = fs.statSync(file);
      return st.size === size && st.mtimeMs === mtime;
    });
  } catch {
    return false;
  }
}

async function build(src: string, out: string): Promise<void> {
  // A read-only install cannot keep a build: fail before building (the caller then loads the sources through tsx).
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  fs.accessSync(CACHE_DIR, fs.constants.W_OK);
  const started = Date.now();
  // Each module keeps its own location: resources, workers and packages are found relative to its source file.
  const r = await bundle(src, (file) => JSON.stringify(pathToFileURL(file).href));
  const inputs = r.inputs.map((abs) => {
    const st = fs.statSync(abs);
    return [abs, st.size, st.mtimeMs] as [string, number, number];
  });
  // Written under a private name, then renamed: a concurrent run never reads half a file.
  const tmp = `${out}.${process.pid}.${Date.now()}`;
  fs.writeFileSync(tmp, r.code);
  fs.renameSync(tmp, out);
  // A source saved while the build ran may not be in it: without a manifest, the next run builds again.
  if (inputs.some(([, , mtime]) => mtime >= started - 1000)) return;
  fs.writeFileSync(`${tmp}.json`, JSON.stringify({ version: BUILD_VERSION, inputs } satisfies Manifest));
  fs.renameSync(`${tmp}.json`, `${out}.json`);
}

/**
 * One worker entry and the sources it imports as one ES module (packages stay imports), each source's
 * `import.meta.url` replaced by the expression `urlOf` gives for its file; with the absolute paths of its sources.
 */
async function bundle(src: string, urlOf: (file: string) => string): Promise<{ code: Uint8Array; inputs: string[] }> {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    absWorkingDir: ROOT, entryPoints: [src], bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', target: 'node20',
    // Packages stay imports (found from the cache folder, which is inside node_modules); names kept as tsx keeps them.
    packages: 'external', keepNames: true, logLevel: 'silent',
    plugins: [{
      name: 'source-urls',
      setup(b) {
        b.onLoad({ filter: /\.ts$/ }, (a) => ({ contents: fs.readFileSync(a.path, 'utf8').replaceAll('import.meta.url', urlOf(a.path)), loader: 'ts' }));
      },
    }],
  });
  return { code: r.outputFiles[0].contents, inputs: Object.keys(r.metafile.inputs).map((f) => path.resolve(ROOT, f)) };
}

/** A build made ahead: its entry and each source's path (from the repository root, POSIX) with its content digest. */
interface PrebuiltManifest { version: number; entry: string; inputs: Array<[string, string]> }

const digest = (file: string): string => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const prebuiltName = (rel: string): string => rel.replace(/\.ts$/, '').replace(/[\\/]/g, '-');
const posix = (p: string): string => p.split(path.sep).join('/');

/**
 * Builds the workers ahead into `dir` (scripts/electron-build.mjs: the packaged app cannot write a cache). Each
 * module finds its source location relative to the build's own, so the app may live anywhere; sources and builds
 * must keep their places relative to each other (both ship in the app).
 */
export async function prebuildWorkers(dir = PREBUILT_DIR, entries = WORKER_ENTRIES): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (const rel of entries) {
    const file = path.join(dir, `${prebuiltName(rel)}.mjs`);
    const r = await bundle(path.join(ROOT, rel), (src) => `new URL(${JSON.stringify(posix(path.relative(dir, src)))}, import.meta.url).href`);
    const manifest: PrebuiltManifest = { version: BUILD_VERSION, entry: rel, inputs: r.inputs.map((abs) => [posix(path.relative(ROOT, abs)), digest(abs)]) };
    fs.writeFileSync(file, r.code);
    fs.writeFileSync(`${file}.json`, JSON.stringify(manifest));
    out.push(file);
  }
  return out;
}

/** The build made ahead for a worker entry, when there is one and every source it was made from is unchanged; else null. */
export function prebuiltWorker(src: string, dir = PREBUILT_DIR): string | null {
  const rel = posix(path.relative(ROOT, src));
  const file = path.join(dir, `${prebuiltName(rel)}.mjs`);
  try {
    const m = JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')) as PrebuiltManifest;
    if (m.version !== BUILD_VERSION || m.entry !== rel || !fs.existsSync(file)) return null;
    return m.inputs.every(([f, hash]) => digest(path.join(ROOT, f)) === hash) ? file : null;
  } catch {
    return null;
  }
}
