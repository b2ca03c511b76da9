// webshell.log-use: web-shell USE seen in the request logs when the shell file itself was not collected (deleted,
// outside the triage, or in a folder nobody copied). How analysts found HAFNIUM shells from logs in March 2021
// (Microsoft and CISA: "POST requests to suspicious .aspx files in /owa/auth/Current/themes/resources/ or
// /aspnet_client/"): a script page the server's software does not ship, answered 2xx to POSTs from one or two clients.
// The full-text index narrows to request lines naming a script extension, SQL counts per page, source and client; JS
// only judges the few pages left. Nothing is read per event in JS.
import type { Db } from '../case/db.ts';
import { fieldSql } from '../case/fields.ts';
import { microsToIso } from '../../shared/types.ts';
import type { EventHit } from './rows.ts';
import { ftsHas, ftsPhrase, lightEvents } from './rows.ts';
import { isShellFinding } from './actors.ts';
import { urlPathsFor } from './paths.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

/**
 * Server-side script extensions a shell is written in: ASP.NET pages, handlers and services (.aspx .ashx .asmx), classic
 * ASP (.asp .asa), Razor (.cshtml .vbhtml), Java (.jsp .jspx), PHP (.php .phtml) and ColdFusion (.cfm). Not .svc: the
 * Exchange front end answers millions of POSTs to OWA service.svc and ECP DDIService.svc, and no 2021 shell was one.
 */
export const LOG_SHELL_EXTENSIONS = ['aspx', 'ashx', 'asmx', 'asp', 'asa', 'cshtml', 'vbhtml', 'jsp', 'jspx', 'php', 'phtml', 'cfm'];

/** A page whose 2xx POSTs came from more clients than this is an application page (users), not an operator's shell. */
export const MAX_SHELL_CLIENTS = 3;
/** Request lines of a page kept as the finding's evidence (the counts in the title and details are complete). */
export const LOG_USE_EVIDENCE_CAP = 50;
/** Refused clients listed per page (a shell path sprayed by scanners has thousands); clientsTotal counts them all. */
const REFUSED_CLIENTS_CAP = 100;

/**
 * Folders where shells were planted in 2021 and where Exchange ships no script but the few stock pages below
 * (Microsoft/CISA March 2021 guidance; MSTIC's path IOCs): aspnet_client holds only client files, the OWA and ECP
 * auth folders a handful of logon pages, themes/resources only images and styles, the OAB folder only address books.
 */
const SHELL_FOLDERS = ['/aspnet_client/', '/owa/auth/', '/ecp/auth/', '/oab/'];

/**
 * The stock scripts of those folders (CSS-Exchange known-good baseline for Exchange 2016 CU19, FrontEnd\HttpProxy and
 * ClientAccess owa\auth, ecp\auth): a POST to one of them is a user logging on.
 */
const STOCK_SHELL_FOLDER_PAGES = new Set([
  '/owa/auth/logon.aspx', '/owa/auth/logoff.aspx', '/owa/auth/signout.aspx', '/owa/auth/errorfe.aspx', '/owa/auth/error.aspx',
  '/owa/auth/error2.aspx', '/owa/auth/expiredpassword.aspx', '/owa/auth/frowny.aspx', '/owa/auth/outlookcn.aspx',
  '/owa/auth/redirsuiteserviceproxy.aspx', '/ecp/auth/timeoutlogout.aspx',
]);

/**
 * Exchange's virtual directories outside the shell folders: ECP and OWA ship hundreds of .aspx pages (an administrator
 * POSTs to rare ECP pages), EWS, Autodiscover, ActiveSync, MAPI, PowerShell and the reporting and push services their
 * own; a script page there is left to the hash baseline and the YARA scan, or every administrator's ECP work is a
 * finding. Only names no other web application uses: a PHP site's /api/ or /public/ stays in scope.
 */
const EXCHANGE_APP_FOLDERS = ['/owa/', '/ecp/', '/ews/', '/exchweb/', '/autodiscover/', '/microsoft-server-activesync/', '/mapi/',
  '/powershell/', '/reportingwebservice/', '/pushnotifications/'];

export type PageKind = 'shell-folder' | 'rare-page';

/** Where a page stands: in a 2021 shell folder (not a stock page there), any other script page, or null (Exchange's own). */
export function pageKind(page: string): PageKind | null {
  const p = page.toLowerCase();
  if (SHELL_FOLDERS.some((f) => p.startsWith(f))) return STOCK_SHELL_FOLDER_PAGES.has(p) ? null : 'shell-folder';
  return EXCHANGE_APP_FOLDERS.some((f) => p.startsWith(f)) ? null : 'rare-page';
}

/**
 * Request lines whose message (method, URL, query, status, client, user agent) names a script extension, less EWS's
 * Exchange.asmx and the shell folders' stock pages (the bulk of an Exchange server's POSTs and of its users' GETs):
 * phrases over the FTS message column. A line whose query or user agent names one of those pages is left out too.
 */
