// Which findings cite an event: each finding's evidence refs (file + line / record / offset, or a whole file) mapped
// to the events they point at, so the grid can colour those rows and link them to the finding.
import type { EventRow } from '../../shared/api.ts';
import type { EvidenceRef } from '../../shared/types.ts';
import type { Db } from './db.ts';

interface RefIndex { stamp: string; exact: Map<string, number[]>; wholeFile: Map<string, number[]> }

const cache = new WeakMap<Db, RefIndex>();

const refKey = (file: string, kind: 'l' | 'r' | 'o', n: number): string => `${file}\u0000${kind}${n}`;

function push(map: Map<string, number[]>, key: string, id: number): void {
  const list = map.get(key);
  if (!list) map.set(key, [id]);
  else if (!list.includes(id)) list.push(id);
}

/** The refs of every finding, rebuilt only when the findings change (detections run rarely; pages are read often). */
function refIndex(db: Db): RefIndex {
  const stamp = JSON.stringify(db.prepare('SELECT count(*) AS n, max(id) AS m, max(created_at) AS c FROM findings').get());
  const have = cache.get(db);
  if (have && have.stamp === stamp) return have;
  const idx: RefIndex = { stamp, exact: new Map(), wholeFile: new Map() };
  for (const f of db.prepare('SELECT id, evidence FROM findings').iterate() as IterableIterator<{ id: number; evidence: string }>) {
    let refs: EvidenceRef[];
    try { refs = JSON.parse(f.evidence) as EvidenceRef[]; } catch { continue; }
    for (const r of Array.isArray(refs) ? refs : []) {
      if (!r || typeof r.file !== 'string') continue;
      if (r.line !== undefined) push(idx.exact, refKey(r.file, 'l', r.line), f.id);
      else if (r.record !== undefined) push(idx.exact, refKey(r.file, 'r', r.record), f.id);
      else if (r.offset !== undefined) push(idx.exact, refKey(r.file, 'o', r.offset), f.id);
      else push(idx.wholeFile, r.file, f.id);
    }
  }
  cache.set(db, idx);
  return idx;
}

/** Adds `findings` (ids, ascending) to the rows some finding cites. */
export function markFindings<T extends EventRow>(db: Db, rows: T[]): T[] {
  const idx = refIndex(db);
  if (!idx.exact.size && !idx.wholeFile.size) return rows;
  for (const r of rows) {
    const f = r.ref.file;
    const ids = [
      ...(r.ref.line !== undefined ? idx.exact.get(refKey(f, 'l', r.ref.line)) ?? [] : []),
      ...(r.ref.record !== undefined ? idx.exact.get(refKey(f, 'r', r.ref.record)) ?? [] : []),
      ...(r.ref.offset !== undefined ? idx.exact.get(refKey(f, 'o', r.ref.offset)) ?? [] : []),
      ...(r.ref.line === undefined && r.ref.record === undefined ? idx.wholeFile.get(f) ?? [] : []),
    ];
    if (ids.length) r.findings = [...new Set(ids)].sort((a, b) => a - b);
  }
  return rows;
}
