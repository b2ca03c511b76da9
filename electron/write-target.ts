// Where a write really lands, and which places Loupe never writes to: inside an evidence folder (through a symbolic
// link too), over the case file or its journal files, or onto a folder. Every export, report and case file asks here.
import fs from 'node:fs';
import path from 'node:path';

/** File systems that ignore case in names (Windows, macOS by default): compare paths case-insensitively there. */
const FOLD_CASE = process.platform === 'win32' || process.platform === 'darwin';
const key = (p: string): string => (FOLD_CASE ? p.toLowerCase() : p);

export class WriteRefused extends Error {
  readonly status = 400;
}

/**
 * The real path a write to `p` reaches: symbolic links resolved in every existing part (the nearest existing parent
 * for a file that does not exist yet), so `link-to-evidence/x.csv` is seen for what it is.
 */
export function realPathForWrite(p: string): string {
  const tail: string[] = [];
  let cur = path.resolve(p);
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(cur), ...tail);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const parent = path.dirname(cur);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === cur) throw e;
      tail.unshift(path.basename(cur));
      cur = parent;
    }
  }
}

/** True when `child` is `parent` or below it (both real, absolute paths). */
export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(key(parent), key(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The evidence folder (real path) that holds `realTarget`, or null. Folders that are gone are skipped. */
export function evidenceRootHolding(realTarget: string, roots: readonly string[]): string | null {
  for (const root of roots) {
    let real: string;
    try { real = fs.realpathSync.native(root); } catch { real = path.resolve(root); }
    if (isInside(realTarget, real) || isInside(realTarget, path.resolve(root))) return root;
  }
  return null;
}

/** The case file and the files SQLite and Loupe keep beside it. */
export function caseFiles(casePath: string): string[] {
  const real = realPathForWrite(casePath);
  return [real, `${real}-wal`, `${real}-shm`, `${real}-journal`, `${real}.lock`];
}

/**
 * Checks an export or report destination and returns the real path to write: refused inside an evidence folder, over
 * the case file (or its -wal/-shm), and onto a folder.
 */
export function exportTarget(outPath: string, guard: { evidenceRoots: readonly string[]; casePath: string | null }): string {
  const real = realPathForWrite(outPath);
  const shown = path.resolve(outPath) === real ? real : `${path.resolve(outPath)} (really ${real})`;
  const root = evidenceRootHolding(real, guard.evidenceRoots);
  if (root) throw new WriteRefused(`refusing to write ${shown}: it is inside the evidence folder ${root}, which must stay unchanged — choose another folder`);
  if (guard.casePath && caseFiles(guard.casePath).some((f) => key(f) === key(real))) {
    throw new WriteRefused(`refusing to write ${shown}: that is the case file (or its journal), which holds the events, tags, notes and audit log — choose another name`);
  }
  if (fs.existsSync(real) && fs.statSync(real).isDirectory()) throw new WriteRefused(`refusing to write ${shown}: it is a folder — give a file name`);
  return real;
}

/** A case file must not live inside an evidence folder: Loupe would write into the evidence and index its own case. */
export function assertCaseOutsideEvidence(casePath: string, evidenceRoots: readonly string[]): void {
  const real = realPathForWrite(casePath);
  const root = evidenceRootHolding(real, evidenceRoots);
  if (root) {
    throw new WriteRefused(`refusing to keep the case file ${path.resolve(casePath)} inside the evidence folder ${root}: Loupe would write into the evidence `
      + 'and index its own case — put the case file outside the evidence folder');
  }
}
