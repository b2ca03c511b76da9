// Browser mode: serves the renderer and the LoupeApi over loopback HTTP, guarded like Jupyter (token + Host check).
// Also the door the end-to-end tests drive.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoupeApi } from '../shared/api.ts';
import { escapeControls } from '../shared/display.ts';
import { callService, errorStatus, validateCall } from './validate.ts';
import { WebSession } from './web-session.ts';
// The report preview's stylesheet hash (see electron/report/html.ts): lets the srcdoc preview be styled without 'unsafe-inline'.
import { reportStyleHash } from './report/html.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_STATIC_DIR = path.join(REPO_ROOT, 'dist', 'renderer');

export const CSP = [
  "default-src 'self'", "script-src 'self'", `style-src 'self' ${reportStyleHash()}`, "connect-src 'self'", "img-src 'self' data:",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

const MAX_BODY = 16 * 1024 * 1024;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json',
  '.woff2': 'font/woff2', '.map': 'application/json',
};

export interface WebServerOptions {
  service: LoupeApi;
  port?: number;
  host?: '127.0.0.1';
  /** The one-time token of the printed URL (random by default). */
  token?: string;
  staticDir?: string;
  /** Where a failed request is logged (stderr by default). */
  log?: (line: string) => void;
}

export interface WebServer {
  url: string; port: number;
  /** The URL's one-time token: traded for the session cookie on first use. */
  token: string;
  /** The session credential, for programs that call the API with the X-Loupe-Token header (tests, scripts). */
  sessionToken: string;
  /** Where the workbench lives (every page and API call is under it; the cookie is scoped to it). */
  basePath: string;
  close(): Promise<void>;
}

/** Builds the renderer with Vite into dist/renderer when it is not there yet (once; takes a while on 2 cores). */
export function ensureRendererBuilt(staticDir: string = DEFAULT_STATIC_DIR): void {
  if (fs.existsSync(path.join(staticDir, 'index.html'))) return;
  const vite = path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !fs.existsSync(path.join(staticDir, 'index.html'))) {
    throw new Error(`renderer build failed (vite build exited ${r.status}) — run \`npm run build:renderer\` to see why`);
  }
}

