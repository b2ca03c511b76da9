// Timeline toolbar pieces: saved views, the column chooser, go-to-time, and "export what you see".
import { useState } from 'react';
import type { SavedView, TimelineQuery } from '../../../shared/api.ts';
import { api, errorText, shell } from '../api.ts';
import { COLUMNS, moveColumn } from '../gridColumns.ts';
import type { ColumnLayout } from '../gridColumns.ts';
import { formatCount } from '../format.ts';
import { parseZonedTime } from '../zone.ts';

export function ViewsMenu({ views, current, onApply, onSave, onDelete }: {
  views: SavedView[]; current: string; onApply: (v: SavedView) => void; onSave: () => void; onDelete: (name: string) => void;
}) {
  return (
    <span className="row views" data-testid="views">
      <select aria-label="Saved views" value={current} onChange={(e) => { const v = views.find((x) => x.name === e.target.value); if (v) onApply(v); }}>
        <option value="">views…</option>
        {views.map((v) => <option key={v.id} value={v.name}>{v.name}</option>)}
      </select>
      <button type="button" className="small" onClick={onSave}>Save view</button>
      {current && <button type="button" className="small" onClick={() => onDelete(current)}>Delete view</button>}
    </span>
  );
}

export function ColumnsMenu({ layout, onChange, onClose }: { layout: ColumnLayout; onChange: (l: ColumnLayout) => void; onClose: () => void }) {
  return (
    <div className="popover columns-menu" role="dialog" aria-label="Columns" data-testid="columns-menu">
      <ul className="plain">
        {layout.order.map((k, i) => {
          const c = COLUMNS.find((x) => x.key === k)!;
          const hidden = layout.hidden.includes(k);
          return (
            <li key={k} className="row">
              <label className="check"><input type="checkbox" name={`col-${k}`} checked={!hidden} disabled={k === 'ts'}
                onChange={() => onChange({ ...layout, hidden: hidden ? layout.hidden.filter((x) => x !== k) : [...layout.hidden, k] })} /> {c.label}</label>
              <button type="button" className="small" aria-label={`move ${c.label} up`} disabled={i === 0} onClick={() => onChange(moveColumn(layout, k, layout.order[i - 1]))}>↑</button>
              <button type="button" className="small" aria-label={`move ${c.label} down`} disabled={i === layout.order.length - 1} onClick={() => onChange(moveColumn(layout, k, layout.order[i + 2] ?? null))}>↓</button>
            </li>
          );
        })}
      </ul>
      <div className="row">
        <button type="button" className="small" onClick={() => onChange({ order: COLUMNS.map((c) => c.key), hidden: ['file'], widths: {} })}>Reset</button>
        <button type="button" className="small" onClick={onClose}>Close</button>
      </div>
    </div>
  );
}

export function GoToTime({ zone, onGo, disabled }: { zone: string; onGo: (us: number) => void; disabled: boolean }) {
  const [v, setV] = useState('');
  const [error, setError] = useState<string | null>(null);
  return (
    <form className="row" onSubmit={(e) => {
      e.preventDefault();
      const us = parseZonedTime(v, zone);
      if (!Number.isFinite(us)) { setError(`e.g. 2021-03-03 08:12 (${zone})`); return; }
      setError(null);
      onGo(us);
    }}>
      <input name="goto" placeholder={`go to time (${zone})`} value={v} onChange={(e) => setV(e.target.value)} size={19} disabled={disabled}
        title={disabled ? 'Go to time needs the time sort' : 'Jump to the first event at or after this time (g)'} />
      {error && <span className="error inline" role="alert">{error}</span>}
    </form>
  );
}

const TIMELINE_FORMATS = [['csv', 'CSV (Timeline Explorer)', 'csv'], ['timesketch', 'Timesketch JSONL', 'jsonl'], ['timesketch-csv', 'Timesketch CSV', 'csv']] as const;

export function ExportDialog({ query, shown, onClose }: { query: TimelineQuery; shown: number | null; onClose: () => void }) {
  const [format, setFormat] = useState<(typeof TIMELINE_FORMATS)[number][0]>('csv');
  const [path, setPath] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ext = TIMELINE_FORMATS.find((f) => f[0] === format)![2];
  const pick = async () => { const p = await shell?.saveFile({ defaultPath: `timeline.${ext}` }); if (p) setPath(p); };
  const run = async () => {
    setError(null); setResult(null); setBusy(true);
    try {
      const r = await api.exportTo({ format, path, query });
      setResult(`Wrote ${formatCount(r.rows ?? 0)} rows (${formatCount(r.bytes)} bytes) to ${r.path}`);
    } catch (e) { setError(errorText(e)); } finally { setBusy(false); }
  };
  return (
    <div className="modal-backdrop" onKeyDown={(e) => { if (e.key === 'Escape') onClose(); e.stopPropagation(); }}>
      <form className="modal form" role="dialog" aria-label="Export the timeline" onSubmit={(e) => { e.preventDefault(); void run(); }}>
        <h3>Export what you see</h3>
        <p className="hint">The {shown === null ? '' : `${formatCount(shown)} `}events matching the current filters and search, in the grid's order.</p>
        <label>Format<select name="format" value={format} onChange={(e) => setFormat(e.target.value as typeof format)}>
          {TIMELINE_FORMATS.map(([id, label]) => <option key={id} value={id}>{label}</option>)}
        </select></label>
        <label>Save to (path on this machine)<input name="exportPath" value={path} onChange={(e) => setPath(e.target.value)} placeholder={`/cases/timeline.${ext}`} required autoFocus /></label>
        {shell && <button type="button" onClick={pick}>Choose…</button>}
        {error && <div className="error" role="alert">{error}</div>}
        {result && <div className="ok" role="status" data-testid="export-result">{result}</div>}
        <div className="row"><button type="submit" className="primary" disabled={busy}>Export</button><button type="button" onClick={onClose}>Close</button></div>
      </form>
    </div>
  );
}
