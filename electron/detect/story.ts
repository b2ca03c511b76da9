// One story per intrusion, in time order, each request once: every request of its IPs (IIS line and HttpProxy row
// joined), the shells it wrote, the traces placed in it by time (config changes in Exchange's own logs, dumps,
// archives, processes, mailbox exports), the stages it reached, and the answer to "was mail accessed or taken?".
import type { Intrusion, LogCoverage, MailAnswer, StoryStage, StoryStep } from '../../shared/api.ts';
import { STORY_STAGES } from '../../shared/api.ts';
import type { EvidenceRef, Micros } from '../../shared/types.ts';
import { isoToMicros, microsToIso } from '../../shared/types.ts';
import type { IpProfile, Shell } from './actors.ts';
import { isExcludedProbeAnchor } from './actors.ts';
import { CONFIDENCE_RANK, strongest } from './confidence.ts';
import { isSsrfAnchor, ssrfTarget } from './cve-2021-26855.ts';
import { isCveCheck } from './cve-registry.ts';
import { isResetVdirAnchor } from './cve-2021-27065.ts';
import { rulesMatched } from './iis-patterns.ts';
import type { IntrusionCluster } from './intrusions.ts';
import { STORY_SIGMA_CHECKS } from './intrusions.ts';
import { ewsOperation } from './mail.ts';
import { normWin } from './paths.ts';
import { READ_METHODS } from './requests.ts';
import type { Request } from './requests.ts';
import { str } from './rows.ts';
import { tunnelRequest } from './tunnel-requests.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

/** Steps kept in a story's details (the timeline holds every event; stepsTotal says how many there were). */
export const MAX_STEPS = 1000;

const refKey = (r: EvidenceRef): string => `${r.file}\u0000${r.line ?? ''}\u0000${r.record ?? ''}\u0000${r.offset ?? ''}`;
const hhmm = (us: Micros): string => microsToIso(us).slice(0, 16).replace('T', ' ');

interface Kind { stage: StoryStage; kind: string; what: string }

/** Event id → the title of the CVE finding that hit it (for checks the story has no words of its own for). */
export type CveHits = Map<number, string>;

function classify(r: Request, shells: Shell[], firstExploit: Micros, cveHits: CveHits): Kind {
  const anchor = str(r.hit.fields, 'AnchorMailbox');
  const cve = r.eventIds.map((id) => cveHits.get(id)).find((t) => t !== undefined);
  if (cve && !isSsrfAnchor(anchor)) return { stage: 'ssrf', kind: 'exploit', what: cve };
  if (isSsrfAnchor(anchor)) {
    const target = ssrfTarget(anchor);
    const lower = target.toLowerCase();
    if (isResetVdirAnchor(anchor)) return { stage: 'config-change', kind: 'vdir-reset', what: 'forged request resets the virtual directory: its settings, script included, are written to a file' };
    if (/setobject/.test(lower) && /virtualdirectory/.test(lower)) return { stage: 'config-change', kind: 'vdir-set', what: 'forged request sets the virtual directory\'s URL (the script goes in)' };
    if (lower.startsWith('ews/')) return { stage: 'ssrf', kind: 'mailbox-access', what: `mailbox access: EWS ${ewsOperation(r.hit) || 'request'} through the forged session` };
    return { stage: 'ssrf', kind: 'ssrf', what: `forged back-end request to /${target.split('?')[0]}` };
  }
  if (isExcludedProbeAnchor(anchor)) return { stage: 'scan', kind: 'probe', what: 'autodiscover / localhost SSRF probe' };
  const shell = shells.find((s) => s.urls.includes(r.url));
  if (shell) {
    const drives = !READ_METHODS.has(r.method) || r.query !== '';
    return { stage: 'shell-used', kind: drives ? 'shell-use' : 'shell-check', what: `${drives ? 'drives' : 'checks'} the web shell ${shell.path}` };
  }
  const tunnel = tunnelRequest(r.query);
  if (tunnel) return { stage: 'shell-used', kind: tunnel.opens ? 'tunnel-open' : 'tunnel-relay', what: `${tunnel.tool} tunnel through ${r.url}${tunnel.opens ? `: opens a connection to ${tunnel.opens}` : ': relays the connection\'s data'}` };
  if (r.url.startsWith('/oab/')) return { stage: 'follow-on', kind: 'oab-download', what: 'offline address book download' };
  if (/\.(pst|ost)$/.test(r.url)) return { stage: 'follow-on', kind: 'pst-download', what: 'downloads an Outlook data file (the exported mailbox)' };
  if (rulesMatched(r.hit).length) return READ_METHODS.has(r.method) ? { stage: 'scan', kind: 'probe', what: 'probe of a ProxyLogon path' } : { stage: 'ssrf', kind: 'exploit-request', what: 'exploit request (published HAFNIUM pattern)' };
  return r.ts < firstExploit ? { stage: 'scan', kind: 'request', what: 'request before the exploitation' } : { stage: 'follow-on', kind: 'request', what: 'request' };
}