function setSecurityHeaders(res: http.ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body === undefined ? null : body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(text);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) { reject(new Error('request body too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handleApi(service: LoupeApi, method: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'POST') { res.setHeader('Allow', 'POST'); return sendJson(res, 405, { error: 'use POST for /api/*' }); }
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    return sendJson(res, 415, { error: 'Content-Type must be application/json' });
  }
  let arg: unknown;
  try {
    const body = await readBody(req);
    arg = body.trim() === '' ? undefined : JSON.parse(body);
  } catch (e) {
    return sendJson(res, 400, { error: `bad request body: ${(e as Error).message}` });
  }
  const v = validateCall(method, arg);
  if (!v.ok) return sendJson(res, v.status, { error: v.error });
  try {
    sendJson(res, 200, await callService(service, v.method, arg));
  } catch (e) {
    sendJson(res, errorStatus(e), { error: e instanceof Error ? e.message : String(e) });
  }
}

/** A request path decoded once; null when its escapes are bad or it names a NUL or another control character. */
function decodePath(urlPath: string): string | null {
  let rel: string;
  try { rel = decodeURIComponent(urlPath); } catch { return null; }
  return /[\u0000-\u001f\u007f]/.test(rel) ? null : rel;
}

async function serveStatic(staticDir: string, rel: string, res: http.ServerResponse): Promise<void> {
  if (rel === '/' || rel === '') rel = '/index.html';
  const file = path.resolve(staticDir, '.' + rel);
  if (!file.startsWith(path.resolve(staticDir) + path.sep)) { res.writeHead(403).end('forbidden'); return; }
  let st: fs.Stats;
  try { st = await fs.promises.stat(file); } catch { st = null as unknown as fs.Stats; }
  if (!st || !st.isFile()) { res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found'); return; }
  res.writeHead(200, { 'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': st.size });
  if (st.size === 0 || res.req.method === 'HEAD') { res.end(); return; }
  await pipeline(fs.createReadStream(file, { end: st.size - 1 }), res);
}

type Opts = Required<Pick<WebServerOptions, 'service' | 'staticDir' | 'log'>> & { session: WebSession };

const text = (res: http.ServerResponse, status: number, body: string): void => {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(body);
};

/** The request's path and query, parsed without trusting a single byte of it; null when it does not parse. */
function requestUrl(req: http.IncomingMessage): URL | null {
  const raw = req.url ?? '/';
  if (!raw.startsWith('/') || raw.startsWith('//')) return null;
  try { return new URL(raw, 'http://loupe.invalid'); } catch { return null; }
}

async function handle(opts: Opts, req: http.IncomingMessage, res: http.ServerResponse, port: number): Promise<void> {
  setSecurityHeaders(res);
  const { session } = opts;
  // DNS-rebinding guard: a foreign Host header means the page is not ours.
  if (![`127.0.0.1:${port}`, `localhost:${port}`].includes((req.headers.host ?? '').toLowerCase())) {
    return text(res, 403, 'forbidden: unexpected Host header');
  }
  const url = requestUrl(req);
  if (!url) return text(res, 400, 'bad request target');
  if (!url.pathname.startsWith(session.basePath)) return text(res, 404, 'not found: open the URL that `loupe serve` printed');
  const sub = '/' + url.pathname.slice(session.basePath.length);
  const exchange = req.method === 'GET' ? session.exchange(url.searchParams.get('token') ?? undefined) : { kind: 'none' as const };
  if (exchange.kind === 'ok') {
    url.searchParams.delete('token');
    res.writeHead(302, { 'Set-Cookie': exchange.cookie, Location: url.pathname + url.search }).end();
    return;
  }
  const isApi = sub.startsWith('/api/');
  const via = session.authenticate(req, isApi);
  if (!via) {
    return text(res, 401, exchange.kind === 'used'
      ? 'unauthorized: this one-time link was already used — go back to the tab it opened, or restart `loupe serve` for a new link'
      : 'unauthorized: open the URL with ?token= that `loupe serve` printed');
  }
  const refusal = session.originRefusal(req, via);
  if (refusal) return text(res, 403, `forbidden: ${refusal} may not change anything here`);
  if (isApi) return handleApi(opts.service, sub.slice(5), req, res);
  if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed');
  const rel = decodePath(sub);
  if (rel === null) return text(res, 400, 'bad path');
  return serveStatic(opts.staticDir, rel, res);
}

/** No request may end the process: whatever a handler throws becomes a 400/500 answer and one log line. */
function makeHandler(opts: Opts, port: () => number) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const fail = (e: unknown): void => {
      opts.log(`loupe serve: ${escapeControls(String(req.method))} ${escapeControls((req.url ?? '').slice(0, 300))} failed: ${escapeControls(e instanceof Error ? e.message : String(e))}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error (see the server log)' });
      else res.destroy();
    };
    try {
      handle(opts, req, res, port()).catch(fail);
    } catch (e) { fail(e); }
  };
}

/** Starts the loopback server; resolves once it listens. The URL it returns carries the token. */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? crypto.randomBytes(32).toString('hex');
  const staticDir = opts.staticDir ?? DEFAULT_STATIC_DIR;
  if (!opts.staticDir) ensureRendererBuilt(staticDir);
  let boundPort = 0;
  const session = new WebSession(token, () => boundPort);
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const server = http.createServer(makeHandler({ service: opts.service, staticDir, session, log }, () => boundPort));
  // A client that sends bytes the HTTP parser refuses gets a 400 from Node and a log line; nothing else happens.
  server.on('clientError', (e: NodeJS.ErrnoException, socket) => {
    if (e.code !== 'ECONNRESET') log(`loupe serve: refused a malformed request (${e.code ?? e.message})`);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  boundPort = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${boundPort}${session.basePath}?token=${token}`,
    port: boundPort,
    token,
    sessionToken: session.sessionToken,
    basePath: session.basePath,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
