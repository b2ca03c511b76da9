// Small React hooks: async loading with its error kept next to where it happened, and the hash route.
import { useCallback, useEffect, useState } from 'react';
import { errorText } from './api.ts';

export interface Loaded<T> { data: T | null; error: string | null; loading: boolean; reload: () => void }

/** Runs `load` when deps change; keeps the error message instead of throwing. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load().then(
      (d) => { if (live) { setData(d); setError(null); setLoading(false); } },
      (e: unknown) => { if (live) { setError(errorText(e)); setLoading(false); } },
    );
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

export interface Route { view: string; params: URLSearchParams }

function parseHash(): Route {
  const h = window.location.hash.replace(/^#\/?/, '');
  const [view, query] = h.split('?');
  return { view: view || 'case', params: new URLSearchParams(query ?? '') };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(parseHash);
  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function go(view: string, params: Record<string, string | number | undefined> = {}): void {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  window.location.hash = `#/${view}${s ? '?' + s : ''}`;
}
