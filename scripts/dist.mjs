#!/usr/bin/env node
// `npm run dist [-- --linux|--win|--mac]`: installers with electron-builder (config in electron-builder.yml).
// Defaults to the current platform. electron-builder rebuilds better-sqlite3 for Electron inside the package.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, buildElectronEntry, buildRenderer, buildWorkers } from './electron-build.mjs';

buildRenderer();
await buildElectronEntry();
await buildWorkers();
const cli = path.join(ROOT, 'node_modules/electron-builder/cli.js');
const r = spawnSync(process.execPath, [cli, '--config', 'electron-builder.yml', '--publish', 'never', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
process.exit(r.status ?? 1);
