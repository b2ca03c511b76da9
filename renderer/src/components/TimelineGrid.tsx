// The timeline grid: a virtual list over the WHOLE result (its scrollbar spans every row, even 10M: past a few
// million pixels the scroll position is scaled to the row index), with resizable, reorderable, sortable columns.
import { displayText } from '../../../shared/display.ts';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { MouseEvent, ReactNode } from 'react';
import type { EventRow, TimelineSort } from '../../../shared/api.ts';
import type { GridColumn } from '../gridColumns.ts';
import { headerTitle, MIN_WIDTH } from '../gridColumns.ts';
import type { PivotTarget } from '../timelineTypes.ts';

export type { PivotTarget };
export const ROW_HEIGHT = 24;
/** Browsers cap an element's height (~16M px in Chromium); stay well below and scale beyond. */
const MAX_SCROLL_PX = 4_000_000;

const CELL_CLASS: Record<string, string> = {
  star: 'c-star', ts: 'c-ts', source: 'c-src', host: 'c-host', ip: 'c-ip', status: 'c-status', desc: 'c-desc',
  message: 'c-msg', tags: 'c-tags', file: 'c-file',
};

export interface GridProps {
  count: number;
  rowAt: (i: number) => EventRow | undefined;
  ensure: (first: number, last: number) => void;
  stamp: number;
  columns: Array<GridColumn & { width: number }>;
  sort: TimelineSort;
  zone: string;
  cursor: number;
  picked: ReadonlySet<number>;
  /** Bumped with an index to scroll that row into view. */
  reveal: { index: number; seq: number } | null;
  tagColors: Record<string, string>;
  onRowClick: (index: number, e: MouseEvent) => void;
  onContext: (e: MouseEvent, index: number, target: PivotTarget | null) => void;
  onSort: (field: string) => void;
  onResize: (key: string, width: number, done: boolean) => void;
  onMove: (key: string, before: string | null) => void;
  onFinding: (id: number) => void;
}

/** Scroll offset ↔ first visible row, scaled when the result is taller than the browser allows. */
function geometry(count: number, viewport: number) {
  const natural = count * ROW_HEIGHT;
  const height = Math.min(natural, MAX_SCROLL_PX);
  const maxTop = Math.max(0, count - viewport / ROW_HEIGHT);
  const maxScroll = Math.max(1, height - viewport);
  const scaled = natural > MAX_SCROLL_PX;
  return {
    height,
    scaled,
    topOf: (scrollTop: number): number => (scaled ? (Math.min(scrollTop, maxScroll) / maxScroll) * maxTop : scrollTop / ROW_HEIGHT),
    scrollOf: (top: number): number => (scaled ? (Math.min(top, maxTop) / (maxTop || 1)) * maxScroll : top * ROW_HEIGHT),
  };
}

function TagChips({ tags, colors, note }: { tags: string[]; colors: Record<string, string>; note: boolean }) {
  return (
    <>
      {tags.map((t) => <span key={t} className={`tag${colors[t] ? ' colored' : ''}`} style={colors[t] ? { background: colors[t] } : undefined}>{displayText(t)}</span>)}
      {note && <span className="note-mark" title="has a note"> ✎</span>}
    </>
  );
}

/** An EVTX record recovered from slack or a damaged chunk: not on the log's live record chain. */
function RecoveredBadge({ how }: { how: 'slack' | 'damaged chunk' }) {
  return <span className="badge recovered" data-testid="recovered-badge" title={`EVTX record recovered from ${how === 'slack' ? 'slack space' : 'a damaged chunk'}: not on the log's live record chain`}>recovered</span>;
}

function HeaderCell({ c, sort, onSort, onResize, onMove }: { c: GridColumn & { width: number } } & Pick<GridProps, 'sort' | 'onSort' | 'onResize' | 'onMove'>) {
  const sorted = c.field !== undefined && (sort.field === c.field || (c.field === 'ts' && sort.field === 'ts'));
  const startResize = (e: MouseEvent) => {
    e.preventDefault();
    e.stopPropagation();
    const x0 = e.clientX;
    const w0 = c.width;
    const move = (ev: globalThis.MouseEvent) => onResize(c.key, Math.max(MIN_WIDTH, w0 + ev.clientX - x0), false);
    const up = (ev: globalThis.MouseEvent) => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      onResize(c.key, Math.max(MIN_WIDTH, w0 + ev.clientX - x0), true);
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  };
  return (
    <div className={`cell head ${CELL_CLASS[c.key] ?? ''}${sorted ? ' sorted' : ''}`} role="columnheader" data-col={c.key} style={{ width: c.width }}
      aria-sort={sorted ? (sort.dir === 'desc' ? 'descending' : 'ascending') : 'none'} draggable
      title={headerTitle(c)}
      onClick={() => c.field && onSort(c.field)}
      onDragStart={(e) => { e.dataTransfer.setData('text/x-loupe-column', c.key); e.dataTransfer.effectAllowed = 'move'; }}
      onDragOver={(e) => { if (e.dataTransfer.types.includes('text/x-loupe-column')) e.preventDefault(); }}
      onDrop={(e) => { const k = e.dataTransfer.getData('text/x-loupe-column'); if (k && k !== c.key) onMove(k, c.key); }}>
      <span className="label">{c.label}{sorted ? (sort.dir === 'desc' ? ' ▼' : ' ▲') : ''}</span>
      <span className="resize" data-testid={`resize-${c.key}`} onMouseDown={startResize} onClick={(e) => e.stopPropagation()} />
    </div>
  );
}

