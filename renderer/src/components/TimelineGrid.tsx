// The timeline grid: @tanstack/react-virtual over keyset-paged rows; asks for the next page near the end.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { MouseEvent } from 'react';
import type { EventRow } from '../../../shared/api.ts';
import { formatTime } from '../format.ts';

export const ROW_HEIGHT = 24;

import type { PivotTarget } from '../timelineTypes.ts';
export type { PivotTarget };

export interface GridProps {
  rows: EventRow[];
  hasMore: boolean;
  loadMore: () => void;
  selected: number;
  onSelect: (index: number) => void;
  onContext: (e: MouseEvent, index: number, target: PivotTarget | null) => void;
  zone: string;
}

const CELLS: Array<{ key: string; label: string; cls: string; value: (r: EventRow, zone: string) => string; pivot?: string }> = [
  { key: 'star', label: '★', cls: 'c-star', value: (r) => (r.starred ? '★' : '') },
  { key: 'ts', label: 'Time', cls: 'c-ts', value: (r, z) => formatTime(r.ts, z) },
  { key: 'source', label: 'Source', cls: 'c-src', value: (r) => r.source, pivot: 'source' },
  { key: 'host', label: 'Host', cls: 'c-host', value: (r) => r.host ?? '', pivot: 'host' },
  { key: 'ip', label: 'IP', cls: 'c-ip', value: (r) => r.ip ?? '', pivot: 'ip' },
  { key: 'status', label: 'Status', cls: 'c-status', value: (r) => (r.status === null ? '' : String(r.status)), pivot: 'status' },
  { key: 'desc', label: 'What', cls: 'c-desc', value: (r) => r.tsDesc },
  { key: 'message', label: 'Message', cls: 'c-msg', value: (r) => r.message },
  { key: 'tags', label: 'Tags', cls: 'c-tags', value: (r) => r.tags.join(', ') + (r.note ? ' ✎' : '') },
];

export function TimelineGrid({ rows, hasMore, loadMore, selected, onSelect, onContext, zone }: GridProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const v = useVirtualizer({
    count: rows.length + (hasMore ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });
  const items = v.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => { if (hasMore && last && last.index >= rows.length - 50) loadMore(); }, [last?.index, rows.length, hasMore]); // eslint-disable-line
  useEffect(() => { if (selected >= 0) v.scrollToIndex(selected, { align: 'auto' }); }, [selected]); // eslint-disable-line

  return (
    <div className="grid" role="grid" aria-rowcount={rows.length}>
      <div className="grid-head" role="row">{CELLS.map((c) => <div key={c.key} className={`cell ${c.cls}`} role="columnheader">{c.label}</div>)}</div>
      <div className="grid-body" ref={scrollRef} data-testid="timeline-grid">
        <div className="grid-sizer" style={{ height: v.getTotalSize() }}>
          {items.map((it) => {
            const r = rows[it.index];
            if (!r) return <div key="more" className="grid-row loading" style={{ transform: `translateY(${it.start}px)` }}>loading…</div>;
            return (
              <div key={r.id} role="row" data-event-id={r.id} aria-selected={it.index === selected}
                className={`grid-row${it.index === selected ? ' selected' : ''}${r.starred ? ' starred' : ''}${r.manual ? ' manual' : ''}${r.recovered ? ' recovered' : ''}`}
                style={{ transform: `translateY(${it.start}px)` }}
                onClick={() => onSelect(it.index)}
                onContextMenu={(e) => onContext(e, it.index, null)}>
                {CELLS.map((c) => {
                  const text = c.value(r, zone);
                  return (
                    <div key={c.key} className={`cell ${c.cls}`} role="gridcell" title={text}
                      onContextMenu={c.pivot && text ? (e) => { e.stopPropagation(); onSelect(it.index); onContext(e, it.index, { field: c.pivot!, value: text }); } : undefined}>
                      {c.key === 'message' && r.recovered && (
                        <span className="badge recovered" data-testid="recovered-badge" title={`EVTX record recovered from ${r.recovered === 'slack' ? 'slack space' : 'a damaged chunk'}: not on the log's live record chain`}>recovered</span>
                      )}
                      {text}
                    </div>
                  );
                })}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