const MATCH = `{message}: ((${LOG_SHELL_EXTENSIONS.join(' OR ')}) NOT (${['/ews/exchange.asmx', ...STOCK_SHELL_FOLDER_PAGES].map(ftsPhrase).join(' OR ')}))`;
const EXT_SQL = `(${LOG_SHELL_EXTENSIONS.map((x) => `lower(e.url) GLOB '*.${x}'`).join(' OR ')})`;
const WEB_SOURCES = "e.source IN ('iis', 'httpproxy', 'access-log')";
/** A page in a 2021 shell folder (its stock pages are already out of MATCH), in SQL. */
const SHELL_FOLDER_SQL = `(${SHELL_FOLDERS.map((f) => `lower(e.url) GLOB '${f}*'`).join(' OR ')})`;

/**
 * A request passing parameters in its query (IIS/access-log cs-uri-query, HttpProxy UrlQuery): not empty, `-` or `?`,
 * nor only the front end's own `&CorrelationID=<empty>;&cafeReqId=…;` suffix (see requests.ts queryOf).
 */
function queryGivenSql(): { sql: string; params: unknown[] } {
  const iis = fieldSql('cs-uri-query');
  const proxy = fieldSql('UrlQuery');
  return {
    sql: `(SELECT q NOT IN ('', '-', '?') AND q NOT GLOB '&CorrelationID=<empty>;&cafeReqId=*' FROM (SELECT coalesce(${iis.sql}, ${proxy.sql}, '') AS q))`,
    params: [...iis.params, ...proxy.params],
  };
}

interface ClientRow { page: string; source: string; ip: string | null; posts: number; ok: number; gets: number; okGets: number; first: number; last: number }

/**
 * Requests that drive a script page, counted per page (case-folded), log source and client: POSTs anywhere; in the 2021
 * shell folders also GETs passing parameters (`x.aspx?cmd=whoami`, how many shells are driven; actors.ts drivesShell),
 * which elsewhere are every application's daily traffic.
 */
function driveCounts(db: Db): ClientRow[] {
  const query = queryGivenSql();
  return db.prepare(`SELECT page, source, ip, sum(post) AS posts, sum(post AND ok) AS ok, sum(pget) AS gets, sum(pget AND ok) AS okGets,
      min(ts) AS first, max(ts) AS last
    FROM (SELECT lower(e.url) AS page, e.source AS source, e.ip AS ip, e.ts AS ts, upper(e.method) = 'POST' AS post,
        e.status BETWEEN 200 AND 299 AS ok, upper(e.method) <> 'POST' AND ${SHELL_FOLDER_SQL} AND ${query.sql} AS pget
      FROM events e WHERE e.id IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?) AND ${WEB_SOURCES} AND ${EXT_SQL})
    WHERE post OR pget GROUP BY 1, 2, 3`).all(...query.params, MATCH) as ClientRow[];
}

export interface PageClient { ip: string | null; posts: number; answered2xx: number; paramGets: number; paramGets2xx: number; first: number; last: number }
export interface PageUse {
  page: string; kind: PageKind; clients: PageClient[]; posts: number; answered2xx: number; paramGets: number; paramGets2xx: number;
  first: number; last: number;
}

/**
 * Per page, per client: the front end logs one request in IIS and again in HttpProxy, so a client's count is the
 * larger of its per-source counts, not their sum.
 */
function pageUses(rows: ClientRow[]): PageUse[] {
  const byPage = new Map<string, Map<string, PageClient>>();
  for (const r of rows) {
    const clients = byPage.get(r.page) ?? new Map<string, PageClient>();
    byPage.set(r.page, clients);
    const c = clients.get(r.ip ?? '') ?? { ip: r.ip, posts: 0, answered2xx: 0, paramGets: 0, paramGets2xx: 0, first: r.first, last: r.last };
    clients.set(r.ip ?? '', {
      ip: r.ip, posts: Math.max(c.posts, r.posts), answered2xx: Math.max(c.answered2xx, r.ok), paramGets: Math.max(c.paramGets, r.gets),
      paramGets2xx: Math.max(c.paramGets2xx, r.okGets), first: Math.min(c.first, r.first), last: Math.max(c.last, r.last),
    });
  }
  const out: PageUse[] = [];
  for (const [page, clients] of byPage) {
    const kind = pageKind(page);
    if (!kind) continue;
    const list = [...clients.values()].sort((a, b) => drove(b) - drove(a) || a.first - b.first);
    const sum = (f: (c: PageClient) => number): number => list.reduce((n, c) => n + f(c), 0);
    out.push({ page, kind, clients: list, posts: sum((c) => c.posts), answered2xx: sum((c) => c.answered2xx), paramGets: sum((c) => c.paramGets),
      paramGets2xx: sum((c) => c.paramGets2xx), first: Math.min(...list.map((c) => c.first)), last: Math.max(...list.map((c) => c.last)) });
  }
  return out;
}

/** Requests of a client that drove the page: answered 2xx (a refused one is a probe). */
const drove = (c: PageClient): number => c.answered2xx + c.paramGets2xx;

