// Issue 11, items 1–3: no request, whatever its bytes, ends `loupe serve`; the credential reaches no other local
// port and the printed link works once; state-changing requests must come from the server's own page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../helpers/tmp.ts';

interface Started { port: number; url: string; token: string; sessionToken: string; basePath: string }

let tmp: string;
let child: ChildProcess;
let srv: Started;
let stderr = '';

/** Sends raw bytes on a fresh connection; resolves with the status line (or '' when the server just closed it). */
function raw(bytes: string | Buffer, port = srv.port): Promise<string> {
  return new Promise((resolve) => {
    // Written, not half-closed: a server may drop a connection whose client already said it is done.
    const sock = net.connect(port, '127.0.0.1', () => sock.write(bytes));
    let got = '';
    sock.setTimeout(1000, () => sock.destroy());
    sock.on('data', (c) => { got += c.toString('latin1'); });
    sock.on('error', () => { /* a reset is an answer too */ });
    sock.on('close', () => resolve(got.split('\r\n')[0]));
  });
}

const cookie = (): string => `loupe_session_${srv.port}=${srv.sessionToken}`;
const host = (): string => `127.0.0.1:${srv.port}`;
const get = (target: string, headers: string[] = []): string => [`GET ${target} HTTP/1.1`, `Host: ${host()}`, ...headers, 'Connection: close', '', ''].join('\r\n');
const post = (target: string, headers: string[], body: string): string =>
  [`POST ${target} HTTP/1.1`, `Host: ${host()}`, ...headers, `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', body].join('\r\n');

async function startChild(): Promise<{ proc: ChildProcess; info: Started }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/helpers/serve-child.ts'), path.join(tmp, 'static')], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => { out += c.toString(); if (out.includes('\n')) resolve(out.split('\n')[0]); });
    proc.once('exit', (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  return { proc, info: JSON.parse(line) as Started };
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-hostile-'));
  fs.mkdirSync(path.join(tmp, 'static'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'static', 'index.html'), '<!doctype html><div id="root"></div>');
  ({ proc: child, info: srv } = await startChild());
});

after(() => {
  child.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function assertAlive(what: string): Promise<void> {
  assert.equal(child.exitCode, null, `the server process ended after ${what}: ${stderr.slice(-2000)}`);
  const status = await raw(get(srv.basePath, [`Cookie: ${cookie()}`]));
  assert.equal(status, 'HTTP/1.1 200 OK', `the server stopped answering after ${what}`);
}

test('item 1: no request, whatever its bytes, ends `loupe serve` (raw malformed requests over a socket)', async () => {
  const base = srv.basePath;
  const nonAscii64 = encodeURIComponent('é'.repeat(64));
  const corpus: Array<[string, string | Buffer]> = [
    ['64 non-ASCII token characters', get(`${base}?token=${nonAscii64}`)],
    ['64 non-ASCII characters in the session header', post(`${base}api/getCase`, ['Content-Type: application/json', `X-Loupe-Token: ${'é'.repeat(64)}`], '')],
    ['GET /%00 with the cookie', get(`${base}%00`, [`Cookie: ${cookie()}`])],
    ['a NUL byte in the path', Buffer.from(`GET ${base}a\u0000b HTTP/1.1\r\nHost: ${host()}\r\n\r\n`, 'latin1')],
    ['bad percent-encoding', get(`${base}%`, [`Cookie: ${cookie()}`])],
    ['bad percent-encoding (%zz, overlong UTF-8)', get(`${base}%zz/%c0%af/%ff`, [`Cookie: ${cookie()}`])],
    ['bad percent-encoding in the token', get(`${base}?token=%E0%A4%A`)],
    ['raw high bytes in the path and query', Buffer.concat([Buffer.from(`GET ${base}`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(`?token=${'\u00e9'.repeat(64)}`, 'latin1'), Buffer.from(` HTTP/1.1\r\nHost: ${host()}\r\n\r\n`)])],
    ['raw high bytes in the cookie', Buffer.concat([Buffer.from(`GET ${base} HTTP/1.1\r\nHost: ${host()}\r\nCookie: loupe_session_${srv.port}=`), Buffer.alloc(64, 0xe9), Buffer.from('\r\n\r\n')])],
    ['a cookie header of separators', get(base, ['Cookie: ;;;==;=;loupe_session_1=;=x'])],
    ['a NUL in a header value', Buffer.from(`GET ${base} HTTP/1.1\r\nHost: ${host()}\r\nX-Loupe-Token: a\u0000b\r\n\r\n`, 'latin1')],
    ['an odd Host', Buffer.concat([Buffer.from('GET / HTTP/1.1\r\nHost: '), Buffer.from([0xc0, 0x80, 0x3a, 0xff]), Buffer.from('\r\n\r\n')])],
    ['no Host at all', `GET ${base} HTTP/1.1\r\n\r\n`],
    ['two Host headers', `GET ${base} HTTP/1.1\r\nHost: ${host()}\r\nHost: evil.test\r\n\r\n`],
    ['an absolute-form target that does not parse', get('http://[/')],
    ['an absolute-form target to another host', get(`http://evil.test${base}`)],
    ['a protocol-relative target', get(`//evil.test${base}`)],
    ['an asterisk target', `OPTIONS * HTTP/1.1\r\nHost: ${host()}\r\n\r\n`],
    ['CONNECT', `CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: ${host()}\r\n\r\n`],
    ['an unknown method', `BREW ${base} HTTP/1.1\r\nHost: ${host()}\r\n\r\n`],
    ['an overlong URL', get(`${base}?q=${'A'.repeat(100_000)}`)],
    ['an overlong header', get(base, [`Cookie: ${'x'.repeat(100_000)}`])],
    ['an overlong token', get(`${base}?token=${'a'.repeat(20_000)}`)],
    ['garbage', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03])],
    ['a bad HTTP version', `GET ${base} HTTP/9.9\r\nHost: ${host()}\r\n\r\n`],
    ['a negative Content-Length', `POST ${base}api/getCase HTTP/1.1\r\nHost: ${host()}\r\nContent-Length: -1\r\n\r\n`],
    ['a huge Content-Length and no body', `POST ${base}api/getCase HTTP/1.1\r\nHost: ${host()}\r\nX-Loupe-Token: ${srv.sessionToken}\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{}`],
    ['a broken chunked body', `POST ${base}api/getCase HTTP/1.1\r\nHost: ${host()}\r\nX-Loupe-Token: ${srv.sessionToken}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`],
    ['a body that is not UTF-8 JSON', Buffer.concat([Buffer.from(post(`${base}api/queryTimeline`, ['Content-Type: application/json', `X-Loupe-Token: ${srv.sessionToken}`], '').replace('Content-Length: 0', 'Content-Length: 6')), Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x22, 0x7d])])],
    ['JSON with __proto__', post(`${base}api/listFiles`, ['Content-Type: application/json', `X-Loupe-Token: ${srv.sessionToken}`], '{"__proto__":{"x":1},"constructor":{"prototype":{}}}')],
    ['an API method name with odd bytes', post(`${base}api/%00%ff%2e%2e`, ['Content-Type: application/json', `X-Loupe-Token: ${srv.sessionToken}`], '{}')],
    ['an API method inherited from Object', post(`${base}api/constructor`, ['Content-Type: application/json', `X-Loupe-Token: ${srv.sessionToken}`], '{}')],
    ['a static path that climbs out', get(`${base}%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd`, [`Cookie: ${cookie()}`])],
    ['a static path that names a folder', get(`${base}assets/`, [`Cookie: ${cookie()}`])],
    ['a static path with a control character', get(`${base}%1b%5b2K`, [`Cookie: ${cookie()}`])],
  ];
  for (const [what, bytes] of corpus) {
    const status = await raw(bytes);
    assert.doesNotMatch(status, /^HTTP\/1\.1 [23]\d\d/, `${what} must not be accepted: ${status}`);
    await assertAlive(what);
  }
  // Every refusal that reached a handler is a 4xx/5xx answer; none was a 500 from a handler that threw.
  assert.doesNotMatch(stderr, /failed:/, stderr);
});

