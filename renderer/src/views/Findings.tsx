// Findings: one verdict card per CVE (Test-ProxyLogon style), grouped by exploitation wave, whose rows open the evidence, the intrusions (each with
// its answer to "was mail accessed or taken?", its story a page of its own), log coverage, then every other finding
// by severity with its confidence and reason; scanners apart.
import { useEffect, useState } from 'react';
import { displayText } from '../../../shared/display.ts';
import type { CveVerdict, Intrusion, LogCoverage } from '../../../shared/api.ts';
import { CONFIDENCE_LABELS, CONFIDENCES, isoToMicros, SEVERITIES } from '../../../shared/types.ts';
import type { Confidence, FindingRow, Verdict } from '../../../shared/types.ts';
import { api } from '../api.ts';
import { useCase } from '../caseContext.ts';
import { ConfidenceBadge, MailBadge, STAGE_LABEL } from '../components/Badges.tsx';
import { Empty, ErrorLine, NeedCase, RefLink } from '../components/common.tsx';
import { formatTime, waveState } from '../format.ts';
import { go, useLoad } from '../hooks.ts';

const VERDICT_LABEL: Record<Verdict, string> = {
  exploited: 'EXPLOITED', attempted: 'Attempted', 'no-evidence': 'No evidence', 'not-covered': 'Logs do not cover the period',
  'not-assessed': 'Not assessed (case incomplete)',
};

const MAX_REFS = 50;

function VerdictCard({ v }: { v: CveVerdict }) {
  return (
    <article className={`card verdict ${v.verdict}`} data-testid={`verdict-${v.cve}`} data-check={v.check}>
      <header>
        <h2>{v.cve}</h2>
        <span className={`badge ${v.verdict}`} data-testid="verdict">{VERDICT_LABEL[v.verdict]}</span>
        {v.hits > 0 && <ConfidenceBadge c={v.confidence} />}
      </header>
      <p className="title">{displayText(v.title)}</p>
      <p>{v.summary}</p>
      <p className="meta">{v.hits} hit{v.hits === 1 ? '' : 's'} · check <code>{v.check}</code>{v.covered ? '' : ` · the logs cover only part of ${v.window.label}`}
        {v.excluded > 0 ? ` · ${v.excluded} scanner request${v.excluded === 1 ? '' : 's'} not counted` : ''}</p>
      {v.evidence.length > 0 && (
        <ol className="refs">
          {v.evidence.slice(0, MAX_REFS).map((r, i) => <li key={i}><RefLink evidence={r} /></li>)}
          {v.evidence.length > MAX_REFS && <li className="meta">… and {v.evidence.length - MAX_REFS} more (filter the timeline for them)</li>}
        </ol>
      )}
    </article>
  );
}

/** The verdicts of one wave, in the order the registry lists them (the order the waves came). */
function byWave(list: CveVerdict[]): Array<[string, CveVerdict[]]> {
  const out = new Map<string, CveVerdict[]>();
  for (const v of list) out.set(v.wave, [...(out.get(v.wave) ?? []), v]);
  return [...out];
}

function WaveGroup({ wave, list }: { wave: string; list: CveVerdict[] }) {
  const { zone } = useCase();
  const hit = list.filter((v) => v.verdict === 'exploited' || v.verdict === 'attempted');
  const first = hit.map((v) => v.firstSeen ?? null).filter((t): t is number => t !== null);
  const badge = waveState(list.map((v) => v.verdict));
  return (
    <section className="wave" data-testid={`wave-${wave.split(' ')[0]}`}>
      <h3>{wave} <span className={`badge ${badge.cls}`}>{badge.text}</span></h3>
      {first.length > 0 && <p className="meta">first seen {formatTime(Math.min(...first), zone)}</p>}
      <div className="verdicts">{list.map((v) => <VerdictCard key={v.check} v={v} />)}</div>
    </section>
  );
}

