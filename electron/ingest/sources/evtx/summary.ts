// One line that says what an EVTX event means, for the common Security, Sysmon, System, PowerShell and Exchange
// management events: "Security 4688: process created C:\…\cmd.exe "cmd /c whoami" by CONTOSO\svc (parent w3wp.exe)".
// Unknown events get null and keep the generic "Provider EventID: name=value; …" line.
import type { FieldValue } from '../../../../shared/types.ts';
import { positionsIn } from './names.ts';
import { DEFENDER_PROVIDERS, defenderAction, defenderPaths } from '../../../../shared/defender.ts';

type F = Record<string, FieldValue>;
type Summary = (d: (name: string) => string) => string;

/** Short channel names for the line's prefix. */
function channelLabel(channel: string, provider: string): string {
  if (/sysmon/i.test(channel) || /sysmon/i.test(provider)) return 'Sysmon';
  if (/^Microsoft-Windows-PowerShell/i.test(channel)) return 'PowerShell';
  if (DEFENDER_PROVIDERS.has(provider)) return 'Defender';
  return channel || provider || '?';
}

const user = (d: (n: string) => string, dom: string, name: string): string => {
  const u = d(name);
  const domain = d(dom);
  return u ? (domain && domain !== '-' ? `${domain}\\${u}` : u) : '';
};
const base = (p: string): string => p.split(/[\\/]/).pop() ?? p;
const opt = (label: string, v: string): string => (v && v !== '-' ? ` ${label} ${v}` : '');

const LOGON_TYPES: Record<string, string> = {
  2: 'interactive', 3: 'network', 4: 'batch', 5: 'service', 7: 'unlock', 8: 'network cleartext', 9: 'new credentials', 10: 'remote interactive (RDP)', 11: 'cached interactive',
};
const logonType = (t: string): string => (LOGON_TYPES[t] ? `${LOGON_TYPES[t]} (type ${t})` : `type ${t}`);

