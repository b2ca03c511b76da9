// Timeline helpers without UI: pivot → filters, the pivot targets of a row, and finding the event behind an evidence ref.
import type { EventDetail, EventRow } from '../../shared/api.ts';
import type { SourceId } from '../../shared/types.ts';
import { api } from './api.ts';
import type { Filters } from './components/FilterBar.tsx';
import type { PivotChoice } from './components/PivotMenu.tsx';
import type { PivotTarget } from './components/TimelineGrid.tsx';
import { PAGE_SIZE } from './timelinePages.ts';

/** "Only" on a lifted column uses its dedicated filter; everything else is an exact field (in)equality. */
export function applyPivot(f: Filters, { target, exclude }: PivotChoice): Filters {
  const { field, value } = target;
  if (!exclude) {
    if (field === 'ip') return { ...f, ips: [value] };
    if (field === 'host') return { ...f, hosts: [value] };
    if (field === 'source') return { ...f, sources: [value as SourceId] };
    if (field === 'status' && Number.isInteger(Number(value))) return { ...f, statuses: [Number(value)] };
    return { ...f, fieldEquals: [...(f.fieldEquals ?? []), { field, value }] };
  }
  return { ...f, fieldNotEquals: [...(f.fieldNotEquals ?? []), { field, value }] };
}

export function rowTargets(r: EventRow, d: EventDetail | null): PivotTarget[] {
  const out: PivotTarget[] = [];
  if (r.ip) out.push({ field: 'ip', value: r.ip });
  if (r.host) out.push({ field: 'host', value: r.host });
  out.push({ field: 'source', value: r.source });
  if (r.status !== null) out.push({ field: 'status', value: String(r.status) });
  if (d) {
    for (const [k, v] of Object.entries(d.fields)) {
      if (v !== null && v !== '' && String(v).length <= 200) out.push({ field: k, value: String(v) });
      if (out.length >= 16) break;
    }
  }
  return out;
}

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
