// Re-hashes the evidence against the case manifest: which files changed, went missing, or appeared.
// Reads are bounded: a file is read only as far as its size when opened, and anything not a regular file is reported
// as changed without being read (a FIFO swapped in for a log cannot hang verify).
import crypto from 'node:crypto';
import path from 'node:path';
import type { VerifyResult } from '../shared/api.ts';
import type { Db } from './case/db.ts';
import { openEvidence, type EvidencePath } from './ingest/evidence-open.ts';
import { evidencePath, walkEvidence } from './ingest/walk.ts';

/** SHA-256 and size of the file's bytes up to its size at open; `grew` when it changed while being read. */
async function sha256File(abs: EvidencePath): Promise<{ sha256: string; size: number; grew: boolean }> {
  const h = crypto.createHash('sha256');
  const fh = await openEvidence(abs);
  try {
    const size = Number((await fh.stat()).size);
    const buf = Buffer.allocUnsafe(1 << 20);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - done), done);
      if (!bytesRead) break;
      h.update(buf.subarray(0, bytesRead));
      done += bytesRead;
    }
    return { sha256: h.digest('hex'), size: done, grew: Number((await fh.stat()).size) !== size };
  } finally { await fh.close(); }
}

const gone = (e: unknown): boolean => ['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '');

export async function verifyEvidence(db: Db): Promise<VerifyResult> {
  const res: VerifyResult = { checked: 0, ok: 0, changed: [], missing: [], added: [], at: new Date().toISOString(), warnings: [] };
  const sources = db.prepare('SELECT id, root FROM evidence_sources ORDER BY id').all() as Array<{ id: number; root: string }>;
  const multi = sources.length > 1;
  for (const src of sources) {
    const label = (rel: string): string => (multi ? `${path.basename(src.root)}/${rel}` : rel);
    const rows = db.prepare('SELECT rel_path, rel_path_bytes, size, sha256 FROM files WHERE source_id = ? ORDER BY rel_path').all(src.id) as Array<{ rel_path: string; rel_path_bytes: Buffer | null; size: number; sha256: string | null }>;
    const known = new Set(rows.map((r) => r.rel_path));
    for (const r of rows) {
      res.checked++;
      const expected = r.sha256 ?? '(not hashed)';
      let now: Awaited<ReturnType<typeof sha256File>>;
      try {
        now = await sha256File(evidencePath(src.root, r.rel_path, r.rel_path_bytes));
      } catch (e) {
        if (gone(e)) res.missing.push(label(r.rel_path));
        else res.changed.push({ relPath: label(r.rel_path), expected, actual: `(${(e as Error).message})` });
        continue;
      }
      if (r.sha256 === now.sha256 && r.size === now.size && !now.grew) res.ok++;
      else res.changed.push({ relPath: label(r.rel_path), expected, actual: now.grew ? `${now.sha256} (still being written)` : now.sha256 });
    }
    for (const f of walkEvidence(src.root, (w) => { if (w.file === '.') res.warnings!.push(w.message); })) if (!known.has(f.rel)) res.added.push(label(f.rel));
  }
  return res;
}
