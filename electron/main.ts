// Electron main process: one window, locked down (sandbox, context isolation, CSP, no navigation, no new windows,
// no permissions), the renderer served from dist/renderer over the privileged loupe:// scheme, the service over IPC.
import { app, BrowserWindow, net, protocol, session } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setNativeBinding } from './case/db.ts';
import { registerIpc } from './ipc.ts';
import type { PrintToPdf } from './report/pdf.ts';
import { CaseService } from './service.ts';
import { CSP } from './web.ts';

const APP_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RENDERER_DIR = path.join(APP_ROOT, 'dist', 'renderer');
const APP_ORIGIN = 'loupe://app';
// better-sqlite3 rebuilt for Electron's ABI by scripts/start.mjs (packaged builds ship their own rebuilt copy).
const ELECTRON_SQLITE = path.join(APP_ROOT, '.electron-native', 'better_sqlite3.node');

protocol.registerSchemesAsPrivileged([{ scheme: 'loupe', privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

function serveRenderer(): void {
  protocol.handle('loupe', async (req) => {
    const url = new URL(req.url);
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = path.resolve(RENDERER_DIR, '.' + rel);
    if (url.host !== 'app' || !file.startsWith(RENDERER_DIR + path.sep) || !fs.existsSync(file)) return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}

function lockDownSessions(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (e) => e.preventDefault());
    contents.on('will-redirect', (e) => e.preventDefault());
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440, height: 900, title: 'Loupe', backgroundColor: '#15181d', show: false,
    webPreferences: {
      preload: path.join(APP_ROOT, 'dist-electron', 'preload.cjs'),
      contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false,
      spellcheck: false, navigateOnDragDrop: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

function caseFromArgv(argv: string[]): string | undefined {
  const i = argv.indexOf('--case');
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Prints report HTML to PDF in a hidden, sandboxed window with scripts off (the report holds no script anyway). */
const printWithElectron: PrintToPdf = async (html, options) => {
  const pdfWin = new BrowserWindow({
    show: false,
    webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false, javascript: false, partition: 'loupe-pdf' },
  });
  try {
    pdfWin.webContents.session.webRequest.onBeforeRequest((d, cb) => cb({ cancel: !d.url.startsWith('data:') }));
    await pdfWin.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
    const pdf = await pdfWin.webContents.printToPDF({
      pageSize: options.format, printBackground: options.printBackground, preferCSSPageSize: options.preferCSSPageSize,
    });
    return new Uint8Array(pdf);
  } finally {
    pdfWin.destroy();
  }
};

function main(): void {
  if (!app.requestSingleInstanceLock()) { app.quit(); return; }
  if (!app.isPackaged && fs.existsSync(ELECTRON_SQLITE)) setNativeBinding(ELECTRON_SQLITE);
  app.enableSandbox();
  let win: BrowserWindow | null = null;
  app.on('second-instance', () => { if (win) { if (win.isMinimized()) win.restore(); win.focus(); } });
  app.on('window-all-closed', () => app.quit());
  void app.whenReady().then(() => {
    serveRenderer();
    lockDownSessions();
    const service = new CaseService({ casePath: caseFromArgv(process.argv), printToPdf: printWithElectron });
    registerIpc(service, APP_ORIGIN);
    app.on('before-quit', () => service.close());
    win = createWindow();
  });
}

main();
