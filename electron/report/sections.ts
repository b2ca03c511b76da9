// One renderer per report section. Every value goes through the escaping `html` template (escape.ts).
import type { MailAnswer, ReportSection, WebshellInfo } from '../../shared/api.ts';
import type { Confidence, FieldValue, Severity } from '../../shared/types.ts';
import { CONFIDENCE_LABELS, SEVERITIES } from '../../shared/types.ts';
import { SafeHtml, html } from './escape.ts';
import { bytesText, refText, timeText } from './format.ts';
import type { ParseOutcomes, Quote, ReportFinding, ReportModel } from './model-types.ts';
import { waveFacts } from './waves.ts';
import { familyLabel } from '../../shared/webshell-family.ts';

export const SECTION_TITLES: Record<ReportSection, string> = {
  summary: 'Executive summary',
  findings: 'Findings',
  webshells: 'Web shells',
  story: 'Attack story',
  timeline: 'Analyst timeline',
  indicators: 'Indicators of compromise',
  methodology: 'Methodology',
  warnings: 'Ingest warnings',
  custody: 'Chain of custody',
};

const VERDICT_WORDS: Record<string, string> = {
  exploited: 'Exploited', attempted: 'Attempted', 'no-evidence': 'No evidence', 'not-covered': 'Not covered', 'not-assessed': 'Not assessed',
};

const STAGE_WORDS: Record<string, string> = {
  scan: 'scan', ssrf: 'SSRF', 'config-change': 'config change', 'shell-written': 'shell written', 'shell-used': 'shell used', 'follow-on': 'follow-on',
};

export const MAIL_WORDS: Record<MailAnswer, string> = {
  exported: 'Exported', accessed: 'Accessed', 'no-evidence': 'No evidence', 'not-covered': 'Not covered by the logs',
};

export const confBadge = (c: Confidence | null | undefined): SafeHtml =>
  c ? html`<span class="badge conf ${c}">${CONFIDENCE_LABELS[c]}</span>` : html`<span class="badge conf">not assessed</span>`;

type Ctx = { m: ReportModel; t: (us: number | null | undefined) => string };

const yesNo = (v: boolean): SafeHtml => (v ? html`<span class="yes">yes</span>` : html`<span class="no">no</span>`);

function table(headers: string[], rows: unknown[][], cls = ''): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">None.</p>`;
  return html`<table class="${cls}"><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody></table>`;
}

const mono = (v: unknown): SafeHtml => (v === null || v === undefined || v === '' ? html`<span class="muted">—</span>` : html`<span class="mono">${v}</span>`);

const MAX_FIELDS_CHARS = 1500;

/** The stored fields of a quoted event (empty values left out), capped so one wide log row cannot fill pages. */
function fieldsText(fields: Record<string, FieldValue> | null): string {
  if (!fields) return '';
  const text = Object.entries(fields).filter(([, v]) => v !== null && v !== '' && v !== '-').map(([k, v]) => `${k}=${String(v)}`).join('  ');
  return text.length > MAX_FIELDS_CHARS ? `${text.slice(0, MAX_FIELDS_CHARS)} … [${text.length - MAX_FIELDS_CHARS} more characters in the case]` : text;
}

function quoteBlock(q: Quote, ctx: Ctx): SafeHtml {
  const where = q.from === 'file' ? 'read from the evidence file' : q.from === 'missing' ? 'not found' : ctx.t(q.ts);
  const extra = q.from === 'event' ? fieldsText(q.fields) : '';
  return html`<div class="quote-ref">${refText(q.ref)} · ${where}</div><pre class="quote">${q.text}${extra ? html`<span class="fields">${extra}</span>` : ''}</pre>`;
}

