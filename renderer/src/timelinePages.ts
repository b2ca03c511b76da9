// Keyset paging over queryTimeline: the first page on every filter change, then `after` the last row.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventRow, TimelineQuery } from '../../shared/api.ts';
import { api, errorText } from './api.ts';
import type { Filters } from './components/FilterBar.tsx';

export const PAGE_SIZE = 500;

export interface Pages {
  rows: EventRow[];
  total: number | null;
  hasMore: boolean;
  error: string | null;
  loading: boolean;
  loadMore: () => void;
  patchRow: (id: number, patch: Partial<EventRow>) => void;
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

export function useTimelinePages(filters: Filters, start: TimelineQuery['after'] | undefined, version: number): Pages {
  const [rows, setRows] = useState<EventRow[]>([]);
  const [total, setTotal] = useState<number | null>(null);
  const [next, setNext] = useState<TimelineQuery['after'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const gen = useRef(0);
  const busy = useRef(false);

  const fetchPage = useCallback(async (after: TimelineQuery['after'] | undefined, append: boolean, g: number) => {
    busy.current = true;
    setLoading(true);
    try {
      const page = await api.queryTimeline({ ...toQuery(filters), order: 'asc', limit: PAGE_SIZE, ...(after ? { after } : {}) });
      if (g !== gen.current) return;
      setRows((old) => (append ? [...old, ...page.rows] : page.rows));
      if (!append) setTotal(page.total);
      setNext(page.next);
      setError(null);
    } catch (e) {
      if (g === gen.current) setError(errorText(e));
    } finally {
      if (g === gen.current) { busy.current = false; setLoading(false); }
    }
  }, [filters]);

  useEffect(() => {
    const g = ++gen.current;
    setRows([]);
    setNext(null);
    void fetchPage(start, false, g);
  }, [fetchPage, start?.ts, start?.id, version]); // eslint-disable-line

  const loadMore = useCallback(() => {
    if (busy.current || !next) return;
    void fetchPage(next, true, gen.current);
  }, [next, fetchPage]);

  const patchRow = useCallback((id: number, patch: Partial<EventRow>) => {
    setRows((old) => old.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  }, []);

  return { rows, total, hasMore: !!next, error, loading, loadMore, patchRow };
}
