// The renderer may import only shared/, its own files, React, the virtualiser and CSS: never Node, Electron or SQLite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const rendererDir = path.join(repoRoot, 'renderer');
const ALLOWED_PACKAGES = new Set(['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', '@tanstack/react-virtual']);

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.(tsx?|mts|js|jsx|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** Every module specifier in static imports, re-exports, dynamic import() and require(). */
export function importsOf(code: string): string[] {
  const re = /\b(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)|\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  return [...code.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]);
}

function violation(file: string, spec: string): string | null {
  if (spec.startsWith('.')) {
    const target = path.resolve(path.dirname(file), spec);
    const inside = (dir: string) => target.startsWith(path.join(repoRoot, dir) + path.sep);
    return inside('renderer') || inside('shared') ? null : `${spec} leaves renderer/ and shared/`;
  }
  return ALLOWED_PACKAGES.has(spec) ? null : `${spec} is not an allowed renderer dependency (node:, fs, electron, better-sqlite3 … are forbidden)`;
}

test('the import scanner sees every import form', () => {
  const code = `import fs from 'node:fs';\nimport { x } from "electron";\nexport * from '../../electron/service.ts';\nimport 'better-sqlite3';\nconst p = import('path');\nrequire('child_process');`;
  assert.deepEqual(importsOf(code), ['node:fs', 'electron', '../../electron/service.ts', 'better-sqlite3', 'path', 'child_process']);
  assert.match(violation(path.join(rendererDir, 'src/a.ts'), 'node:fs')!, /not an allowed/);
  assert.match(violation(path.join(rendererDir, 'src/a.ts'), '../../electron/service.ts')!, /leaves renderer/);
  assert.equal(violation(path.join(rendererDir, 'src/a.ts'), '../../shared/api.ts'), null);
});

test('renderer/ imports no Node, Electron or database module', () => {
  const files = sources(rendererDir);
  assert.ok(files.length >= 10, `expected the renderer sources, found ${files.length}`);
  const bad: string[] = [];
  for (const f of files) {
    const code = fs.readFileSync(f, 'utf8');
    for (const spec of importsOf(code)) {
      if (spec.endsWith('.css')) continue;
      const v = violation(f, spec);
      if (v) bad.push(`${path.relative(repoRoot, f)}: ${v}`);
    }
    if (/dangerouslySetInnerHTML|\.innerHTML\s*=|\beval\s*\(|new Function\s*\(/.test(code)) bad.push(`${path.relative(repoRoot, f)}: renders or evaluates text as code`);
  }
  assert.deepEqual(bad, []);
});
