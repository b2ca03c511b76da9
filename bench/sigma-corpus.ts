// A server-like EVTX mix for the Sigma bench: what the event logs of a busy Exchange 2016 server with Sysmon and
// process auditing hold over a few days — logons and logoffs, firewall connections, Exchange's own processes and
// health probes, image loads, log files written, registry writes, DNS queries, PowerShell from the management shell
// and health mailboxes — with the real attack samples of ../shared/data mixed in at ATTACK_SHARE. Events carry the
// fields and message Loupe's EVTX parser gives (the message from its own summary), so FTS, fields and rules see
// what a real case holds. Deterministic for a seed.
import { messageFrom } from '../electron/ingest/sources/evtx/event.ts';
import type { FieldValue, TimelineEvent } from '../shared/types.ts';
import { Rng } from '../test/fixtures/gen/rng.ts';

/** Share of the events taken from the real attack samples. */
export const ATTACK_SHARE = 0.01;

const HOST = 'EXCH01.contoso.local';
const EX = 'C:\\Program Files\\Microsoft\\Exchange Server\\V15';
const SYS32 = 'C:\\Windows\\System32';
const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const USERS = ['EXCH01$', 'HealthMailbox0b3c9a1', 'HealthMailboxd81f3e2', 'svc-backup', 'j.smith', 'a.jones', 'm.chen', 'SM_4ad6b1e2c8f04e1b9', 'administrator', 'k.patel'];
const DOMAINS = ['CONTOSO', 'NT AUTHORITY'];
const POOLS = ['MSExchangeOWAAppPool', 'MSExchangeECPAppPool', 'MSExchangeServicesAppPool', 'MSExchangeMapiFrontEndAppPool', 'MSExchangeRpcProxyAppPool', 'MSExchangeSyncAppPool', 'MSExchangeAutodiscoverAppPool', 'MSExchangePowerShellFrontEndAppPool'];
const DNS = ['dc01.contoso.local', 'dc02.contoso.local', 'exch02.contoso.local', 'outlook.office365.com', 'ctldl.windowsupdate.com', 'crl.microsoft.com', 'login.microsoftonline.com', 'wpad.contoso.local', 'settings-win.data.microsoft.com', 'go.microsoft.com'];
const CMDLETS = ['Get-Mailbox', 'Get-MailboxDatabase', 'Get-ExchangeServer', 'Test-ServiceHealth', 'Get-Queue', 'Get-TransportService', 'Get-MailboxStatistics', 'Get-OwaVirtualDirectory', 'Test-MapiConnectivity', 'Get-HealthReport'];
const DLLS = ['ntdll.dll', 'kernel32.dll', 'KernelBase.dll', 'advapi32.dll', 'rpcrt4.dll', 'combase.dll', 'sechost.dll', 'ws2_32.dll', 'bcrypt.dll', 'crypt32.dll', 'mswsock.dll', 'clr.dll', 'mscoree.dll', 'wintrust.dll', 'msasn1.dll'];

