// Sort indexes in the renderer: the grid's note while the sort index of the sorted column is built (rows stay in time
// order meanwhile), and the Case page's list of the indexes kept in the case, with their size and a Remove button.
import { useEffect, useState } from 'react';
import type { SortIndexInfo } from '../../../shared/api.ts';
import { api, errorText } from '../api.ts';
import { formatBytes } from '../format.ts';
import { useLoad } from '../hooks.ts';

const POLL_MS = 500;

/**
 * "Building sort index for Status… 42%": polls the build while it runs and calls onReady once the index is complete
 * (the caller then reloads the rows, now sorted).
 */
export function SortIndexNote({ building, label, onReady }: { building: { field: string; progress: number }; label: string; onReady: () => void }) {
  const [progress, setProgress] = useState(building.progress);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const tick = async (): Promise<void> => {
      try {
        const mine = (await api.listSortIndexes()).find((x) => x.field === building.field);
        if (!live) return;
        if (mine?.state === 'ready') { onReady(); return; }
        setProgress(mine?.progress ?? 0);
      } catch (e) {
        if (live) setError(errorText(e));
      }
      if (live) timer = setTimeout(() => void tick(), POLL_MS);
    };
    let timer = setTimeout(() => void tick(), POLL_MS);
    return () => { live = false; clearTimeout(timer); };
  }, [building.field]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div className="notice sort-building" role="status" data-testid="sort-index-progress">
      Building sort index for {label}… {Math.floor(progress * 100)}% — rows are shown in time order until it is ready; it is kept in the case, so later sorts by {label} are immediate.
      {error && <span className="error"> {error}</span>}
    </div>
  );
}

/** The Case page's card: every sort index of the case, its size, and Remove. */
export function SortIndexesCard({ version }: { version: number }) {
  const list = useLoad(() => api.listSortIndexes(), [version]);
  const [error, setError] = useState<string | null>(null);
  const remove = async (x: SortIndexInfo): Promise<void> => {
    setError(null);
    try { await api.dropSortIndex({ field: x.field }); list.reload(); } catch (e) { setError(errorText(e)); }
  };
  if (!list.data?.length) return null;
  return (
    <div className="card" data-testid="sort-indexes">
      <h2>Sort indexes</h2>
      <p className="meta">Built by the first sort by a column without an index of its own; kept in the case file.</p>
      <table className="table">
        <thead><tr><th>Column</th><th>State</th><th>Size</th><th /></tr></thead>
        <tbody>
          {list.data.map((x) => (
            <tr key={x.field}>
              <td><code>{x.field}</code></td>
              <td>{x.state === 'building' ? `building ${Math.floor(x.progress * 100)}%` : x.state === 'stale' ? 'out of date (brought up to date by the next sort)' : 'ready'}</td>
              <td>{x.bytes === null ? '—' : formatBytes(x.bytes)}</td>
              <td><button type="button" className="small" onClick={() => void remove(x)}>Remove</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && <div className="error" role="alert">{error}</div>}
    </div>
  );
}
