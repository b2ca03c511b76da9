// Worker threads start from one JavaScript file built from their TypeScript sources instead of loading every source
// through tsx: under tsx each thread resolves and transforms its whole module graph anew (about 0.5 s of CPU per parse
// worker and more for the index worker, on every index run). The build is cached beside the installed packages and
// rebuilt when any of its sources changes (size or modification time); when it cannot be built or written (no
// esbuild, a read-only install) the worker loads its sources through tsx as before.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE_DIR = path.join(ROOT, 'node_modules/.cache/loupe-workers');
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
    p = builtWorker(fileURLToPath(entry)).then((out) => pathToFileURL(out), () => null);
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
  const esbuild = await import('esbuild');
  const started = Date.now();
  const r = await esbuild.build({
    absWorkingDir: ROOT, entryPoints: [src], bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', target: 'node20',
    // Packages stay imports (found from the cache folder, which is inside node_modules); names kept as tsx keeps them.
    packages: 'external', keepNames: true, logLevel: 'silent',
    plugins: [{
      name: 'source-urls',
      setup(b) {
        // Each module keeps its own location: resources, workers and packages are found relative to its source file.
        b.onLoad({ filter: /\.ts$/ }, (a) => ({
          contents: fs.readFileSync(a.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)),
          loader: 'ts',
        }));
      },
    }],
  });
  const inputs = Object.keys(r.metafile.inputs).map((f) => {
    const abs = path.resolve(ROOT, f);
    const st = fs.statSync(abs);
    return [abs, st.size, st.mtimeMs] as [string, number, number];
  });
  // Written under a private name, then renamed: a concurrent run never reads half a file.
  const tmp = `${out}.${process.pid}.${Date.now()}`;
  fs.writeFileSync(tmp, r.outputFiles[0].contents);
  fs.renameSync(tmp, out);
  // A source saved while the build ran may not be in it: without a manifest, the next run builds again.
  if (inputs.some(([, , mtime]) => mtime >= started - 1000)) return;
  fs.writeFileSync(`${tmp}.json`, JSON.stringify({ version: BUILD_VERSION, inputs } satisfies Manifest));
  fs.renameSync(`${tmp}.json`, `${out}.json`);
}
