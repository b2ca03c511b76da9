// Recently opened case files, per user of this machine (not inside any case): the Case page's "recent cases" list.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RecentCase } from '../shared/api.ts';

const MAX_RECENT = 15;

/** ~/.config/loupe/recent-cases.json, or $LOUPE_CONFIG_DIR (tests point it at a temp folder). */
function recentFile(): string {
  const dir = process.env.LOUPE_CONFIG_DIR || path.join(process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'loupe');
  return path.join(dir, 'recent-cases.json');
}

function readList(): Array<{ path: string; openedAt: string }> {
  try {
    const v = JSON.parse(fs.readFileSync(recentFile(), 'utf8')) as unknown;
    return Array.isArray(v) ? v.filter((x): x is { path: string; openedAt: string } => typeof x?.path === 'string' && typeof x?.openedAt === 'string') : [];
  } catch {
    return [];
  }
}

export function listRecentCases(): RecentCase[] {
  return readList().map((r) => ({ ...r, exists: fs.existsSync(r.path) }));
}

/** Puts a case at the top of the list; a list that cannot be written is not worth failing the open for. */
export function rememberCase(casePath: string): void {
  const list = [{ path: casePath, openedAt: new Date().toISOString() }, ...readList().filter((r) => r.path !== casePath)].slice(0, MAX_RECENT);
  try {
    fs.mkdirSync(path.dirname(recentFile()), { recursive: true });
    fs.writeFileSync(recentFile(), JSON.stringify(list, null, 1));
  } catch { /* read-only home: the list is a convenience */ }
}
