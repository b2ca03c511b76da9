// Detail pane: every field of the selected event, its raw line/record and evidence ref; right-click a field to pivot.
import { displayText, showReordering } from '../../../shared/display.ts';
import type { MouseEvent } from 'react';
import type { EventDetail } from '../../../shared/api.ts';
import { formatTime } from '../format.ts';
import { go } from '../hooks.ts';
import { refText } from './common.tsx';
import type { PivotTarget } from './TimelineGrid.tsx';

export interface DetailProps {
  ev: EventDetail | null;
  error: string | null;
  zone: string;
  onPivot: (e: MouseEvent, target: PivotTarget) => void;
  onRemoveTag: (tag: string) => void;
  tagColors: Record<string, string>;
  onTagColor: (tag: string, color: string) => void;
}

export function EventDetailPane({ ev, error, zone, onPivot, onRemoveTag, tagColors, onTagColor }: DetailProps) {
  if (error) return <aside className="detail-pane"><div className="error" role="alert">{error}</div></aside>;
  if (!ev) return <aside className="detail-pane"><p className="empty">Select an event (j/k or arrows) to see every field. s star · t tag · n note · p pivot · m add event.</p></aside>;
  const top: Array<[string, string]> = [
    ['time', formatTime(ev.ts, zone)], ['source', ev.source], ['host', ev.host ?? ''], ['ip', ev.ip ?? ''],
    ['status', ev.status === null ? '' : String(ev.status)],
  ];
  const fields = Object.entries(ev.fields).filter(([, v]) => v !== null && v !== '');
  const pivotable = (field: string, value: string) => (e: MouseEvent) => { e.preventDefault(); onPivot(e, { field, value }); };
  return (
    <aside className="detail-pane" data-testid="event-detail">
      <h3>{ev.tsDesc}{ev.starred ? ' ★' : ''}{ev.manual ? ' (manual)' : ''}</h3>
      <p className="message">{displayText(ev.message)}</p>
      <table className="fields">
        <tbody>
          {top.map(([k, v]) => <tr key={k} onContextMenu={k !== 'time' && v ? pivotable(k, v) : undefined}><th>{k}</th><td>{displayText(v)}</td></tr>)}
          {fields.map(([k, v]) => <tr key={'f.' + k} onContextMenu={pivotable(k, String(v))}><th>{displayText(k)}</th><td>{displayText(v)}</td></tr>)}
        </tbody>
      </table>
      <p><strong>Evidence:</strong> <code data-testid="event-ref">{refText(ev.ref)}</code></p>
      {ev.findings && ev.findings.length > 0 && (
        <p className="cited" data-testid="event-findings"><strong>Cited by:</strong> {ev.findings.map((id) => (
          <button key={id} type="button" className="link" onClick={() => go('findings', { finding: id })}>finding #{id}</button>
        ))}</p>
      )}
      {ev.tags.length > 0 && <p className="tags">{ev.tags.map((t) => (
        <span key={t} className="badge tag">
          <input type="color" aria-label={`colour of tag ${t}`} value={tagColors[t] ?? '#808080'} onChange={(e) => onTagColor(t, e.target.value)} />
          {displayText(t)} <button type="button" className="small" aria-label={`remove tag ${t}`} onClick={() => onRemoveTag(t)}>×</button>
        </span>
      ))}</p>}
      {ev.note && <p className="note"><strong>Note:</strong> {ev.note}</p>}
      {ev.raw !== null && <><h4>Raw</h4><pre className="raw" data-testid="event-raw">{showReordering(ev.raw)}</pre></>}
    </aside>
  );
}
