// Timeline: the whole state in the URL (filters, search, sort), histogram of the filtered result, a grid over the
// whole result, detail pane; keyboard first (Ctrl+F, j/k, Home/End, g, s, t, n, p, m).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { MouseEvent } from 'react';
import type { BulkMark, EventDetail, EventRow, ManualEventInput, SavedView, TimelineSort } from '../../../shared/api.ts';
import { api, errorText } from '../api.ts';
import { useCase } from '../caseContext.ts';
import { NeedCase } from '../components/common.tsx';
import { ManualEventDialog, TextDialog } from '../components/Dialogs.tsx';
import { EventDetailPane } from '../components/EventDetailPane.tsx';
import { FilterBar } from '../components/FilterBar.tsx';
import { Histogram } from '../components/Histogram.tsx';
import { PivotMenu } from '../components/PivotMenu.tsx';
import type { PivotChoice } from '../components/PivotMenu.tsx';
import { SortIndexNote } from '../components/SortIndexes.tsx';
import { TimelineGrid } from '../components/TimelineGrid.tsx';
import type { PivotTarget } from '../components/TimelineGrid.tsx';
import { ColumnsMenu, ExportDialog, GoToTime, ViewsMenu } from '../components/TimelineTools.tsx';
import { formatCount, formatTime } from '../format.ts';
import { COLUMNS, DEFAULT_LAYOUT, moveColumn, parseLayout, SETTING_KEY, visibleColumns } from '../gridColumns.ts';
import type { ColumnLayout } from '../gridColumns.ts';
import { go, useLoad } from '../hooks.ts';
import { applyPivot, rowTargets } from '../pivot.ts';
import { findEventByRef } from '../timelineActions.ts';
import { useTimelineRows } from '../timelineRows.ts';
import type { Filters } from '../timelineTypes.ts';
import { filtersFromParams, hasFilters, paramsFromFilters, toQuery } from '../timelineUrl.ts';

type Dialog = null | { kind: 'tag' | 'note' | 'manual' | 'export' | 'columns' | 'save-view' | 'tag-all' }
  | { kind: 'pivot'; x: number; y: number; targets: PivotTarget[] };

export const LAST_TIMELINE_KEY = 'loupe.timeline.hash';

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

/** Opens the timeline with these filters (a new history entry, so Back returns to the previous view). */
export function navigateTimeline(f: Filters, extra: Record<string, string> = {}): void {
  const p = paramsFromFilters(f);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  const s = p.toString();
  window.location.hash = `#/timeline${s ? '?' + s : ''}`;
}

function useColumnLayout(casePath: string | undefined): [ColumnLayout, (l: ColumnLayout, persist: boolean) => void] {
  const [layout, setLayout] = useState<ColumnLayout>(DEFAULT_LAYOUT);
  useEffect(() => {
    if (!casePath) return;
    api.getUiSettings().then((s) => setLayout(parseLayout(s[SETTING_KEY])), () => setLayout(DEFAULT_LAYOUT));
  }, [casePath]);
  const update = useCallback((l: ColumnLayout, persist: boolean) => {
    setLayout(l);
    if (persist) void api.setUiSetting({ key: SETTING_KEY, value: JSON.stringify(l) });
  }, []);
  return [layout, update];
}

