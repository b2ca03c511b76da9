// Browser-mode server over the real CaseService: token, cookie, Host check, CSP, loopback only, API status codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { CaseService } from '../../../electron/service.ts';
import { CSP, startWebServer } from '../../../electron/web.ts';
import type { WebServer } from '../../../electron/web.ts';

let tmp: string;
let server: WebServer;
let service: CaseService;

interface Reply { status: number; headers: http.IncomingHttpHeaders; body: string }

function request(p: string, opts: { method?: string; host?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: server.port, path: p, method: opts.method ?? 'GET',
      headers: { Host: opts.host ?? `127.0.0.1:${server.port}`, ...opts.headers },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const api = (method: string, arg: unknown, headers: Record<string, string> = {}) => request(`${server.basePath}api/${method}`, {
  method: 'POST', body: arg === undefined ? '' : JSON.stringify(arg),
  headers: { 'Content-Type': 'application/json', 'X-Loupe-Token': server.sessionToken, ...headers },
});
const sessionCookie = (): Record<string, string> => ({ Cookie: `loupe_session_${server.port}=${server.sessionToken}` });

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-web-'));
  const staticDir = path.join(tmp, 'static');
  fs.mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="./assets/app.js"></script>');
  fs.writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log("loupe");');
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'outside the static root');
  service = new CaseService();
  server = await startWebServer({ service, staticDir });
});

