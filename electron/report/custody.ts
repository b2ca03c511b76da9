// Chain of custody: what was indexed, when, a digest of the whole manifest, the flagged files and the last verify.
import crypto from 'node:crypto';
import type { Db } from '../case/db.ts';
import type { VerifyResult } from '../../shared/api.ts';
import type { Custody, CustodyFile } from './model-types.ts';
import { buildKapeCustody } from './kape-custody.ts';

/**
 * The manifest digest: SHA-256 (hex) over one line per evidence file, `rel_path TAB size TAB sha256 LF`
 * (sha256 lower-case hex, empty when not hashed), lines sorted by their UTF-8 bytes. Anyone holding the
 * manifest can recompute it: `sort` under LC_ALL=C, then `sha256sum`.
 */
export function manifestDigest(db: Db): string {
  const hash = crypto.createHash('sha256');
  const rows = db.prepare(`SELECT rel_path || char(9) || size || char(9) || lower(coalesce(sha256, '')) || char(10) AS line
    FROM files ORDER BY line COLLATE BINARY`).pluck().iterate() as IterableIterator<string>;
  for (const line of rows) hash.update(line, 'utf8');
  return hash.digest('hex');
}

/** Files some finding points at (its file, its SHA-256, or its path). */
function flaggedFiles(db: Db): CustodyFile[] {
  return db.prepare(`
    SELECT f.rel_path AS relPath, f.orig_path AS origPath, f.size, f.sha256, f.md5, f.sha1,
           group_concat(DISTINCT x.check_id) AS reason
    FROM findings x JOIN files f
      ON f.id = x.file_id
      OR (x.file_id IS NULL AND x.sha256 IS NOT NULL AND lower(f.sha256) = lower(x.sha256))
      OR (x.file_id IS NULL AND x.sha256 IS NULL AND x.path IS NOT NULL AND lower(f.orig_path) = lower(x.path))
    WHERE x.check_id <> 'story'
    GROUP BY f.id ORDER BY f.rel_path`).all() as CustodyFile[];
}

function latestVerify(db: Db): VerifyResult | null {
  const row = db.prepare('SELECT result FROM verify_runs ORDER BY id DESC LIMIT 1').get() as { result: string } | undefined;
  if (!row) return null;
  try { return JSON.parse(row.result) as VerifyResult; } catch { return null; }
}

export function buildCustody(db: Db): Custody {
  const totals = db.prepare(`SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes, min(indexed_at) AS first, max(indexed_at) AS last FROM files`)
    .get() as { n: number; bytes: number; first: string | null; last: string | null };
  const sources = db.prepare(`SELECT root, label, added_at AS addedAt, last_indexed_at AS lastIndexedAt FROM evidence_sources ORDER BY id`)
    .all() as Custody['sources'];
  return {
    sources,
    fileCount: totals.n,
    totalBytes: totals.bytes,
    manifestDigest: manifestDigest(db),
    firstIndexedAt: totals.first,
    lastIndexedAt: totals.last,
    flaggedFiles: flaggedFiles(db),
    verify: latestVerify(db),
    kape: buildKapeCustody(db),
  };
}
