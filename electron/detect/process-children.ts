// Processes started by the IIS worker (w3wp.exe): what a web shell does when it runs commands. Sysmon 1 ParentImage
// or Security 4688 ParentProcessName. Reported under the `webshell` check (kind "process"), one finding per host image.
import type { Db } from '../case/db.ts';
import { childImageOf, commandLineOf, processChildrenOf } from './cve-2021-26857.ts';
import { microsToIso } from '../../shared/types.ts';
import type { Confidence } from '../../shared/types.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

/** Processes IIS starts by itself (compiling pages, console hosts, crash reports) versus what a shell runs. */
const ROUTINE_CHILDREN = new Set(['csc.exe', 'cvtres.exe', 'vbc.exe', 'conhost.exe', 'werfault.exe', 'aspnet_compiler.exe']);
const SHELL_CHILDREN = new Set(['cmd.exe', 'powershell.exe', 'pwsh.exe', 'whoami.exe', 'net.exe', 'net1.exe', 'nltest.exe', 'rundll32.exe',
  'certutil.exe', 'reg.exe', 'systeminfo.exe', 'ipconfig.exe', 'tasklist.exe', 'wmic.exe', 'procdump.exe', 'procdump64.exe', 'quser.exe', 'bitsadmin.exe']);

export function childJudgement(image: string): { confidence: Confidence; confidenceReason: string } {
  const name = (image.split(/[\\/]/).pop() ?? '').toLowerCase();
  if (ROUTINE_CHILDREN.has(name)) return { confidence: 'info', confidenceReason: `${name} is started by IIS itself (page compilation, console host, crash report)` };
  if (SHELL_CHILDREN.has(name)) return { confidence: 'likely', confidenceReason: `the IIS worker has no reason to start ${name}: what a web shell does when it runs commands` };
  return { confidence: 'review', confidenceReason: `the IIS worker started ${name || 'an unknown image'}: check whether an installed web application does this` };
}

export function checkW3wpChildren(db: Db): PendingFinding[] {
  const hits = processChildrenOf(db, ['w3wp.exe']);
  const byImage = new Map<string, typeof hits>();
  for (const h of hits) {
    const img = childImageOf(h).toLowerCase();
    byImage.set(img, [...(byImage.get(img) ?? []), h]);
  }
  return [...byImage.values()].map((list) => ({
    finding: {
      check: CHECK.webshell,
      severity: 'high' as const,
      ...childJudgement(childImageOf(list[0])),
      title: `Process started by the IIS worker w3wp.exe: ${childImageOf(list[0]) || '(unknown image)'} (${list.length}×)`,
      path: childImageOf(list[0]) || null,
      time: microsToIso(list[0].ts),
      sha256: null,
      evidence: list.map((h) => h.ref),
    },
    details: { kind: 'process', commandLines: list.map((h) => commandLineOf(h)), eventIds: list.map((h) => h.id), times: list.map((h) => h.ts) },
  }));
}
