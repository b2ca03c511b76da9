// Case view: create/open a case, its details, evidence folders, indexing with progress and Cancel, warnings, counts.
import { displayText } from '../../../shared/display.ts';
import { Fragment, useEffect, useState } from 'react';
import type { CaseMeta, IndexProgress } from '../../../shared/api.ts';
import { api, errorText, shell } from '../api.ts';
import { useCase } from '../caseContext.ts';
import { Empty, ErrorLine } from '../components/common.tsx';
import { SortIndexesCard } from '../components/SortIndexes.tsx';
import { formatBytes, formatCount, formatEta } from '../format.ts';
import { useLoad } from '../hooks.ts';
import { DetectionInputsCard } from './DetectionInputs.tsx';

function RecentCases() {
  const { info, refresh } = useCase();
  const recent = useLoad(() => api.recentCases(), [info?.path]);
  const [error, setError] = useState<string | null>(null);
  const onOpen = async (p: string) => {
    setError(null);
    try { await api.openCase({ path: p }); sessionStorage.clear(); refresh(); } catch (e) { setError(errorText(e)); }
  };
  const others = (recent.data ?? []).filter((r) => r.path !== info?.path);
  if (!others.length) return null;
  return (
    <div className="card" data-testid="recent-cases">
      <h2>Recent cases</h2>
      <ul className="plain">
        {others.map((r) => (
          <li key={r.path}>
            <button type="button" className="link" disabled={!r.exists} onClick={() => void onOpen(r.path)} title={r.exists ? 'Open this case' : 'The file is no longer there'}>{r.path}</button>
            <span className="meta"> opened {r.openedAt.replace('T', ' ').slice(0, 16)} UTC{r.exists ? '' : ' · missing'}</span>
          </li>
        ))}
      </ul>
      <ErrorLine error={error} />
    </div>
  );
}

function OpenCase({ title = 'Create or open a case' }: { title?: string }) {
  const { refresh } = useCase();
  const [path, setPath] = useState('');
  const [meta, setMeta] = useState<Partial<CaseMeta>>({ client: '', caseNumber: '', examiner: '', displayZone: 'UTC' });
  const [error, setError] = useState<string | null>(null);
  const run = async (create: boolean) => {
    setError(null);
    try {
      if (create) await api.createCase({ path, meta });
      else await api.openCase({ path });
      sessionStorage.clear(); // the last timeline view belonged to the previous case
      refresh();
    } catch (e) { setError(errorText(e)); }
  };
  const pick = async () => { const p = await shell?.saveFile({ defaultPath: 'case.loupe' }); if (p) setPath(p); };
  const field = (k: keyof CaseMeta, label: string) => (
    <label>{label}<input name={k} value={meta[k] ?? ''} onChange={(e) => setMeta({ ...meta, [k]: e.target.value })} /></label>
  );
  return (
    <>
    <form className="card form" data-testid="open-case" onSubmit={(e) => { e.preventDefault(); void run(true); }}>
      <h2>{title}</h2>
      <p className="hint">A case is one file on disk holding the index, your tags and notes. Type its path{shell ? ' or pick it' : ''}.</p>
      <label>Case file path<input name="casePath" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/cases/contoso-2021-03.loupe" required /></label>
      {shell && <button type="button" onClick={pick}>Choose…</button>}
      {field('client', 'Client')}{field('caseNumber', 'Case number')}{field('examiner', 'Examiner')}{field('displayZone', 'Display time zone (IANA)')}
      <div className="row">
        <button type="submit" className="primary">Create case</button>
        <button type="button" onClick={() => void run(false)}>Open existing</button>
      </div>
      <ErrorLine error={error} />
    </form>
    </>
  );
}

