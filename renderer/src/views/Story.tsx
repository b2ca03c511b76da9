// Story: one page per intrusion — its attacker IPs, shells, period, stages and the answer to "was mail accessed or
// taken?", then every step in time order, each linked to its evidence (the IIS line and the HttpProxy row of a request).
import type { Intrusion } from '../../../shared/api.ts';
import { api } from '../api.ts';
import { useCase } from '../caseContext.ts';
import { ConfidenceBadge, MailBadge, StageBadge, STAGE_LABEL } from '../components/Badges.tsx';
import { Empty, ErrorLine, NeedCase, RefLink } from '../components/common.tsx';
import { formatTime } from '../format.ts';
import { go, useLoad } from '../hooks.ts';

function Steps({ i }: { i: Intrusion }) {
  const { zone } = useCase();
  return (
    <table className="steps" data-testid="story-steps">
      <thead><tr><th>Time</th><th>Stage</th><th>What happened</th><th>Evidence</th></tr></thead>
      <tbody>
        {i.steps.map((s, n) => (
          <tr key={n} data-testid="story-step" data-stage={s.stage}>
            <td className="t">{formatTime(s.ts, zone)}</td>
            <td><StageBadge s={s.stage} /></td>
            <td>{s.text}</td>
            <td><div className="refs-inline">{[s.ref, ...s.also].map((r, k) => <RefLink key={k} evidence={r} />)}</div></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Detail({ i }: { i: Intrusion }) {
  const { zone } = useCase();
  return (
    <article className="card" data-testid={`story-${i.id}`}>
      <h2>Intrusion {i.id} <ConfidenceBadge c={i.confidence} /></h2>
      <dl className="stats">
        <dt>Attacker IPs</dt>
        <dd className="row">{i.ips.length ? i.ips.map((ip) => <button key={ip} type="button" className="link" onClick={() => go('timeline', { ip })} title="Every event of this IP in the timeline">{ip}</button>) : '—'}</dd>
        <dt>Web shells</dt><dd>{i.shells.length ? i.shells.map((s) => <div key={s}><code>{s}</code></div>) : '—'}</dd>
        <dt>First / last seen</dt><dd data-testid="story-period">{formatTime(i.firstSeen, zone)} → {formatTime(i.lastSeen, zone)}</dd>
        <dt>Stages reached</dt><dd data-testid="story-stages">{i.stages.map((s) => STAGE_LABEL[s]).join(' → ')}</dd>
      </dl>
      <div className="mail-answer" data-testid="story-mail">
        <strong>Was mail accessed or taken?</strong> <MailBadge a={i.mail.answer} />
        <p>{i.mail.summary}</p>
      </div>
      <h3>{i.steps.length} step{i.steps.length === 1 ? '' : 's'} in time order{i.stepsTotal > i.steps.length ? ` (first ${i.steps.length} of ${i.stepsTotal})` : ''}</h3>
      <Steps i={i} />
    </article>
  );
}

export function StoryView({ params }: { params: URLSearchParams }) {
  const { info } = useCase();
  const list = useLoad(() => (info ? api.listIntrusions() : Promise.resolve([])), [info?.path, info?.counts.findings]);
  if (!info) return <section className="view"><h1>Story</h1><NeedCase /></section>;
  const id = Number(params.get('id') ?? 1);
  const chosen = list.data?.find((x) => x.id === id) ?? list.data?.[0];
  return (
    <section className="view story">
      <h1>Attack story</h1>
      <ErrorLine error={list.error} />
      {list.data?.length === 0 && <Empty>No intrusion was reconstructed: no attacker IP made the server do something, and no proven web shell was found.</Empty>}
      {chosen && (
        <div className="story-layout">
          <nav className="story-list" aria-label="Intrusions">
            {list.data!.map((x) => (
              <button key={x.id} type="button" className={x.id === chosen.id ? 'active' : ''} onClick={() => go('story', { id: x.id })}>
                <strong>Intrusion {x.id}</strong> <MailBadge a={x.mail.answer} />
                <div className="meta">{x.ips.join(', ') || 'no client IP'}</div>
                <div className="meta">{formatTime(x.firstSeen, 'UTC').slice(0, 16)} → {formatTime(x.lastSeen, 'UTC').slice(0, 16)}</div>
              </button>
            ))}
          </nav>
          <Detail i={chosen} />
        </div>
      )}
    </section>
  );
}
