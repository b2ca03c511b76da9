// The timeline grid's columns and the analyst's layout of them (order, hidden, widths), kept per case.
import type { EventRow } from '../../shared/api.ts';
import { formatTime } from './format.ts';

export interface GridColumn {
  key: string;
  label: string;
  width: number;
  /** The field the header sorts and filters by ("ts" is time); none for the star/marks column. */
  field?: string;
  /** Sorting by it reads an index of the case; the first sort by another column builds a sort index for it. */
  indexedSort?: boolean;
  /** The pivot field for a right-click on a cell. */
  pivot?: string;
  value: (r: EventRow, zone: string) => string;
}

export const COLUMNS: GridColumn[] = [
  { key: 'star', label: '★', width: 28, value: (r) => (r.starred ? '★' : '') },
  { key: 'ts', label: 'Time', width: 230, field: 'ts', indexedSort: true, value: (r, z) => formatTime(r.ts, z) },
  { key: 'source', label: 'Source', width: 96, field: 'source', indexedSort: true, pivot: 'source', value: (r) => r.source },
  { key: 'host', label: 'Host', width: 110, field: 'host', pivot: 'host', value: (r) => r.host ?? '' },
  { key: 'ip', label: 'IP', width: 150, field: 'ip', indexedSort: true, pivot: 'ip', value: (r) => r.ip ?? '' },
  { key: 'status', label: 'Status', width: 60, field: 'status', pivot: 'status', value: (r) => (r.status === null ? '' : String(r.status)) },
  { key: 'desc', label: 'What', width: 110, field: 'tsDesc', value: (r) => r.tsDesc },
  { key: 'message', label: 'Message', width: 640, field: 'message', value: (r) => r.message },
  { key: 'tags', label: 'Tags', width: 150, field: 'tags', value: (r) => r.tags.join(', ') + (r.note ? ' ✎' : '') },
  { key: 'file', label: 'Evidence', width: 260, field: 'file', value: (r) => r.ref.file + (r.ref.line !== undefined ? `:${r.ref.line}` : r.ref.record !== undefined ? ` #${r.ref.record}` : '') },
];

/** The header's tooltip: what a click does, and that the first sort by a column without an index builds one. */
export function headerTitle(c: GridColumn): string | undefined {
  if (!c.field) return undefined;
  const cost = c.indexedSort ? '' : ' — the first sort by it on a large case builds a sort index, kept in the case (progress shown; time order meanwhile)';
  return `Sort by ${c.label} (click again to reverse)${cost}; drag to move; drag the right edge to resize`;
}

export interface ColumnLayout { order: string[]; hidden: string[]; widths: Record<string, number> }

export const SETTING_KEY = 'ui.timeline.columns';
export const DEFAULT_LAYOUT: ColumnLayout = { order: COLUMNS.map((c) => c.key), hidden: ['file'], widths: {} };
export const MIN_WIDTH = 24;

/** A stored layout made safe: unknown keys dropped, new columns appended, widths clamped. */
export function parseLayout(raw: string | undefined): ColumnLayout {
  let v: Partial<ColumnLayout> = {};
  try { v = raw ? (JSON.parse(raw) as Partial<ColumnLayout>) : {}; } catch { v = {}; }
  const known = new Set(COLUMNS.map((c) => c.key));
  const order = (Array.isArray(v.order) ? v.order : []).filter((k) => known.has(k));
  for (const c of COLUMNS) if (!order.includes(c.key)) order.push(c.key);
  const hidden = Array.isArray(v.hidden) ? v.hidden.filter((k) => known.has(k) && k !== 'ts') : DEFAULT_LAYOUT.hidden;
  const widths: Record<string, number> = {};
  for (const [k, w] of Object.entries(v.widths ?? {})) if (known.has(k) && Number.isFinite(w)) widths[k] = Math.max(MIN_WIDTH, Math.min(4000, Math.round(w)));
  return { order, hidden, widths };
}

export function visibleColumns(l: ColumnLayout): Array<GridColumn & { width: number }> {
  return l.order.filter((k) => !l.hidden.includes(k)).map((k) => {
    const c = COLUMNS.find((x) => x.key === k)!;
    return { ...c, width: l.widths[k] ?? c.width };
  });
}

/** Moves column `key` to where `before` is (or to the end). */
export function moveColumn(l: ColumnLayout, key: string, before: string | null): ColumnLayout {
  const order = l.order.filter((k) => k !== key);
  const at = before === null ? order.length : order.indexOf(before);
  order.splice(at < 0 ? order.length : at, 0, key);
  return { ...l, order };
}