function examined(ctx: Ctx): SafeHtml {
  const { m } = ctx;
  const f = m.completeness.files;
  const files = f.pending > 0 || f.failed > 0
    ? html`indexed ${f.indexed.toLocaleString('en-US')} of ${f.total.toLocaleString('en-US')} evidence files (${bytesText(m.custody.totalBytes)} in all; the rest were not read)`
    : html`examined ${m.custody.fileCount.toLocaleString('en-US')} evidence files (${bytesText(m.custody.totalBytes)})`;
  return html`<p>Loupe ${files} holding ${m.evidenceRange.events.toLocaleString('en-US')} timeline events, with log entries from
    ${ctx.t(m.evidenceRange.first)} to ${ctx.t(m.evidenceRange.last)}, for the Exchange exploitation waves ProxyLogon (March 2021),
    ProxyShell (August 2021), ProxyNotShell (September 2022) and OWASSRF (December 2022).</p>`;
}

const joinWords = (list: string[]): string => (list.length < 2 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`);

/** Which waves reached the server, when each was first seen, and what followed. */
function wavesReached(ctx: Ctx): SafeHtml {
  const facts = waveFacts(ctx.m.verdicts, ctx.m.stories);
  const reached = facts.filter((f) => f.reached);
  const lead = reached.length
    ? html`<p><b>${joinWords(reached.map((f) => f.wave))}</b> reached this server.</p>`
    : html`<p>No exploitation wave left a trace in the logs examined.</p>`;
  return html`${lead}${table(['Wave', 'Reached the server', 'First seen', 'CVEs', 'What followed'], facts.map((f) => [
    html`<b>${f.wave}</b>`, f.reached ? html`<span class="badge ${f.reached}">${VERDICT_WORDS[f.reached]}</span>` : html`<span class="muted">no</span>`,
    f.firstSeen !== null ? ctx.t(f.firstSeen) : '—',
    html`${f.cves.map((c) => html`<span class="nowrap">${c.cve}: ${VERDICT_WORDS[c.verdict] ?? c.verdict}</span><br>`)}`,
    f.intrusions.length ? html`${f.intrusions.map((i) => html`Intrusion ${i.id} (${i.ips.join(', ') || 'no client IP'}): ${i.stages.map((x) => STAGE_WORDS[x] ?? x).join(' → ')}${i.shells.length ? html`; web shell${i.shells.length > 1 ? 's' : ''} ${i.shells.join(', ')}` : ''}; mail: ${MAIL_WORDS[i.mail]}<br>`)}`
      : f.reached ? 'no intrusion reconstructed from its traces' : '—',
  ]))}`;
}

function intrusionsTable(ctx: Ctx): SafeHtml {
  const told = ctx.m.stories.filter((s) => s.intrusion);
  if (!told.length) return html`<p>No intrusion was reconstructed.</p>`;
  return table(['#', 'Attacker IPs', 'Active', 'Stages reached', 'Was mail accessed or taken?'], told.map((s) => {
    const i = s.intrusion!;
    return [i.id, mono(i.ips.join(', ') || '—'), html`${ctx.t(i.firstSeen)} → ${ctx.t(i.lastSeen)}`, i.stages.map((x) => STAGE_WORDS[x] ?? x).join(' → '),
      html`<span class="badge mail ${i.mail.answer}">${MAIL_WORDS[i.mail.answer]}</span>${i.mail.addressBook ? html` <span class="small">(address book downloaded)</span>` : ''}`];
  }));
}

function summary(ctx: Ctx): SafeHtml {
  const { m } = ctx;
  const bySeverity = (s: Severity): number => m.findings.filter((f) => f.severity === s && f.check !== 'scan').length;
  const ips = m.indicators.filter((i) => (i.type === 'ipv4' || i.type === 'ipv6') && (i.confidence === 'confirmed' || i.confidence === 'likely')).length;
  const scans = m.findings.filter((f) => f.check === 'scan');
  return html`
    ${examined(ctx)}
    ${m.completeness.complete ? '' : html`<div class="incomplete">${m.completeness.headline}. Verdicts that say "not assessed" cannot be read as "no evidence".</div>`}
    <h3>Exploitation waves</h3>
    ${wavesReached(ctx)}
    <h3>Verdict per vulnerability</h3>
    ${table(['CVE', 'Wave', 'What', 'Verdict', 'Confidence', 'Evidence', 'Logs cover the window', 'Summary'], m.verdicts.map((v) => [
      html`<b class="nowrap">${v.cve}</b>`, v.wave, v.title, html`<span class="badge ${v.verdict}">${VERDICT_WORDS[v.verdict] ?? v.verdict}</span>`,
      v.hits ? confBadge(v.confidence) : '—', v.hits, html`${yesNo(v.covered)} <span class="small muted">${v.window?.label ?? ''}</span>`, v.summary,
    ]))}
    <h3>Intrusions</h3>
    ${intrusionsTable(ctx)}
    <div class="stats">
      <div><b>${bySeverity('critical')}</b>critical findings</div>
      <div><b>${bySeverity('high')}</b>high findings</div>
      <div><b>${m.webshells.length}</b>web shells</div>
      <div><b>${ips}</b>attacker IP addresses</div>
    </div>
    ${scans.length ? html`<h3>Scanned by</h3><p class="small">Clients that only probed the server (no successful write, no follow-up): kept out of the
      verdicts and of the shareable indicators.</p>${table(['Client', 'Probes', 'When'], scans.map((f) => [mono(f.details?.ip), f.details?.count ?? f.evidence.length, ctx.t(f.timeUs)]), 'small')}` : ''}
    <h3>Log coverage</h3>
    <p class="muted small">Oldest and newest entry per log folder. Where logs do not reach back to January 2021, earlier exploitation cannot be ruled out.</p>
    ${table(['Log folder', 'Kind', 'Files', 'Oldest', 'Newest', 'Covers Jan–Mar 2021'], m.coverage.map((c) => [
      mono(c.folder), c.kind, c.files, ctx.t(c.oldest), ctx.t(c.newest), yesNo(c.coversMarch2021),
    ]))}`;
}

function detailList(d: Record<string, unknown> | null): SafeHtml {
  const simple = Object.entries(d ?? {}).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v)
    || (Array.isArray(v) && v.length > 0 && v.length <= 20 && v.every((x) => typeof x === 'string' || typeof x === 'number')));
  if (!simple.length) return html``;
  return html`<dl class="kv small">${simple.map(([k, v]) => html`<dt>${k}</dt><dd class="mono">${Array.isArray(v) ? v.join(', ') : String(v)}</dd>`)}</dl>`;
}

function finding(f: ReportFinding, ctx: Ctx): SafeHtml {
  return html`<div class="finding ${f.severity}">
    <h4><span class="badge ${f.severity}">${f.severity}</span> ${confBadge(f.confidence)} ${f.title}</h4>
    ${f.confidenceReason ? html`<p class="reason">Confidence: ${f.confidenceReason}</p>` : ''}
    <dl class="kv small">
      <dt>Check</dt><dd class="mono">${f.check}</dd>
      ${f.timeUs !== null ? html`<dt>Time</dt><dd>${ctx.t(f.timeUs)}</dd>` : ''}
      ${f.path ? html`<dt>Path</dt><dd class="mono">${f.path}</dd>` : ''}
      ${f.sha256 ? html`<dt>SHA-256</dt><dd class="mono">${f.sha256}</dd>` : ''}
      <dt>Evidence</dt><dd>${f.evidence.length} reference(s)</dd>
    </dl>
    ${detailList(f.details)}
    ${f.quotes.map((q) => quoteBlock(q, ctx))}
    ${f.evidence.filter((r) => r.line === undefined && r.record === undefined && r.offset === undefined).map((r) => html`<div class="quote-ref">File: ${r.file}</div>`)}
    ${f.moreRefs ? html`<p class="muted small">…and ${f.moreRefs} more reference(s): ${f.evidence.slice(f.quotes.length, f.quotes.length + 20).map(refText).join(', ')}${f.moreRefs > 20 ? ', …' : ''}</p>` : ''}
  </div>`;
}

function findings(ctx: Ctx): SafeHtml {
  if (!ctx.m.findings.length) return html`<p>No findings.</p>`;
  return html`${SEVERITIES.map((s) => {
    const list = ctx.m.findings.filter((f) => f.severity === s);
    return list.length ? html`<h3>${s[0].toUpperCase() + s.slice(1)} (${list.length})</h3>${list.map((f) => finding(f, ctx))}` : '';
  })}`;
}

function webshell(w: WebshellInfo, ctx: Ctx): SafeHtml {
  return html`<div class="finding critical">
    <h4>${w.origPath || w.relPath}</h4>
    <dl class="kv small">
      <dt>Evidence file</dt><dd class="mono">${w.relPath}</dd>
      <dt>Size</dt><dd>${w.size === null ? '—' : bytesText(w.size)}</dd>
      <dt>Modified</dt><dd>${ctx.t(w.mtime)}</dd>
      <dt>Copied (birth time of the collected copy)</dt><dd>${ctx.t(w.btime)}</dd>
      <dt>MD5</dt><dd>${mono(w.md5)}</dd><dt>SHA-1</dt><dd>${mono(w.sha1)}</dd><dt>SHA-256</dt><dd>${mono(w.sha256)}</dd>
      <dt>Family</dt><dd>${familyLabel(w.families) || '—'}</dd>
      <dt>Matched rules</dt><dd class="mono">${w.rules.join(', ') || '—'}</dd>
      <dt>Why flagged</dt><dd>${w.reasons.join('; ') || '—'}</dd>
      <dt>Attacker IPs</dt><dd class="mono">${w.attackerIps.join(', ') || '—'}</dd>
    </dl>
    <h4>Requests to this file (${w.requests.length})</h4>
    ${table(['Time', 'Client IP', 'Request', 'Evidence'], w.requests.slice(0, 100).map((r) => [
      ctx.t(r.ts), html`<span class="nowrap mono">${r.ip ?? '—'}</span>`,
      html`<span class="mono">${r.method ?? ''} ${r.url} → ${r.status ?? '—'}</span><div class="muted small">${r.userAgent ?? ''}</div>`,
      mono(refText(r.ref)),
    ]), 'small requests')}
    ${w.requests.length > 100 ? html`<p class="muted small">First 100 of ${w.requests.length} requests shown.</p>` : ''}
  </div>`;
}

function webshells(ctx: Ctx): SafeHtml {
  return ctx.m.webshells.length ? html`${ctx.m.webshells.map((w) => webshell(w, ctx))}` : html`<p>No web shells were found.</p>`;
}

function storyBody(st: ReportModel['stories'][number]['steps'][number], ctx: Ctx): SafeHtml {
  return html`<li><b>${ctx.t(st.ts)}</b>${st.stage ? html` <span class="badge">${STAGE_WORDS[st.stage] ?? st.stage}</span>` : ''} — ${st.label}
      ${st.quote && st.quote.text !== st.label ? quoteBlock(st.quote, ctx) : st.ref ? html`<div class="quote-ref">${refText(st.ref)}</div>` : ''}</li>`;
}

function story(ctx: Ctx): SafeHtml {
  if (!ctx.m.stories.length) return html`<p>No attack chain was reconstructed (no correlated SSRF → web shell sequence in the evidence).</p>`;
  return html`<p>One story per intrusion: the attacker IPs, the web shells they wrote and drove and the forged-request sessions that led
    there, in time order, each request once (its IIS line and its HttpProxy row joined).</p>${ctx.m.stories.map((s) => {
    const i = s.intrusion;
    return html`<h3>${i ? `Intrusion ${i.id}` : s.title}</h3>
    ${i ? html`<dl class="kv small">
        <dt>Attacker IPs</dt><dd class="mono">${i.ips.join(', ') || '—'}</dd>
        <dt>Web shells</dt><dd class="mono">${i.shells.join(', ') || '—'}</dd>
        <dt>First / last seen</dt><dd>${ctx.t(i.firstSeen)} → ${ctx.t(i.lastSeen)}</dd>
        <dt>Stages reached</dt><dd>${i.stages.map((x) => STAGE_WORDS[x] ?? x).join(' → ')}</dd>
        <dt>Confidence</dt><dd>${confBadge(i.confidence)}</dd>
      </dl>
      <div class="mail-answer"><b>Was mail accessed or taken?</b> <span class="badge mail ${i.mail.answer}">${MAIL_WORDS[i.mail.answer]}</span>
        <p>${i.mail.summary}</p></div>` : s.summary ? html`<p>${s.summary}</p>` : ''}
    <ol class="story">${s.steps.map((st) => storyBody(st, ctx))}</ol>
    ${s.stepsTotal > s.steps.length ? html`<p class="muted small">First ${s.steps.length} of ${s.stepsTotal} steps shown; the timeline holds every event (filter it by these IPs).</p>` : ''}`;
  })}`;
}

function timeline(ctx: Ctx): SafeHtml {
  const { m } = ctx;
  return html`<p>Events the analyst starred, tagged or annotated, and events added by hand, in time order${m.timelineFilter ? html`, limited to those ${m.timelineFilter}` : ''}.</p>
    ${table(['Time', 'Source', 'Event', 'Tags', 'Note'], m.timeline.map((e) => [
      html`${ctx.t(e.ts)}<div class="muted small">${e.tsDesc}</div>`,
      html`${e.manual ? html`<b>manual</b>` : e.source}<div class="muted small">${e.host ?? ''}</div>`,
      html`${e.starred ? html`<span class="star">★</span> ` : ''}${e.message}
        <div class="quote-ref">${e.manual ? 'analyst entry' : refText(e.ref)}</div>`,
      e.tags.join(', '), e.note ?? '',
    ]), 'small timeline')}
    ${m.timelineTotal > m.timeline.length ? html`<p class="muted small">First ${m.timeline.length} of ${m.timelineTotal} marked events shown; export the timeline for all.</p>` : ''}`;
}

function indicators(ctx: Ctx): SafeHtml {
  const { m } = ctx;
  const which = m.includeReview
    ? 'All indicators observed in this case, each with its confidence: those marked "needs review" or "informational" are not evidence of malice on their own and must not be shared as such.'
    : 'Indicators observed in this case that Loupe confirmed or finds likely (also exportable as CSV and as a STIX 2.1 bundle).';
  return html`<p>${which}</p>
    ${table(['Type', 'Value', 'Confidence', 'First seen', 'From'], m.indicators.map((i) => [
      i.type, mono(i.value), confBadge(i.confidence), ctx.t(i.firstSeen),
      html`<span class="small">${i.sources.slice(0, 3).map((x) => x.title).join('; ')}${i.sources.length > 3 ? ` (+${i.sources.length - 3})` : ''}</span>`,
    ]), 'small')}
    ${m.indicatorsHidden ? html`<p class="muted small">${m.indicatorsHidden} indicator(s) that need review or are informational (a scanner's address, a stock
      Exchange file at an IOC path) are left out; export with <code>--include-review</code> to list them, labelled.</p>` : ''}`;
}

function methodology(ctx: Ctx): SafeHtml {
  const { methodology: x } = ctx.m;
  return html`<p>The evidence folders were opened read-only. Every file was hashed (MD5, SHA-1, SHA-256) into a manifest, every
    supported log was parsed into one timeline (times stored in UTC), and the checks below ran over the case. Each finding
    points back at the exact file and line or record it rests on, quoted above.</p>
    <h3>How sure Loupe is</h3>
    <p>Every finding carries a confidence with its reason: <b>confirmed</b> (the evidence proves it: a 2xx answer to a forged request, a
    match of Loupe's own web-shell rules, a known-bad hash), <b>likely</b> (strong but circumstantial), <b>needs review</b> (could be
    benign: a stock file at an IOC path, a user agent many clients share) and <b>informational</b> (true, but no intrusion: a scanner's
    GET probes). Each check judges its own evidence; the correlation then adjusts by who acted — a client that only probed is a
    scanner, a trace inside an intrusion is raised. Verdicts leave informational hits out; IOC exports and the Indicators section hold
    only confirmed and likely indicators unless review is asked for. Intrusions are clustered from attacker IPs, the shells they
    drove, and the shells their exploit session wrote (the nearest preceding successful request within an hour of the write).</p>
    <h3>Completeness</h3>
    <p>${ctx.m.completeness.headline}. Completeness is read from the case itself: files still pending or unreadable, detections that
    have not run or are older than the last ingest, evidence folders the last run could not reach.</p>
    <h3>Checks</h3>${table(['Check', 'What it looks for', 'Written from', 'Findings'], x.checks.map((c) => [mono(c.check), c.description, c.source || '—', c.findings]), 'small')}
    <h3>Rule packs</h3>${table(['Name', 'Path', 'Rules', 'SHA-256', 'Loaded'], x.rulePacks.map((r) => [r.name, mono(r.path), r.rules, mono(r.sha256), r.addedAt]), 'small')}
    <h3>IOC lists</h3>${table(['Name', 'Path', 'Format', 'Indicators', 'SHA-256', 'Loaded'], x.iocLists.map((l) => [l.name, mono(l.path), l.format, l.count, mono(l.sha256), l.addedAt]), 'small')}
    <h3>Events per source</h3>${table(['Source', 'Events'], x.sources.map((s) => [s.source, s.events.toLocaleString('en-US')]))}
    ${x.parsing?.totals.files ? eventLogParsing(x.parsing) : ''}`;
}

const n = (v: number): string => v.toLocaleString('en-US');

/** How the Windows event logs were read: live records, records recovered from slack or damaged chunks, unreadable ones. */
function eventLogParsing(p: ParseOutcomes): SafeHtml {
  const t = p.totals;
  return html`<h3>Windows event logs</h3>
    <p>${n(t.files)} EVTX file(s): ${n(t.read)} live record(s) read from the record chain each log holds, as Windows and the
      reference parsers read it; ${n(t.recovered)} more recovered from the logs' slack space (${n(t.bySlack)}) or from damaged
      chunks (${n(t.byDamagedChunk)}); ${n(t.unreadable)} record(s) on a chain could not be decoded. Recovered records are
      earlier or overwritten entries: they are shown in the timeline marked "recovered" (with where they came from) and can be
      hidden there; a recovered copy of a record the log still holds is not repeated.</p>
    ${p.files.length ? table(['File', 'Live records', 'Recovered', 'Unreadable'], p.files.map((f) => [mono(f.file), n(f.read), n(f.recovered), n(f.unreadable)]), 'small') : ''}
    ${p.more ? html`<p class="muted small">${n(p.more)} more file(s) with recovered or unreadable records are not listed.</p>` : ''}`;
}

function warnings(ctx: Ctx): SafeHtml {
  const { m } = ctx;
  return html`<p>${m.warningsTotal} input problem(s) were recorded while indexing; each was skipped and indexing went on.</p>
    ${table(['File', 'Line / offset', 'Problem'], m.warnings.map((w) => [mono(w.file), w.line ?? (w.offset !== undefined ? `@${w.offset}` : ''), w.message]), 'small')}
    ${m.warningsTotal > m.warnings.length ? html`<p class="muted small">First ${m.warnings.length} of ${m.warningsTotal} shown.</p>` : ''}`;
}

/** KAPE's record of the collection: its runs, and each copy log's files checked against the case's SHA-1s. */
function kapeCollection(ctx: Ctx): SafeHtml {
  const k = ctx.m.custody.kape;
  if (!k.runs.length && !k.copies.length) return html``;
  return html`<h3>Collection (KAPE)</h3>
    ${k.runs.length ? table(['Console log', 'Started', 'KAPE', 'Machine', 'User', 'Command line', 'Copied', 'Seconds'], k.runs.map((r) => [
      mono(r.log), r.startedAt === null ? '—' : ctx.t(r.startedAt), r.kapeVersion ?? '—', r.machine ?? '—', r.user ?? '—', mono(r.commandLine), r.copied ?? '—', r.executionSeconds ?? '—',
    ]), 'small') : ''}
    ${k.copies.map((c) => html`<p>Copy log <span class="mono">${c.log}</span>: ${c.rows.toLocaleString('en-US')} file(s) copied;
      ${c.same.toLocaleString('en-US')} in the evidence with the SHA-1 KAPE recorded, ${c.differTotal.toLocaleString('en-US')} with another SHA-1,
      ${c.absentTotal.toLocaleString('en-US')} not in the evidence, ${c.unhashed.toLocaleString('en-US')} without a SHA-1 to compare.</p>
      ${c.differ.length ? table(['Changed since collection', 'Original path', 'SHA-1 (KAPE)', 'SHA-1 (case)'], c.differ.map((d) => [mono(d.relPath), mono(d.source), mono(d.kapeSha1), mono(d.caseSha1)]), 'small') : ''}
      ${c.absent.length ? html`<p class="small">Not in the evidence${c.absentTotal > c.absent.length ? ` (first ${c.absent.length} of ${c.absentTotal})` : ''}: <span class="mono">${c.absent.join(', ')}</span></p>` : ''}`)}`;
}

function custody(ctx: Ctx): SafeHtml {
  const c = ctx.m.custody;
  const v = c.verify;
  return html`<h3>Evidence folders</h3>
    ${table(['Folder', 'Label', 'Added', 'Last indexed'], c.sources.map((s) => [mono(s.root), s.label, s.addedAt, s.lastIndexedAt ?? '—']))}
    <dl class="kv">
      <dt>Files in manifest</dt><dd>${c.fileCount.toLocaleString('en-US')}</dd>
      <dt>Total size</dt><dd>${bytesText(c.totalBytes)}</dd>
      <dt>Indexed</dt><dd>${c.firstIndexedAt ?? '—'} … ${c.lastIndexedAt ?? '—'}</dd>
      <dt>Manifest digest (SHA-256)</dt><dd class="mono">${c.manifestDigest}</dd>
    </dl>
    <p class="small muted">The manifest digest is the SHA-256 of one line per evidence file, <code>relative path TAB size TAB sha256 LF</code>
      (SHA-256 in lower-case hex, empty when not hashed), with the lines sorted byte-wise (as <code>LC_ALL=C sort</code> does).
      Recomputing it from the case manifest proves the list of files and their hashes is the one this report describes.</p>
    <h3>Flagged files</h3>
    ${ctx.m.completeness.detections.state === 'current' ? '' : html`<p class="incomplete">The detections are not current (${ctx.m.completeness.detections.state}): this list is not complete.</p>`}
    ${table(['File', 'Original path', 'Size', 'SHA-256', 'Why'], c.flaggedFiles.map((f) => [mono(f.relPath), mono(f.origPath), f.size, mono(f.sha256), f.reason]), 'small')}
    <h3>Latest verification</h3>
    ${v ? html`<p>On ${v.at}: ${v.checked} file(s) re-hashed, ${v.ok} unchanged, ${v.changed.length} changed, ${v.missing.length} missing, ${v.added.length} added.</p>
      ${v.changed.length ? table(['Changed file', 'Expected SHA-256', 'Actual SHA-256'], v.changed.map((x) => [mono(x.relPath), mono(x.expected), mono(x.actual)]), 'small') : ''}
      ${v.missing.length ? html`<p>Missing: <span class="mono">${v.missing.join(', ')}</span></p>` : ''}`
      : html`<p class="muted">The evidence has not been re-verified since indexing (run <code>loupe verify</code>).</p>`}
    ${kapeCollection(ctx)}`;
}

export const SECTION_RENDERERS: Record<ReportSection, (ctx: Ctx) => SafeHtml> = {
  summary, findings, webshells, story, timeline, indicators, methodology, warnings, custody,
};

export function renderSection(id: ReportSection, index: number, m: ReportModel): SafeHtml {
  const ctx: Ctx = { m, t: (us) => timeText(us, m.meta.displayZone) };
  return html`<section class="section" id="${id}"><h2>${index}. ${SECTION_TITLES[id]}</h2>${SECTION_RENDERERS[id](ctx)}</section>`;
}