test('item 2: the session cookie is scoped to this server (its path, a name with its port), and the printed link works once', async () => {
  const first = await raw(get(`${srv.basePath}?token=${srv.token}`));
  // The first use happened above only if this test runs alone; either way the link is now spent.
  const again = await raw(get(`${srv.basePath}?token=${srv.token}`));
  assert.equal(again, 'HTTP/1.1 401 Unauthorized', `a second use of the link must be refused (first: ${first})`);

  const second = await startChild();
  try {
    const reply = await new Promise<string>((resolve) => {
      const sock = net.connect(second.info.port, '127.0.0.1', () => sock.write([`GET ${second.info.basePath}?token=${second.info.token} HTTP/1.1`, `Host: 127.0.0.1:${second.info.port}`, 'Connection: close', '', ''].join('\r\n')));
      let got = '';
      sock.on('data', (c) => { got += c.toString(); });
      sock.on('close', () => resolve(got));
    });
    assert.match(reply, /^HTTP\/1\.1 302/);
    const setCookie = /^Set-Cookie: (.*)$/mi.exec(reply)?.[1] ?? '';
    // Named after its own port (two servers never overwrite each other) and sent only below its own random path.
    assert.equal(setCookie, `loupe_session_${second.info.port}=${second.info.sessionToken}; HttpOnly; SameSite=Strict; Path=${second.info.basePath}`);
    assert.match(second.info.basePath, /^\/loupe-[0-9a-f]{24}\/$/);
    assert.notEqual(second.info.basePath, srv.basePath);
    assert.equal(/^Location: (.*)$/mi.exec(reply)?.[1], second.info.basePath, 'the token leaves the address bar');
    // The second server's credential does not open the first, and the first is still logged in.
    assert.equal(await raw(get(srv.basePath, [`Cookie: loupe_session_${second.info.port}=${second.info.sessionToken}`])), 'HTTP/1.1 401 Unauthorized');
    await assertAlive('a second server started');
    // Nothing is served outside the base path, with or without the credential.
    assert.equal(await raw(get('/', [`Cookie: ${cookie()}`])), 'HTTP/1.1 404 Not Found');
    assert.equal(await raw(get('/index.html', [`Cookie: ${cookie()}`])), 'HTTP/1.1 404 Not Found');
  } finally {
    second.proc.kill('SIGKILL');
  }
});

