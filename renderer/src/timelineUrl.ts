// The whole timeline state in the URL (#/timeline?…): back/forward, reload and shared links restore it exactly.
// Readable keys; times as UTC ISO so a link means the same in every zone.
import { RECOVERED_FILTERS, type ColumnFilter, type RecoveredFilter, type TimelineQuery } from '../../shared/api.ts';
import { isoToMicros, microsToIso, SOURCE_IDS } from '../../shared/types.ts';
import type { SourceId } from '../../shared/types.ts';
import type { Filters } from './timelineTypes.ts';

const OPS: ReadonlyArray<ColumnFilter['op']> = ['contains', 'equals', 'not', 'regex'];

const pair = (s: string): { field: string; value: string } | null => {
  const i = s.indexOf('=');
  return i > 0 ? { field: s.slice(0, i), value: s.slice(i + 1) } : null;
};

function columnFilter(s: string): ColumnFilter | null {
  const i = s.indexOf(':');
  const op = s.slice(0, i) as ColumnFilter['op'];
  const p = i > 0 && OPS.includes(op) ? pair(s.slice(i + 1)) : null;
  return p ? { ...p, op } : null;
}

const some = <T,>(xs: T[]): T[] | undefined => (xs.length ? xs : undefined);
const time = (s: string | null): number | undefined => {
  if (!s) return undefined;
  const us = /^-?\d+$/.test(s) ? Number(s) : isoToMicros(s);
  return Number.isFinite(us) ? us : undefined;
};

/** Filters, search, sort and order from the hash's query string; unknown or broken values are left out. */
export function filtersFromParams(p: URLSearchParams): Filters {
  const f: Filters = {};
  const text = p.get('q');
  if (text) f.text = text;
  f.from = time(p.get('from'));
  f.to = time(p.get('to'));
  f.sources = some(p.getAll('source').filter((s): s is SourceId => (SOURCE_IDS as readonly string[]).includes(s)));
  f.hosts = some(p.getAll('host'));
  f.ips = some(p.getAll('ip'));
  f.statuses = some(p.getAll('status').map(Number).filter(Number.isInteger));
  f.tags = some(p.getAll('tag'));
  if (p.get('starred') === '1') f.starredOnly = true;
  const recovered = p.get('recovered') as RecoveredFilter | null;
  if (recovered && recovered !== 'include' && RECOVERED_FILTERS.includes(recovered)) f.recovered = recovered;
  const fileId = Number(p.get('fileId'));
  if (p.get('fileId') && Number.isInteger(fileId)) f.fileId = fileId;
  f.fieldEquals = some(p.getAll('eq').map(pair).filter((x): x is { field: string; value: string } => !!x));
  f.fieldNotEquals = some(p.getAll('ne').map(pair).filter((x): x is { field: string; value: string } => !!x));
  f.columns = some(p.getAll('cf').map(columnFilter).filter((x): x is ColumnFilter => !!x));
  const sort = p.get('sort');
  const dir = p.get('dir') === 'desc' ? 'desc' : 'asc';
  if (sort && sort !== 'ts') f.sort = { field: sort, dir };
  if (p.get('order') === 'desc' || (sort === 'ts' && dir === 'desc')) f.order = 'desc';
  for (const k of Object.keys(f) as Array<keyof Filters>) if (f[k] === undefined) delete f[k];
  return f;
}

/** The query string for a state; same state, same string (stable key order), so history entries are not doubled. */
export function paramsFromFilters(f: Filters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.text) p.set('q', f.text);
  if (f.from !== undefined) p.set('from', microsToIso(f.from));
  if (f.to !== undefined) p.set('to', microsToIso(f.to));
  for (const s of f.sources ?? []) p.append('source', s);
  for (const h of f.hosts ?? []) p.append('host', h);
  for (const ip of f.ips ?? []) p.append('ip', ip);
  for (const s of f.statuses ?? []) p.append('status', String(s));
  for (const t of f.tags ?? []) p.append('tag', t);
  if (f.starredOnly) p.set('starred', '1');
  if (f.recovered && f.recovered !== 'include') p.set('recovered', f.recovered);
  if (f.fileId !== undefined) p.set('fileId', String(f.fileId));
  for (const e of f.fieldEquals ?? []) p.append('eq', `${e.field}=${e.value}`);
  for (const e of f.fieldNotEquals ?? []) p.append('ne', `${e.field}=${e.value}`);
  for (const c of f.columns ?? []) p.append('cf', `${c.op}:${c.field}=${c.value}`);
  if (f.sort) { p.set('sort', f.sort.field); p.set('dir', f.sort.dir); }
  if (f.order === 'desc') p.set('order', 'desc');
  return p;
}

/** Drops empty arrays and undefined keys so the request stays minimal. */
export function toQuery(f: Filters): TimelineQuery {
  const q: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || v === false || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    q[k] = v;
  }
  return q as TimelineQuery;
}

/** True when the view has any filter (sort and order are not filters). */
export const hasFilters = (f: Filters): boolean => Object.keys(toQuery({ ...f, sort: undefined, order: undefined })).length > 0;