function IntrusionCard({ i }: { i: Intrusion }) {
  const { zone } = useCase();
  return (
    <article className="card intrusion" data-testid={`intrusion-${i.id}`}>
      <h2>Intrusion {i.id} <ConfidenceBadge c={i.confidence} /></h2>
      <p><code>{i.ips.join(', ') || 'no client IP'}</code> · {formatTime(i.firstSeen, zone)} → {formatTime(i.lastSeen, zone)}</p>
      <p className="meta">{i.stages.map((s) => STAGE_LABEL[s]).join(' → ')} · {i.shells.length} web shell{i.shells.length === 1 ? '' : 's'}</p>
      <p><strong>Was mail accessed or taken?</strong> <MailBadge a={i.mail.answer} /></p>
      <p className="reason">{i.mail.summary}</p>
      <button type="button" onClick={() => go('story', { id: i.id })}>Open the story ({i.stepsTotal} steps)</button>
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

function FindingItem({ f, focused = false }: { f: FindingRow; focused?: boolean }) {
  const { zone } = useCase();
  const fileLink = f.sha256 ? () => go('files', { q: f.sha256 ?? '' }) : undefined;
  return (
    <li className={`finding sev-${f.severity}${focused ? ' focused' : ''}`} id={`finding-${f.id}`} data-finding-id={f.id} data-testid="finding" data-check={f.check} data-confidence={f.confidence ?? ''}>
      <span className={`badge sev-${f.severity}`}>{f.severity}</span> <ConfidenceBadge c={f.confidence} reason={f.confidenceReason} /> <strong>{displayText(f.title)}</strong>
      {f.confidenceReason && <div className="reason" data-testid="confidence-reason">{CONFIDENCE_LABELS[f.confidence ?? 'review']}: {displayText(f.confidenceReason)}</div>}
      <div className="meta">
        <code>{f.check}</code>{f.time ? ` · ${formatTime(isoToMicros(f.time), zone)}` : ''}{f.path ? ' · ' : ''}{f.path && <code>{displayText(f.path)}</code>}
        {fileLink && <> · <button type="button" className="link" onClick={fileLink}>file</button></>}
      </div>
      {f.evidence.length > 0 && <div className="refs-inline">{f.evidence.slice(0, 10).map((r, i) => <RefLink key={i} evidence={r} />)}</div>}
    </li>
  );
}

type Shown = 'all' | 'shareable' | Confidence;

const keep = (shown: Shown) => (f: FindingRow): boolean =>
  shown === 'all' || (shown === 'shareable' ? f.confidence === 'confirmed' || f.confidence === 'likely' : f.confidence === shown);

export function FindingsView({ params }: { params: URLSearchParams }) {
  const { info } = useCase();
  const focus = Number(params.get('finding') ?? NaN);
  const [shown, setShown] = useState<Shown>('all');
  const deps = [info?.path, info?.counts.findings, info?.completeness.headline];
  const verdicts = useLoad(() => (info ? api.verdicts() : Promise.resolve([])), deps);
  const intrusions = useLoad(() => (info ? api.listIntrusions() : Promise.resolve([])), deps);
  const coverage = useLoad(() => (info ? api.logCoverage() : Promise.resolve([])), deps);
  const findings = useLoad(() => (info ? api.listFindings({}) : Promise.resolve([])), deps);
  // A finding opened from a timeline row is scrolled to and highlighted.
  useEffect(() => { if (Number.isInteger(focus)) document.getElementById(`finding-${focus}`)?.scrollIntoView({ block: 'center' }); }, [focus, findings.data]);
  if (!info) return <section className="view"><h1>Findings</h1><NeedCase /></section>;
  const all = findings.data ?? [];
  const scans = all.filter((f) => f.check === 'scan');
  const others = all.filter((f) => f.check !== 'scan' && f.check !== 'story').filter(keep(shown));
  return (
    <section className="view findings">
      <h1>Findings</h1>
      <h2>Verdicts by exploitation wave</h2>
      <ErrorLine error={verdicts.error} />
      {verdicts.data?.length === 0 && <Empty>No verdicts yet: index the evidence on the Case page first.</Empty>}
      {byWave(verdicts.data ?? []).map(([wave, list]) => <WaveGroup key={wave} wave={wave} list={list} />)}
      <h2>Intrusions</h2>
      <ErrorLine error={intrusions.error} />
      {intrusions.data?.length === 0 && <Empty>No intrusion was reconstructed.</Empty>}
      <div className="intrusions">{intrusions.data?.map((i) => <IntrusionCard key={i.id} i={i} />)}</div>
      <h2>Log coverage</h2>
      <ErrorLine error={coverage.error} />
      {coverage.data && <Coverage rows={coverage.data} />}
      <h2>Other findings</h2>
      <ErrorLine error={findings.error} />
      <label className="row">Show
        <select aria-label="Confidence" value={shown} onChange={(e) => setShown(e.target.value as Shown)}>
          <option value="all">every confidence</option>
          <option value="shareable">confirmed and likely</option>
          {CONFIDENCES.map((c) => <option key={c} value={c}>{CONFIDENCE_LABELS[c]} only</option>)}
        </select>
      </label>
      {others.length === 0 && <Empty>No findings{shown === 'all' ? '' : ' at this confidence'}.</Empty>}
      {SEVERITIES.map((s) => {
        const rows = others.filter((f) => f.severity === s);
        return rows.length === 0 ? null : (
          <div key={s}><h3>{s} ({rows.length})</h3><ul className="plain">{rows.map((f) => <FindingItem key={f.id} f={f} focused={f.id === focus} />)}</ul></div>
        );
      })}
      {scans.length > 0 && (
        <div data-testid="scanned-by">
          <h2>Scanned by ({scans.length})</h2>
          <p className="meta">Clients that only probed (no successful write, no follow-up): kept out of the verdicts and of the shareable indicators.</p>
          <ul className="plain">{scans.map((f) => <FindingItem key={f.id} f={f} focused={f.id === focus} />)}</ul>
        </div>
      )}
    </section>
  );
}
