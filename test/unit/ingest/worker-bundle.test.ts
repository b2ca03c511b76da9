import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { builtWorker, prebuildWorkers, prebuiltWorker, workerEntry } from '../../../electron/ingest/worker-bundle.ts';
import { repoRoot, tmpDir } from '../../helpers/tmp.ts';

const ingest = path.join(repoRoot, 'electron/ingest');
type Manifest = { version: number; inputs: Array<[string, number, number]> };

/** An IIS log of one request. */
function iisLog(dir: string): string {
  const log = path.join(dir, 'u_ex210302.log');
  fs.writeFileSync(log, [
    '#Software: Microsoft Internet Information Services 10.0', '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
    '2021-03-02 02:11:32 10.0.0.5 POST /owa/auth/shell.aspx - 443 - 165.232.154.116 python-requests/2.25.1 - 200 0 0 31', '',
  ].join('\r\n'));
  return log;
}

/** One file parsed by a parse worker started from `entry`: its parser and event count. */
async function parseWith(entry: URL | string, log: string): Promise<{ events: number; parser: string }> {
  const w = new Worker(entry);
  try {
    return await new Promise((resolve, reject) => {
      w.on('message', (m: { type: string; events: number; parser: string }) => { if (m.type === 'done') resolve(m); else if (m.type === 'batch') w.postMessage({ type: 'ack', taskId: 0 }); });
      w.on('error', reject);
      w.postMessage({ type: 'task', taskId: 0, abs: log, rel: path.basename(log) });
    });
  } finally {
    await w.terminate();
  }
}

test('worker builds: each module keeps its own source location, a build is reused until a source changes', async () => {
  const out = await builtWorker(path.join(ingest, 'index-worker.ts'));
  const code = fs.readFileSync(out, 'utf8');
  // The coordinator finds the parse worker, and detections their resources, relative to their own source files.
  assert.ok(!code.includes('import.meta.url'), 'import.meta.url left in the build: it would point at the cache folder');
  assert.ok(code.includes(JSON.stringify(pathToFileURL(path.join(ingest, 'coordinator.ts')).href)));
  assert.ok(code.includes(JSON.stringify(pathToFileURL(path.join(repoRoot, 'electron/detect/index.ts')).href)));
  const manifest = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')) as Manifest;
  assert.ok(manifest.inputs.some(([f]) => f === path.join(ingest, 'coordinator.ts')));

  const before = fs.statSync(out).mtimeMs;
  assert.equal(await builtWorker(path.join(ingest, 'index-worker.ts')), out);
  assert.equal(fs.statSync(out).mtimeMs, before, 'an up-to-date build was rebuilt');

  // A source that changed since the build (here: its recorded time no longer matches) makes a new build.
  const stale = { ...manifest, inputs: manifest.inputs.map(([f, s, m]): [string, number, number] => [f, s, f.endsWith('coordinator.ts') ? m - 1000 : m]) };
  fs.writeFileSync(`${out}.json`, JSON.stringify(stale));
  await builtWorker(path.join(ingest, 'index-worker.ts'));
  const again = JSON.parse(fs.readFileSync(`${out}.json`, 'utf8')) as Manifest;
  assert.deepEqual(again.inputs, manifest.inputs);
});

test('a built parse worker parses a log as the TypeScript one does; LOUPE_WORKER_BUILD=0 keeps the sources', async (t) => {
  const log = iisLog(tmpDir(t));
  const entry = new URL('../../../electron/ingest/parse-worker.ts', import.meta.url);
  const built = await workerEntry(entry);
  // (a build made ahead by scripts/electron-build.mjs, when one is there and up to date, comes first)
  if (!prebuiltWorker(fileURLToPath(entry))) assert.match(built.pathname, /node_modules\/\.cache\/loupe-workers\/parse-worker-[0-9a-f]{12}\.mjs$/);
  const done = await parseWith(built, log);
  assert.equal(done.parser, 'iis');
  assert.equal(done.events, 1);

  process.env.LOUPE_WORKER_BUILD = '0';
  t.after(() => { delete process.env.LOUPE_WORKER_BUILD; });
  assert.equal((await workerEntry(entry)).href, entry.href);
});

test('builds made ahead for the app (scripts/electron-build.mjs): relocatable, a worker parses with one, unused once a source changed', async (t) => {
  // inside the repository, as in the app: the builds import their packages from node_modules
  const dir = fs.mkdtempSync(path.join(repoRoot, 'node_modules/.cache/loupe-prebuilt-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const files = await prebuildWorkers(dir, ['electron/ingest/parse-worker.ts', 'electron/detect/index.ts']);
  for (const f of files) {
    const code = fs.readFileSync(f, 'utf8');
    assert.ok(!code.includes(repoRoot), `${path.basename(f)} names the build machine's folder: it would not run elsewhere`);
  }
  // each module's own location, found from the build's: the detections' resources folder
  const detect = await import(pathToFileURL(files[1]).href) as { DEFAULT_RESOURCES: string };
  assert.equal(detect.DEFAULT_RESOURCES, path.join(repoRoot, 'resources'));

  const src = path.join(ingest, 'parse-worker.ts');
  assert.equal(prebuiltWorker(src, dir), files[0]);
  const done = await parseWith(pathToFileURL(files[0]), iisLog(tmpDir(t)));
  assert.deepEqual([done.parser, done.events], ['iis', 1]);

  // a source that is no longer what the build was made from: the build is not used
  const manifest = `${files[0]}.json`;
  const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { inputs: Array<[string, string]> };
  m.inputs[0][1] = '0'.repeat(64);
  fs.writeFileSync(manifest, JSON.stringify(m));
  assert.equal(prebuiltWorker(src, dir), null);
  assert.equal(prebuiltWorker(path.join(ingest, 'index-worker.ts'), dir), null, 'no build made for that entry');
});
