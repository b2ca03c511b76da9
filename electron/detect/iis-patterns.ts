// hafnium.request: HAFNIUM request patterns in IIS (and HttpProxy) logs, for victims whose HttpProxy logs rotated away.
// Our own logic after the published rules:
//  - CISA CHIRP AA21062A.yaml: POST /owa/auth/Current/…, POST /ecp/default.flt, POST /ecp/main.css, POST /ecp/<1 char>.js;
//  - signature-base apt_hafnium_log_sigs.yar: POST /ecp/… with ExchangeServicesClient/0.0.0.0 or python-requests/2.19.1|2.25.1,
//    POST /owa/… or /aspnet_client/… with antSword/v2.1;
//  - Azure Sentinel hunting: cs-uri-stem /owa/auth/<1-30 alnum>.js or /ecp/<1-30 alnum>.(js|flt|css) from a non-private client.
// The full-text index narrows to requests holding a rule's words, the SQL selects exactly the matching rows (no per-row
// JS over the table); JS only names the rules a row matched.
import type { Db } from '../case/db.ts';
import { microsToIso } from '../../shared/types.ts';
import { joinRequests } from './requests.ts';
import { FieldSelection } from '../case/fields.ts';
import { ftsHas, keptEvents } from './rows.ts';
import type { EventHit } from './rows.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

/** Evidence refs listed per finding; the title and details always state the full count. */
export const EVIDENCE_CAP = 500;

export const EXPLOIT_USER_AGENTS = ['ExchangeServicesClient/0.0.0.0', 'python-requests/2.19.1', 'python-requests/2.25.1'];
export const SHELL_USER_AGENTS = ['antSword/v2.1'];

export type RuleId = 'chirp-post' | 'exploit-user-agent' | 'shell-user-agent' | 'sentinel-stem';

/**
 * `words`: texts one of which a matching request's indexed text holds (the URL's or user agent's own words), so the
 * full-text index narrows the scan before the SQL and the test decide.
 */
interface Rule { id: RuleId; label: string; sql: string; words: string[]; test(h: EventHit): boolean; publicOnly: boolean }

const U = 'lower(e.url)';
const quoted = (list: string[]): string => list.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');
const isPost = (h: EventHit): boolean => (h.method ?? '').toUpperCase() === 'POST';
const url = (h: EventHit): string => (h.url ?? '').toLowerCase();

// "<prefix><1-30 alnum><ext>" in GLOB terms: alnum first, no non-alnum character before the extension, bounded length.
const alnumName = (prefix: string, ext: string): string =>
  `(${U} GLOB '${prefix}[a-z0-9]*${ext}' AND ${U} NOT GLOB '${prefix}*[^a-z0-9]*${ext}' AND length(e.url) <= ${prefix.length + 30 + ext.length})`;

const CHIRP_POST_RE = /^\/owa\/auth\/current\/|^\/ecp\/(default\.flt|main\.css|[a-z0-9_]\.js)$/;
const SENTINEL_RE = /^\/owa\/auth\/[a-z0-9]{1,30}\.js$|^\/ecp\/[a-z0-9]{1,30}\.(js|flt|css)$/;

export const RULES: Rule[] = [
  {
    id: 'chirp-post', label: 'CHIRP POST to a static Exchange resource', publicOnly: false,
    sql: `(upper(e.method) = 'POST' AND (${U} GLOB '/owa/auth/current/*' OR ${U} IN ('/ecp/default.flt', '/ecp/main.css') OR ${U} GLOB '/ecp/[a-z0-9_].js'))`,
    words: ['/owa/auth/current/', '/ecp/default.flt', '/ecp/main.css', '.js'],
    test: (h) => isPost(h) && CHIRP_POST_RE.test(url(h)),
  },
  {
    id: 'exploit-user-agent', label: 'POST to /ecp/ with an exploit-script user agent', publicOnly: false,
    sql: `(upper(e.method) = 'POST' AND ${U} GLOB '/ecp/*' AND e.user_agent IN (${quoted(EXPLOIT_USER_AGENTS)}))`,
    words: EXPLOIT_USER_AGENTS,
    test: (h) => isPost(h) && url(h).startsWith('/ecp/') && EXPLOIT_USER_AGENTS.includes(h.userAgent ?? ''),
  },
  {
    id: 'shell-user-agent', label: 'POST to /owa/ or /aspnet_client/ with a web-shell client user agent', publicOnly: false,
    sql: `(upper(e.method) = 'POST' AND (${U} GLOB '/owa/*' OR ${U} GLOB '/aspnet_client/*') AND e.user_agent IN (${quoted(SHELL_USER_AGENTS)}))`,
    words: SHELL_USER_AGENTS,
    test: (h) => isPost(h) && /^\/(owa|aspnet_client)\//.test(url(h)) && SHELL_USER_AGENTS.includes(h.userAgent ?? ''),
  },
  {
    id: 'sentinel-stem', label: 'short script name under /owa/auth/ or /ecp/ from a non-private client', publicOnly: true,
    sql: `(${alnumName('/owa/auth/', '.js')} OR ${alnumName('/ecp/', '.js')} OR ${alnumName('/ecp/', '.flt')} OR ${alnumName('/ecp/', '.css')})`,
    words: ['.js', '.flt', '.css'],
    test: (h) => SENTINEL_RE.test(url(h)),
  },
];

