// Finding the timeline event behind an evidence ref (file + line or EVTX record).
import type { EventRow } from '../../shared/api.ts';
import { api } from './api.ts';
import { PAGE_SIZE } from './timelinePages.ts';

const MAX_PAGES = 40;

/** Finds the event read from `file` at `line` (or EVTX `record`); null when it is not in the timeline. */
export async function findEventByRef(file: string, line: string | null, record: string | null): Promise<EventRow | null> {
  const files = await api.listFiles({ text: file, limit: 50 });
  const match = files.rows.find((f) => f.relPath === file) ?? files.rows[0];
  if (!match) return null;
  const want = (r: EventRow) =>
    (line !== null && r.ref.line === Number(line)) || (record !== null && r.ref.record === Number(record)) || (line === null && record === null);
  let after: { ts: number; id: number } | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await api.queryTimeline({ fileId: match.id, order: 'asc', limit: PAGE_SIZE, ...(after ? { after } : {}) });
    const hit = page.rows.find(want);
    if (hit) return hit;
    if (!page.next) return null;
    after = page.next;
  }
  return null;
}
