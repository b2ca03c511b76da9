// Read-only walk of an evidence folder. Links are never followed (a link could leave the evidence root or loop).
// Names are read as bytes: a name that is not valid UTF-8 is listed with its bad bytes shown as \xHH and its exact
// bytes kept for every later read (see `relBytes`). How the walk touches access times is measured and reported.
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import type { IngestWarning } from '../../shared/types.ts';
import { atimeCaveat, type EvidencePath } from './evidence-open.ts';

export interface WalkedFile {
  /** Where to open it: a string, or the exact bytes when a name on the way is not valid UTF-8. */
  abs: EvidencePath;
  /** Evidence-relative POSIX path as shown and stored (bad bytes as \xHH). */
  rel: string;
  /** The exact bytes of the relative path when it is not valid UTF-8; null otherwise. */
  relBytes: Buffer | null;
  size: number;
  /** Times in microseconds since the epoch (UTC); btime null where the file system has no birth time. */
  mtime: number;
  atime: number;
  ctime: number;
  btime: number | null;
}

const us = (ns: bigint): number => Number(ns / 1000n);
const SEP = Buffer.from('/');

/** A name's bytes as text: valid UTF-8 sequences decoded, every other byte as \xHH. */
export function escapeNameBytes(name: Buffer): string {
  if (isUtf8(name)) return name.toString('utf8');
  let out = '';
  for (let i = 0; i < name.length;) {
    const b = name[i];
    const len = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    const seq = len ? name.subarray(i, i + len) : null;
    if (seq && seq.length === len && isUtf8(seq)) { out += seq.toString('utf8'); i += len; } else { out += `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`; i++; }
  }
  return out;
}

interface Dir { abs: Buffer; rel: string; relBytes: Buffer; exact: boolean }

/** Folders whose access time listing them changed, and files Loupe cannot read without changing theirs: one warning each. */
class AtimeReport {
  foldersTouched = 0;
  filesTouched = 0;
  reason: string | null = null;

  noteFolder(before: fs.BigIntStats | null, dir: Buffer): void {
    try { if (before && fs.lstatSync(dir, { bigint: true }).atimeNs !== before.atimeNs) this.foldersTouched++; } catch { /* gone */ }
  }

  noteFile(owner: number): void {
    const why = atimeCaveat(owner);
    if (why) { this.filesTouched++; this.reason ??= why; }
  }

  warnings(): IngestWarning[] {
    const out: IngestWarning[] = [];
    if (this.foldersTouched) {
      out.push({ file: '.', message: `access times of ${this.foldersTouched} evidence folder(s) changed when they were listed: Node.js lists folders without O_NOATIME — mount the evidence read-only with noatime (mount -o ro,noatime) to keep them` });
    }
    if (this.filesTouched) {
      out.push({ file: '.', message: `access times of ${this.filesTouched} evidence file(s) change when they are read: ${this.reason} — run as their owner or root, or mount the evidence with noatime` });
    }
    return out;
  }
}

/** Lists every regular file below root, depth first in byte order (deterministic), warning about what it skips. */
export function walkEvidence(root: string, warn: (w: IngestWarning) => void): WalkedFile[] {
  const out: WalkedFile[] = [];
  const atimes = new AtimeReport();
  const stack: Dir[] = [{ abs: Buffer.from(root), rel: '', relBytes: Buffer.alloc(0), exact: true }];
  while (stack.length) {
    const dir = stack.pop()!;
    let entries: fs.Dirent<Buffer>[];
    let before: fs.BigIntStats | null = null;
    try {
      before = fs.lstatSync(dir.abs, { bigint: true });
      entries = fs.readdirSync(dir.abs, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      warn({ file: dir.rel || '.', message: `folder not readable (${(e as NodeJS.ErrnoException).code ?? e}) — its files are not indexed; run as a user that can read it` });
      continue;
    }
    atimes.noteFolder(before, dir.abs);
    entries.sort((a, b) => Buffer.compare(a.name, b.name));
    const shown = new Set(entries.filter((e) => isUtf8(e.name)).map((e) => e.name.toString('utf8')));
    const subdirs: Dir[] = [];
    for (const ent of entries) {
      const exactName = isUtf8(ent.name);
      let name = escapeNameBytes(ent.name);
      // A valid name that reads like the escaped one must not share its row: the escaped one carries its bytes.
      if (!exactName && shown.has(name)) name += ` (name bytes ${ent.name.toString('hex')})`;
      const child: Dir = {
        abs: Buffer.concat([dir.abs, SEP, ent.name]), rel: dir.rel ? `${dir.rel}/${name}` : name,
        relBytes: dir.rel ? Buffer.concat([dir.relBytes, SEP, ent.name]) : ent.name, exact: dir.exact && exactName,
      };
      if (!exactName) warn({ file: child.rel, message: 'name is not valid UTF-8: shown with its bad bytes as \\xHH; the exact bytes are kept for reading and verify' });
      if (ent.isSymbolicLink()) {
        let target = '?';
        try { target = escapeNameBytes(fs.readlinkSync(child.abs, { encoding: 'buffer' })); } catch { /* keep '?' */ }
        warn({ file: child.rel, message: `symbolic link not followed (→ ${target}): evidence is read only inside the evidence folder` });
        continue;
      }
      if (ent.isDirectory()) { subdirs.push(child); continue; }
      if (!ent.isFile()) {
        warn({ file: child.rel, message: 'not a regular file (device, socket or pipe): skipped' });
        continue;
      }
      try {
        const st = fs.lstatSync(child.abs, { bigint: true });
        atimes.noteFile(Number(st.uid));
        out.push({
          abs: child.exact ? child.abs.toString('utf8') : child.abs, rel: child.rel, relBytes: child.exact ? null : child.relBytes,
          size: Number(st.size), mtime: us(st.mtimeNs), atime: us(st.atimeNs), ctime: us(st.ctimeNs),
          btime: st.birthtimeNs > 0n ? us(st.birthtimeNs) : null,
        });
      } catch (e) {
        warn({ file: child.rel, message: `cannot stat file (${(e as NodeJS.ErrnoException).code ?? e}): skipped` });
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
  }
  for (const w of atimes.warnings()) warn(w);
  return out;
}

/** Where a manifest row is on disk: its exact name bytes when it has them. */
export function evidencePath(root: string, relPath: string, relBytes: Uint8Array | null | undefined): EvidencePath {
  return relBytes ? Buffer.concat([Buffer.from(path.resolve(root)), SEP, Buffer.from(relBytes)]) : path.join(root, relPath);
}
