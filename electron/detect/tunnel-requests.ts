// webshell.tunnel: a web shell used as a TCP tunnel, seen in IIS/HttpProxy logs — the foothold turned into a way into
// the network (RDP to the server itself, SMB or WinRM to inner hosts) through port 443; IIS, HttpProxy and the access
// logs of Apache/nginx/Tomcat or a reverse proxy in front of the server are read alike. Our own logic after the tools'
// published client code:
//  - Tunna (SECFORCE, 2014; the IIS sample in the shared data is its RDP tunnel): the client opens the tunnel with
//    `?proxy&port=<port>&ip=<host>` to its conn.aspx/.jsp/.php, then polls and sends with `?proxy` on the same page;
//  - reGeorg (sensepost, 2014; SigmaHQ web_webshell_regeorg.yml): `?cmd=connect&target=<host>&port=<port>`, then
//    `cmd=read`, `cmd=forward` and `cmd=disconnect` on the same page.
// Neo-reGeorg and later versions carry these verbs in headers or bodies, which IIS does not log: they are not seen here.
import type { Db } from '../case/db.ts';
import { microsToIso } from '../../shared/types.ts';
import { httpStatusOf, outcomeOfStatus } from './cve-2021-26855.ts';
import { EVIDENCE_CAP } from './iis-patterns.ts';
import { queryOf } from './requests.ts';
import { queryMayHold } from './proxy-requests.ts';
import { FieldSelection } from '../case/fields.ts';
import { ftsHas, keptEvents } from './rows.ts';
import type { EventHit } from './rows.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

export type TunnelTool = 'Tunna' | 'reGeorg';

interface TunnelVerb { tool: TunnelTool; opens: string | null; /** reGeorg's cmd (connect, read, forward, disconnect). */ cmd?: string }
interface TunnelRequest extends TunnelVerb { hit: EventHit }

/** Parameters of a query string by name (the first of each; names compared lower-case; values as written). */
function params(query: string): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    if (name && !out.has(name)) out.set(name, eq < 0 ? null : part.slice(eq + 1));
  }
  return out;
}

/** What a request does in a tunnel: which tool, and `host:port` when it opens a connection; null for other requests. */
export function tunnelRequest(query: string): { tool: TunnelTool; opens: string | null } | null {
  const v = tunnelVerb(query);
  return v && { tool: v.tool, opens: v.opens };
}

/** reGeorg's `cmd` values. */
const REGEORG_VERBS = ['connect', 'read', 'forward', 'disconnect'];

function tunnelVerb(query: string): TunnelVerb | null {
  const p = params(query);
  if (p.has('proxy') && p.get('proxy') === null) {
    const port = p.get('port');
    if (port && /^\d{1,5}$/.test(port) && p.get('ip')) return { tool: 'Tunna', opens: `${p.get('ip')}:${port}` };
    return p.size === 1 ? { tool: 'Tunna', opens: null } : null;
  }
  const cmd = p.get('cmd')?.toLowerCase();
  if (cmd === 'connect' && p.get('target') && /^\d{1,5}$/.test(p.get('port') ?? '')) return { tool: 'reGeorg', opens: `${p.get('target')}:${p.get('port')}`, cmd };
  if (cmd === 'read' || cmd === 'forward' || cmd === 'disconnect') return { tool: 'reGeorg', opens: null, cmd };
  return null;
}

/** Well-known ports a tunnel is opened to, named for the title. */
const PORT_NAMES: Record<string, string> = { 22: 'SSH', 135: 'RPC', 389: 'LDAP', 445: 'SMB', 1433: 'MSSQL', 3389: 'RDP', 5985: 'WinRM', 5986: 'WinRM' };

function describeTarget(target: string): string {
  const name = PORT_NAMES[target.slice(target.lastIndexOf(':') + 1)];
  return name ? `${target} (${name})` : target;
}

const QUERY_FIELDS = new FieldSelection(['cs-uri-query', 'UrlQuery', 'HttpStatus']);

/**
 * Every request of a tunnel tool, in time order: FTS narrows to lines holding the tools' words, the query decides.
 * reGeorg's are phrases of `cmd` and its verb (`cmd=read` is the two words in a row): ActiveSync's `Cmd=Ping` and
 * `Cmd=Sync`, on every busy server, are not read.
 */
