// Pivot menu ("only this value" / "exclude this value"), opened by right-click or the p key; arrows + Enter work.
import { useEffect, useRef, useState } from 'react';
import type { PivotChoice, PivotTarget } from '../timelineTypes.ts';
export type { PivotChoice };

export function PivotMenu({ x, y, targets, onChoose, onClose }: { x: number; y: number; targets: PivotTarget[]; onChoose: (c: PivotChoice) => void; onClose: () => void }) {
  const choices: PivotChoice[] = targets.flatMap((t) => [{ target: t, exclude: false }, { target: t, exclude: true }]);
  const [active, setActive] = useState(0);
  const ref = useRef<HTMLUListElement>(null);
  useEffect(() => ref.current?.focus(), []);
  // Listens on window (capture) so keys work from the moment the menu shows, wherever focus is.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      e.stopPropagation();
      if (e.key === 'ArrowDown' || e.key === 'j') { e.preventDefault(); setActive((a) => Math.min(choices.length - 1, a + 1)); }
      else if (e.key === 'ArrowUp' || e.key === 'k') { e.preventDefault(); setActive((a) => Math.max(0, a - 1)); }
      else if (e.key === 'Enter') { e.preventDefault(); if (choices[active]) onChoose(choices[active]); }
      else if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  });
  if (choices.length === 0) return null;
  return (
    <>
      <div className="menu-backdrop" onClick={onClose} onContextMenu={(e) => { e.preventDefault(); onClose(); }} />
      <ul className="menu" role="menu" tabIndex={-1} ref={ref} style={{ left: x, top: y }} data-testid="pivot-menu">
        {choices.map((c, i) => (
          <li key={i} role="menuitem" className={i === active ? 'active' : ''} onMouseMove={() => setActive(i)} onClick={() => onChoose(c)}>
            {c.exclude ? 'Exclude' : 'Only'} {c.target.field} = <code>{c.target.value.length > 80 ? c.target.value.slice(0, 80) + '…' : c.target.value}</code>
          </li>
        ))}
      </ul>
    </>
  );
}
