// Timeline filters: full-text search, source/host/IP/status/tag, starred, time range, and the active pivots as chips.
import { forwardRef, useEffect, useState } from 'react';
import { isoToMicros, SOURCE_IDS } from '../../../shared/types.ts';
import type { SourceId } from '../../../shared/types.ts';
import type { RecoveredFilter } from '../../../shared/api.ts';
import { formatTime } from '../format.ts';

import type { Filters } from '../timelineTypes.ts';
export type { Filters };

interface Chip { label: string; remove: (f: Filters) => Filters }

const without = <T,>(list: T[] | undefined, x: T): T[] | undefined => {
  const out = (list ?? []).filter((y) => y !== x);
  return out.length ? out : undefined;
};

function chipsOf(f: Filters, zone: string): Chip[] {
  const chips: Chip[] = [];
  for (const s of f.sources ?? []) chips.push({ label: `source = ${s}`, remove: (q) => ({ ...q, sources: without(q.sources, s) }) });
  for (const h of f.hosts ?? []) chips.push({ label: `host = ${h}`, remove: (q) => ({ ...q, hosts: without(q.hosts, h) }) });
  for (const ip of f.ips ?? []) chips.push({ label: `ip = ${ip}`, remove: (q) => ({ ...q, ips: without(q.ips, ip) }) });
  for (const s of f.statuses ?? []) chips.push({ label: `status = ${s}`, remove: (q) => ({ ...q, statuses: without(q.statuses, s) }) });
  for (const t of f.tags ?? []) chips.push({ label: `tag = ${t}`, remove: (q) => ({ ...q, tags: without(q.tags, t) }) });
  for (const p of f.fieldEquals ?? []) chips.push({ label: `${p.field} = ${p.value}`, remove: (q) => ({ ...q, fieldEquals: without(q.fieldEquals, p) }) });
  for (const p of f.fieldNotEquals ?? []) chips.push({ label: `${p.field} ≠ ${p.value}`, remove: (q) => ({ ...q, fieldNotEquals: without(q.fieldNotEquals, p) }) });
  if (f.fileId !== undefined) chips.push({ label: `file #${f.fileId}`, remove: (q) => ({ ...q, fileId: undefined }) });
  if (f.starredOnly) chips.push({ label: 'starred only', remove: (q) => ({ ...q, starredOnly: undefined }) });
  if (f.recovered && f.recovered !== 'include') {
    chips.push({ label: f.recovered === 'exclude' ? 'recovered records hidden' : 'recovered records only', remove: (q) => ({ ...q, recovered: undefined }) });
  }
  if (f.from !== undefined || f.to !== undefined) {
    chips.push({ label: `${formatTime(f.from, zone) || '…'} → ${formatTime(f.to, zone) || '…'}`, remove: (q) => ({ ...q, from: undefined, to: undefined }) });
  }
  return chips;
}

export interface FilterBarProps {
  filters: Filters;
  onChange: (f: Filters) => void;
  hosts: string[];
  tags: string[];
  zone: string;
}

export const FilterBar = forwardRef<HTMLInputElement, FilterBarProps>(function FilterBar({ filters, onChange, hosts, tags, zone }, searchRef) {
  const [text, setText] = useState(filters.text ?? '');
  const [ip, setIp] = useState('');
  const [status, setStatus] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [rangeError, setRangeError] = useState<string | null>(null);
  useEffect(() => setText(filters.text ?? ''), [filters.text]);
  const add = <K extends 'sources' | 'hosts' | 'ips' | 'tags'>(k: K, v: string) => {
    const cur = (filters[k] ?? []) as string[];
    if (v && !cur.includes(v)) onChange({ ...filters, [k]: [...cur, v] });
  };
  const applyRange = () => {
    const f = from.trim() ? isoToMicros(from) : undefined;
    const t = to.trim() ? isoToMicros(to) : undefined;
    if ((f !== undefined && Number.isNaN(f)) || (t !== undefined && Number.isNaN(t))) { setRangeError('Use ISO-8601 times, e.g. 2021-03-03T00:00:00Z'); return; }
    setRangeError(null);
    onChange({ ...filters, from: f, to: t });
  };
  return (
    <div className="filterbar">
      <form className="row" onSubmit={(e) => { e.preventDefault(); onChange({ ...filters, text: text.trim() || undefined }); }}>
        <input ref={searchRef} name="search" className="search" type="search" placeholder="Search (Ctrl+F): words AND-ed, &quot;quoted phrases&quot;" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Search</button>
        <select aria-label="Source" value="" onChange={(e) => add('sources', e.target.value as SourceId)}>
          <option value="">source…</option>{SOURCE_IDS.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <select aria-label="Host" value="" onChange={(e) => add('hosts', e.target.value)}>
          <option value="">host…</option>{hosts.map((h) => <option key={h} value={h}>{h}</option>)}
        </select>
        <select aria-label="Tag" value="" onChange={(e) => add('tags', e.target.value)}>
          <option value="">tag…</option>{tags.map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
        <label className="check"><input type="checkbox" checked={!!filters.starredOnly} onChange={(e) => onChange({ ...filters, starredOnly: e.target.checked || undefined })} /> starred</label>
        <select aria-label="Recovered records" title="EVTX records recovered from slack or damaged chunks" value={filters.recovered ?? 'include'}
          onChange={(e) => onChange({ ...filters, recovered: e.target.value === 'include' ? undefined : e.target.value as RecoveredFilter })}>
          <option value="include">recovered: shown</option><option value="exclude">recovered: hidden</option><option value="only">recovered only</option>
        </select>
      </form>
      <div className="row">
        <form onSubmit={(e) => { e.preventDefault(); add('ips', ip.trim()); setIp(''); }}><input name="ip" placeholder="IP" value={ip} onChange={(e) => setIp(e.target.value)} size={16} /></form>
        <form onSubmit={(e) => {
          e.preventDefault();
          const n = Number(status);
          if (Number.isInteger(n) && !(filters.statuses ?? []).includes(n)) onChange({ ...filters, statuses: [...(filters.statuses ?? []), n] });
          setStatus('');
        }}><input name="status" placeholder="status" value={status} onChange={(e) => setStatus(e.target.value)} size={6} /></form>
        <form className="row" onSubmit={(e) => { e.preventDefault(); applyRange(); }}>
          <input name="from" placeholder="from (ISO, UTC)" value={from} onChange={(e) => setFrom(e.target.value)} size={22} />
          <input name="to" placeholder="to" value={to} onChange={(e) => setTo(e.target.value)} size={22} />
          <button type="submit">Range</button>
        </form>
        {rangeError && <span className="error inline" role="alert">{rangeError}</span>}
      </div>
      <div className="chips" data-testid="filter-chips">
        {chipsOf(filters, zone).map((c) => (
          <span key={c.label} className="chip">{c.label}<button type="button" className="small" aria-label={`remove filter ${c.label}`} onClick={() => onChange(c.remove(filters))}>×</button></span>
        ))}
        {chipsOf(filters, zone).length > 0 && <button type="button" className="small" onClick={() => onChange({})}>clear all</button>}
      </div>
    </div>
  );
});
