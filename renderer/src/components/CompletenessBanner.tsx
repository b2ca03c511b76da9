// The banner every view shows while the case is incomplete: an incomplete case must never look like a clean one.
import { useState } from 'react';
import type { Completeness } from '../../../shared/api.ts';

export function CompletenessBanner({ c }: { c: Completeness }) {
  const [open, setOpen] = useState(false);
  if (c.complete) return null;
  const more = c.reasons.length > 1 || c.unreadable.length > 0;
  return (
    <div className={`incomplete-banner${c.indexing ? ' indexing' : ''}`} role="alert" data-testid="incomplete-banner">
      <strong data-testid="incomplete-headline">{c.headline}</strong>
      <span className="meta"> — findings and verdicts cover only what was indexed and checked. </span>
      <a href="#/case">Case: index again</a>
      {more && <button type="button" className="link" onClick={() => setOpen((o) => !o)}>{open ? ' hide details' : ' details'}</button>}
      {open && (
        <ul className="plain" data-testid="incomplete-reasons">
          {c.reasons.map((r) => <li key={r}>{r}</li>)}
          {c.unreadable.map((u) => <li key={u.file}><code>{u.file}</code>: {u.message}</li>)}
          {c.unreadableTotal > c.unreadable.length && <li className="meta">… and {c.unreadableTotal - c.unreadable.length} more unreadable files (Case → warnings)</li>}
        </ul>
      )}
    </div>
  );
}
