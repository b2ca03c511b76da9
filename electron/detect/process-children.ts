// Processes started by the IIS worker (w3wp.exe): what a web shell does when it runs commands. Sysmon 1 ParentImage
// or Security 4688 ParentProcessName. Reported under the `webshell` check (kind "process"), one finding per host image.
import type { Db } from '../case/db.ts';
import { childImageOf, commandLineOf, processChildrenOf } from './cve-2021-26857.ts';
import { microsToIso } from '../../shared/types.ts';
import { CHECK } from './types.ts';
import type { PendingFinding } from './types.ts';

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
      title: `Process started by the IIS worker w3wp.exe: ${childImageOf(list[0]) || '(unknown image)'} (${list.length}×)`,
      path: childImageOf(list[0]) || null,
      time: microsToIso(list[0].ts),
      sha256: null,
      evidence: list.map((h) => h.ref),
    },
    details: { kind: 'process', commandLines: list.map((h) => commandLineOf(h)), eventIds: list.map((h) => h.id) },
  }));
}
