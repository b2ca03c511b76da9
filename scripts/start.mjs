#!/usr/bin/env node
// `npm start`: the desktop app when Electron can run here; otherwise the browser mode, so the analyst always
// reaches the workbench. Arguments pass through (e.g. `npm start -- --case x.loupe --port 8080`).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, buildElectronEntry, buildRenderer, rebuildSqliteForElectron } from './electron-build.mjs';

const args = process.argv.slice(2);

function electronBinary() {
  const pathFile = path.join(ROOT, 'node_modules/electron/path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const bin = path.join(ROOT, 'node_modules/electron/dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(bin) ? bin : null;
}

/** Electron's npm package downloads its binary in install.js; it was not allowed to run at install time. */
function obtainElectron() {
  if (process.env.LOUPE_NO_ELECTRON === '1') return null;
  const existing = electronBinary();
  if (existing) return existing;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/electron/install.js')], { cwd: ROOT, stdio: 'ignore', timeout: 180_000 });
  return r.status === 0 ? electronBinary() : null;
}

const hasDisplay = () => process.platform !== 'linux' || !!(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);

function forward(child) {
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function startBrowserMode() {
  console.log('Electron is not available (offline / no display): starting the browser mode instead');
  forward(spawn(process.execPath, [path.join(ROOT, 'bin/loupe.mjs'), 'serve', ...args], { cwd: ROOT, stdio: 'inherit' }));
}

async function startDesktop(bin) {
  buildRenderer();
  await buildElectronEntry();
  rebuildSqliteForElectron();
  forward(spawn(bin, [ROOT, ...args], { cwd: ROOT, stdio: 'inherit' }));
}

const bin = hasDisplay() ? obtainElectron() : null;
if (bin) {
  startDesktop(bin).catch((e) => {
    console.error(`could not start the desktop app: ${e.message}`);
    startBrowserMode();
  });
} else {
  startBrowserMode();
}