function Evidence({ indexing, version }: { indexing: boolean; version: number }) {
  const { refresh } = useCase();
  // Reloaded after each index run, so "not indexed yet" turns into the run's time without a page reload.
  const list = useLoad(() => api.listEvidence(), [version]);
  const [root, setRoot] = useState('');
  const [error, setError] = useState<string | null>(null);
  const add = async () => {
    setError(null);
    try { await api.addEvidence({ root }); setRoot(''); list.reload(); refresh(); } catch (e) { setError(errorText(e)); }
  };
  const pick = async () => { const p = await shell?.pickFolder(); if (p) setRoot(p); };
  return (
    <div className="card">
      <h2>Evidence folders</h2>
      <ErrorLine error={list.error} />
      {list.data?.length === 0 && <Empty>No evidence yet. Add the collected folder (KAPE output, web roots, logs), then press Index.</Empty>}
      <ul className="plain">{list.data?.map((s) => <li key={s.id}><code>{s.root}</code> — {s.lastIndexedAt ? `indexed ${s.lastIndexedAt}` : 'not indexed yet'}</li>)}</ul>
      <form className="row" onSubmit={(e) => { e.preventDefault(); void add(); }}>
        <input name="evidenceRoot" value={root} onChange={(e) => setRoot(e.target.value)} placeholder="/evidence/EXCH01" required disabled={indexing} />
        {shell && <button type="button" onClick={pick}>Browse…</button>}
        <button type="submit" disabled={indexing}>Add evidence folder</button>
      </form>
      <ErrorLine error={error} />
    </div>
  );
}

const RUNNING = new Set(['scanning', 'indexing', 'detecting']);

function useProgress(): [IndexProgress | null, () => void] {
  const [p, setP] = useState<IndexProgress | null>(null);
  const [poll, setPoll] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    const tick = async () => {
      try {
        const next = await api.getProgress();
        if (!live) return;
        setP(next);
        if (RUNNING.has(next.phase)) timer = window.setTimeout(tick, 250);
      } catch { if (live) timer = window.setTimeout(tick, 1000); }
    };
    void tick();
    return () => { live = false; window.clearTimeout(timer); };
  }, [poll]);
  return [p, () => setPoll((n) => n + 1)];
}

function Indexing({ onDone, onRunning }: { onDone: () => void; onRunning: (running: boolean) => void }) {
  const [p, repoll] = useProgress();
  const [error, setError] = useState<string | null>(null);
  const running = !!p && RUNNING.has(p.phase);
  useEffect(() => onRunning(running), [running]); // eslint-disable-line
  useEffect(() => { if (p && (p.phase === 'done' || p.phase === 'cancelled' || p.phase === 'failed')) onDone(); }, [p?.phase]); // eslint-disable-line
  const start = async () => { setError(null); try { await api.startIndex({}); repoll(); } catch (e) { setError(errorText(e)); } };
  // An error from an earlier run is not shown once a later run has finished cleanly.
  const runError = p?.phase === 'failed' ? p.error : null;
  const cancel = async () => { try { await api.cancelIndex(); } catch (e) { setError(errorText(e)); } };
  const scan = p?.phase === 'detecting' ? p.detect ?? null : null;
  const pct = scan ? (scan.bytesTotal > 0 ? Math.min(100, (100 * scan.bytesDone) / scan.bytesTotal) : 0)
    : p && p.bytesTotal > 0 ? Math.min(100, (100 * p.bytesDone) / p.bytesTotal) : p?.phase === 'done' ? 100 : 0;
  return (
    <div className="card" data-testid="indexing">
      <h2>Index</h2>
      <div className="row">
        <button type="button" className="primary" onClick={start} disabled={running}>Index</button>
        <button type="button" onClick={cancel} disabled={!running}>Cancel</button>
        <span data-testid="index-phase" className={`phase ${p?.phase ?? 'idle'}`}>{p?.phase ?? '…'}</span>
      </div>
      <progress max={100} value={pct} aria-label="Indexing progress" />
      {p && (
        <dl className="stats">
          <dt>Files</dt><dd data-testid="progress-files">{formatCount(p.filesDone)} / {formatCount(p.filesTotal)}</dd>
          <dt>Bytes</dt><dd>{formatBytes(p.bytesDone)} / {formatBytes(p.bytesTotal)}</dd>
          <dt>Events</dt><dd data-testid="progress-events">{formatCount(p.events)}</dd>
          <dt>Warnings</dt><dd>{formatCount(p.warnings)}</dd>
          {scan && <><dt>YARA scan</dt><dd data-testid="progress-scan">{formatCount(scan.filesDone)} / {formatCount(scan.filesTotal)} files, {formatBytes(scan.bytesDone)} / {formatBytes(scan.bytesTotal)}{scan.engine ? ` (${scan.engine})` : ''}</dd></>}
          <dt>ETA</dt><dd>{running ? formatEta(p.etaSeconds) : '—'}</dd>
          {p.currentFile && running && <><dt>Now</dt><dd className="ellipsis">{p.currentFile}</dd></>}
        </dl>
      )}
      <ErrorLine error={error ?? runError} />
    </div>
  );
}

