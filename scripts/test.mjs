#!/usr/bin/env node
// Runs the whole suite: type checks, then every test/**/*.test.ts under Node's test runner (unit and end-to-end).
// Usage: npm test [-- substring...]   (substrings narrow the test files by path: a file matching any of them runs)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const filters = process.argv.slice(2);

function walk(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

if (!filters.length) {
  for (const project of ['tsconfig.json', 'renderer/tsconfig.json']) {
    if (!fs.existsSync(path.join(root, project))) continue;
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', project, '--noEmit'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) { console.error(`type check failed: ${project}`); process.exit(r.status ?? 1); }
  }
}

const files = walk(path.join(root, 'test')).filter((f) => !filters.length || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) { console.error('no test files found'); process.exit(1); }
const configDir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-test-config-'));
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  cwd: root, stdio: 'inherit',
  // Recent cases and the parsed Sigma rules go to a throw-away folder, not the analyst's own list and cache.
  env: { LOUPE_CONFIG_DIR: configDir, LOUPE_SIGMA_CACHE: path.join(configDir, 'sigma-rules.json'), ...process.env, LOUPE_TEST: '1' },
});
process.exit(r.status ?? 1);
