// Sigma logsource → the events of the case it applies to. A target is a set of sources with, for Windows event logs,
// channels and event IDs, plus field renames where a category is read from another log (process_creation from
// Security 4688). Taken from the Sigma project's Windows conventions (Sysmon event IDs per category, channel per
// service), which the SigmaHQ regression tests are checked against.

export interface Target {
  /** A stable name for grouping and reports, e.g. `sysmon:1` or `web:iis`. */
  name: string;
  sources: string[];
  /** Lower-case channel names (any when absent). */
  channels?: string[];
  eventIds?: number[];
  /** Sigma field → field name in this log, where it differs. */
  renames?: Record<string, string>;
  /** The field map family for the fields of these events. */
  fields: 'evtx' | 'iis' | 'httpproxy';
}

/** Sources whose events carry EVTX fields (EventID, Channel, data.*). EvtxECmd imports carry the same. */
export const EVTX_SOURCES = ['evtx', 'evtxecmd'];

const SYSMON = 'microsoft-windows-sysmon/operational';

/** Sysmon event IDs per Sigma category. */
const SYSMON_CATEGORIES: Record<string, number[]> = {
  process_creation: [1], file_change: [2], network_connection: [3], sysmon_status: [4, 16], process_termination: [5],
  driver_load: [6], image_load: [7], create_remote_thread: [8], raw_access_thread: [9], process_access: [10],
  file_event: [11], registry_add: [12], registry_delete: [12], registry_event: [12, 13, 14], registry_set: [13],
  registry_rename: [14], create_stream_hash: [15], pipe_created: [17, 18], wmi_event: [19, 20, 21], dns_query: [22],
  file_delete: [23], clipboard_change: [24], process_tampering: [25], file_delete_detected: [26],
  file_block_executable: [27], file_block_shredding: [28], file_executable_detected: [29], sysmon_error: [255],
};

const PS_OPERATIONAL = ['microsoft-windows-powershell/operational', 'powershellcore/operational'];
const PS_CLASSIC = ['windows powershell'];
const DEFENDER = ['microsoft-windows-windows defender/operational'];

/** Categories read from other logs than Sysmon. */
const OTHER_CATEGORIES: Record<string, Array<Omit<Target, 'name' | 'sources' | 'fields'> & { name: string }>> = {
  ps_module: [{ name: 'powershell:4103', channels: PS_OPERATIONAL, eventIds: [4103] }],
  ps_script: [{ name: 'powershell:4104', channels: PS_OPERATIONAL, eventIds: [4104] }],
  ps_classic_start: [{ name: 'powershell-classic:400', channels: PS_CLASSIC, eventIds: [400] }],
  ps_classic_provider_start: [{ name: 'powershell-classic:600', channels: PS_CLASSIC, eventIds: [600] }],
  ps_classic_script: [{ name: 'powershell-classic:800', channels: PS_CLASSIC, eventIds: [800] }],
  antivirus: [{
    name: 'windefend:antivirus', channels: DEFENDER, eventIds: [1006, 1007, 1008, 1009, 1010, 1011, 1012, 1017, 1018, 1019, 1115, 1116],
    renames: { Signature: 'ThreatName', Filename: 'Path' },
  }],
};

/** process_creation is also read from Security 4688, whose image fields have other names. */
const SECURITY_4688 = { name: 'security:4688', channels: ['security'], eventIds: [4688], renames: { Image: 'NewProcessName', ParentImage: 'ParentProcessName' } };

