// Temporary folders for tests, removed when the test ends.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

export function tmpDir(t: TestContext | { after(fn: () => void): void }, prefix = 'loupe-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const sharedData = path.resolve(repoRoot, '../shared/data');