const ruleLabel = (id: RuleId): string => RULES.find((r) => r.id === id)?.label ?? id;

const octets = (ip: string): number[] | null => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  return m ? m.slice(1).map(Number) : null;
};

/** RFC 1918, loopback, link-local (IPv4 and IPv6), IPv6 unique-local; IPv4-mapped IPv6 judged by its IPv4 part. */
export function isPrivateIp(raw: string | null): boolean {
  if (!raw) return false;
  const ip = raw.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/^::ffff:(?=\d+\.)/, '');
  const o = octets(ip);
  if (o) {
    const [a, b] = o;
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (!ip.includes(':')) return false;
  return ip === '::1' || /^fe[89ab][0-9a-f]:/.test(ip) || /^f[cd][0-9a-f]{2}:/.test(ip);
}

/** The rules a request matches (public-only rules skipped for private clients). */
export function rulesMatched(h: EventHit): RuleId[] {
  const priv = isPrivateIp(h.ip);
  return RULES.filter((r) => !(r.publicOnly && priv) && r.test(h)).map((r) => r.id);
}

/** Every IIS/HttpProxy request matching at least one rule, in time order, with the rules it matched. */
export function findHafniumRequests(db: Db): Array<{ hit: EventHit; rules: RuleId[] }> {
  const fts = ftsHas(...new Set(RULES.flatMap((r) => r.words)));
  const where = `${fts.sql} AND e.source IN ('iis', 'httpproxy') AND e.url IS NOT NULL AND (${RULES.map((r) => r.sql).join(' OR ')})`;
  // the rules read columns only: rows the SQL selects but JS drops (private clients of public-only rules) stay undecoded
  return [...keptEvents(db, where, fts.params, new FieldSelection([]), (h) => rulesMatched(h).length > 0)].map((hit) => ({ hit, rules: rulesMatched(hit) }));
}

/** One high finding per client IP, listing its matching requests (refs capped at EVIDENCE_CAP, count in the title). */
export function checkHafniumRequests(db: Db): PendingFinding[] {
  const byIp = new Map<string, Array<{ hit: EventHit; rules: RuleId[] }>>();
  for (const m of findHafniumRequests(db)) {
    const key = m.hit.ip ?? '';
    const list = byIp.get(key);
    if (list) list.push(m); else byIp.set(key, [m]);
  }
  const out: PendingFinding[] = [];
  for (const [ip, list] of byIp) {
    const n = list.length;
    // A request the front end logged in IIS and HttpProxy is one request: counted once, both lines kept as evidence.
    const requests = joinRequests(list.map((m) => m.hit)).length;
    const rules = [...new Set(list.flatMap((m) => m.rules))];
    const shown = list.slice(0, EVIDENCE_CAP);
    out.push({
      finding: {
        check: CHECK.hafniumRequest,
        severity: 'high',
        title: `HAFNIUM request pattern${n === 1 ? '' : 's'}: ${requests} request${requests === 1 ? '' : 's'}${requests === n ? '' : ` (${n} log lines)`} from ${ip || 'an unknown client'} (${rules.map(ruleLabel).join('; ')})`,
        path: null,
        time: microsToIso(list[0].hit.ts),
        sha256: null,
        evidence: shown.map((m) => m.hit.ref),
      },
      details: {
        ip: ip || null,
        count: n,
        requests,
        evidenceCapped: n > shown.length,
        rules,
        hits: shown.map(({ hit, rules: r }) => ({
          eventId: hit.id, ts: hit.ts, source: hit.source, method: hit.method, url: hit.url, status: hit.status, userAgent: hit.userAgent, rules: r,
        })),
      },
    });
  }
  return out;
}

