// Modal inputs (no window.prompt): one text value, or a manual event.
import { useEffect, useRef, useState } from 'react';
import type { ManualEventInput } from '../../../shared/api.ts';
import { formatZonedInput, parseZonedTime } from '../zone.ts';

function Modal({ title, children, onClose }: { title: string; children: React.ReactNode; onClose: () => void }) {
  return (
    <div className="modal-backdrop" onKeyDown={(e) => { if (e.key === 'Escape') onClose(); e.stopPropagation(); }}>
      <div className="modal" role="dialog" aria-label={title}><h3>{title}</h3>{children}</div>
    </div>
  );
}

export function TextDialog({ title, initial = '', onSubmit, onClose }: { title: string; initial?: string; onSubmit: (v: string) => void; onClose: () => void }) {
  const [v, setV] = useState(initial);
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <Modal title={title} onClose={onClose}>
      <form onSubmit={(e) => { e.preventDefault(); onSubmit(v); }}>
        <input ref={ref} name="value" value={v} onChange={(e) => setV(e.target.value)} />
        <div className="row"><button type="submit" className="primary">OK</button><button type="button" onClick={onClose}>Cancel</button></div>
      </form>
    </Modal>
  );
}

export function ManualEventDialog({ zone, initialTs, onSubmit, onClose }: { zone: string; initialTs: number | null; onSubmit: (e: ManualEventInput) => void; onClose: () => void }) {
  const [ts, setTs] = useState(initialTs === null ? '' : formatZonedInput(initialTs, zone));
  const [message, setMessage] = useState('');
  const [tags, setTags] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = () => {
    const us = parseZonedTime(ts, zone);
    if (!Number.isFinite(us)) { setError(`Time like 2021-03-03 04:22:11 (${zone}), or ISO-8601 with Z or an offset`); return; }
    if (!message.trim()) { setError('Describe what happened'); return; }
    onSubmit({ ts: us, message, tsDesc: 'Analyst Event', tags: tags.split(',').map((t) => t.trim()).filter(Boolean) });
  };
  return (
    <Modal title="Add an event by hand" onClose={onClose}>
      <form className="form" onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <label>Time ({zone} unless it ends in Z or an offset)<input name="ts" value={ts} onChange={(e) => setTs(e.target.value)} autoFocus /></label>
        <label>Description<input name="message" value={message} onChange={(e) => setMessage(e.target.value)} /></label>
        <label>Tags (comma-separated)<input name="tags" value={tags} onChange={(e) => setTags(e.target.value)} /></label>
        {error && <div className="error" role="alert">{error}</div>}
        <div className="row"><button type="submit" className="primary">Add event</button><button type="button" onClick={onClose}>Cancel</button></div>
      </form>
    </Modal>
  );
}
