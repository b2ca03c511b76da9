// Findings: one verdict card per CVE (Test-ProxyLogon style) whose rows open the evidence, log coverage,
// then every other finding by severity.
import { displayText } from '../../../shared/display.ts';
import type { CveVerdict, LogCoverage } from '../../../shared/api.ts';
import { SEVERITIES } from '../../../shared/types.ts';
import type { FindingRow, Verdict } from '../../../shared/types.ts';
import { api } from '../api.ts';
import { useCase } from '../caseContext.ts';
import { Empty, ErrorLine, NeedCase, RefLink } from '../components/common.tsx';
import { formatTime } from '../format.ts';
import { go, useLoad } from '../hooks.ts';

const VERDICT_LABEL: Record<Verdict, string> = {
  exploited: 'EXPLOITED', attempted: 'Attempted', 'no-evidence': 'No evidence', 'not-covered': 'Logs do not cover the period',
};

const MAX_REFS = 50;

function VerdictCard({ v }: { v: CveVerdict }) {
  return (
    <article className={`card verdict ${v.verdict}`} data-testid={`verdict-${v.cve}`}>
      <header>
        <h2>{v.cve}</h2>
        <span className={`badge ${v.verdict}`} data-testid="verdict">{VERDICT_LABEL[v.verdict]}</span>
      </header>
      <p className="title">{displayText(v.title)}</p>
      <p>{v.summary}</p>
      <p className="meta">{v.hits} hit{v.hits === 1 ? '' : 's'} · check <code>{v.check}</code>{v.covered ? '' : ' · the logs cover only part of Jan–Mar 2021'}</p>
      {v.evidence.length > 0 && (
        <ol className="refs">
          {v.evidence.slice(0, MAX_REFS).map((r, i) => <li key={i}><RefLink evidence={r} /></li>)}
          {v.evidence.length > MAX_REFS && <li className="meta">… and {v.evidence.length - MAX_REFS} more (filter the timeline for them)</li>}
        </ol>
      )}
    </article>
  );
}

function Coverage({ rows }: { rows: LogCoverage[] }) {
  const { zone } = useCase();
  if (rows.length === 0) return <Empty>No log folders were indexed, so no period is covered.</Empty>;
  return (
    <table className="table">
      <thead><tr><th>Log folder</th><th>Kind</th><th>Files</th><th>Oldest</th><th>Newest</th><th>Covers March 2021</th></tr></thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.folder + r.kind} className={r.coversMarch2021 ? '' : 'warn'}>
            <td><code>{r.folder}</code></td><td>{r.kind}</td><td>{r.files}</td>
            <td>{formatTime(r.oldest, zone)}</td><td>{formatTime(r.newest, zone)}</td><td>{r.coversMarch2021 ? 'yes' : 'NO'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function FindingItem({ f }: { f: FindingRow }) {
  const fileLink = f.sha256 ? () => go('files', { q: f.sha256 ?? '' }) : undefined;
  return (
    <li className={`finding sev-${f.severity}`}>
      <span className={`badge sev-${f.severity}`}>{f.severity}</span> <strong>{displayText(f.title)}</strong>
      <div className="meta">
        <code>{f.check}</code>{f.time ? ` · ${f.time}` : ''}{f.path ? ' · ' : ''}{f.path && <code>{displayText(f.path)}</code>}
        {fileLink && <> · <button type="button" className="link" onClick={fileLink}>file</button></>}
      </div>
      {f.evidence.length > 0 && <div className="refs-inline">{f.evidence.slice(0, 10).map((r, i) => <RefLink key={i} evidence={r} />)}</div>}
    </li>
  );
}

export function FindingsView() {
  const { info } = useCase();
  const verdicts = useLoad(() => (info ? api.verdicts() : Promise.resolve([])), [info?.path, info?.counts.findings]);
  const coverage = useLoad(() => (info ? api.logCoverage() : Promise.resolve([])), [info?.path, info?.counts.findings]);
  const findings = useLoad(() => (info ? api.listFindings({}) : Promise.resolve([])), [info?.path, info?.counts.findings]);
  if (!info) return <section className="view"><h1>Findings</h1><NeedCase /></section>;
  return (
    <section className="view findings">
      <h1>Findings</h1>
      <h2>ProxyLogon verdicts</h2>
      <ErrorLine error={verdicts.error} />
      {verdicts.data?.length === 0 && <Empty>No verdicts yet: index the evidence on the Case page first.</Empty>}
      <div className="verdicts">{verdicts.data?.map((v) => <VerdictCard key={v.cve} v={v} />)}</div>
      <h2>Log coverage</h2>
      <ErrorLine error={coverage.error} />
      {coverage.data && <Coverage rows={coverage.data} />}
      <h2>Other findings</h2>
      <ErrorLine error={findings.error} />
      {findings.data?.length === 0 && <Empty>No findings.</Empty>}
      {SEVERITIES.map((s) => {
        const rows = (findings.data ?? []).filter((f) => f.severity === s);
        return rows.length === 0 ? null : (
          <div key={s}><h3>{s} ({rows.length})</h3><ul className="plain">{rows.map((f) => <FindingItem key={f.id} f={f} />)}</ul></div>
        );
      })}
    </section>
  );
}
