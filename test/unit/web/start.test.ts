// `npm start` where Electron cannot run (this machine: no display, offline) falls back to browser mode in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('npm start without Electron prints one line, then serves the workbench at a tokenised URL', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, LOUPE_NO_ELECTRON: '1' };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child = spawn(process.execPath, [path.join(root, 'scripts/start.mjs'), '--port', '0'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed; got: ${out}`)), 60_000);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /Loupe browser mode: (http:\/\/127\.0\.0\.1:\d+\/loupe-[0-9a-f]{24}\/\?token=[0-9a-f]{64})/.exec(out);
        if (m) { clearTimeout(timer); resolve(m[1]); }
      });
      child.on('exit', (code) => reject(new Error(`start exited ${code}: ${out}`)));
    });
    assert.equal(out.split('\n')[0], 'Electron is not available (offline / no display): starting the browser mode instead');
    const status = await new Promise<number>((resolve, reject) => {
      http.get(url, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
    });
    assert.equal(status, 302);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
});