/** Processes an Exchange server runs all day: image, command line, parent. */
function process(r: Rng): { image: string; cmd: string; parent: string; parentCmd: string; user: string } {
  const pick = r.int(12);
  const svchost = { image: `${SYS32}\\svchost.exe`, cmd: `${SYS32}\\svchost.exe -k ${r.pick(['netsvcs', 'LocalService', 'NetworkService', 'DcomLaunch', 'RPCSS'])} -p${r.next() < 0.5 ? ` -s ${r.pick(['Schedule', 'Winmgmt', 'gpsvc', 'BITS', 'Appinfo', 'wuauserv'])}` : ''}`, parent: `${SYS32}\\services.exe`, parentCmd: `${SYS32}\\services.exe`, user: 'NT AUTHORITY\\SYSTEM' };
  switch (pick) {
    case 0: case 1: {
      const pool = r.pick(POOLS);
      return { image: `${SYS32}\\inetsrv\\w3wp.exe`, cmd: `c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "${pool}" -v "v4.0" -c "${EX}\\bin\\GenericAppPoolConfigWithGCServerEnabledFalse.config" -a \\\\.\\pipe\\iisipm${r.guid()} -h "C:\\inetpub\\temp\\apppools\\${pool}\\${pool}.config" -w "" -m 0`, parent: `${SYS32}\\svchost.exe`, parentCmd: `${SYS32}\\svchost.exe -k iissvcs`, user: 'NT AUTHORITY\\SYSTEM' };
    }
    case 2: return { image: `${EX}\\Bin\\MSExchangeHMWorker.exe`, cmd: `"${EX}\\Bin\\MSExchangeHMWorker.exe" -workerType:${r.int(3)} -pid:${1000 + r.int(9000)} -wlb:${r.int(2) ? 'True' : 'False'}`, parent: `${EX}\\Bin\\MSExchangeHMHost.exe`, parentCmd: `"${EX}\\Bin\\MSExchangeHMHost.exe"`, user: 'NT AUTHORITY\\SYSTEM' };
    case 3: return { image: `${EX}\\Bin\\Search\\Ceres\\Runtime\\1.0\\noderunner.exe`, cmd: `"${EX}\\Bin\\Search\\Ceres\\Runtime\\1.0\\noderunner.exe" --node ${r.pick(['AdminNode1', 'ContentEngineNode1', 'IndexNode1', 'InteractionEngineNode1'])} --tmp "${EX}\\Bin\\Search\\Ceres\\HostController\\Data\\Nodes\\Fsis\\Tmp"`, parent: `${EX}\\Bin\\Search\\Ceres\\HostController\\hostcontrollerservice.exe`, parentCmd: `"${EX}\\Bin\\Search\\Ceres\\HostController\\hostcontrollerservice.exe"`, user: 'NT AUTHORITY\\SYSTEM' };
    case 4: return { image: `C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe`, cmd: `"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe" /noconfig /fullpaths @"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Temporary ASP.NET Files\\owa\\${r.hex(8)}\\${r.hex(8)}\\${r.hex(8)}.cmdline"`, parent: `${SYS32}\\inetsrv\\w3wp.exe`, parentCmd: `c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "MSExchangeOWAAppPool"`, user: 'NT AUTHORITY\\SYSTEM' };
    case 5: return { image: `${SYS32}\\conhost.exe`, cmd: `\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1`, parent: `${EX}\\Bin\\MSExchangeHMWorker.exe`, parentCmd: `"${EX}\\Bin\\MSExchangeHMWorker.exe" -workerType:1`, user: 'NT AUTHORITY\\SYSTEM' };
    case 6: return { image: `${SYS32}\\wbem\\WmiPrvSE.exe`, cmd: `C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding`, parent: `${SYS32}\\svchost.exe`, parentCmd: `${SYS32}\\svchost.exe -k DcomLaunch -p`, user: 'NT AUTHORITY\\NETWORK SERVICE' };
    case 7: return { image: `${SYS32}\\taskhostw.exe`, cmd: `taskhostw.exe ${r.pick(['Install $(Arg0)', 'SYSTEM', '-RegisterDevice -ProtectionStateChanged -FreeNetworkOnly'])}`, parent: `${SYS32}\\svchost.exe`, parentCmd: `${SYS32}\\svchost.exe -k netsvcs -p -s Schedule`, user: 'NT AUTHORITY\\SYSTEM' };
    case 8: return { image: `${EX}\\Bin\\EdgeTransport.exe`, cmd: `"${EX}\\Bin\\EdgeTransport.exe"`, parent: `${EX}\\Bin\\MSExchangeTransport.exe`, parentCmd: `"${EX}\\Bin\\MSExchangeTransport.exe"`, user: 'NT AUTHORITY\\NETWORK SERVICE' };
    case 9: return { image: `C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2102.4-0\\MpCmdRun.exe`, cmd: `"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2102.4-0\\MpCmdRun.exe" ${r.pick(['SignaturesUpdateService -ScheduleJob -UnmanagedUpdate', '-wdenable', 'Scan -ScheduleJob -ScanTrigger 55'])}`, parent: `C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2102.4-0\\MsMpEng.exe`, parentCmd: `"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2102.4-0\\MsMpEng.exe"`, user: 'NT AUTHORITY\\SYSTEM' };
    case 10: return { image: `${SYS32}\\WerFault.exe`, cmd: `C:\\Windows\\system32\\WerFault.exe -u -p ${1000 + r.int(9000)} -s ${100 + r.int(900)}`, parent: `${EX}\\Bin\\Microsoft.Exchange.Diagnostics.Service.exe`, parentCmd: `"${EX}\\Bin\\Microsoft.Exchange.Diagnostics.Service.exe"`, user: 'NT AUTHORITY\\SYSTEM' };
    default: return svchost;
  }
}