function requestSteps(c: IntrusionCluster, profiles: Map<string, IpProfile>, cveHits: CveHits): StoryStep[] {
  const reqs = c.ips.flatMap((ip) => profiles.get(ip)?.requests ?? []);
  const exploitTimes = [
    ...c.ips.flatMap((ip) => { const p = profiles.get(ip); return p ? [...p.ssrfOk, ...p.ssrfTried, ...p.writes].map((r) => r.ts) : []; }),
    ...reqs.filter((r) => r.eventIds.some((id) => cveHits.has(id))).map((r) => r.ts),
  ];
  const firstExploit = exploitTimes.length ? Math.min(...exploitTimes) : Infinity;
  return reqs.map((r) => {
    const k = classify(r, c.shells, firstExploit, cveHits);
    const url = `${r.hit.url ?? r.url}${r.query ? `?${r.query}` : ''}`;
    return {
      ts: r.ts, stage: k.stage, kind: k.kind, ip: r.ip, ref: r.ref, also: r.also, eventId: r.hit.id,
      text: `${r.method || 'request'} ${url} → ${r.status ?? '-'} from ${r.ip}: ${k.what}`,
    };
  });
}

function shellWriteSteps(c: IntrusionCluster): StoryStep[] {
  return c.shells.flatMap((s) => s.writeRefs.map((w) => {
    const writer = c.writers.get(normWin(s.path));
    const after = writer ? ` (right after ${writer.ip}'s request at ${hhmm(writer.req.ts)})` : '';
    const text = w.kind === 'oab-write'
      ? `the OAB generator writes ${s.path} (CVE-2021-26858)${after}`
      : `web shell ${s.path} written (the file's modification time)${after}`;
    return { ts: w.ts, stage: 'shell-written' as const, kind: w.kind, text, ip: writer?.ip ?? null, ref: w.ref, also: [], eventId: w.eventId };
  }));
}

/** Steps from a finding that are not requests of the intrusion's IPs (Exchange's own logs, files, processes). */
export function findingSteps(p: PendingFinding): StoryStep[] {
  const f = p.finding;
  const d = p.details ?? {};
  const hits = Array.isArray(d.hits) ? (d.hits as Array<{ eventId?: number; ts?: number; kind?: string; image?: string }>) : [];
  const perHit = (stage: StoryStage, kind: string, text: (h: (typeof hits)[number]) => string): StoryStep[] =>
    f.evidence.map((ref, i) => ({ ts: hits[i]?.ts ?? null, stage, kind, text: text(hits[i] ?? {}), ip: null, ref, also: [], eventId: hits[i]?.eventId ?? null }));
  const fileStep = (stage: StoryStage, kind: string): StoryStep[] =>
    [{ ts: f.time ? isoToMicros(f.time) : null, stage, kind, text: f.title, ip: null, ref: f.evidence[0], also: [], eventId: null }];
  switch (f.check) {
    case CHECK.ecp: return perHit('config-change', 'vdir-set', (h) => (h.kind === 'msexchange-management'
      ? 'cmdlet log: Set-OabVirtualDirectory with a script in -ExternalUrl' : h.kind === 'ecp-server'
        ? 'ECP log: Set-…VirtualDirectory with a script in its URL (CVE-2021-27065)' : 'Reset…VirtualDirectory request (CVE-2021-27065)'));
    case CHECK.um: return perHit('ssrf', 'um-exploit', (h) => (h.kind === 'um-child'
      ? `UMWorkerProcess.exe starts ${h.image ?? 'a process'} (CVE-2021-26857)` : 'Unified Messaging InvalidCastException (CVE-2021-26857 deserialization)'));
    case CHECK.lsass: return fileStep('follow-on', 'lsass-dump');
    case CHECK.archive: return fileStep('follow-on', 'archive');
    case CHECK.webshellTunnel: {
      // One step for the whole tunnel (thousands of relayed requests): the page, the client and where it reached.
      const hit = hits[0] ?? {};
      return f.evidence.length ? [{ ts: hit.ts ?? (f.time ? isoToMicros(f.time) : null), stage: 'shell-used', kind: 'tunnel', text: f.title, ip: typeof d.ip === 'string' ? d.ip : null, ref: f.evidence[0], also: [], eventId: hit.eventId ?? null }] : [];
    }
    case CHECK.avDetection: return fileStep(d.webFolder ? 'shell-written' : 'follow-on', 'av-detection');
    case CHECK.avTamper: return fileStep('follow-on', 'av-tamper');
    case CHECK.mailForwarding: case CHECK.mailPermission: return fileStep('follow-on', 'mailbox-change');
    case CHECK.mailExport: return fileStep('follow-on', 'export-request');
    case CHECK.mailPst: return fileStep('follow-on', 'pst-written');
    case CHECK.webshell: {
      if (d.kind !== 'process') return [];
      const times = Array.isArray(d.times) ? (d.times as number[]) : [];
      const cmds = Array.isArray(d.commandLines) ? (d.commandLines as string[]) : [];
      return f.evidence.map((ref, i) => ({ ts: times[i] ?? null, stage: 'follow-on' as const, kind: 'process', text: `w3wp.exe starts ${f.path ?? 'a process'}${cmds[i] ? `: ${cmds[i]}` : ''}`, ip: null, ref, also: [], eventId: null }));
    }
    default:
      if (STORY_SIGMA_CHECKS.has(f.check)) {
        // Each matched event a step: what the worker process did, in the rule's words and the event's own summary.
        const events = Array.isArray(d.events) ? (d.events as Array<{ eventId: number; ts: number; message: string; ref: EvidenceRef }>) : [];
        return events.map((e) => ({ ts: e.ts, stage: 'follow-on' as const, kind: 'sigma', text: `${String(d.ruleTitle ?? f.title)}: ${e.message}`, ip: null, ref: e.ref, also: [], eventId: e.eventId }));
      }
      // A CVE check added to the registry: its hits placed in the story as exploitation steps.
      return isCveCheck(f.check) ? perHit('ssrf', 'exploit', () => f.title) : [];
  }
}

