// Read-only walk of an evidence folder. Links are never followed (a link could leave the evidence root or loop).
import fs from 'node:fs';
import path from 'node:path';
import type { IngestWarning } from '../../shared/types.ts';

export interface WalkedFile {
  abs: string;
  /** Evidence-relative POSIX path. */
  rel: string;
  size: number;
  /** Times in microseconds since the epoch (UTC); btime null where the file system has no birth time. */
  mtime: number;
  atime: number;
  ctime: number;
  btime: number | null;
}

const us = (ns: bigint): number => Number(ns / 1000n);

const toPosix = (p: string): string => p.split(path.sep).join('/');

/** Lists every regular file below root, depth first in name order (deterministic), warning about what it skips. */
export function walkEvidence(root: string, warn: (w: IngestWarning) => void): WalkedFile[] {
  const out: WalkedFile[] = [];
  const stack: string[] = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      warn({ file: toPosix(path.relative(root, dir)) || '.', message: `folder not readable (${(e as NodeJS.ErrnoException).code ?? e}) — its files are not indexed; run as a user that can read it` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const ent of entries) {
      const abs = path.join(dir, ent.name);
      const rel = toPosix(path.relative(root, abs));
      if (ent.isSymbolicLink()) {
        let target = '?';
        try { target = fs.readlinkSync(abs); } catch { /* keep '?' */ }
        warn({ file: rel, message: `symbolic link not followed (→ ${target}): evidence is read only inside the evidence folder` });
        continue;
      }
      if (ent.isDirectory()) { subdirs.push(abs); continue; }
      if (!ent.isFile()) {
        warn({ file: rel, message: 'not a regular file (device, socket or pipe): skipped' });
        continue;
      }
      try {
        const st = fs.statSync(abs, { bigint: true });
        out.push({
          abs, rel, size: Number(st.size), mtime: us(st.mtimeNs), atime: us(st.atimeNs), ctime: us(st.ctimeNs),
          btime: st.birthtimeNs > 0n ? us(st.birthtimeNs) : null,
        });
      } catch (e) {
        warn({ file: rel, message: `cannot stat file (${(e as NodeJS.ErrnoException).code ?? e}): skipped` });
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
  return out;
}