/** Channel per Sigma Windows service. */
const SERVICES: Record<string, string[]> = {
  security: ['security'], system: ['system'], application: ['application'], sysmon: [SYSMON],
  powershell: PS_OPERATIONAL, 'powershell-classic': PS_CLASSIC, windefend: DEFENDER,
  taskscheduler: ['microsoft-windows-taskscheduler/operational'], wmi: ['microsoft-windows-wmi-activity/operational'],
  ntlm: ['microsoft-windows-ntlm/operational'], dhcp: ['microsoft-windows-dhcp-server/operational'],
  'printservice-admin': ['microsoft-windows-printservice/admin'], 'printservice-operational': ['microsoft-windows-printservice/operational'],
  'smbclient-security': ['microsoft-windows-smbclient/security'], 'smbclient-connectivity': ['microsoft-windows-smbclient/connectivity'],
  'smbserver-connectivity': ['microsoft-windows-smbserver/connectivity'],
  'terminalservices-localsessionmanager': ['microsoft-windows-terminalservices-localsessionmanager/operational'],
  'codeintegrity-operational': ['microsoft-windows-codeintegrity/operational'],
  applocker: ['microsoft-windows-applocker/msi and script', 'microsoft-windows-applocker/exe and dll', 'microsoft-windows-applocker/packaged app-deployment', 'microsoft-windows-applocker/packaged app-execution'],
  'msexchange-management': ['msexchange management'],
  'firewall-as': ['microsoft-windows-windows firewall with advanced security/firewall'],
  'bits-client': ['microsoft-windows-bits-client/operational'],
  'security-mitigations': ['microsoft-windows-security-mitigations/kernel mode', 'microsoft-windows-security-mitigations/user mode'],
  'diagnosis-scripted': ['microsoft-windows-diagnosis-scripted/operational'], 'shell-core': ['microsoft-windows-shell-core/operational'],
  openssh: ['openssh/operational'], ldap: ['microsoft-windows-ldap-client/debug'], bitlocker: ['microsoft-windows-bitlocker/bitlocker management'],
  vhdmp: ['microsoft-windows-vhdmp/operational'], 'appxdeployment-server': ['microsoft-windows-appxdeploymentserver/operational'],
  'lsa-server': ['microsoft-windows-lsa/operational'], 'appxpackaging-om': ['microsoft-windows-appxpackaging/operational'],
  'dns-client': ['microsoft-windows-dns client events/operational'], 'appmodel-runtime': ['microsoft-windows-appmodel-runtime/admin'],
  capi2: ['microsoft-windows-capi2/operational'],
  'certificateservicesclient-lifecycle-system': ['microsoft-windows-certificateservicesclient-lifecycle-system/operational'],
  'kernel-shimengine': ['microsoft-windows-kernel-shimengine/operational', 'microsoft-windows-kernel-shimengine/diagnostic'],
  'application-experience': ['microsoft-windows-application-experience/program-telemetry', 'microsoft-windows-application-experience/program-compatibility-assistant'],
  ntfs: ['microsoft-windows-ntfs/operational'], 'hyper-v-worker': ['microsoft-windows-hyper-v-worker'],
  'kernel-event-tracing': ['microsoft-windows-kernel-eventtracing'], sense: ['microsoft-windows-sense/operational'],
  'servicebus-client': ['microsoft-servicebus-client/admin', 'microsoft-servicebus-client/operational'],
  'microsoft-servicebus-client': ['microsoft-servicebus-client/admin', 'microsoft-servicebus-client/operational'],
  'iis-configuration': ['microsoft-iis-configuration/operational'], 'dns-server': ['dns server'],
  'dns-server-analytic': ['microsoft-windows-dns-server/analytical'], 'dns-server-audit': ['microsoft-windows-dns-server/audit'],
  'driver-framework': ['microsoft-windows-driverframeworks-usermode/operational'],
  'windows-defender': DEFENDER,
};

export interface Logsource { product?: string; category?: string; service?: string }

/** The targets of a logsource, or a reason why it reads nothing Loupe indexes. */
export function targetsOf(ls: Logsource): Target[] | string {
  const product = ls.product?.toLowerCase();
  const category = ls.category?.toLowerCase();
  const service = ls.service?.toLowerCase();
  if (category === 'webserver' || (!product && ['iis', 'apache', 'nginx'].includes(service ?? '') && !category)) {
    if (service && service !== 'iis') return `logsource service "${service}": Loupe reads IIS and Exchange HttpProxy web logs, not ${service}`;
    return [
      { name: 'web:iis', sources: ['iis'], fields: 'iis' },
      { name: 'web:httpproxy', sources: ['httpproxy'], fields: 'httpproxy' },
    ];
  }
  if (product !== 'windows') return `logsource ${describe(ls)}: no such logs in a Loupe case (Windows event logs and IIS/HttpProxy web logs)`;
  const evtx = (t: Omit<Target, 'sources' | 'fields'>): Target => ({ ...t, sources: EVTX_SOURCES, fields: 'evtx' });
  if (category) {
    const out: Target[] = [];
    const sysmonIds = SYSMON_CATEGORIES[category];
    if (sysmonIds) out.push(evtx({ name: `sysmon:${category}`, channels: [SYSMON], eventIds: sysmonIds }));
    if (category === 'process_creation') out.push(evtx(SECURITY_4688));
    for (const t of OTHER_CATEGORIES[category] ?? []) out.push(evtx(t));
    if (out.length === 0) return `logsource category "${category}" has no Windows event log source (EDR telemetry only)`;
    return service ? out.filter((t) => !t.channels || t.channels.some((c) => (SERVICES[service] ?? []).includes(c))) : out;
  }
  if (service) {
    const channels = SERVICES[service];
    return channels ? [evtx({ name: `service:${service}`, channels })] : `logsource service "${service}" is not mapped to an event log channel`;
  }
  return [evtx({ name: 'windows' })];
}

const describe = (ls: Logsource): string => Object.entries(ls).filter(([, v]) => v).map(([k, v]) => `${k}: ${v}`).join(', ') || '(empty)';