function Warnings({ version }: { version: number }) {
  const w = useLoad(() => api.listWarnings({ limit: 500 }), [version]);
  return (
    <div className="card">
      <h2>Ingest warnings {w.data ? `(${formatCount(w.data.total)})` : ''}</h2>
      <ErrorLine error={w.error} />
      {w.data?.total === 0 && <Empty>No warnings: every file read cleanly.</Empty>}
      <ul className="plain warnings">
        {w.data?.rows.map((r) => (
          <li key={r.id}><code>{displayText(r.file)}{r.line !== undefined && r.line !== null ? `:${r.line}` : ''}</code> {displayText(r.message)}</li>
        ))}
      </ul>
    </div>
  );
}

export function CaseView() {
  const { info, refresh } = useCase();
  const [version, setVersion] = useState(0);
  const [running, setRunning] = useState(false);
  const [closeError, setCloseError] = useState<string | null>(null);
  if (!info) return <section className="view"><h1>Case</h1><OpenCase /><RecentCases /></section>;
  const close = async () => { setCloseError(null); try { await api.closeCase(); sessionStorage.clear(); refresh(); } catch (e) { setCloseError(errorText(e)); } };
  const c = info.counts;
  return (
    <section className="view case">
      <h1>Case {info.meta.caseNumber} <button type="button" className="small" onClick={() => void close()} disabled={running}>Close case</button></h1>
      <ErrorLine error={closeError} />
      <div className="grid2">
        <div className="card">
          <h2>Details</h2>
          <dl className="stats">
            <dt>Client</dt><dd>{info.meta.client}</dd>
            <dt>Examiner</dt><dd>{info.meta.examiner}</dd>
            <dt>Display zone</dt><dd>{info.meta.displayZone}</dd>
            <dt>Case file</dt><dd><code>{info.path}</code></dd>
            <dt>Created</dt><dd>{info.createdAt}</dd>
          </dl>
          <h2>Counts</h2>
          <dl className="stats" data-testid="counts">
            <dt>Files</dt><dd>{formatCount(c.files)} ({formatBytes(c.bytes)})</dd>
            <dt>Events</dt><dd data-testid="count-events">{formatCount(c.events)}</dd>
            <dt>Findings</dt><dd>{formatCount(c.findings)}</dd>
            <dt>Warnings</dt><dd>{formatCount(c.warnings)}</dd>
            {Object.entries(c.eventsBySource).map(([s, n]) => <Fragment key={s}><dt>· {s}</dt><dd>{formatCount(n)}</dd></Fragment>)}
          </dl>
        </div>
        <div>
          <Evidence indexing={running} version={version} />
          <DetectionInputsCard disabled={running} />
          <Indexing onRunning={(r) => { setRunning(r); refresh(); }} onDone={() => { refresh(); setVersion((v) => v + 1); }} />
        </div>
      </div>
      <Warnings version={version} />
      <SortIndexesCard version={version} />
      <RecentCases />
      <details className="card switch-case"><summary>Open or create another case</summary><OpenCase title="Switch to another case" /></details>
    </section>
  );
}
