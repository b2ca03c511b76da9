// Timeline: filters + histogram + virtualised grid + detail pane; keyboard first (Ctrl+F, j/k, s, t, n, p, m).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { MouseEvent } from 'react';
import type { EventDetail, EventRow, ManualEventInput, TimelineQuery } from '../../../shared/api.ts';
import type { SourceId } from '../../../shared/types.ts';
import { api, errorText } from '../api.ts';
import { useCase } from '../caseContext.ts';
import { NeedCase } from '../components/common.tsx';
import { ManualEventDialog, TextDialog } from '../components/Dialogs.tsx';
import { EventDetailPane } from '../components/EventDetailPane.tsx';
import { FilterBar } from '../components/FilterBar.tsx';
import type { Filters } from '../components/FilterBar.tsx';
import { Histogram } from '../components/Histogram.tsx';
import { PivotMenu } from '../components/PivotMenu.tsx';
import type { PivotChoice } from '../components/PivotMenu.tsx';
import { TimelineGrid } from '../components/TimelineGrid.tsx';
import type { PivotTarget } from '../components/TimelineGrid.tsx';
import { formatCount, formatTime } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { toQuery, useTimelinePages } from '../timelinePages.ts';
import { applyPivot, rowTargets } from '../pivot.ts';
import { findEventByRef } from '../timelineActions.ts';

type Dialog = null | { kind: 'tag' | 'note' | 'manual' } | { kind: 'pivot'; x: number; y: number; targets: PivotTarget[] };

function filtersFromParams(p: URLSearchParams): Filters {
  const f: Filters = {};
  if (p.get('ip')) f.ips = [p.get('ip')!];
  if (p.get('q')) f.text = p.get('q')!;
  if (p.get('tag')) f.tags = [p.get('tag')!];
  if (p.get('source')) f.sources = [p.get('source') as SourceId];
  if (p.get('fileId')) f.fileId = Number(p.get('fileId'));
  return f;
}

/**
 * Plain navigation to the timeline opens on the incident, not on the evidence copy: the log period (or, without logs,
 * the findings' period), leaving out the copy's own file times. The range is an ordinary filter chip the analyst can
 * remove. Returns the line that says so, or null.
 */
function useDefaultRange(params: URLSearchParams, casePath: string | null, filters: Filters, setFilters: (f: Filters) => void): string | null {
  const { zone } = useCase();
  const range = useLoad(() => (casePath ? api.timelineRange() : Promise.resolve(null)), [casePath]);
  const [applied, setApplied] = useState<{ from: number; to: number } | null>(null);
  const d = range.data?.default;
  useEffect(() => {
    if (!d || d.basis === 'all' || params.toString() !== '' || filters.from !== undefined || filters.to !== undefined) return;
    setFilters({ ...filters, from: d.from, to: d.to });
    setApplied({ from: d.from, to: d.to });
  }, [d?.from, d?.to, casePath]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!applied || !d || filters.from !== applied.from || filters.to !== applied.to) return null;
  const copies = range.data?.copyEvents ?? 0;
  return `Opened on the ${d.basis === 'logs' ? 'log period' : 'findings\' period'} (${formatTime(d.from, zone).slice(0, 10)} → ${formatTime(d.to, zone).slice(0, 10)})` +
    `${copies ? `; ${formatCount(copies)} evidence-copy times ("File Created (copy)") lie outside it` : ''}. Remove the time chip to see everything.`;
}

const isTyping = (t: EventTarget | null): boolean =>
  t instanceof HTMLElement && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);