const ip = (r: Rng): string => (r.next() < 0.8 ? `10.0.${r.int(4)}.${1 + r.int(250)}` : `${20 + r.int(180)}.${r.int(256)}.${r.int(256)}.${1 + r.int(254)}`);
const sysTime = (ts: number): string => new Date(ts / 1000).toISOString().replace('T', ' ').replace('Z', '');
const hashes = (r: Rng): string => `SHA1=${r.hex(40).toUpperCase()},MD5=${r.hex(32).toUpperCase()},SHA256=${r.hex(64).toUpperCase()},IMPHASH=${r.hex(32).toUpperCase()}`;
const guid = (r: Rng): string => `{${r.guid().toUpperCase()}}`;
const user = (r: Rng): string => r.pick(USERS);

type Data = Array<[string, string]>;
interface Kind { weight: number; channel: string; provider: string; eventId: number; task?: number; data(r: Rng, ts: number): Data }

const sysmon = (eventId: number, weight: number, data: Kind['data']): Kind => ({ weight, channel: SYSMON, provider: 'Microsoft-Windows-Sysmon', eventId, task: eventId, data });
const security = (eventId: number, weight: number, data: Kind['data']): Kind => ({ weight, channel: 'Security', provider: 'Microsoft-Windows-Security-Auditing', eventId, data });