/**
 * A tunnel relays thousands of requests: a run of them from one client through one page, with nothing else between,
 * reads as one step ("… relays the connection's data: 4,295 requests until 11:08:51"); opening requests stay apart.
 */
function foldTunnelRelays(steps: StoryStep[]): StoryStep[] {
  const out: StoryStep[] = [];
  let run: { step: StoryStep; n: number; last: Micros | null; page: string } | null = null;
  const close = (): void => {
    if (run && run.n > 1) run.step.text = `${run.step.text}: ${run.n.toLocaleString('en-US')} requests${run.last !== null ? ` until ${microsToIso(run.last).slice(11, 19)}` : ''}`;
    run = null;
  };
  for (const s of steps) {
    const page = s.kind === 'tunnel-relay' ? /tunnel through (\S+):/.exec(s.text)?.[1] ?? '' : null;
    if (page !== null && run && run.step.ip === s.ip && run.page === page) { run.n++; run.last = s.ts; continue; }
    close();
    out.push(s);
    if (page !== null) run = { step: s, n: 1, last: s.ts, page };
  }
  close();
  return out;
}

function mergeSteps(groups: StoryStep[][]): StoryStep[] {
  const seen = new Set<string>();
  const out: StoryStep[] = [];
  for (const s of groups.flat()) {
    if (!s.ref) continue;
    const keys = [s.ref, ...s.also].map(refKey);
    if (keys.some((k) => seen.has(k))) continue;
    keys.forEach((k) => seen.add(k));
    out.push(s);
  }
  return out.sort((a, b) => (a.ts ?? Infinity) - (b.ts ?? Infinity) || STORY_STAGES.indexOf(a.stage) - STORY_STAGES.indexOf(b.stage));
}

interface MailFacts { answer: MailAnswer; summary: string; addressBook: boolean; findings: PendingFinding[] }

const mailOutcome = (p: PendingFinding): string => String(p.details?.outcome ?? '');