test('item 3: a state-changing request must carry this server\'s own Origin (the CORS preflight is not the only guard)', async () => {
  const body = JSON.stringify({ path: path.join(tmp, 'made-by-another-page.loupe') });
  const target = `${srv.basePath}api/createCase`;
  const json = ['Content-Type: application/json', `Cookie: ${cookie()}`];
  for (const [what, headers] of [
    ['another localhost port', [...json, 'Origin: http://127.0.0.1:1']],
    ['localhost on another port', [...json, `Origin: http://localhost:${srv.port + 1}`]],
    ['a file:// page', [...json, 'Origin: null']],
    ['a foreign site', [...json, 'Origin: https://evil.test']],
    ['no Origin with the cookie', json],
    ['our Origin but a cross-site fetch', [...json, `Origin: http://127.0.0.1:${srv.port}`, 'Sec-Fetch-Site: same-site']],
  ] as Array<[string, string[]]>) {
    assert.equal(await raw(post(target, headers, body)), 'HTTP/1.1 403 Forbidden', what);
  }
  assert.equal(fs.existsSync(path.join(tmp, 'made-by-another-page.loupe')), false, 'no case was created');
  // The server's own page may.
  assert.equal(await raw(post(`${srv.basePath}api/getCase`, [...json, `Origin: http://127.0.0.1:${srv.port}`, 'Sec-Fetch-Site: same-origin'], '')), 'HTTP/1.1 200 OK');
});

test('item 11: a preview of a FIFO swapped in for evidence answers at once, and `loupe serve` still stops on SIGTERM', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-fifo-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const ev = path.join(dir, 'evidence', 'C');
  fs.mkdirSync(ev, { recursive: true });
  fs.writeFileSync(path.join(ev, 'notes.txt'), 'hello');
  const casePath = path.join(dir, 'c.loupe');
  const bin = path.join(repoRoot, 'bin/loupe.mjs');
  assert.equal(spawnSync(process.execPath, [bin, 'index', path.dirname(ev), '--case', casePath, '--quiet']).status, 0);
  fs.rmSync(path.join(ev, 'notes.txt'));
  spawnSync('mkfifo', [path.join(ev, 'notes.txt')]);
  const serve = spawn(process.execPath, [bin, 'serve', '--case', casePath], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = new URL(await new Promise<string>((resolve, reject) => {
    let out = '';
    serve.stdout!.on('data', (c: Buffer) => { out += c; const m = /Loupe browser mode: (\S+)/.exec(out); if (m) resolve(m[1]); });
    serve.once('exit', (c) => reject(new Error(`serve exited ${c}`)));
  }));
  const login = await fetch(url, { redirect: 'manual' });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const api = (method: string, body: unknown) => fetch(new URL(`api/${method}`, url), {
    method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie, Origin: url.origin }, body: JSON.stringify(body),
  });
  const files = await (await api('listFiles', {})).json() as { rows: Array<{ id: number }> };
  const preview = await api('previewFile', { id: files.rows[0].id });
  assert.equal(preview.status, 409);
  assert.match(((await preview.json()) as { error: string }).error, /not a regular file \(FIFO\)/);
  const exited = new Promise<number | null>((resolve) => serve.once('exit', (code) => resolve(code)));
  serve.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 15_000))]);
  if (code === 'still running') serve.kill('SIGKILL');
  assert.equal(code, 0);
});
