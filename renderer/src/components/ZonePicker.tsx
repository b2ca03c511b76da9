// The display zone, in the top bar: one setting for every time shown, typed and exported, saved in the case.
import { useState } from 'react';
import { errorText } from '../api.ts';
import { isValidZone } from '../zone.ts';

const COMMON = ['UTC', 'Europe/London', 'Europe/Oslo', 'Europe/Berlin', 'America/New_York', 'America/Chicago', 'America/Los_Angeles', 'Asia/Tokyo', 'Australia/Sydney'];

function allZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  return [...new Set([...COMMON, ...(intl.supportedValuesOf?.('timeZone') ?? [])])];
}

export function ZonePicker({ zone, disabled, onChange }: { zone: string; disabled: boolean; onChange: (zone: string) => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState(zone);
  const [error, setError] = useState<string | null>(null);
  if (!open) {
    return <button type="button" data-testid="zone" disabled={disabled} title="Display time zone for every time shown, typed and exported (kept in the case)" onClick={() => { setValue(zone); setOpen(true); }}>{zone}</button>;
  }
  const save = async () => {
    const z = value.trim();
    if (!isValidZone(z)) { setError(`"${z}" is not an IANA time zone (e.g. Europe/Oslo)`); return; }
    try { await onChange(z); setOpen(false); setError(null); } catch (e) { setError(errorText(e)); }
  };
  return (
    <form className="row zone-picker" onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <input name="displayZone" list="zones" aria-label="Display time zone" value={value} onChange={(e) => setValue(e.target.value)} size={18} autoFocus />
      <datalist id="zones">{allZones().map((z) => <option key={z} value={z} />)}</datalist>
      <button type="submit" className="small">Set zone</button>
      <button type="button" className="small" onClick={() => setOpen(false)}>Cancel</button>
      {error && <span className="error inline" role="alert">{error}</span>}
    </form>
  );
}
