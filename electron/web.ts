// Browser mode: serves the renderer and the LoupeApi over loopback HTTP, guarded like Jupyter (token + Host check).
// Also the door the end-to-end tests drive.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoupeApi } from '../shared/api.ts';
import { callService, errorStatus, validateCall } from './validate.ts';
// The report preview's stylesheet hash (see electron/report/html.ts): lets the srcdoc preview be styled without 'unsafe-inline'.
import { reportStyleHash } from './report/html.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_STATIC_DIR = path.join(REPO_ROOT, 'dist', 'renderer');

export const CSP = [
  "default-src 'self'", "script-src 'self'", `style-src 'self' ${reportStyleHash()}`, "connect-src 'self'", "img-src 'self' data:",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

const COOKIE = 'loupe_token';
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
  token?: string;
  staticDir?: string;
}

export interface WebServer { url: string; port: number; token: string; close(): Promise<void> }

/** Builds the renderer with Vite into dist/renderer when it is not there yet (once; takes a while on 2 cores). */
export function ensureRendererBuilt(staticDir: string = DEFAULT_STATIC_DIR): void {
  if (fs.existsSync(path.join(staticDir, 'index.html'))) return;
  const vite = path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0 || !fs.existsSync(path.join(staticDir, 'index.html'))) {
    throw new Error(`renderer build failed (vite build exited ${r.status}) — run \`npm run build:renderer\` to see why`);
  }
}

const sameToken = (a: string | undefined, b: string): boolean =>
  !!a && a.length === b.length && crypto.timingSafeEqual(Buffer.from(a), Buffer.from(b));

function readCookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
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

function serveStatic(staticDir: string, urlPath: string, res: http.ServerResponse): void {
  let rel: string;
  try { rel = decodeURIComponent(urlPath); } catch { res.writeHead(400).end('bad path'); return; }
  if (rel === '/' || rel === '') rel = '/index.html';
  const file = path.resolve(staticDir, '.' + rel);
  if (!file.startsWith(path.resolve(staticDir) + path.sep)) { res.writeHead(403).end('forbidden'); return; }
  fs.stat(file, (err, st) => {
    if (err || !st.isFile()) { res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found'); return; }
    res.writeHead(200, { 'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': st.size });
    fs.createReadStream(file).pipe(res);
  });
}

function makeHandler(opts: Required<Pick<WebServerOptions, 'service' | 'token' | 'staticDir'>>, port: () => number) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    setSecurityHeaders(res);
    const allowedHosts = [`127.0.0.1:${port()}`, `localhost:${port()}`];
    // DNS-rebinding guard: a foreign Host header means the page is not ours.
    if (!allowedHosts.includes((req.headers.host ?? '').toLowerCase())) {
      res.writeHead(403, { 'Content-Type': 'text/plain' }).end('forbidden: unexpected Host header');
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port()}`);
    const queryToken = url.searchParams.get('token') ?? undefined;
    if (sameToken(queryToken, opts.token) && req.method === 'GET') {
      // Token in the URL once → cookie, then drop it from the address bar.
      url.searchParams.delete('token');
      res.writeHead(302, {
        'Set-Cookie': `${COOKIE}=${opts.token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + url.search,
      });
      res.end();
      return;
    }
    const header = req.headers['x-loupe-token'];
    const authed = sameToken(readCookie(req, COOKIE), opts.token)
      || (url.pathname.startsWith('/api/') && sameToken(typeof header === 'string' ? header : undefined, opts.token));
    if (!authed) {
      res.writeHead(401, { 'Content-Type': 'text/plain' }).end('unauthorized: open the URL with ?token= that `loupe serve` printed');
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      void handleApi(opts.service, url.pathname.slice(5), req, res).catch((e: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(e) });
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405).end(); return; }
    serveStatic(opts.staticDir, url.pathname, res);
  };
}

/** Starts the loopback server; resolves once it listens. The URL it returns carries the token. */
export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? crypto.randomBytes(32).toString('hex');
  const staticDir = opts.staticDir ?? DEFAULT_STATIC_DIR;
  if (!opts.staticDir) ensureRendererBuilt(staticDir);
  let boundPort = 0;
  const server = http.createServer(makeHandler({ service: opts.service, token, staticDir }, () => boundPort));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  boundPort = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${boundPort}/?token=${token}`,
    port: boundPort,
    token,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
