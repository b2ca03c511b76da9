// Windows-path helpers for detections: folder tests, Exchange-relative paths and the URLs a web file answers to.

/** Lower-case, backslash-separated, no trailing separator: the form every path rule compares. */
export function normWin(p: string): string {
  return p.replace(/\//g, '\\').replace(/\\+$/, '').toLowerCase();
}

/** True when `p` lies inside a folder whose path contains `folderFragment` (both Windows-style, any case). */
export function isUnder(p: string, folderFragment: string): boolean {
  return normWin(p).includes(normWin(folderFragment) + '\\');
}

/** Markers that start the part of a path relative to the Exchange install folder (EP), whatever drive or folder EP is. */
const EP_MARKERS = ['\\frontend\\', '\\clientaccess\\'];

/** `\FrontEnd\HttpProxy\owa\auth\x.aspx` for a file under EP (original case kept), else null. */
export function exchangeRelative(p: string): string | null {
  const win = p.replace(/\//g, '\\');
  const lower = win.toLowerCase();
  const v15 = lower.lastIndexOf('\\v15\\');
  for (const m of EP_MARKERS) {
    const at = v15 >= 0 ? lower.indexOf(m, v15) : lower.indexOf(m);
    if (at >= 0 && (v15 < 0 || at === v15 + 4)) return win.slice(at);
  }
  return null;
}

/** Extensions IIS runs or serves as scripts; the web-shell scan reads every file with one of them. */
export const WEB_EXTENSIONS = ['.aspx', '.ashx', '.asmx', '.asp', '.asax', '.config', '.js', '.cshtml', '.svc', '.master'];

/** Server-side script extensions (what a web shell must be to run). */
export const SCRIPT_EXTENSIONS = ['.aspx', '.ashx', '.asmx', '.asp', '.asax', '.cshtml', '.svc', '.master'];

export function extOf(p: string): string {
  const name = p.replace(/\//g, '\\').split('\\').pop() ?? '';
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

/** Folders served by IIS on an Exchange server (fragments, matched case-insensitively). */
export const WEB_ROOTS = [
  '\\inetpub\\wwwroot',
  '\\FrontEnd\\HttpProxy',
  '\\ClientAccess\\owa',
  '\\ClientAccess\\ecp',
  '\\ClientAccess\\OAB',
  '\\Temporary ASP.NET Files',
];

export function isWebRoot(p: string): boolean {
  return WEB_ROOTS.some((r) => isUnder(p, r));
}

/** Exchange web folders (front end and back end virtual directories). */
export function isExchangeWebFolder(p: string): boolean {
  const rel = exchangeRelative(p);
  return rel !== null && /^\\(frontend\\httpproxy|clientaccess)\\/i.test(rel);
}

/** Roots whose every file is scanned; under ClientAccess (thousands of static files) only web extensions are. */
const SCAN_EVERY_FILE_ROOTS = ['\\inetpub\\wwwroot', '\\FrontEnd\\HttpProxy', '\\Temporary ASP.NET Files'];

export function isWebCandidate(p: string): boolean {
  return WEB_EXTENSIONS.includes(extOf(p)) || SCAN_EVERY_FILE_ROOTS.some((r) => isUnder(p, r));
}

/**
 * URL paths (lower-case) under which IIS serves a file: `C:\inetpub\wwwroot\X` → `/x`,
 * `EP\FrontEnd\HttpProxy\owa\auth\X` → `/owa/auth/x`, `EP\ClientAccess\ecp\X` → `/ecp/x` (the back end on :444).
 */
export function urlPathsFor(p: string): string[] {
  const win = normWin(p);
  const out: string[] = [];
  const www = win.indexOf('\\inetpub\\wwwroot\\');
  if (www >= 0) out.push(win.slice(www + '\\inetpub\\wwwroot'.length).replace(/\\/g, '/'));
  const rel = exchangeRelative(win);
  if (rel) {
    const m = /^\\(?:frontend\\httpproxy|clientaccess)(\\.+)$/.exec(rel);
    if (m) out.push(m[1].replace(/\\/g, '/'));
  }
  return [...new Set(out)];
}