function mailFacts(members: PendingFinding[], coverage: LogCoverage[], first: Micros | null, last: Micros | null): MailFacts {
  const mail = members.filter((p) => p.finding.check.startsWith('mail.') && p.finding.confidence !== 'info');
  const sure = (p: PendingFinding): boolean => CONFIDENCE_RANK[p.finding.confidence ?? 'review'] >= CONFIDENCE_RANK.likely;
  const exported = mail.filter((p) => mailOutcome(p) === 'exported' && sure(p));
  const accessed = mail.filter((p) => mailOutcome(p) === 'accessed');
  const oab = mail.filter((p) => p.finding.check === CHECK.mailOab);
  const covered = first !== null && last !== null && coverage.some((c) => (c.kind === 'httpproxy-log' || c.kind === 'iis-log')
    && c.oldest !== null && c.newest !== null && c.oldest <= first && c.newest >= last);
  const answer: MailAnswer = exported.length ? 'exported' : accessed.length ? 'accessed' : covered ? 'no-evidence' : 'not-covered';
  const said = (list: PendingFinding[]): string => list.map((p) => String(p.details?.summary ?? p.finding.title)).join(' ');
  const base = answer === 'exported' || answer === 'accessed' ? said(answer === 'exported' ? [...exported, ...accessed] : accessed)
    : answer === 'no-evidence' ? 'No sign of mailbox access or export in the logs, which cover this intrusion\'s period.'
      : 'The web logs do not cover this intrusion\'s whole period: mailbox access cannot be ruled out.';
  return { answer, summary: `${base}${oab.length ? ` ${said(oab)}` : ''}`.trim(), addressBook: oab.length > 0, findings: [...exported, ...accessed, ...oab] };
}

/** The pages the intrusion's clients tunnelled through (webshell.tunnel), by URL, unless already one of its shells. */
function tunnelPages(c: IntrusionCluster, members: PendingFinding[]): string[] {
  const known = new Set(c.shells.flatMap((s) => s.urls));
  const pages = members.filter((p) => p.finding.check === CHECK.webshellTunnel).map((p) => p.details?.url).filter((u): u is string => typeof u === 'string');
  return [...new Set(pages)].filter((u) => !known.has(u.toLowerCase()));
}

const MAIL_WORDS: Record<MailAnswer, string> = { exported: 'mail exported', accessed: 'mail accessed', 'no-evidence': 'no sign of mail access', 'not-covered': 'mail access not covered by the logs' };

/** The story finding of one intrusion; its mail finding ids are filled in once they are known (resolve). */
export function storyFinding(c: IntrusionCluster, profiles: Map<string, IpProfile>, members: PendingFinding[], traceSteps: StoryStep[], coverage: LogCoverage[], cveHits: CveHits = new Map()): PendingFinding & { resolve(ids: Map<PendingFinding, number>): void } {
  const merged = mergeSteps([requestSteps(c, profiles, cveHits), shellWriteSteps(c), traceSteps]);
  const all = foldTunnelRelays(merged);
  const steps = all.slice(0, MAX_STEPS);
  const times = merged.map((s) => s.ts).filter((t): t is number => t !== null);
  const first = times.length ? Math.min(...times) : c.first;
  const last = times.length ? Math.max(...times) : c.last;
  const stages = STORY_STAGES.filter((st) => all.some((s) => s.stage === st));
  const mail = mailFacts(members, coverage, first, last);
  const confidence = strongest(members.map((p) => p.finding.confidence).filter((x) => x !== 'info')) ?? 'likely';
  const severe = stages.includes('shell-written') || stages.includes('shell-used') || mail.answer === 'exported';
  const intrusion: Omit<Intrusion, 'findingId'> = {
    id: c.n, title: '', ips: c.ips, shells: [...c.shells.map((s) => s.path), ...tunnelPages(c, members)], firstSeen: first, lastSeen: last, stages,
    confidence, mail: { answer: mail.answer, summary: mail.summary, addressBook: mail.addressBook, findingIds: [] }, steps, stepsTotal: all.length,
  };
  intrusion.title = `Intrusion ${c.n}: ${c.ips.join(', ') || 'no client IP in the logs'} · ${first !== null ? hhmm(first) : '?'} → ${last !== null ? hhmm(last) : '?'} · ${stages.join(' → ')} · ${MAIL_WORDS[mail.answer]}`;
  return {
    finding: {
      check: CHECK.story, severity: severe ? 'critical' : 'high', confidence,
      confidenceReason: `${members.filter((p) => p.finding.confidence === confidence).length} ${confidence} finding(s) among its traces`,
      title: intrusion.title, path: c.shells[0]?.path ?? null, time: first !== null ? microsToIso(first) : null, sha256: null,
      evidence: steps.slice(0, 500).map((s) => s.ref),
    },
    details: { ...intrusion, attackerIps: c.ips },
    resolve(ids) {
      (this.details as { mail: { findingIds: number[] } }).mail.findingIds = mail.findings.map((p) => ids.get(p)).filter((x): x is number => x !== undefined);
    },
  };
}