const SECURITY: Record<number, Summary> = {
  1102: (d) => `audit log cleared by ${user(d, 'SubjectDomainName', 'SubjectUserName') || '?'}`,
  4624: (d) => `logon ${user(d, 'TargetDomainName', 'TargetUserName')} ${logonType(d('LogonType'))}${opt('from', d('IpAddress'))}${opt('workstation', d('WorkstationName'))}${opt('via', d('AuthenticationPackageName'))}`,
  4625: (d) => `FAILED logon ${user(d, 'TargetDomainName', 'TargetUserName')} ${logonType(d('LogonType'))}${opt('from', d('IpAddress'))}${opt('status', d('Status'))}${opt('sub-status', d('SubStatus'))}`,
  4634: (d) => `logoff ${user(d, 'TargetDomainName', 'TargetUserName')} ${logonType(d('LogonType'))}`,
  4647: (d) => `logoff requested by ${user(d, 'TargetDomainName', 'TargetUserName')}`,
  4648: (d) => `explicit credentials: ${user(d, 'SubjectDomainName', 'SubjectUserName')} used ${user(d, 'TargetDomainName', 'TargetUserName')}${opt('for', d('TargetServerName'))}${opt('by', d('ProcessName'))}${opt('from', d('IpAddress'))}`,
  4663: (d) => `object accessed ${d('ObjectName')} by ${d('ProcessName') || user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4672: (d) => `special privileges for ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4688: (d) => `process created ${d('NewProcessName')}${d('CommandLine') ? ` "${d('CommandLine')}"` : ''} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}${d('ParentProcessName') ? ` (parent ${base(d('ParentProcessName'))})` : ''}`,
  4689: (d) => `process exited ${d('ProcessName')}`,
  4697: (d) => `service installed ${d('ServiceName')}: ${d('ServiceFileName')} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4698: (d) => `scheduled task created ${d('TaskName')} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4699: (d) => `scheduled task deleted ${d('TaskName')} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4702: (d) => `scheduled task updated ${d('TaskName')} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4720: (d) => `user account created ${user(d, 'TargetDomainName', 'TargetUserName')} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4722: (d) => `user account enabled ${user(d, 'TargetDomainName', 'TargetUserName')} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4724: (d) => `password reset for ${user(d, 'TargetDomainName', 'TargetUserName')} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4726: (d) => `user account deleted ${user(d, 'TargetDomainName', 'TargetUserName')} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4728: (d) => `${d('MemberName') || d('MemberSid')} added to global group ${user(d, 'TargetDomainName', 'TargetUserName')} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4732: (d) => `${d('MemberName') || d('MemberSid')} added to local group ${user(d, 'TargetDomainName', 'TargetUserName')} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4756: (d) => `${d('MemberName') || d('MemberSid')} added to universal group ${user(d, 'TargetDomainName', 'TargetUserName')} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4768: (d) => `Kerberos TGT requested for ${user(d, 'TargetDomainName', 'TargetUserName')}${opt('from', d('IpAddress'))}${opt('status', d('Status'))}`,
  4769: (d) => `Kerberos service ticket for ${d('ServiceName')} to ${d('TargetUserName')}${opt('from', d('IpAddress'))}${opt('status', d('Status'))}`,
  4771: (d) => `Kerberos pre-authentication FAILED for ${d('TargetUserName')}${opt('from', d('IpAddress'))}${opt('status', d('Status'))}`,
  4776: (d) => `NTLM credential check for ${d('TargetUserName')}${opt('from workstation', d('Workstation'))}${opt('status', d('Status'))}`,
  4798: (d) => `local groups of ${user(d, 'TargetDomainName', 'TargetUserName')} enumerated by ${d('CallerProcessName') || user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  4799: (d) => `members of ${user(d, 'TargetDomainName', 'TargetUserName')} enumerated by ${d('CallerProcessName') || user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  5140: (d) => `share accessed ${d('ShareName')}${opt('from', d('IpAddress'))} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  5145: (d) => `share object checked ${d('ShareName')}\\${d('RelativeTargetName')}${opt('from', d('IpAddress'))} by ${user(d, 'SubjectDomainName', 'SubjectUserName')}`,
  5156: (d) => `connection allowed ${d('Application')} ${d('SourceAddress')}:${d('SourcePort')} → ${d('DestAddress')}:${d('DestPort')}`,
};

const SYSMON: Record<number, Summary> = {
  1: (d) => `process created ${d('Image')}${d('CommandLine') ? ` "${d('CommandLine')}"` : ''}${opt('by', d('User'))}${d('ParentImage') ? ` (parent ${base(d('ParentImage'))}${d('ParentCommandLine') ? ` "${d('ParentCommandLine')}"` : ''})` : ''}`,
  3: (d) => `network connection ${d('Image')} ${d('SourceIp')}:${d('SourcePort')} → ${d('DestinationIp')}:${d('DestinationPort')}${d('DestinationHostname') ? ` (${d('DestinationHostname')})` : ''}${opt('by', d('User'))}`,
  5: (d) => `process terminated ${d('Image')}`,
  6: (d) => `driver loaded ${d('ImageLoaded')}${opt('signed by', d('Signature'))}`,
  7: (d) => `image loaded ${d('ImageLoaded')} into ${d('Image')}`,
  8: (d) => `remote thread created by ${d('SourceImage')} in ${d('TargetImage')}`,
  10: (d) => `process accessed ${d('TargetImage')} by ${d('SourceImage')}${opt('access', d('GrantedAccess'))}`,
  11: (d) => `file created ${d('TargetFilename')} by ${d('Image')}`,
  12: (d) => `registry ${d('EventType') || 'key'} ${d('TargetObject')} by ${d('Image')}`,
  13: (d) => `registry value set ${d('TargetObject')} = ${d('Details')} by ${d('Image')}`,
  14: (d) => `registry renamed ${d('TargetObject')} → ${d('NewName')} by ${d('Image')}`,
  15: (d) => `file stream created ${d('TargetFilename')} by ${d('Image')}`,
  17: (d) => `pipe created ${d('PipeName')} by ${d('Image')}`,
  18: (d) => `pipe connected ${d('PipeName')} by ${d('Image')}`,
  22: (d) => `DNS query ${d('QueryName')}${opt('→', d('QueryResults'))} by ${d('Image')}`,
  23: (d) => `file deleted ${d('TargetFilename')} by ${d('Image')}`,
  25: (d) => `process tampering ${d('Type')} ${d('Image')}`,
  26: (d) => `file deleted ${d('TargetFilename')} by ${d('Image')}`,
};

const SYSTEM: Record<number, Summary> = {
  104: (d) => `event log ${d('Channel') || '?'} cleared by ${user(d, 'SubjectDomainName', 'SubjectUserName') || '?'}`,
  6005: () => 'event log service started',
  6006: () => 'event log service stopped',
  7036: (d) => `service ${d('param1') || d('0')} is ${d('param2') || d('1')}`,
  7040: (d) => `service ${d('param1')} start type changed from ${d('param2')} to ${d('param3')}`,
  7045: (d) => `service installed ${d('ServiceName')}: ${d('ImagePath')}${opt('start', d('StartType'))}${opt('as', d('AccountName'))}`,
};

/** "HostApplication=…" style lines inside classic PowerShell events' third data string. */
const psDetail = (d: (n: string) => string, key: string): string =>
  new RegExp(`${key}=(.*?)(?: [A-Z][A-Za-z]+=|$)`).exec(`${d('1')} ${d('2')}`)?.[1]?.trim() ?? '';

const POWERSHELL: Record<number, Summary> = {
  400: (d) => `engine started${opt('host', psDetail(d, 'HostApplication'))}`,
  403: (d) => `engine stopped${opt('host', psDetail(d, 'HostApplication'))}`,
  600: (d) => `provider ${psDetail(d, 'ProviderName')} started${opt('host', psDetail(d, 'HostApplication'))}`,
  800: (d) => `pipeline executed${opt('host', psDetail(d, 'HostApplication'))}${opt('command', psDetail(d, 'CommandLine'))}`,
  4103: (d) => `command executed ${d('Payload') || d('ContextInfo')}`,
  4104: (d) => `script block${d('MessageTotal') && d('MessageTotal') !== '1' ? ` (part ${d('MessageNumber')} of ${d('MessageTotal')})` : ''}${opt('from', d('Path'))}: ${d('ScriptBlockText')}`,
};

/** "C:\x.aspx, C:\y.dll" from a Defender Path value. */
const defPaths = (d: (n: string) => string): string => defenderPaths(d('Path')).join(', ') || '?';
const threat = (d: (n: string) => string): string => `${d('Threat Name') || '?'}${d('Severity Name') ? ` (${[d('Severity Name'), d('Category Name')].filter(Boolean).join(' ')})` : ''}`;
const action = (d: (n: string) => string): string => defenderAction(d('Action ID'), d('Action Name'));
const detected: Summary = (d) => `threat detected ${threat(d)} in ${defPaths(d)}${opt('by', d('Process Name'))}${opt('user', d('Detection User'))}`;
const acted: Summary = (d) => `${action(d)}: ${d('Threat Name') || '?'} in ${defPaths(d)}`;
const failed: Summary = (d) => `action FAILED (${action(d)}): ${d('Threat Name') || '?'} in ${defPaths(d)}${opt('—', d('Error Description'))}`;

const DEFENDER: Record<number, Summary> = {
  1006: detected, 1116: detected, 1007: acted, 1117: acted, 1008: failed, 1118: failed, 1119: failed,
  1015: (d) => `suspicious behaviour detected ${threat(d)} in ${defPaths(d)}${opt('by', d('Process Name'))}`,
  1121: (d) => `attack surface reduction rule blocked ${d('Path') || '?'}${opt('in', d('Process Name'))}`,
  1122: (d) => `attack surface reduction rule (audit) would block ${d('Path') || '?'}${opt('in', d('Process Name'))}`,
  5001: () => 'real-time protection disabled',
  5007: (d) => `configuration changed${opt('from', d('Old Value'))}${opt('to', d('New Value'))}`,
  5010: () => 'scanning for malware and other unwanted software disabled',
  5012: () => 'scanning for viruses disabled',
  5013: (d) => `tamper protection blocked a change${opt('to', d('Value'))}`,
};

/** MSExchange CmdletLogs: the cmdlet, its parameters and who ran it (event 1 succeeded, 6 failed). */
function exchangeCmdlet(eventId: number, d: (n: string) => string): string | null {
  if (eventId !== 1 && eventId !== 6) return null;
  const cmdlet = d('0');
  if (!cmdlet) return null;
  return `${eventId === 6 ? 'FAILED ' : ''}${cmdlet} ${d('1')}${opt('by', d('2'))}`.trim();
}

function pick(table: Record<number, Summary>, id: number, d: (n: string) => string): string | null {
  const s = table[id];
  return s ? s(d) : null;
}

type Family = 'sysmon' | 'security' | 'powershell' | 'exchange' | 'system' | 'defender' | 'none';

/** Which table a channel and provider read from (the Eventlog provider's 1102 is decided per event, in summaryText). */
function familyOf(channel: string, provider: string): Family {
  if (/sysmon/i.test(channel) || /sysmon/i.test(provider)) return 'sysmon';
  if (channel === 'Security' || provider === 'Microsoft-Windows-Security-Auditing') return 'security';
  if (/PowerShell/i.test(channel) || /PowerShell/i.test(provider)) return 'powershell';
  if (provider === 'MSExchange CmdletLogs') return 'exchange';
  if (DEFENDER_PROVIDERS.has(provider)) return 'defender';
  if (channel === 'System' || provider === 'Microsoft-Windows-Eventlog' || provider === 'Service Control Manager') return 'system';
  return 'none';
}

// The family and label of each channel/provider pair seen: a log repeats a few pairs over thousands of records, and the
// regular expressions per event showed in profiles. Two levels (no key concatenated per event); bounded: cleared when full.
interface FamilyEntry { family: Family; label: string }
const families = new Map<string, Map<string, FamilyEntry>>();
let familyCount = 0;
const MAX_FAMILIES = 4096;

function familyEntry(channel: string, provider: string): FamilyEntry {
  let byProvider = families.get(channel);
  let entry = byProvider?.get(provider);
  if (entry) return entry;
  if (familyCount >= MAX_FAMILIES) { families.clear(); familyCount = 0; byProvider = undefined; }
  if (!byProvider) { byProvider = new Map(); families.set(channel, byProvider); }
  entry = { family: familyOf(channel, provider), label: channelLabel(channel, provider) };
  byProvider.set(provider, entry);
  familyCount++;
  return entry;
}

/** Whitespace other than single inner spaces: only such values need folding (most have none). */
const UNEVEN_SPACE = /[^\S ]| {2}|^ | $/;

// The fields of the event being summarised, read by `d`: module-level state instead of a closure per event (creating
// and naming a closure per record cost a few percent of the parse). Names and values as packed events carry them.
let curNames: readonly string[] = [];
let curValues: readonly FieldValue[] = [];
let curPos: Map<string, number> | null = null;

// `data.<name>` for the names the summaries read (names from the tables above only, so few): a key built per lookup
// would be hashed and looked up in the string table at every read.
const dataKeys = new Map<string, string>();
function dataKey(name: string): string {
  let k = dataKeys.get(name);
  if (k === undefined) { k = `data.${name}`; k = Object.keys({ [k]: 0 })[0]; dataKeys.set(name, k); }
  return k;
}

/** A data value of the current event on one line ('' when absent). */
function d(name: string): string {
  const i = (curPos ??= positionsIn(curNames)).get(dataKey(name));
  const v = i === undefined ? undefined : curValues[i];
  if (v === null || v === undefined) return '';
  const s = String(v);
  return UNEVEN_SPACE.test(s) ? s.replace(/\s+/g, ' ').trim() : s;
}

function summaryText(family: Family, id: number, provider: string): string | null {
  // Log cleared (1102) by the Eventlog provider reads as a Security event wherever it is, as long as it is not Sysmon's.
  const f = family !== 'sysmon' && id === 1102 && provider === 'Microsoft-Windows-Eventlog' ? 'security' : family;
  switch (f) {
    case 'sysmon': return pick(SYSMON, id, d);
    case 'security': return pick(SECURITY, id, d);
    case 'powershell': return pick(POWERSHELL, id, d);
    case 'exchange': return exchangeCmdlet(id, d);
    case 'system': return pick(SYSTEM, id, d);
    case 'defender': return pick(DEFENDER, id, d);
    default: return null;
  }
}

/** The summary line of an event (its fields as names and values), or null when it is not one of the common ones. */
export function summaryOf(id: number, channel: string, provider: string, names: readonly string[], values: readonly FieldValue[]): string | null {
  const { family, label } = familyEntry(channel, provider);
  curNames = names;
  curValues = values;
  curPos = null;
  try {
    const text = summaryText(family, id, provider);
    return text === null ? null : `${label} ${id}: ${text}`;
  } finally {
    curNames = [];
    curValues = [];
    curPos = null;
  }
}

/** The summary line of an event given as a fields object, or null when it is not one of the common ones. */
export function evtxSummary(fields: F): string | null {
  const id = typeof fields.EventID === 'number' ? fields.EventID : NaN;
  return summaryOf(id, String(fields.Channel ?? ''), String(fields.Provider ?? ''), Object.keys(fields), Object.values(fields));
}
