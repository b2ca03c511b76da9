// Requests as the correlation sees them: one per HTTP request, its IIS front-end line and its HttpProxy row joined
// (on the cafeReqId the IIS line carries, else on client, method, URL and a two-second window), so a story lists
// each request once with both references.
import type { Db } from '../case/db.ts';
import type { EvidenceRef, Micros } from '../../shared/types.ts';
import { FieldSelection } from '../case/fields.ts';
import { lightEvents, str } from './rows.ts';
import type { EventHit } from './rows.ts';

export interface Request {
  /** The primary event (the HttpProxy row when both logs have the request: it carries the anchor and status). */
  hit: EventHit;
  ts: Micros;
  ip: string | null;
  method: string;
  /** Lower-case URL path. */
  url: string;
  /** The query string (IIS cs-uri-query or HttpProxy UrlQuery), '' when none. */
  query: string;
  status: number | null;
  userAgent: string | null;
  ref: EvidenceRef;
  /** The same request's line in the other log. */
  also: EvidenceRef[];
  /** Event ids of every line of this request. */
  eventIds: number[];
}

const CAFE_RE = /(?:^|[&;?])cafeReqId=([0-9a-f-]{36})/i;
/** IIS logs whole seconds; HttpProxy milliseconds. Lines of one request lie within this much of each other. */
const PAIR_WINDOW: Micros = 2_000_000;
/** Requests per IP read for the correlation (the timeline keeps all of them). */
export const REQUESTS_PER_IP_CAP = 20_000;

/** The HttpProxy RequestId an IIS front-end line names in its query (`&cafeReqId=…;`), else null. */
export function cafeReqIdOf(h: EventHit): string | null {
  const m = CAFE_RE.exec(str(h.fields, 'cs-uri-query'));
  return m ? m[1].toLowerCase() : null;
}

const requestIdOf = (h: EventHit): string | null => (str(h.fields, 'RequestId') || null)?.toLowerCase() ?? null;

/** A request's own query string (HttpProxy UrlQuery; IIS and access logs cs-uri-query), without the front end's cafeReqId suffix. */
export const queryOf = (h: EventHit): string => {
  const q = h.source === 'httpproxy' ? str(h.fields, 'UrlQuery') : str(h.fields, 'cs-uri-query');
  return q.replace(/^\?/, '').replace(/&?CorrelationID=<empty>;&cafeReqId=[0-9a-f-]{36};/i, '');
};

function toRequest(h: EventHit): Request {
  return {
    hit: h, ts: h.ts, ip: h.ip, method: (h.method ?? '').toUpperCase(), url: (h.url ?? '').toLowerCase(), query: queryOf(h),
    status: h.status, userAgent: h.userAgent, ref: h.ref, also: [], eventIds: [h.id],
  };
}

const sameShape = (a: EventHit, b: EventHit): boolean =>
  a.ip === b.ip && (a.method ?? '').toUpperCase() === (b.method ?? '').toUpperCase() && (a.url ?? '').toLowerCase() === (b.url ?? '').toLowerCase();

/** Joins IIS lines and HttpProxy rows of the same request; input in time order, output in time order. */
export function joinRequests(hits: EventHit[]): Request[] {
  const proxies = hits.filter((h) => h.source === 'httpproxy');
  const byReqId = new Map<string, Request>();
  const out = proxies.map(toRequest);
  out.forEach((r) => { const id = requestIdOf(r.hit); if (id) byReqId.set(id, r); });
  const unpaired = new Set(out);
  for (const h of hits) {
    if (h.source !== 'iis') continue;
    const id = cafeReqIdOf(h);
    const mate = (id ? byReqId.get(id) : undefined) ?? nearestByShape(h, unpaired);
    if (mate && unpaired.has(mate)) {
      mate.also.push(h.ref);
      mate.eventIds.push(h.id);
      if (!mate.query) mate.query = queryOf(h);
      unpaired.delete(mate);
    } else {
      out.push(toRequest(h));
    }
  }
  return out.sort((a, b) => a.ts - b.ts || a.hit.id - b.hit.id);
}

function nearestByShape(h: EventHit, candidates: Set<Request>): Request | undefined {
  let best: Request | undefined;
  for (const r of candidates) {
    if (!sameShape(h, r.hit) || Math.abs(r.ts - h.ts) > PAIR_WINDOW) continue;
    if (!best || Math.abs(r.ts - h.ts) < Math.abs(best.ts - h.ts)) best = r;
  }
  return best;
}

/** The fields the correlation reads of a client's requests: pairing ids, query strings, forged-session anchor, EWS operation. */
const PROFILE_FIELDS = new FieldSelection(['RequestId', 'cs-uri-query', 'UrlQuery', 'AnchorMailbox', 'ProtocolAction']);

/**
 * Every IIS/HttpProxy request from these client IPs, joined, in time order (capped per IP), with only PROFILE_FIELDS
 * decoded: a busy client's tens of thousands of requests stay small.
 */
export function requestsFrom(db: Db, ips: string[]): Map<string, Request[]> {
  const out = new Map<string, Request[]>();
  for (const ip of ips) {
    out.set(ip, joinRequests(lightEvents(db, `e.ip = ? AND e.source IN ('iis', 'httpproxy')`, [ip], PROFILE_FIELDS, REQUESTS_PER_IP_CAP)));
  }
  return out;
}

/** True for a request answered 2xx. */
export const ok2xx = (status: number | null): boolean => status !== null && status >= 200 && status < 300;

/** Methods that read; anything else may write. */
export const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
