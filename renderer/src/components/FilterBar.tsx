// Timeline filters: search (with its syntax help), source/host/IP/status/tag, starred, time range in the display
// zone, column filters on any field, and every active filter as a removable chip.
import { forwardRef, useEffect, useState } from 'react';
import type { ColumnFilter } from '../../../shared/api.ts';
import { SOURCE_IDS } from '../../../shared/types.ts';
import type { SourceId } from '../../../shared/types.ts';
import type { RecoveredFilter } from '../../../shared/api.ts';
import { formatTime } from '../format.ts';
import { parseZonedTime } from '../zone.ts';
import { SearchHelp } from './SearchHelp.tsx';

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
  const OP: Record<ColumnFilter['op'], string> = { contains: 'contains', equals: '=', not: 'does not contain', regex: '~' };
  for (const c of f.columns ?? []) chips.push({ label: `${c.field} ${OP[c.op]} ${c.value}`, remove: (q) => ({ ...q, columns: without(q.columns, c) }) });
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
  const [help, setHelp] = useState(false);
  const [cf, setCf] = useState<ColumnFilter>({ field: 'message', op: 'contains', value: '' });
  useEffect(() => setText(filters.text ?? ''), [filters.text]);
  const add = <K extends 'sources' | 'hosts' | 'ips' | 'tags'>(k: K, v: string) => {
    const cur = (filters[k] ?? []) as string[];
    if (v && !cur.includes(v)) onChange({ ...filters, [k]: [...cur, v] });
  };
  const applyRange = () => {
    const f = from.trim() ? parseZonedTime(from, zone) : undefined;
    const t = to.trim() ? parseZonedTime(to, zone) : undefined;
    if ((f !== undefined && Number.isNaN(f)) || (t !== undefined && Number.isNaN(t))) { setRangeError(`Use times like 2021-03-03 08:12 (read in ${zone}) or 2021-03-03T07:12:00Z`); return; }
    setRangeError(null);
    onChange({ ...filters, from: f, to: t });
  };
  return (
    <div className="filterbar">
      <form className="row" onSubmit={(e) => { e.preventDefault(); onChange({ ...filters, text: text.trim() || undefined }); }}>
        <input ref={searchRef} name="search" className="search" type="search" placeholder="Search (Ctrl+F): words, &quot;phrases&quot;, prefix*, field:value, NOT, OR — ? for help" value={text} onChange={(e) => setText(e.target.value)} />
        <button type="submit">Search</button>
        <button type="button" className="help-btn" aria-label="Search help" aria-expanded={help} onClick={() => setHelp((h) => !h)}>?</button>
        {help && <SearchHelp onClose={() => setHelp(false)} />}
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
          <input name="from" placeholder={`from (${zone})`} value={from} onChange={(e) => setFrom(e.target.value)} size={20} />
          <input name="to" placeholder={`to (${zone})`} value={to} onChange={(e) => setTo(e.target.value)} size={20} />
          <button type="submit">Range</button>
        </form>
        <form className="row" data-testid="column-filter" onSubmit={(e) => {
          e.preventDefault();
          if (!cf.field.trim() || !cf.value) return;
          onChange({ ...filters, columns: [...(filters.columns ?? []), { ...cf, field: cf.field.trim() }] });
          setCf({ ...cf, value: '' });
        }}>
          <input name="cf-field" list="cf-fields" aria-label="Filter field" value={cf.field} onChange={(e) => setCf({ ...cf, field: e.target.value })} size={12} />
          <datalist id="cf-fields">{['message', 'ip', 'url', 'method', 'status', 'host', 'source', 'tsDesc', 'userAgent', 'tags', 'note', 'file', 'EventID', 'Channel', 'data.CommandLine', 'cs-uri-query', 'UrlQuery'].map((f) => <option key={f} value={f} />)}</datalist>
          <select name="cf-op" aria-label="Filter operator" value={cf.op} onChange={(e) => setCf({ ...cf, op: e.target.value as ColumnFilter['op'] })}>
            <option value="contains">contains</option><option value="equals">equals</option><option value="not">does not contain</option><option value="regex">regex</option>
          </select>
          <input name="cf-value" aria-label="Filter value" placeholder="value" value={cf.value} onChange={(e) => setCf({ ...cf, value: e.target.value })} size={14} />
          <button type="submit">Filter</button>
        </form>
        {rangeError && <span className="error inline" role="alert">{rangeError}</span>}
      </div>
      <div className="chips" data-testid="filter-chips">
        {chipsOf(filters, zone).map((c) => (
          <span key={c.label} className="chip">{c.label}<button type="button" className="small" aria-label={`remove filter ${c.label}`} onClick={() => onChange(c.remove(filters))}>×</button></span>
        ))}
        {chipsOf(filters, zone).length > 0 && <button type="button" className="small" onClick={() => onChange({ sort: filters.sort, order: filters.order })}>clear all</button>}
      </div>
    </div>
  );
});