export function TimelineGrid(p: GridProps) {
  const bodyRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState(400);
  const [scrollTop, setScrollTop] = useState(0);
  const geo = geometry(p.count, viewport);
  const top = geo.topOf(scrollTop);
  const first = Math.max(0, Math.floor(top));
  const visible = Math.ceil(viewport / ROW_HEIGHT) + 1;
  const last = Math.min(p.count - 1, first + visible);
  const width = p.columns.reduce((n, c) => n + c.width, 0);

  useLayoutEffect(() => {
    const el = bodyRef.current;
    if (!el) return undefined;
    const ro = new ResizeObserver(() => setViewport(el.clientHeight));
    ro.observe(el);
    setViewport(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  useEffect(() => { p.ensure(first - visible, last + visible); }, [first, last, p.count, p.ensure]); // eslint-disable-line react-hooks/exhaustive-deps

  // A scaled list moves by rows per wheel notch, not by (huge) pixels.
  useEffect(() => {
    const el = bodyRef.current;
    if (!el || !geo.scaled) return undefined;
    const onWheel = (e: WheelEvent) => {
      if (Math.abs(e.deltaY) < Math.abs(e.deltaX)) return;
      e.preventDefault();
      const rows = e.deltaMode === 1 ? e.deltaY : e.deltaY / ROW_HEIGHT;
      el.scrollTop = geo.scrollOf(Math.max(0, geo.topOf(el.scrollTop) + rows));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [geo.scaled, p.count, viewport]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const el = bodyRef.current;
    if (!el || !p.reveal) return;
    const i = Math.max(0, Math.min(p.count - 1, p.reveal.index));
    const cur = geo.topOf(el.scrollTop);
    const rows = viewport / ROW_HEIGHT;
    if (i < cur) el.scrollTop = geo.scrollOf(i);
    else if (i + 1 > cur + rows) el.scrollTop = geo.scrollOf(i + 1 - rows);
    setScrollTop(el.scrollTop);
  }, [p.reveal?.seq]); // eslint-disable-line react-hooks/exhaustive-deps

  const rows: ReactNode[] = [];
  for (let i = first; i <= last; i++) {
    const r = p.rowAt(i);
    const y = (i - top) * ROW_HEIGHT;
    if (!r) { rows.push(<div key={`l${i}`} className="grid-row loading" style={{ transform: `translateY(${y}px)`, width }} aria-rowindex={i + 1}>loading…</div>); continue; }
    rows.push(
      <div key={r.id} role="row" data-event-id={r.id} aria-rowindex={i + 1} aria-selected={i === p.cursor}
        className={`grid-row${i === p.cursor ? ' selected' : ''}${p.picked.has(r.id) ? ' picked' : ''}${r.starred ? ' starred' : ''}${r.manual ? ' manual' : ''}${r.findings ? ' cited' : ''}${r.recovered ? ' recovered' : ''}`}
        style={{ transform: `translateY(${y}px)`, width }}
        onClick={(e) => p.onRowClick(i, e)} onContextMenu={(e) => p.onContext(e, i, null)}>
        {p.columns.map((c) => {
          const text = c.value(r, p.zone);
          return (
            <div key={c.key} className={`cell ${CELL_CLASS[c.key] ?? ''}`} role="gridcell" title={displayText(text)} style={{ width: c.width }}
              onContextMenu={c.pivot && text ? (e) => { e.stopPropagation(); p.onContext(e, i, { field: c.pivot!, value: text }); } : undefined}>
              {c.key === 'message' && r.recovered && <RecoveredBadge how={r.recovered} />}
              {c.key === 'tags' ? <TagChips tags={r.tags} colors={p.tagColors} note={!!r.note} /> : displayText(text)}
              {c.key === 'star' && r.findings?.map((id) => (
                <button key={id} type="button" className="finding-badge" data-testid="finding-badge" title={`Cited by finding #${id}: open it`}
                  onClick={(e) => { e.stopPropagation(); p.onFinding(id); }}>⚑</button>
              ))}
            </div>
          );
        })}
      </div>,
    );
  }

  return (
    <div className="grid" role="grid" aria-rowcount={p.count} data-testid="timeline-gridbox">
      <div className="grid-head" role="row" ref={headRef}>
        <div className="grid-head-inner" style={{ width: width + 20 }}>
          {p.columns.map((c) => <HeaderCell key={c.key} c={c} sort={p.sort} onSort={p.onSort} onResize={p.onResize} onMove={p.onMove} />)}
        </div>
      </div>
      <div className="grid-body" ref={bodyRef} data-testid="timeline-grid" tabIndex={-1}
        onScroll={(e) => { setScrollTop(e.currentTarget.scrollTop); if (headRef.current) headRef.current.scrollLeft = e.currentTarget.scrollLeft; }}>
        <div className="grid-sizer" style={{ height: geo.height, width }}>
          <div className="grid-window" style={{ transform: `translateY(${scrollTop}px)` }}>{rows}</div>
        </div>
      </div>
    </div>
  );
}