const KINDS: Kind[] = [
  security(4624, 12, (r) => {
    const t = r.pick(['3', '3', '3', '5', '2', '10']);
    return [['SubjectUserSid', 'S-1-5-18'], ['SubjectUserName', 'EXCH01$'], ['SubjectDomainName', 'CONTOSO'], ['SubjectLogonId', '0x3e7'], ['TargetUserSid', `S-1-5-21-1587066498-1489273250-1035260531-${1100 + r.int(900)}`], ['TargetUserName', user(r)], ['TargetDomainName', 'CONTOSO'], ['TargetLogonId', `0x${r.hex(8)}`], ['LogonType', t], ['LogonProcessName', t === '3' ? r.pick(['Kerberos', 'NtLmSsp ']) : 'Advapi  '], ['AuthenticationPackageName', t === '3' ? r.pick(['Kerberos', 'NTLM', 'Negotiate']) : 'Negotiate'], ['WorkstationName', t === '3' ? '-' : 'EXCH01'], ['LogonGuid', guid(r)], ['TransmittedServices', '-'], ['LmPackageName', '-'], ['KeyLength', '0'], ['ProcessId', t === '3' ? '0x0' : '0x2a4'], ['ProcessName', t === '3' ? '-' : `${SYS32}\\services.exe`], ['IpAddress', t === '3' ? ip(r) : '-'], ['IpPort', t === '3' ? String(49152 + r.int(16000)) : '-'], ['ImpersonationLevel', '%%1833'], ['ElevatedToken', '%%1842']];
  }),
  security(4634, 10, (r) => [['TargetUserSid', `S-1-5-21-1587066498-1489273250-1035260531-${1100 + r.int(900)}`], ['TargetUserName', user(r)], ['TargetDomainName', 'CONTOSO'], ['TargetLogonId', `0x${r.hex(8)}`], ['LogonType', r.pick(['3', '5'])]]),
  security(4672, 6, (r) => [['SubjectUserSid', 'S-1-5-18'], ['SubjectUserName', r.pick(['SYSTEM', 'EXCH01$', 'svc-backup'])], ['SubjectDomainName', r.pick(DOMAINS)], ['SubjectLogonId', `0x${r.hex(6)}`], ['PrivilegeList', 'SeAssignPrimaryTokenPrivilege\r\n\t\t\tSeTcbPrivilege\r\n\t\t\tSeSecurityPrivilege\r\n\t\t\tSeTakeOwnershipPrivilege\r\n\t\t\tSeLoadDriverPrivilege\r\n\t\t\tSeBackupPrivilege\r\n\t\t\tSeRestorePrivilege\r\n\t\t\tSeDebugPrivilege\r\n\t\t\tSeAuditPrivilege\r\n\t\t\tSeSystemEnvironmentPrivilege\r\n\t\t\tSeImpersonatePrivilege']]),
  security(4688, 5, (r) => {
    const p = process(r);
    return [['SubjectUserSid', 'S-1-5-18'], ['SubjectUserName', 'EXCH01$'], ['SubjectDomainName', 'CONTOSO'], ['SubjectLogonId', '0x3e7'], ['NewProcessId', `0x${r.hex(4)}`], ['NewProcessName', p.image], ['TokenElevationType', '%%1936'], ['ProcessId', `0x${r.hex(4)}`], ['CommandLine', p.cmd], ['TargetUserSid', 'S-1-0-0'], ['TargetUserName', '-'], ['TargetDomainName', '-'], ['TargetLogonId', '0x0'], ['ParentProcessName', p.parent], ['MandatoryLabel', 'S-1-16-16384']];
  }),
  security(4689, 3, (r) => [['SubjectUserSid', 'S-1-5-18'], ['SubjectUserName', 'EXCH01$'], ['SubjectDomainName', 'CONTOSO'], ['SubjectLogonId', '0x3e7'], ['Status', '0x0'], ['ProcessId', `0x${r.hex(4)}`], ['ProcessName', process(r).image]]),
  security(5156, 8, (r) => [['ProcessID', String(r.int(9000))], ['Application', `\\device\\harddiskvolume2\\${r.pick(['windows\\system32\\svchost.exe', 'windows\\system32\\lsass.exe', 'program files\\microsoft\\exchange server\\v15\\bin\\msexchangetransport.exe', 'windows\\system32\\inetsrv\\w3wp.exe', 'program files\\microsoft\\exchange server\\v15\\bin\\edgetransport.exe'])}`], ['Direction', r.pick(['%%14592', '%%14593'])], ['SourceAddress', ip(r)], ['SourcePort', String(r.pick([443, 25, 135, 389, 49152 + r.int(16000)]))], ['DestAddress', ip(r)], ['DestPort', String(r.pick([443, 25, 88, 389, 3268, 445, 2525, 49152 + r.int(16000)]))], ['Protocol', '6'], ['FilterRTID', String(60000 + r.int(9000))], ['LayerName', '%%14611'], ['LayerRTID', '48'], ['RemoteUserID', 'S-1-0-0'], ['RemoteMachineID', 'S-1-0-0']]),
  security(5158, 2, (r) => [['ProcessId', String(r.int(9000))], ['Application', '\\device\\harddiskvolume2\\windows\\system32\\svchost.exe'], ['SourceAddress', '0.0.0.0'], ['SourcePort', String(49152 + r.int(16000))], ['Protocol', '17'], ['FilterRTID', '0'], ['LayerName', '%%14608'], ['LayerRTID', '38']]),
  security(4663, 2, (r) => [['SubjectUserSid', 'S-1-5-18'], ['SubjectUserName', 'EXCH01$'], ['SubjectDomainName', 'CONTOSO'], ['SubjectLogonId', '0x3e7'], ['ObjectServer', 'Security'], ['ObjectType', 'File'], ['ObjectName', `${EX}\\Logging\\${r.pick(['HttpProxy\\Owa', 'HttpProxy\\Ecp', 'Diagnostics\\DailyPerformanceLogs', 'MapiHttp\\Mailbox'])}\\${r.hex(8)}.LOG`], ['HandleId', `0x${r.hex(4)}`], ['AccessList', '%%4417\r\n\t\t\t\t'], ['AccessMask', '0x2'], ['ProcessId', `0x${r.hex(4)}`], ['ProcessName', process(r).image], ['ResourceAttributes', '']]),
  security(4625, 1, (r) => [['SubjectUserSid', 'S-1-5-18'], ['SubjectUserName', 'EXCH01$'], ['SubjectDomainName', 'CONTOSO'], ['SubjectLogonId', '0x3e7'], ['TargetUserSid', 'S-1-0-0'], ['TargetUserName', r.pick(['administrator', 'admin', 'j.smith', 'test', 'scanner'])], ['TargetDomainName', 'CONTOSO'], ['Status', '0xc000006d'], ['FailureReason', '%%2313'], ['SubStatus', r.pick(['0xc000006a', '0xc0000064'])], ['LogonType', '8'], ['LogonProcessName', 'Advapi  '], ['AuthenticationPackageName', 'Negotiate'], ['WorkstationName', 'EXCH01'], ['TransmittedServices', '-'], ['LmPackageName', '-'], ['KeyLength', '0'], ['ProcessId', `0x${r.hex(4)}`], ['ProcessName', `${SYS32}\\inetsrv\\w3wp.exe`], ['IpAddress', ip(r)], ['IpPort', String(49152 + r.int(16000))]]),
  sysmon(1, 5, (r, ts) => {
    const p = process(r);
    return [['RuleName', '-'], ['UtcTime', sysTime(ts)], ['ProcessGuid', guid(r)], ['ProcessId', String(r.int(20000))], ['Image', p.image], ['FileVersion', '10.0.14393.4169 (rs1_release.210107-1130)'], ['Description', p.image.split('\\').pop()!.replace('.exe', '')], ['Product', r.pick(['Microsoft® Windows® Operating System', 'Microsoft® Exchange'])], ['Company', 'Microsoft Corporation'], ['OriginalFileName', p.image.split('\\').pop()!], ['CommandLine', p.cmd], ['CurrentDirectory', `${SYS32}\\`], ['User', p.user], ['LogonGuid', guid(r)], ['LogonId', '0x3e7'], ['TerminalSessionId', '0'], ['IntegrityLevel', 'System'], ['Hashes', hashes(r)], ['ParentProcessGuid', guid(r)], ['ParentProcessId', String(r.int(20000))], ['ParentImage', p.parent], ['ParentCommandLine', p.parentCmd], ['ParentUser', 'NT AUTHORITY\\SYSTEM']];
  }),
  sysmon(3, 8, (r, ts) => [['RuleName', '-'], ['UtcTime', sysTime(ts)], ['ProcessGuid', guid(r)], ['ProcessId', String(r.int(20000))], ['Image', process(r).image], ['User', 'NT AUTHORITY\\SYSTEM'], ['Protocol', 'tcp'], ['Initiated', r.pick(['true', 'false'])], ['SourceIsIpv6', 'false'], ['SourceIp', ip(r)], ['SourceHostname', 'EXCH01.contoso.local'], ['SourcePort', String(49152 + r.int(16000))], ['SourcePortName', '-'], ['DestinationIsIpv6', 'false'], ['DestinationIp', ip(r)], ['DestinationHostname', r.pick(DNS)], ['DestinationPort', String(r.pick([443, 389, 3268, 88, 135, 445, 25, 2525, 80]))], ['DestinationPortName', r.pick(['https', 'ldap', 'kerberos', 'epmap', 'microsoft-ds', 'smtp', '-'])]]),
  sysmon(5, 3, (r, ts) => [['RuleName', '-'], ['UtcTime', sysTime(ts)], ['ProcessGuid', guid(r)], ['ProcessId', String(r.int(20000))], ['Image', process(r).image], ['User', 'NT AUTHORITY\\SYSTEM']]),
  sysmon(7, 8, (r, ts) => {
    const p = process(r);
    const dll = r.next() < 0.6 ? `${SYS32}\\${r.pick(DLLS)}` : `${EX}\\Bin\\Microsoft.Exchange.${r.pick(['Data', 'Diagnostics', 'Net', 'Common', 'Rpc', 'Security', 'Transport'])}.dll`;
    return [['RuleName', '-'], ['UtcTime', sysTime(ts)], ['ProcessGuid', guid(r)], ['ProcessId', String(r.int(20000))], ['Image', p.image], ['ImageLoaded', dll], ['FileVersion', '15.01.2176.009'], ['Description', dll.split('\\').pop()!], ['Product', 'Microsoft® Exchange'], ['Company', 'Microsoft Corporation'], ['OriginalFileName', dll.split('\\').pop()!], ['Hashes', hashes(r)], ['Signed', 'true'], ['Signature', 'Microsoft Corporation'], ['SignatureStatus', 'Valid'], ['User', p.user]];
  }),
  sysmon(10, 2, (r, ts) => [['RuleName', '-'], ['UtcTime', sysTime(ts)], ['SourceProcessGUID', guid(r)], ['SourceProcessId', String(r.int(20000))], ['SourceThreadId', String(r.int(20000))], ['SourceImage', r.pick([`${SYS32}\\svchost.exe`, `${SYS32}\\wbem\\WmiPrvSE.exe`, 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2102.4-0\\MsMpEng.exe'])], ['TargetProcessGUID', guid(r)], ['TargetProcessId', String(r.int(20000))], ['TargetImage', process(r).image], ['GrantedAccess', r.pick(['0x1000', '0x1400', '0x101000', '0x100000'])], ['CallTrace', `${SYS32}\\ntdll.dll+9e644|${SYS32}\\KERNELBASE.dll+2920e|${SYS32}\\${r.pick(DLLS)}+${r.hex(5)}`], ['SourceUser', 'NT AUTHORITY\\SYSTEM'], ['TargetUser', 'NT AUTHORITY\\SYSTEM']]),
  sysmon(11, 6, (r, ts) => [['RuleName', '-'], ['UtcTime', sysTime(ts)], ['ProcessGuid', guid(r)], ['ProcessId', String(r.int(20000))], ['Image', process(r).image], ['TargetFilename', r.pick([`${EX}\\Logging\\HttpProxy\\${r.pick(['Owa', 'Ecp', 'Ews', 'Mapi', 'Autodiscover'])}\\HttpProxy_${r.int(10) + 2021030100}-${r.int(9)}.LOG`, `${EX}\\TransportRoles\\data\\Queue\\trn${r.hex(5)}.chk`, `C:\\Windows\\Temp\\tmp${r.hex(4).toUpperCase()}.tmp`, `C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Temporary ASP.NET Files\\ecp\\${r.hex(8)}\\${r.hex(8)}\\App_Web_${r.hex(8)}.dll`, `${EX}\\Logging\\Monitoring\\Monitoring\\MSExchangeHMWorker\\ActiveMonitoringTraceLogs\\ActiveMonitoringTraceLog_${r.hex(6)}.etl`])], ['CreationUtcTime', sysTime(ts)], ['User', 'NT AUTHORITY\\SYSTEM']]),
  sysmon(13, 5, (r, ts) => [['RuleName', '-'], ['EventType', 'SetValue'], ['UtcTime', sysTime(ts)], ['ProcessGuid', guid(r)], ['ProcessId', String(r.int(20000))], ['Image', process(r).image], ['TargetObject', r.pick([`HKLM\\System\\CurrentControlSet\\Services\\MSExchange${r.pick(['ADTopology', 'Transport', 'IS', 'RPC'])}\\Diagnostics\\${r.pick(['Topology', 'Logging', 'Counters'])}`, `HKLM\\SOFTWARE\\Microsoft\\ExchangeServer\\v15\\${r.pick(['Search', 'Transport', 'HealthMonitoring'])}\\${r.hex(6)}`, `HKU\\S-1-5-18\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\\Connections\\DefaultConnectionSettings`, 'HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-18\\Device\\HarddiskVolume2\\Windows\\System32\\svchost.exe'])], ['Details', r.pick([`DWORD (0x0000000${r.int(10)})`, 'Binary Data', `QWORD (0x${r.hex(8)}-0x${r.hex(8)})`])], ['User', 'NT AUTHORITY\\SYSTEM']]),
  sysmon(22, 4, (r, ts) => [['RuleName', '-'], ['UtcTime', sysTime(ts)], ['ProcessGuid', guid(r)], ['ProcessId', String(r.int(20000))], ['QueryName', r.pick(DNS)], ['QueryStatus', '0'], ['QueryResults', `::ffff:${ip(r)};`], ['Image', process(r).image], ['User', 'NT AUTHORITY\\SYSTEM']]),
  sysmon(17, 1, (r, ts) => [['RuleName', '-'], ['EventType', 'CreatePipe'], ['UtcTime', sysTime(ts)], ['ProcessGuid', guid(r)], ['ProcessId', String(r.int(20000))], ['PipeName', r.pick(['\\MSExchangeMapiHttpNotification', `\\iisipm${r.guid()}`, '\\PSHost.132593045271392468.5216.DefaultAppDomain.powershell', `\\mojo.${r.int(9999)}.${r.int(9999)}.${r.hex(16)}`])], ['Image', process(r).image], ['User', 'NT AUTHORITY\\SYSTEM']]),
  {
    weight: 3, channel: 'Microsoft-Windows-PowerShell/Operational', provider: 'Microsoft-Windows-PowerShell', eventId: 4104, task: 2,
    data: (r) => [['MessageNumber', '1'], ['MessageTotal', '1'], ['ScriptBlockText', r.pick([`${r.pick(CMDLETS)} -Identity '${user(r)}' -ErrorAction SilentlyContinue | Select-Object Name,Database`, 'Set-StrictMode -Version 1.0; $ErrorActionPreference = "Stop"', `Import-Module "${EX}\\bin\\Microsoft.Exchange.Management.PowerShell.E2010.dll"`, `{ param($Identity) ${r.pick(CMDLETS)} -Identity $Identity }`, `$probe = New-Object Microsoft.Exchange.Monitoring.ActiveMonitoring.${r.pick(['OwaProbe', 'EwsProbe', 'EcpProbe'])}; $probe.Execute()`])], ['ScriptBlockId', r.guid()], ['Path', '']],
  },
  {
    weight: 1, channel: 'Microsoft-Windows-PowerShell/Operational', provider: 'Microsoft-Windows-PowerShell', eventId: 4103, task: 106,
    data: (r) => { const c = r.pick(CMDLETS); return [['ContextInfo', `        Severity = Informational\r\n        Host Name = ServerRemoteHost\r\n        Host Version = 1.0.0.0\r\n        Host ID = ${r.guid()}\r\n        Host Application = ${SYS32}\\inetsrv\\w3wp.exe -ap MSExchangePowerShellFrontEndAppPool\r\n        Engine Version = 5.1.14393.4169\r\n        Command Name = ${c}\r\n        Command Type = Cmdlet\r\n        User = CONTOSO\\${user(r)}\r\n`], ['UserData', ''], ['Payload', `CommandInvocation(${c}): "${c}"\r\nParameterBinding(${c}): name="Identity"; value="${user(r)}"\r\n`]]; },
  },
  { weight: 2, channel: 'System', provider: 'Service Control Manager', eventId: 7036, data: (r) => [['param1', r.pick(['Windows Modules Installer', 'WinHTTP Web Proxy Auto-Discovery Service', 'Microsoft Exchange Search Host Controller', 'Windows Update', 'Background Intelligent Transfer Service'])], ['param2', r.pick(['running', 'stopped'])], ['Binary', r.hex(24).toUpperCase()]] },
  { weight: 3, channel: 'Application', provider: 'MSExchange ADAccess', eventId: 2080, data: (r) => [['0', 'w3wp.exe'], ['1', String(2000 + r.int(9000))], ['2', 'DC01.contoso.local\tCDG 1 7 7 1 0 1 1 7 1 Forest Name: contoso.local']] },
  { weight: 1, channel: 'MSExchange Management', provider: 'MSExchange CmdletLogs', eventId: 1, data: (r) => [['0', r.pick(CMDLETS)], ['1', `-Identity '${user(r)}'`], ['2', `contoso.local/Users/${user(r)}`], ['3', 'S-1-5-21-1587066498-1489273250-1035260531-500']] },
];

const TOTAL_WEIGHT = KINDS.reduce((n, k) => n + k.weight, 0);

function pickKind(r: Rng): Kind {
  let x = r.next() * TOTAL_WEIGHT;
  for (const k of KINDS) if ((x -= k.weight) < 0) return k;
  return KINDS[KINDS.length - 1];
}

/** One benign server event at `ts` (µs), numbered `record`. */
function serverEvent(r: Rng, ts: number, record: number): TimelineEvent {
  const k = pickKind(r);
  const data = k.data(r, ts).map(([n, v]): [string, string] => [`data.${n}`, v]);
  const fields: Record<string, FieldValue> = {
    EventID: k.eventId, Provider: k.provider, Channel: k.channel, Computer: HOST, Level: 4, RecordID: record, Task: k.task ?? 0,
    Opcode: 0, Keywords: k.channel === 'Security' ? '0x8020000000000000' : '0x8000000000000000', ProcessID: 600 + r.int(4000), ThreadID: r.int(9000),
  };
  if (k.channel === SYSMON) fields.UserID = 'S-1-5-18';
  for (const [n, v] of data) fields[n] = v;
  return { ts, tsDesc: 'Event Logged', source: 'evtx', host: HOST, message: messageFrom(fields, data.map((d) => d[0]), data.map((d) => d[1])), fields, ref: { file: `${k.channel.replace(/\//g, '%4')}.evtx`, record } };
}

/** `n` events: the server mix with the attack `samples` (real records) spread through it at ATTACK_SHARE. */
export function* serverMix(n: number, samples: TimelineEvent[], seed = 17): Generator<TimelineEvent> {
  const r = new Rng(seed);
  const base = Date.UTC(2021, 2, 1) * 1000;
  let attack = 0;
  for (let i = 0; i < n; i++) {
    const ts = base + i * 250_000 + r.int(250_000);
    if (samples.length && r.next() < ATTACK_SHARE) {
      const s = samples[attack++ % samples.length];
      yield { ...s, ts, ref: { file: s.ref.file, record: i + 1 }, fields: { ...s.fields, RecordID: i + 1 } };
    } else yield serverEvent(r, ts, i + 1);
  }
}

/** The share of each kind, for the bench's description of the mix. */
export const MIX = KINDS.map((k) => `${k.channel === SYSMON ? 'Sysmon' : k.channel} ${k.eventId} ${((100 * k.weight * (1 - ATTACK_SHARE)) / TOTAL_WEIGHT).toFixed(1)}%`);
