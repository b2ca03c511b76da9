// Re-hashes the evidence against the case manifest: which files changed, went missing, or appeared.
import crypto from 'node:crypto';
import path from 'node:path';
import type { VerifyResult } from '../shared/api.ts';
import type { Db } from './case/db.ts';
import { openEvidence } from './ingest/evidence-open.ts';
import { walkEvidence } from './ingest/walk.ts';

async function sha256File(abs: string): Promise<string> {
  const h = crypto.createHash('sha256');
  const fh = await openEvidence(abs);
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (!bytesRead) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally { await fh.close(); }
  return h.digest('hex');
}

export async function verifyEvidence(db: Db): Promise<VerifyResult> {
  const res: VerifyResult = { checked: 0, ok: 0, changed: [], missing: [], added: [], at: new Date().toISOString() };
  const sources = db.prepare('SELECT id, root FROM evidence_sources ORDER BY id').all() as Array<{ id: number; root: string }>;
  const multi = sources.length > 1;
  for (const src of sources) {
    const label = (rel: string): string => (multi ? `${path.basename(src.root)}/${rel}` : rel);
    const rows = db.prepare('SELECT rel_path, sha256 FROM files WHERE source_id = ? ORDER BY rel_path').all(src.id) as Array<{ rel_path: string; sha256: string | null }>;
    const known = new Set(rows.map((r) => r.rel_path));
    for (const r of rows) {
      res.checked++;
      const abs = path.join(src.root, r.rel_path);
      let actual: string;
      try { actual = await sha256File(abs); } catch { res.missing.push(label(r.rel_path)); continue; }
      if (r.sha256 === actual) res.ok++;
      else res.changed.push({ relPath: label(r.rel_path), expected: r.sha256 ?? '(not hashed)', actual });
    }
    for (const f of walkEvidence(src.root, () => {})) if (!known.has(f.rel)) res.added.push(label(f.rel));
  }
  return res;
}
