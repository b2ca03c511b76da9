// Pivots without UI: a pivot choice → new filters, and the values of a row one can pivot on.
import type { EventDetail, EventRow } from '../../shared/api.ts';
import type { SourceId } from '../../shared/types.ts';
import type { Filters, PivotChoice, PivotTarget } from './timelineTypes.ts';

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