export function TimelineView({ params }: { params: URLSearchParams }) {
  const { info, zone } = useCase();
  const paramKey = params.toString();
  const filters = useMemo(() => filtersFromParams(params), [paramKey]); // eslint-disable-line react-hooks/exhaustive-deps
  const query = useMemo(() => toQuery(filters), [filters]);
  const sort: TimelineSort = filters.sort ?? { field: 'ts', dir: filters.order ?? 'asc' };
  const timeOrder = !filters.sort;
  const [version, setVersion] = useState(0);
  const rows = useTimelineRows(query, version);
  const [cursor, setCursor] = useState(0);
  const [reveal, setReveal] = useState<{ index: number; seq: number } | null>(null);
  const [picked, setPicked] = useState<Set<number>>(() => new Set());
  const anchor = useRef(0);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ text: string; eventId?: number } | null>(null);
  const [viewName, setViewName] = useState('');
  const searchRef = useRef<HTMLInputElement>(null);
  const [layout, setLayout] = useColumnLayout(info?.path);
  const columns = useMemo(() => visibleColumns(layout), [layout]);
  const row: EventRow | undefined = rows.rowAt(cursor);
  const detail = useLoad<EventDetail | null>(() => (row ? api.getEvent({ id: row.id }) : Promise.resolve(null)), [row?.id, row?.starred, row?.tags.join(), row?.note]);
  const histQuery = useMemo(() => ({ ...query, sort: undefined, order: undefined }), [query]);
  const hist = useLoad(() => (info ? api.histogram({ ...histQuery, buckets: 120 }) : Promise.resolve(null)), [JSON.stringify(histQuery), version, info?.path]);
  const hosts = useLoad(() => (info ? api.listHosts() : Promise.resolve([])), [info?.path]);
  const tags = useLoad(() => (info ? api.listTags() : Promise.resolve([])), [info?.path, version]);
  const views = useLoad(() => (info ? api.listViews() : Promise.resolve([])), [info?.path]);
  const tagColors = useMemo(() => Object.fromEntries((tags.data ?? []).filter((t) => t.color).map((t) => [t.tag, t.color!])), [tags.data]);

  const moveTo = useCallback((i: number) => {
    setCursor(i);
    setReveal({ index: i, seq: Date.now() + Math.random() });
  }, []);

  const setFilters = useCallback((f: Filters) => { setNotice(null); setViewName(''); navigateTimeline(f); }, []);

  // Remember this view for the Timeline tab, so leaving and coming back keeps the filters.
  useEffect(() => { sessionStorage.setItem(LAST_TIMELINE_KEY, window.location.hash); }, [paramKey]);

  /** Moves the cursor to an event: its position in the current (time-sorted) result. */
  const locate = useCallback(async (ev: { ts: number; id: number } | null, missing: string) => {
    if (!ev) { setActionError(missing); return; }
    if (!timeOrder) { moveTo(0); return; }
    const { index } = await api.timelineIndex({ ...query, at: { ts: ev.ts, id: ev.id } });
    moveTo(index);
  }, [query, timeOrder, moveTo]);
  const range = useDefaultRange(params, info?.path ?? null, filters, setFilters);

  // A link (event id, or file + line/record) opens the timeline positioned at that event.
  useEffect(() => {
    setPicked(new Set());
    const id = Number(params.get('event') ?? NaN);
    const file = params.get('file');
    const found = Number.isInteger(id) ? api.getEvent({ id }) : file ? findEventByRef(file, params.get('line'), params.get('record')) : null;
    if (!found) { moveTo(0); return; }
    found.then((ev) => locate(ev, `The event behind this link was not found in the timeline${file ? ` (${file})` : ''}.`))
      .catch((e: unknown) => setActionError(errorText(e)));
  }, [paramKey]); // eslint-disable-line react-hooks/exhaustive-deps

  const goToTime = async (us: number) => {
    setActionError(null);
    try {
      const { index } = await api.timelineIndex({ ...query, at: { ts: us, id: filters.order === 'desc' ? Number.MAX_SAFE_INTEGER : 0 } });
      moveTo(Math.min(index, Math.max(0, rows.count - 1)));
    } catch (e) { setActionError(errorText(e)); }
  };

  const act = async (fn: () => Promise<unknown>, after?: () => void) => {
    setActionError(null);
    try { await fn(); after?.(); } catch (e) { setActionError(errorText(e)); }
  };
  const patch = (ids: number[], f: (r: EventRow) => EventRow) => rows.patchRows(ids, f);
  const targets = (): number[] => (picked.size > 1 ? [...picked] : row ? [row.id] : []);

  const toggleStar = () => {
    const ids = targets();
    if (!ids.length || !row) return;
    const starred = !row.starred;
    void act(() => (ids.length > 1 ? api.bulkMark({ ids, starred }) : api.setStar({ eventId: ids[0], starred })), () => patch(ids, (r) => ({ ...r, starred })));
  };
  const addTag = (tag: string) => {
    const t = tag.trim();
    const ids = targets();
    if (!t || !ids.length) return;
    void act(() => (ids.length > 1 ? api.bulkMark({ ids, tag: t }) : api.addTag({ eventId: ids[0], tag: t })), () => {
      patch(ids, (r) => ({ ...r, tags: [...r.tags.filter((x) => x !== t), t].sort() }));
      tags.reload();
    });
  };
  const removeTag = (tag: string) => row && void act(() => api.removeTag({ eventId: row.id, tag }), () => patch([row.id], (r) => ({ ...r, tags: r.tags.filter((x) => x !== tag) })));
  const setNote = (note: string) => row && void act(() => api.setNote({ eventId: row.id, note }), () => patch([row.id], (r) => ({ ...r, note: note.trim() ? note : null })));
  const tagAll = (tag: string) => {
    const m: BulkMark = { query, tag: tag.trim() };
    void act(async () => {
      const { count } = await api.bulkMark(m);
      setNotice({ text: `Tagged ${formatCount(count)} events "${tag.trim()}".` });
    }, () => setVersion((v) => v + 1));
  };
  const setTagColor = (tag: string, color: string) => void act(() => api.setTagColor({ tag, color }), () => tags.reload());

  const addManual = async (ev: ManualEventInput) => {
    setDialog(null);
    await act(async () => {
      const { id } = await api.addManualEvent(ev);
      setVersion((v) => v + 1);
      // Filters stay; the new event is shown in place, or the analyst is told the filters hide it.
      const shown = await api.queryTimeline({ ...query, limit: 1, offset: 0, ...(timeOrder ? { after: { ts: ev.ts, id: id - 1 } } : {}) });
      if (timeOrder && shown.rows[0]?.id === id) await locate({ ts: ev.ts, id }, '');
      else setNotice({ text: 'The new event is hidden by the current filters.', eventId: id });
    });
  };

  const onRowClick = (i: number, e: MouseEvent) => {
    const r = rows.rowAt(i);
    setCursor(i);
    if (!r) return;
    if (e.shiftKey) {
      const next = new Set<number>();
      for (let k = Math.min(anchor.current, i); k <= Math.max(anchor.current, i); k++) { const x = rows.rowAt(k); if (x) next.add(x.id); }
      setPicked(next);
    } else if (e.ctrlKey || e.metaKey) {
      const next = new Set(picked);
      if (next.has(r.id)) next.delete(r.id); else next.add(r.id);
      setPicked(next);
      anchor.current = i;
    } else {
      if (picked.size) setPicked(new Set());
      anchor.current = i;
    }
  };

  const onSort = (field: string) => {
    if (field === 'ts') setFilters({ ...filters, sort: undefined, order: timeOrder && filters.order !== 'desc' ? 'desc' : undefined });
    else setFilters({ ...filters, order: undefined, sort: filters.sort?.field === field && filters.sort.dir === 'asc' ? { field, dir: 'desc' } : { field, dir: 'asc' } });
  };

  const choosePivot = (c: PivotChoice) => { setDialog(null); setFilters(applyPivot(filters, c)); };
  const openPivot = (e: MouseEvent, index: number, target: PivotTarget | null) => {
    e.preventDefault();
    const r = rows.rowAt(index);
    if (r) { setCursor(index); setDialog({ kind: 'pivot', x: e.clientX, y: e.clientY, targets: target ? [target] : rowTargets(r, null) }); }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'f') { e.preventDefault(); searchRef.current?.focus(); return; }
      if (dialog || isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      const last = Math.max(0, rows.count - 1);
      const move = (d: number) => { e.preventDefault(); moveTo(Math.max(0, Math.min(last, cursor + d))); };
      switch (e.key) {
        case 'j': case 'ArrowDown': move(1); break;
        case 'k': case 'ArrowUp': move(-1); break;
        case 'PageDown': move(20); break;
        case 'PageUp': move(-20); break;
        case 'Home': e.preventDefault(); moveTo(0); break;
        case 'End': e.preventDefault(); moveTo(last); break;
        case 'g': e.preventDefault(); document.querySelector<HTMLInputElement>('input[name=goto]')?.focus(); break;
        case 'Escape': setPicked(new Set()); break;
        case 's': if (row) { e.preventDefault(); toggleStar(); } break;
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
  const tagNames = useMemo(() => (tags.data ?? []).filter((t) => t.count > 0).map((t) => t.tag), [tags.data]);
  if (!info) return <section className="view"><h1>Timeline</h1><NeedCase /></section>;

  const applyView = (v: SavedView) => { setFilters(v.query as Filters); setViewName(v.name); };
  const saveView = (name: string) => void act(async () => { await api.saveView({ name: name.trim(), query }); setViewName(name.trim()); }, () => views.reload());
  const deleteView = (name: string) => void act(() => api.deleteView({ name }), () => { setViewName(''); views.reload(); });
  const countText = rows.total !== null ? `${formatCount(rows.total)} event${rows.total === 1 ? '' : 's'}` : rows.count ? `more than ${formatCount(rows.count)} events` : '';

  return (
    <section className="view timeline">
      <FilterBar ref={searchRef} filters={filters} onChange={setFilters} hosts={hostNames} tags={tagNames} zone={zone} />
      <Histogram data={hist.data} zone={zone} onZoom={(from, to) => setFilters({ ...filters, from, to })} />
      <div className="row status-line">
        <span data-testid="timeline-count">{countText}</span>
        {rows.count > 0 && <span className="meta" data-testid="timeline-position">row {formatCount(cursor + 1)} of {formatCount(rows.count)}</span>}
        <label className="check"><input type="checkbox" name="newest-first" checked={filters.order === 'desc' && timeOrder} disabled={!timeOrder}
          onChange={(e) => setFilters({ ...filters, order: e.target.checked ? 'desc' : undefined })} /> newest first</label>
        <GoToTime zone={zone} onGo={(us) => void goToTime(us)} disabled={!timeOrder} />
        <button type="button" className="small" onClick={() => moveTo(0)} title="Home">first</button>
        <button type="button" className="small" onClick={() => moveTo(Math.max(0, rows.count - 1))} title="End">last</button>
        <ViewsMenu views={views.data ?? []} current={viewName} onApply={applyView} onSave={() => setDialog({ kind: 'save-view' })} onDelete={deleteView} />
        <button type="button" className="small" onClick={() => setDialog({ kind: 'columns' })}>Columns</button>
        <button type="button" className="small" onClick={() => setDialog({ kind: 'export' })}>Export…</button>
        <button type="button" className="small" onClick={() => setDialog({ kind: 'tag-all' })} disabled={!rows.count}>Tag all results…</button>
        <button type="button" className="small" onClick={() => setDialog({ kind: 'manual' })}>Add event (m)</button>
        {row && <button type="button" className="small" onClick={toggleStar}>{row.starred ? 'Unstar' : 'Star'} (s)</button>}
        {row && <button type="button" className="small" onClick={() => setDialog({ kind: 'tag' })}>Tag (t)</button>}
        {row && <button type="button" className="small" onClick={() => setDialog({ kind: 'note' })}>Note (n)</button>}
        {picked.size > 0 && <span className="picked-count" data-testid="picked-count">{formatCount(picked.size)} selected <button type="button" className="small" onClick={() => setPicked(new Set())}>clear</button></span>}
        {rows.loading && <span className="meta">loading…</span>}
        {range && <span className="default-range" data-testid="default-range">{range}</span>}
      </div>
      {(rows.error || hist.error || actionError) && <div className="error" role="alert">{actionError ?? rows.error ?? hist.error}</div>}
      {notice && (
        <div className="notice" role="status">{notice.text}
          {notice.eventId !== undefined && <button type="button" className="small" onClick={() => { setNotice(null); navigateTimeline({}, { event: String(notice.eventId) }); }}>Show it (clear the filters)</button>}
          <button type="button" className="small" onClick={() => setNotice(null)}>×</button>
        </div>
      )}
      {rows.sortIndex && <SortIndexNote building={rows.sortIndex} label={COLUMNS.find((c) => c.field === sort.field)?.label ?? sort.field}
        onReady={() => setVersion((v) => v + 1)} />}
      <div className="timeline-body">
        {rows.count === 0 && !rows.loading && !rows.error
          ? <p className="empty" data-testid="timeline-empty">No events match{rows.hints.length ? `: ${rows.hints.join('; ')}` : ''}. {hasFilters(filters) ? 'Remove a filter above.' : 'Index evidence on the Case page, or add an event by hand (m).'}</p>
          : <TimelineGrid count={rows.count} rowAt={rows.rowAt} ensure={rows.ensure} stamp={rows.stamp} columns={columns} sort={sort} zone={zone}
              cursor={cursor} picked={picked} reveal={reveal} tagColors={tagColors} onRowClick={onRowClick} onContext={openPivot} onSort={onSort}
              onResize={(key, width, done) => setLayout({ ...layout, widths: { ...layout.widths, [key]: width } }, done)}
              onMove={(key, before) => setLayout(moveColumn(layout, key, before), true)}
              onFinding={(id) => go('findings', { finding: id })} />}
        <EventDetailPane ev={detail.data} error={detail.error} zone={zone} tagColors={tagColors} onRemoveTag={removeTag} onTagColor={setTagColor}
          onPivot={(e, target) => setDialog({ kind: 'pivot', x: e.clientX, y: e.clientY, targets: [target] })} />
      </div>
      {dialog?.kind === 'tag' && <TextDialog title={picked.size > 1 ? `Tag ${picked.size} selected events` : 'Add a tag'} onClose={() => setDialog(null)} onSubmit={(v) => { setDialog(null); addTag(v); }} />}
      {dialog?.kind === 'tag-all' && <TextDialog title={`Tag all ${countText} matching the filters`} onClose={() => setDialog(null)} onSubmit={(v) => { setDialog(null); if (v.trim()) tagAll(v); }} />}
      {dialog?.kind === 'note' && <TextDialog title="Note" initial={row?.note ?? ''} onClose={() => setDialog(null)} onSubmit={(v) => { setDialog(null); setNote(v); }} />}
      {dialog?.kind === 'save-view' && <TextDialog title="Save this view as" initial={viewName} onClose={() => setDialog(null)} onSubmit={(v) => { setDialog(null); if (v.trim()) saveView(v); }} />}
      {dialog?.kind === 'manual' && <ManualEventDialog zone={zone} initialTs={row?.ts ?? null} onClose={() => setDialog(null)} onSubmit={(ev) => void addManual(ev)} />}
      {dialog?.kind === 'pivot' && <PivotMenu x={dialog.x} y={dialog.y} targets={dialog.targets} onChoose={choosePivot} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'export' && <ExportDialog query={query} shown={rows.total} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'columns' && <ColumnsMenu layout={layout} onChange={(l) => setLayout(l, true)} onClose={() => setDialog(null)} />}
    </section>
  );
}