export function TimelineView({ params }: { params: URLSearchParams }) {
  const { info, zone } = useCase();
  const paramKey = params.toString();
  const [filters, setFilters] = useState<Filters>(() => filtersFromParams(params));
  const [start, setStart] = useState<TimelineQuery['after']>(undefined);
  const [focusId, setFocusId] = useState<number | null>(null);
  const [version, setVersion] = useState(0);
  const [selected, setSelected] = useState(-1);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const pages = useTimelinePages(filters, start, version);
  const row: EventRow | undefined = pages.rows[selected];
  const detail = useLoad<EventDetail | null>(() => (row ? api.getEvent({ id: row.id }) : Promise.resolve(null)), [row?.id, row?.starred, row?.tags.join(), row?.note]);
  const hist = useLoad(() => (info ? api.histogram({ ...toQuery(filters), buckets: 120 }) : Promise.resolve(null)), [filters, version, info?.path]);
  const hosts = useLoad(() => (info ? api.listHosts() : Promise.resolve([])), [info?.path]);
  const tags = useLoad(() => (info ? api.listTags() : Promise.resolve([])), [info?.path, version]);
  const range = useDefaultRange(params, info?.path ?? null, filters, setFilters);

  // A link (event id, or file + line/record) opens the timeline positioned at that event.
  useEffect(() => {
    setFilters(filtersFromParams(params));
    const id = Number(params.get('event') ?? NaN);
    const file = params.get('file');
    const locate = Number.isInteger(id) ? api.getEvent({ id }) : file ? findEventByRef(file, params.get('line'), params.get('record')) : null;
    if (!locate) { setStart(undefined); setFocusId(null); return; }
    locate.then((ev) => {
      if (!ev) { setActionError(`The event behind this link was not found in the timeline${file ? ` (${file})` : ''}.`); return; }
      setStart({ ts: ev.ts, id: ev.id - 1 });
      setFocusId(ev.id);
    }, (e: unknown) => setActionError(errorText(e)));
  }, [paramKey]); // eslint-disable-line

  useEffect(() => {
    if (focusId === null) { setSelected(pages.rows.length > 0 ? 0 : -1); return; }
    const i = pages.rows.findIndex((r) => r.id === focusId);
    if (i >= 0) setSelected(i);
  }, [pages.rows.length > 0 ? pages.rows[0].id : -1, focusId]); // eslint-disable-line

  const changeFilters = useCallback((f: Filters) => { setFilters(f); setStart(undefined); setFocusId(null); }, []);

  const act = useCallback(async (fn: () => Promise<unknown>, patch?: Partial<EventRow>) => {
    setActionError(null);
    try {
      await fn();
      if (row && patch) pages.patchRow(row.id, patch);
    } catch (e) { setActionError(errorText(e)); }
  }, [row, pages]);

  const toggleStar = () => row && act(() => api.setStar({ eventId: row.id, starred: !row.starred }), { starred: !row.starred });
  const addTag = (tag: string) => row && tag.trim() && act(() => api.addTag({ eventId: row.id, tag: tag.trim() }), { tags: [...row.tags.filter((t) => t !== tag.trim()), tag.trim()] });
  const removeTag = (tag: string) => row && act(() => api.removeTag({ eventId: row.id, tag }), { tags: row.tags.filter((t) => t !== tag) });
  const setNote = (note: string) => row && act(() => api.setNote({ eventId: row.id, note }), { note: note || null });
  const addManual = async (ev: ManualEventInput) => {
    setDialog(null);
    setActionError(null);
    try {
      const { id } = await api.addManualEvent(ev);
      // Show the new event in context: filters that would hide it are cleared.
      setFilters({});
      setStart({ ts: ev.ts, id: id - 1 });
      setFocusId(id);
      setVersion((v) => v + 1);
    } catch (e) { setActionError(errorText(e)); }
  };
  const choosePivot = (c: PivotChoice) => { setDialog(null); changeFilters(applyPivot(filters, c)); };
  const openPivot = (e: MouseEvent, index: number, target: PivotTarget | null) => {
    e.preventDefault();
    const r = pages.rows[index];
    if (r) setDialog({ kind: 'pivot', x: e.clientX, y: e.clientY, targets: target ? [target] : rowTargets(r, null) });
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f') { e.preventDefault(); searchRef.current?.focus(); return; }
      if (dialog || isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      const move = (d: number) => { e.preventDefault(); setSelected((s) => Math.max(0, Math.min(pages.rows.length - 1, s + d))); };
      switch (e.key) {
        case 'j': case 'ArrowDown': move(1); break;
        case 'k': case 'ArrowUp': move(-1); break;
        case 'PageDown': move(20); break;
        case 'PageUp': move(-20); break;
        case 's': if (row) { e.preventDefault(); void toggleStar(); } break;
        case 't': if (row) { e.preventDefault(); setDialog({ kind: 'tag' }); } break;
        case 'n': if (row) { e.preventDefault(); setDialog({ kind: 'note' }); } break;
        case 'm': e.preventDefault(); setDialog({ kind: 'manual' }); break;
        case 'p': if (row) {
          e.preventDefault();
          // Opens under the selected row, where the analyst is looking.
          const box = document.querySelector(`[data-event-id="${row.id}"]`)?.getBoundingClientRect();
          setDialog({ kind: 'pivot', x: box ? box.left + 240 : 300, y: box ? box.bottom : 200, targets: rowTargets(row, detail.data) });
        } break;
        default: break;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const hostNames = useMemo(() => (hosts.data ?? []).map((h) => h.host), [hosts.data]);
  const tagNames = useMemo(() => (tags.data ?? []).map((t) => t.tag), [tags.data]);
  if (!info) return <section className="view"><h1>Timeline</h1><NeedCase /></section>;

  return (
    <section className="view timeline">
      <FilterBar ref={searchRef} filters={filters} onChange={changeFilters} hosts={hostNames} tags={tagNames} zone={zone} />
      <Histogram data={hist.data} zone={zone} onZoom={(from, to) => changeFilters({ ...filters, from, to })} />
      <div className="row status-line">
        <span data-testid="timeline-count">{pages.total !== null ? `${formatCount(pages.total)} event${pages.total === 1 ? '' : 's'}` : `${formatCount(pages.rows.length)}+ events`}</span>
        {start && <button type="button" className="small" onClick={() => { setStart(undefined); setFocusId(null); }}>from the start</button>}
        <button type="button" className="small" onClick={() => setDialog({ kind: 'manual' })}>Add event (m)</button>
        {row && <button type="button" className="small" onClick={() => void toggleStar()}>{row.starred ? 'Unstar' : 'Star'} (s)</button>}
        {row && <button type="button" className="small" onClick={() => setDialog({ kind: 'tag' })}>Tag (t)</button>}
        {row && <button type="button" className="small" onClick={() => setDialog({ kind: 'note' })}>Note (n)</button>}
        {pages.loading && <span className="meta">loading…</span>}
        {range && <span className="default-range" data-testid="default-range">{range}</span>}
      </div>
      {(pages.error || hist.error || actionError) && <div className="error" role="alert">{actionError ?? pages.error ?? hist.error}</div>}
      <div className="timeline-body">
        {pages.rows.length === 0 && !pages.loading && !pages.error
          ? <p className="empty">No events match. {Object.keys(toQuery(filters)).length ? 'Remove a filter above.' : 'Index evidence on the Case page, or add an event by hand (m).'}</p>
          : <TimelineGrid rows={pages.rows} hasMore={pages.hasMore} loadMore={pages.loadMore} selected={selected} onSelect={setSelected} onContext={openPivot} zone={zone} />}
        <EventDetailPane ev={detail.data} error={detail.error} zone={zone} onRemoveTag={(t) => void removeTag(t)}
          onPivot={(e, target) => setDialog({ kind: 'pivot', x: e.clientX, y: e.clientY, targets: [target] })} />
      </div>
      {dialog?.kind === 'tag' && <TextDialog title="Add a tag" onClose={() => setDialog(null)} onSubmit={(v) => { setDialog(null); void addTag(v); }} />}
      {dialog?.kind === 'note' && <TextDialog title="Note" initial={row?.note ?? ''} onClose={() => setDialog(null)} onSubmit={(v) => { setDialog(null); void setNote(v); }} />}
      {dialog?.kind === 'manual' && <ManualEventDialog initialTs={row ? new Date(Math.floor(row.ts / 1000)).toISOString() : ''} onClose={() => setDialog(null)} onSubmit={(ev) => void addManual(ev)} />}
      {dialog?.kind === 'pivot' && <PivotMenu x={dialog.x} y={dialog.y} targets={dialog.targets} onChoose={choosePivot} onClose={() => setDialog(null)} />}
    </section>
  );
}