after(async () => {
  await server.close();
  service.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('the URL carries a 32-byte hex token and the server listens on 127.0.0.1 only', () => {
  assert.match(server.token, /^[0-9a-f]{64}$/);
  assert.equal(server.url, `http://127.0.0.1:${server.port}${server.basePath}?token=${server.token}`);
  const nonLoopback = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  if (!nonLoopback) return;
  // Connecting through another interface of this machine must fail: nothing listens there.
  return new Promise<void>((resolve) => {
    const req = http.get({ host: nonLoopback.address, port: server.port, path: '/', timeout: 2000 }, () => { assert.fail('reachable off loopback'); });
    req.on('error', (e: NodeJS.ErrnoException) => { assert.equal(e.code, 'ECONNREFUSED'); resolve(); });
    req.on('timeout', () => { req.destroy(); resolve(); });
  });
});

test('requests without the token are refused with 401, a wrong token too', async () => {
  const page = await request(server.basePath);
  assert.equal(page.status, 401);
  assert.match(page.body, /token/);
  assert.equal((await request(server.basePath + '?token=' + 'a'.repeat(64))).status, 401);
  assert.equal((await request(`${server.basePath}api/getCase`, { method: 'POST', headers: { 'Content-Type': 'application/json' } })).status, 401);
  assert.equal((await api('getCase', undefined, { 'X-Loupe-Token': 'b'.repeat(64) })).status, 401);
  // The URL token is not a session credential.
  assert.equal((await api('getCase', undefined, { 'X-Loupe-Token': server.token })).status, 401);
  // The header token is for the API only, not for pages.
  assert.equal((await request(server.basePath, { headers: { 'X-Loupe-Token': server.sessionToken } })).status, 401);
});

test('a foreign Host header is refused with 403 even with the token (DNS rebinding)', async () => {
  for (const host of ['evil.example:' + server.port, `127.0.0.1:${server.port + 1}`, 'localhost']) {
    const r = await request(server.basePath + '?token=' + server.token, { host });
    assert.equal(r.status, 403, host);
  }
  assert.equal((await api('getCase', undefined, { Host: 'attacker.test' })).status, 403);
  assert.equal((await request(server.basePath, { host: `localhost:${server.port}`, headers: sessionCookie() })).status, 200);
});

test('the token in the URL becomes an HttpOnly SameSite=Strict cookie and is dropped from the address', async () => {
  const r = await request(`${server.basePath}?token=${server.token}`);
  assert.equal(r.status, 302);
  assert.equal(r.headers.location, server.basePath);
  const cookie = r.headers['set-cookie']?.[0] ?? '';
  assert.equal(cookie, `loupe_session_${server.port}=${server.sessionToken}; HttpOnly; SameSite=Strict; Path=${server.basePath}`);
  const page = await request(server.basePath, { headers: sessionCookie() });
  assert.equal(page.status, 200);
  assert.match(page.body, /<div id="root"><\/div>/);
  assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
  const js = await request(`${server.basePath}assets/app.js`, { headers: sessionCookie() });
  assert.equal(js.body, 'console.log("loupe");');
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
});

test('every response carries the CSP (no inline script or style) and nosniff, refusals included', async () => {
  assert.equal(CSP.includes("script-src 'self'"), true);
  assert.equal(CSP.includes('unsafe-inline'), false);
  assert.equal(CSP.includes("frame-ancestors 'none'"), true);
  for (const r of [await request(server.basePath), await request(server.basePath + '?token=' + server.token, { host: 'evil.test' }), await api('getCase', undefined)]) {
    assert.equal(r.headers['content-security-policy'], CSP);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  }
});

test('static files cannot escape the renderer folder', async () => {
  for (const p of ['../secret.txt', '%2e%2e/secret.txt', 'assets/..%2f..%2fsecret.txt', '%2e%2e%2f%2e%2e%2fsecret.txt']) {
    const r = await request(server.basePath + p, { headers: sessionCookie() });
    assert.ok(r.status === 403 || r.status === 404, `${p} → ${r.status}`);
    assert.doesNotMatch(r.body, /outside the static root/);
  }
});

test('the API: unknown method 404, bad arguments 400, analyst mistakes 400, results as JSON', async () => {
  const unknown = await api('dropDatabase', {});
  assert.equal(unknown.status, 404);
  assert.deepEqual(JSON.parse(unknown.body), { error: 'unknown method "dropDatabase"' });
  const bad = await api('openCase', { path: 7 });
  assert.equal(bad.status, 400);
  assert.deepEqual(JSON.parse(bad.body), { error: 'openCase: argument.path must be a string (got number)' });
  const notJson = await request(`${server.basePath}api/getCase`, { method: 'POST', body: '{', headers: { 'Content-Type': 'application/json', 'X-Loupe-Token': server.sessionToken } });
  assert.equal(notJson.status, 400);
  const wrongType = await request(`${server.basePath}api/getCase`, { method: 'POST', body: '{}', headers: { 'Content-Type': 'text/plain', 'X-Loupe-Token': server.sessionToken } });
  assert.equal(wrongType.status, 415);
  assert.equal((await request(`${server.basePath}api/getCase`, { headers: { 'X-Loupe-Token': server.sessionToken } })).status, 405);

  const none = await api('getCase', undefined);
  assert.equal(none.status, 200);
  assert.equal(none.body, 'null');
  const noCase = await api('listEvidence', undefined);
  assert.equal(noCase.status, 400);
  assert.match(JSON.parse(noCase.body).error, /no case is open/);

  const casePath = path.join(tmp, 'web.loupe');
  const created = await api('createCase', { path: casePath, meta: { client: 'Contoso', caseNumber: 'IR-2021-031', examiner: 'J. Doe' } });
  assert.equal(created.status, 200);
  const info = JSON.parse(created.body);
  assert.equal(info.path, casePath);
  assert.deepEqual([info.meta.client, info.meta.caseNumber, info.meta.displayZone], ['Contoso', 'IR-2021-031', 'UTC']);
  assert.equal(info.counts.events, 0);
  const manual = await api('addManualEvent', { ts: 1614745331000000, message: '<script>alert(1)</script>', tags: ['xss'] });
  assert.equal(manual.status, 200);
  const page = JSON.parse((await api('queryTimeline', { text: 'script' })).body);
  assert.equal(page.rows.length, 1);
  assert.equal(page.rows[0].message, '<script>alert(1)</script>');
  assert.deepEqual(page.rows[0].tags, ['xss']);
});
