// The analyst's own IOC lists, YARA rule folders and known-good baselines, kept in the case for every index run.
import { useState } from 'react';
import type { DetectionInputs } from '../../../shared/api.ts';
import { api, errorText, shell } from '../api.ts';
import { ErrorLine } from '../components/common.tsx';
import { useLoad } from '../hooks.ts';

const KINDS: Array<{ key: keyof DetectionInputs; label: string; hint: string; folder: boolean }> = [
  { key: 'iocs', label: 'IOC lists', hint: 'CSV/TXT, STIX 2.1 or MISP JSON', folder: false },
  { key: 'rules', label: 'YARA rule folders', hint: 'a folder of .yar files', folder: true },
  { key: 'baselines', label: 'Known-good baselines', hint: 'CSS-Exchange SHA256,build,path CSV', folder: false },
  { key: 'sigma', label: 'Sigma rule folders', hint: 'a folder of Sigma .yml rules', folder: true },
];

export function DetectionInputsCard({ disabled }: { disabled: boolean }) {
  const inputs = useLoad(() => api.getDetectionInputs(), []);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const save = async (next: DetectionInputs) => {
    setError(null);
    try { await api.setDetectionInputs(next); inputs.reload(); setDraft({}); } catch (e) { setError(errorText(e)); }
  };
  const current = inputs.data;
  return (
    <div className="card" data-testid="detection-inputs">
      <h2>Detection inputs</h2>
      <p className="hint">Microsoft's March 2021 IOCs and Loupe's rules are always used. Add your own here; they apply from the next Index run.</p>
      <ErrorLine error={inputs.error} />
      {current && KINDS.map(({ key, label, hint, folder }) => (
        <div key={key}>
          <h3>{label}</h3>
          <ul className="plain">
            {(current[key] ?? []).map((p) => (
              <li key={p}><code>{p}</code>{' '}
                <button type="button" aria-label={`remove ${p}`} disabled={disabled}
                  onClick={() => void save({ ...current, [key]: (current[key] ?? []).filter((x) => x !== p) })}>×</button>
              </li>
            ))}
          </ul>
          <form className="row" onSubmit={(e) => { e.preventDefault(); void save({ ...current, [key]: [...(current[key] ?? []), draft[key] ?? ''] }); }}>
            <input name={`add-${key}`} value={draft[key] ?? ''} placeholder={hint} required disabled={disabled}
              onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
            {shell && <button type="button" disabled={disabled} onClick={async () => {
              const p = folder ? await shell!.pickFolder() : await shell!.pickFile();
              if (p) setDraft({ ...draft, [key]: p });
            }}>Browse…</button>}
            <button type="submit" disabled={disabled}>Add</button>
          </form>
        </div>
      ))}
      <ErrorLine error={error} />
    </div>
  );
}
