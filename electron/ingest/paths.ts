// Reconstruction of original Windows paths from evidence-relative POSIX paths (KAPE / triage copies).

/**
 * Escapes KAPE writes for characters a name cannot hold (`C%3A`, `%5C` …). Only these are decoded: real Windows names
 * contain literal `%4` sequences (`Microsoft-Windows-PowerShell%4Admin.evtx`), which must stay as they are.
 */
const KAPE_ESCAPES: Record<string, string> = {
  '%3A': ':', '%5C': '\\', '%2F': '/', '%2A': '*', '%3F': '?', '%22': '"', '%3C': '<', '%3E': '>', '%7C': '|', '%25': '%', '%20': ' ',
};

function decodePercent(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%[0-9A-Fa-f]{2}/g, (esc) => KAPE_ESCAPES[esc.toUpperCase()] ?? esc);
}

const DRIVE = /^[A-Za-z]:?$/;

/**
 * `C/inetpub/wwwroot/x.aspx` → `C:\inetpub\wwwroot\x.aspx`; `C%3A/inetpub/…` → same; a first component that is not a
 * drive letter stays as-is: `evidence/x.log` → `evidence\x.log`. Percent-escapes in names are decoded.
 */
export function originalWindowsPath(relPosixPath: string): string {
  const parts = relPosixPath.split('/').filter((p) => p !== '' && p !== '.').map(decodePercent);
  if (parts.length === 0) return '';
  const first = parts[0];
  if (DRIVE.test(first)) {
    parts[0] = first[0].toUpperCase() + ':';
    if (parts.length === 1) return parts[0] + '\\';
  }
  return parts.join('\\').replaceAll('/', '\\');
}

function normalizeWindows(p: string): string {
  return p.replaceAll('/', '\\').replace(/\\+$/, '').toLowerCase();
}

/** True when `origPath` is `windowsPrefix` or inside it; case-insensitive, `/` and `\` alike. */
export function isUnder(origPath: string, windowsPrefix: string): boolean {
  const p = normalizeWindows(origPath);
  const prefix = normalizeWindows(windowsPrefix);
  if (prefix === '') return true;
  return p === prefix || p.startsWith(prefix + '\\');
}
