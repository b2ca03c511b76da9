// Microsoft Defender Antivirus events (Microsoft-Windows-Windows Defender/Operational) as an analyst reads them: which
// files a detection names, what Defender did about it, and whether the threat is one of the Exchange attack families.
// Read by the EVTX summary lines and by the antivirus check.

export const DEFENDER_PROVIDERS: ReadonlySet<string> = new Set(['Microsoft-Windows-Windows Defender', 'Windows Defender']);

/** Detections (1006 old engine / 1116), behaviour detections (1015), and what followed them. */
export const DEFENDER_DETECTED: ReadonlySet<number> = new Set([1006, 1015, 1116]);
export const DEFENDER_ACTED: ReadonlySet<number> = new Set([1007, 1117]);
export const DEFENDER_FAILED: ReadonlySet<number> = new Set([1008, 1118, 1119]);
/** Protection turned off: real-time protection (5001), spyware (5010) and virus (5012) scanning. */
export const DEFENDER_DISABLED: Readonly<Record<number, string>> = {
  5001: 'real-time protection disabled', 5010: 'scanning for malware and other unwanted software disabled', 5012: 'scanning for viruses disabled',
};

/**
 * The files of a detection's Path value: `file:_C:\x.aspx; containerfile:_C:\a.zip; file:_C:\a.zip->(x.js)` →
 * `C:\x.aspx`, `C:\a.zip` (the resource kind and the inner-member suffix dropped, each file once).
 */
export function defenderPaths(raw: string): string[] {
  const out: string[] = [];
  for (const part of raw.split(';')) {
    const p = part.trim().replace(/^[a-z]+:_/i, '').replace(/->.*$/, '').trim();
    if (p && !out.includes(p)) out.push(p);
  }
  return out;
}

// Action ID as Microsoft documents it for events 1117/1118/1119; Action Name may be an unresolved message insert (%%809).
const ACTIONS: Readonly<Record<string, string>> = {
  1: 'cleaned', 2: 'quarantined', 3: 'removed', 6: 'allowed', 8: 'user-defined action', 9: 'no action', 10: 'blocked',
};

/** What Defender did, in words: by Action ID, else the Action Name when it is text. */
export function defenderAction(actionId: string, actionName: string): string {
  const known = ACTIONS[actionId.trim()];
  if (known) return known;
  return actionName && !/^%%\d+$/.test(actionName) ? actionName.toLowerCase() : `action ${actionId || 'not recorded'}`;
}

/** Actions after which the file is no longer where it was. */
export const isRemoval = (action: string): boolean => ['cleaned', 'quarantined', 'removed', 'blocked'].includes(action);

/**
 * Threat names of the Exchange attack families and of web shells in general: Microsoft's names for the March 2021
 * exploitation (Exmann, SecChecker, TwoFace, Chopper, DoejoCrypt/DearCry), ProxyShell, and script backdoors of the web
 * languages (Backdoor:ASP/…, Backdoor:JS/Webshell, Trojan:ASP/…).
 */
const EXCHANGE_THREAT = /exmann|secchecker|twoface|chopper|webshell|web_shell|doejocrypt|proxyshell|proxylogon|hafnium|dumplsass|^(?:backdoor|trojan|exploit|hacktool):(?:asp|aspx|jsp|php)\//i;

export const isExchangeAttackThreat = (threat: string): boolean => EXCHANGE_THREAT.test(threat);