function tunnelRequests(db: Db): TunnelRequest[] {
  const fts = ftsHas('proxy', ...REGEORG_VERBS.map((v) => `cmd=${v}`));
  const out: TunnelRequest[] = [];
  let verb: TunnelVerb | null = null;
  // the kept event is the one just tested: its verb is read once
  // only requests whose query can hold the verbs: ActiveSync's back-end path /Microsoft-Server-ActiveSync/Proxy/ is
  // "proxy" to the full-text index (68k requests of the 2 GB corpus, each with a Cmd= of its own)
  const verbs = queryMayHold(db, 'proxy', ...REGEORG_VERBS.map((v) => `cmd=${v}`));
  for (const hit of keptEvents(db, `${fts.sql} AND e.source IN ('iis', 'httpproxy', 'access-log') AND ${verbs.sql}`, [...fts.params, ...verbs.params], QUERY_FIELDS, (h) => (verb = tunnelVerb(queryOf(h))) !== null, false)) {
    out.push({ hit, ...verb! });
  }
  return out;
}

/**
 * One finding per page and client that ran a tunnel: a page that saw a connection opened (or, for reGeorg, both reads and
 * forwards — the opening may be older than the logs). A lone `?proxy` or `cmd=read` is an ordinary parameter.
 */
export function checkTunnelRequests(db: Db): PendingFinding[] {
  const sessions = new Map<string, TunnelRequest[]>();
  for (const r of tunnelRequests(db)) {
    const key = `${r.tool}\u0000${(r.hit.url ?? '').toLowerCase()}\u0000${r.hit.ip ?? ''}`;
    const list = sessions.get(key);
    if (list) list.push(r); else sessions.set(key, [r]);
  }
  const out: PendingFinding[] = [];
  for (const list of sessions.values()) {
    const opened = list.filter((r) => r.opens);
    const verbs = new Set(list.map((r) => r.cmd));
    if (!opened.length && !(verbs.has('read') && verbs.has('forward'))) continue;
    out.push(tunnelFinding(list, opened));
  }
  return out.sort((a, b) => (a.finding.time ?? '').localeCompare(b.finding.time ?? ''));
}

const answered2xx = (h: EventHit): boolean => outcomeOfStatus(httpStatusOf(h)) === 'exploited';

function tunnelFinding(list: TunnelRequest[], opened: TunnelRequest[]): PendingFinding {
  const { tool } = list[0];
  const first = list[0].hit;
  const ip = first.ip;
  const answered = list.filter((r) => answered2xx(r.hit)).length;
  const targets = [...new Set(opened.map((r) => r.opens!))];
  const shown = list.slice(0, EVIDENCE_CAP);
  const n = list.length;
  const worked = opened.some((r) => answered2xx(r.hit)) && answered > opened.length;
  return {
    finding: {
      check: CHECK.webshellTunnel,
      severity: answered ? 'critical' : 'high',
      confidence: worked ? 'confirmed' : 'likely',
      confidenceReason: worked
        ? `${tool}'s tunnel requests: a connection opened and ${(answered - opened.length).toLocaleString('en-US')} data requests answered 2xx — the page relayed traffic`
        : `${tool}'s tunnel request pattern${answered ? '' : ', none answered 2xx'}: a tunnel was tried; that it carried traffic is not proven`,
      title: `Web-shell tunnel (${tool}) at ${first.url ?? '?'}${ip ? ` from ${ip}` : ''}: ${n.toLocaleString('en-US')} request${n === 1 ? '' : 's'}`
        + `${targets.length ? `, to ${targets.slice(0, 3).map(describeTarget).join(', ')}${targets.length > 3 ? ` and ${targets.length - 3} more` : ''}` : ''}`,
      path: null,
      time: microsToIso(first.ts),
      sha256: null,
      evidence: shown.map((r) => r.hit.ref),
    },
    details: {
      tool, ip: ip ?? null, url: first.url, targets, count: n, answered2xx: answered,
      first: microsToIso(first.ts), last: microsToIso(list[n - 1].hit.ts), evidenceCapped: n > shown.length,
      hits: shown.map((r) => ({ eventId: r.hit.id, ts: r.hit.ts, method: r.hit.method, query: queryOf(r.hit), status: r.hit.status, opens: r.opens })),
    },
  };
}
