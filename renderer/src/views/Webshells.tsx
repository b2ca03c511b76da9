// Web shells: each flagged file with its details, hashes, matched rules, a highlighted preview,
// the requests that hit its URL and the attacker IPs.
import { displayText } from '../../../shared/display.ts';
import type { WebshellInfo } from '../../../shared/api.ts';
import { api } from '../api.ts';
import { useCase } from '../caseContext.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { Empty, ErrorLine, NeedCase, RefLink } from '../components/common.tsx';
import { Preview } from '../components/Preview.tsx';
import { formatBytes, formatTime } from '../format.ts';
import { go, useLoad } from '../hooks.ts';
import { mergeRequests } from '../webshellRequests.ts';
import { familyLabel } from '../../../shared/webshell-family.ts';

const PREVIEW_BYTES = 256 * 1024;

function Hash({ label, value }: { label: string; value: string | null }) {
  return <><dt>{label}</dt><dd>{value ? <><code>{value}</code> <CopyButton text={value} /></> : '—'}</dd></>;
}

function ShellDetail({ w }: { w: WebshellInfo }) {
  const { zone } = useCase();
  // IIS and HttpProxy both log each request: one row per request, with both log lines as evidence.
  const requests = mergeRequests(w.requests);
  const preview = useLoad(
    () => (w.fileId === null ? Promise.resolve(null) : api.previewFile({ id: w.fileId, maxBytes: PREVIEW_BYTES })), [w.fileId]);
  return (
    <div className="detail" data-testid="webshell-detail">
      <h2><code>{displayText(w.origPath || w.relPath)}</code></h2>
      <dl className="stats">
        <dt>Evidence path</dt><dd><code>{displayText(w.relPath)}</code></dd>
        <dt>Size</dt><dd>{formatBytes(w.size)}</dd>
        <dt>Modified</dt><dd>{formatTime(w.mtime, zone)}</dd>
        <dt title="Birth time of the collected copy: when the triage tool wrote it, not when the attacker did">Copied</dt><dd>{formatTime(w.btime, zone)}</dd>
        <Hash label="MD5" value={w.md5} /><Hash label="SHA-1" value={w.sha1} /><Hash label="SHA-256" value={w.sha256} />
        <dt>Rules</dt><dd>{w.rules.map((r) => <span key={r} className="badge rule">{r}</span>)}</dd>
        <dt>Why</dt><dd><ul className="plain">{w.reasons.map((r, i) => <li key={i}>{displayText(r)}</li>)}</ul></dd>
      </dl>
      <h3>Attacker IPs (clients that drove it)</h3>
      {w.attackerIps.length === 0 ? <Empty>{w.requests.length ? 'No client drove it: only bare GETs of its URL (someone checking it is there).' : 'No request to this file\'s URL was found in the logs.'}</Empty> : (
        <ul className="plain ips" data-testid="attacker-ips">
          {w.attackerIps.map((ip) => <li key={ip}><button type="button" className="link" onClick={() => go('timeline', { ip })}>{ip}</button></li>)}
        </ul>
      )}
      <h3>Requests to its URL ({requests.length})</h3>
      {requests.length > 0 && (
        <table className="table requests" data-testid="webshell-requests">
          <colgroup><col className="w-time" /><col className="w-ip" /><col className="w-method" /><col /><col className="w-status" /><col /><col className="w-refs" /></colgroup>
          <thead><tr><th>Time</th><th>Client IP</th><th>Method</th><th>URL</th><th>Status</th><th>User agent</th><th>Evidence</th></tr></thead>
          <tbody>
            {requests.slice(0, 500).map((r) => (
              <tr key={r.eventId} onDoubleClick={() => go('timeline', { event: r.eventId })}>
                <td>{formatTime(r.ts, zone)}</td><td>{displayText(r.ip)}</td><td>{displayText(r.method)}</td><td title={displayText(r.url)}>{displayText(r.url)}</td>
                <td>{r.status}</td><td title={displayText(r.userAgent)}>{displayText(r.userAgent)}</td>
                <td className="refs-cell"><span className="req-refs">{r.refs.map((ref, i) => <RefLink key={i} evidence={ref} />)}</span></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>Content</h3>
      <ErrorLine error={preview.error} />
      {w.fileId === null && <Empty>The file itself is not in the evidence (only log traces).</Empty>}
      {preview.data && <Preview preview={preview.data} />}
      {w.fileId !== null && <button type="button" onClick={() => go('timeline', { fileId: w.fileId ?? undefined })}>Events from this file</button>}
    </div>
  );
}

export function WebshellsView({ params }: { params: URLSearchParams }) {
  const { info } = useCase();
  const list = useLoad(() => (info ? api.listWebshells() : Promise.resolve([])), [info?.path, info?.counts.findings]);
  if (!info) return <section className="view"><h1>Web shells</h1><NeedCase /></section>;
  const selectedId = Number(params.get('id') ?? NaN);
  const selected = list.data?.find((w) => w.findingId === selectedId) ?? null;
  return (
    <section className="view webshells split">
      <div className="list">
        <h1>Web shells</h1>
        <ErrorLine error={list.error} />
        {list.data?.length === 0 && <Empty>No web shell was flagged. Index the web roots (inetpub, FrontEnd\HttpProxy\owa\auth, aspnet_client) to check them.</Empty>}
        <ul className="plain selectable">
          {list.data?.map((w) => (
            <li key={w.findingId} className={w === selected ? 'selected' : ''}>
              <button type="button" className="link" onClick={() => go('webshells', { id: w.findingId })}>{displayText(w.origPath || w.relPath)}</button>
              <div className="meta">{w.families.length ? <strong>{familyLabel(w.families)}: </strong> : null}{w.rules.join(', ')} · {w.attackerIps.length} IP{w.attackerIps.length === 1 ? '' : 's'}</div>
            </li>
          ))}
        </ul>
      </div>
      {selected ? <ShellDetail w={selected} /> : list.data && list.data.length > 0 && <Empty>Select a web shell on the left.</Empty>}
    </section>
  );
}
