// Browser-mode credentials: a one-time URL token traded for a session cookie that only this server's pages receive,
// and the Origin rule for state-changing requests. Other local pages and services must not get or use either.
import crypto from 'node:crypto';
import type http from 'node:http';

/** Equal-time comparison of any two strings (their SHA-256 digests are compared, so lengths and bytes never throw). */
export function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const digest = (s: string): Buffer => crypto.createHash('sha256').update(s, 'utf8').digest();
  return crypto.timingSafeEqual(digest(a), digest(b));
}

export function readCookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export type TokenExchange = { kind: 'none' } | { kind: 'ok'; cookie: string } | { kind: 'used' } | { kind: 'wrong' };

/**
 * One server's credentials. The app lives under a random base path and the cookie is scoped to it, so a browser sends
 * it to no other 127.0.0.1 port (cookies ignore ports, not paths); its name carries the port so two servers never
 * overwrite each other's session.
 */
export class WebSession {
  readonly basePath = `/loupe-${crypto.randomBytes(12).toString('hex')}/`;
  readonly sessionToken = crypto.randomBytes(32).toString('hex');
  private urlTokenUsed = false;

  constructor(readonly urlToken: string, private readonly port: () => number) {}

  get cookieName(): string { return `loupe_session_${this.port()}`; }

  /** `?token=` of the printed URL: good once; after that the link in the browser's history opens nothing. */
  exchange(token: string | undefined): TokenExchange {
    if (token === undefined) return { kind: 'none' };
    if (!sameSecret(token, this.urlToken)) return { kind: 'wrong' };
    if (this.urlTokenUsed) return { kind: 'used' };
    this.urlTokenUsed = true;
    return { kind: 'ok', cookie: `${this.cookieName}=${this.sessionToken}; HttpOnly; SameSite=Strict; Path=${this.basePath}` };
  }

  /** 'cookie' for a browser session, 'header' for a program holding the session token, null when neither. */
  authenticate(req: http.IncomingMessage, isApi: boolean): 'cookie' | 'header' | null {
    if (sameSecret(readCookie(req, this.cookieName), this.sessionToken)) return 'cookie';
    const header = req.headers['x-loupe-token'];
    if (isApi && typeof header === 'string' && sameSecret(header, this.sessionToken)) return 'header';
    return null;
  }

  /**
   * A state-changing request must come from this server's own page: browsers always send Origin on POST, so a cookie
   * request without it, or from another origin (another localhost port included), is refused. A program that
   * authenticates with the header sends no Origin and needs none.
   */
  originRefusal(req: http.IncomingMessage, via: 'cookie' | 'header'): string | null {
    if (req.method === 'GET' || req.method === 'HEAD') return null;
    const origin = req.headers.origin;
    const own = [`http://127.0.0.1:${this.port()}`, `http://localhost:${this.port()}`];
    if (origin === undefined) return via === 'header' ? null : 'a browser request without an Origin header';
    if (!own.includes(origin)) return `a request from another origin (${origin.slice(0, 200)})`;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return `a ${String(site).slice(0, 50)} request`;
    return null;
  }
}