/** The clients that drove the page. */
const drivers = (u: PageUse): PageClient[] => u.clients.filter((c) => drove(c) > 0);

/** A page driven by few clients: a shell has its operator (and perhaps a second exit), an application its users. */
const fewDrivers = (u: PageUse): boolean => drivers(u).length >= 1 && drivers(u).length <= MAX_SHELL_CLIENTS;

/** URL paths (lower-case) that already have a shell finding: a scanned file mapped to its URL, or a tunnel page. */
export function pagesWithShellFindings(found: PendingFinding[]): Set<string> {
  const out = new Set<string>();
  for (const p of found) {
    if (isShellFinding(p)) for (const u of urlPathsFor(p.finding.path ?? '')) out.add(u);
    if (p.finding.check === CHECK.webshellTunnel && typeof p.details?.url === 'string') out.add(p.details.url.toLowerCase());
  }
  return out;
}

/** One finding per script page used like a web shell in the logs, unless another check already found that shell. */
export function checkLogShellUse(db: Db, found: PendingFinding[]): PendingFinding[] {
  const known = pagesWithShellFindings(found);
  return pageUses(driveCounts(db))
    .filter((u) => fewDrivers(u) && !known.has(u.page))
    .map((u) => logUseFinding(u, pageRequests(db, u)))
    .sort((a, b) => (a.finding.time ?? '').localeCompare(b.finding.time ?? ''));
}

/** The clients listed: every one the page answered 2xx, then the first refused ones. */
const listed = (u: PageUse): PageClient[] => [...drivers(u), ...u.clients.filter((c) => drove(c) === 0).slice(0, REFUSED_CLIENTS_CAP)];

/** The page's requests from its listed clients (their GETs too: checking the upload worked), in time order, capped. */
function pageRequests(db: Db, u: PageUse): EventHit[] {
  const ips = listed(u).map((c) => c.ip ?? '');
  const fts = ftsHas(u.page);
  return lightEvents(db, `${fts.sql} AND ${WEB_SOURCES} AND lower(e.url) = ? AND coalesce(e.ip, '') IN (${ips.map(() => '?').join(', ')})`,
    [...fts.params, u.page, ...ips], undefined, LOG_USE_EVIDENCE_CAP + 1);
}

const plural = (n: number, word: string): string => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** "3 POSTs (3 answered 2xx) and 2 GETs with parameters (2 answered 2xx)": the parts that are not zero. */
function driveCountsText(u: PageUse): string {
  const part = (n: number, ok: number, noun: string, tail = ''): string[] => (n ? [`${plural(n, noun)}${tail} (${ok.toLocaleString('en-US')} answered 2xx)`] : []);
  return [...part(u.posts, u.answered2xx, 'POST'), ...part(u.paramGets, u.paramGets2xx, 'GET', ' with parameters')].join(' and ');
}

function logUseFinding(u: PageUse, lines: EventHit[]): PendingFinding {
  const hits = lines.slice(0, LOG_USE_EVIDENCE_CAP);
  const who = drivers(u).map((c) => c.ip ?? 'an unknown client');
  // Exchange ships no such page in a 2021 shell folder: a shell is the likely reading; elsewhere a rare app page is as likely
  const high = u.kind === 'shell-folder';
  const shown = hits[0]?.url ?? u.page;
  return {
    finding: {
      check: CHECK.webshellLogUse,
      severity: high ? 'high' : 'medium',
      confidence: high ? 'likely' : 'review',
      confidenceReason: high
        ? `a script Exchange does not ship, in a folder where web shells were planted in 2021, answered 2xx to ${u.paramGets2xx ? 'POSTs or GETs with parameters' : 'POSTs'} from ${plural(who.length, 'client')} only; no file of it was found in the evidence`
        : `a script page answered 2xx to POSTs from ${plural(who.length, 'client')} only: how a web shell is driven, but also how a rarely used page of an application looks; check the page with the site's owner`,
      title: `${high ? 'Likely web shell' : 'Script page'} driven from the logs: ${shown}: ${driveCountsText(u)} from ${who.join(', ')}`,
      path: null,
      time: microsToIso(u.first),
      sha256: null,
      evidence: hits.map((h) => h.ref),
    },
    // No `ip` key: a log-only finding is never confirmed, so its clients are not shared as indicators.
    details: {
      page: u.page, kind: u.kind, posts: u.posts, answered2xx: u.answered2xx, paramGets: u.paramGets, paramGets2xx: u.paramGets2xx, first: microsToIso(u.first), last: microsToIso(u.last),
      clients: listed(u).map((c) => ({ ...c, first: microsToIso(c.first), last: microsToIso(c.last) })), clientsTotal: u.clients.length,
      evidenceCapped: lines.length > hits.length,
      hits: hits.map((h) => ({ eventId: h.id, ts: h.ts, source: h.source, ip: h.ip, method: h.method, url: h.url, status: h.status })),
    },
  };
}
