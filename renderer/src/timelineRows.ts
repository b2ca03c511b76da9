// Rows of the whole result on demand: blocks of BLOCK rows fetched as the grid shows them. The next block after a
// loaded one continues by keyset (ts, id); a jump (scrollbar drag, End, go-to-time) asks by offset, which the
// service answers through its per-minute table; the last block is read backwards, so End is one short query.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventRow, TimelineQuery } from '../../shared/api.ts';
import { api, errorText } from './api.ts';

export const BLOCK = 200;
/** Rows the grid can reach when the service did not count the result (over its 1M cap). */
const UNCOUNTED = 1_000_000;
const IN_FLIGHT = 2;

export interface Rows {
  /** Rows the grid scrolls over. */
  count: number;
  /** Exact total, or null when the service did not count it. */
  total: number | null;
  /** The service's explanation of an empty result (e.g. a field no event has). */
  hints: string[];
  rowAt: (i: number) => EventRow | undefined;
  /** Asks for the rows first…last (inclusive) to be loaded. */
  ensure: (first: number, last: number) => void;
  patchRows: (ids: number[], patch: (r: EventRow) => EventRow) => void;
  error: string | null;
  loading: boolean;
  /** Changes whenever rows arrive (for memoised children). */
  stamp: number;
  /** Set while the sorted column's sort index is built (the rows are in time order meanwhile). */
  sortIndex: { field: string; progress: number } | null;
}

const timeSorted = (q: TimelineQuery): boolean => !q.sort || q.sort.field === 'ts';

export function useTimelineRows(query: TimelineQuery, version: number): Rows {
  const key = JSON.stringify(query);
  const blocks = useRef(new Map<number, EventRow[]>());
  const pending = useRef(new Set<number>());
  /** Blocks whose request failed: not asked again until the query changes (a bad search must not loop). */
  const failed = useRef(new Set<number>());
  const wanted = useRef<[number, number]>([0, 0]);
  const gen = useRef(0);
  const [total, setTotal] = useState<number | null>(null);
  const [hints, setHints] = useState<string[]>([]);
  const [sortIndex, setSortIndex] = useState<Rows['sortIndex']>(null);
  const [counted, setCounted] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [stamp, setStamp] = useState(0);
  const countRef = useRef(0);
  const count = counted ? (total ?? UNCOUNTED) : 0;
  countRef.current = count;

  const fetchBlock = useCallback(async (b: number, g: number) => {
    pending.current.add(b);
    try {
      const prev = blocks.current.get(b - 1);
      const n = countRef.current;
      const isLast = n > 0 && total !== null && (b + 1) * BLOCK >= n && b > 0;
      let rows: EventRow[];
      if (b === 0) {
        const page = await api.queryTimeline({ ...query, limit: BLOCK });
        if (g !== gen.current) return;
        setTotal(page.total);
        setHints(page.hints ?? []);
        setSortIndex(page.sortIndex ?? null);
        setCounted(true);
        rows = page.rows;
      } else if (timeSorted(query) && prev && prev.length === BLOCK) {
        const last = prev[prev.length - 1];
        rows = (await api.queryTimeline({ ...query, after: { ts: last.ts, id: last.id }, limit: BLOCK })).rows;
      } else if (timeSorted(query) && isLast) {
        // The end of the result, read backwards: as fast as the first page whatever the case size.
        const reversed = { ...query, order: query.order === 'desc' ? 'asc' as const : 'desc' as const };
        rows = (await api.queryTimeline({ ...reversed, limit: n - b * BLOCK })).rows.reverse();
      } else {
        rows = (await api.queryTimeline({ ...query, offset: b * BLOCK, limit: BLOCK })).rows;
      }
      if (g !== gen.current) return;
      blocks.current.set(b, rows);
      setError(null);
      setStamp((s) => s + 1);
    } catch (e) {
      if (g === gen.current) { failed.current.add(b); setError(errorText(e)); }
    } finally {
      if (g === gen.current) pending.current.delete(b);
    }
  }, [key, total]); // eslint-disable-line react-hooks/exhaustive-deps

  const pump = useCallback(() => {
    const g = gen.current;
    const [first, last] = wanted.current;
    for (let b = Math.floor(first / BLOCK); b <= Math.floor(last / BLOCK) && pending.current.size < IN_FLIGHT; b++) {
      if (b < 0 || blocks.current.has(b) || pending.current.has(b) || failed.current.has(b)) continue;
      if (countRef.current && b * BLOCK >= countRef.current) break;
      void fetchBlock(b, g).then(() => { if (g === gen.current) pump(); });
    }
  }, [fetchBlock]);

  useEffect(() => {
    const g = ++gen.current;
    blocks.current = new Map();
    pending.current = new Set();
    failed.current = new Set();
    setCounted(false);
    setTotal(null);
    setHints([]);
    setSortIndex(null);
    setError(null);
    void fetchBlock(0, g).then(() => { if (g === gen.current) pump(); });
  }, [key, version]); // eslint-disable-line react-hooks/exhaustive-deps

  const ensure = useCallback((first: number, last: number) => {
    wanted.current = [Math.max(0, first), Math.max(0, last)];
    pump();
  }, [pump]);

  const rowAt = useCallback((i: number) => blocks.current.get(Math.floor(i / BLOCK))?.[i % BLOCK], [stamp]); // eslint-disable-line react-hooks/exhaustive-deps

  const patchRows = useCallback((ids: number[], patch: (r: EventRow) => EventRow) => {
    const want = new Set(ids);
    for (const [b, rows] of blocks.current) if (rows.some((r) => want.has(r.id))) blocks.current.set(b, rows.map((r) => (want.has(r.id) ? patch(r) : r)));
    setStamp((s) => s + 1);
  }, []);

  return { count, total, hints, rowAt, ensure, patchRows, error, loading: (!counted && !error) || pending.current.size > 0, stamp, sortIndex };
}
