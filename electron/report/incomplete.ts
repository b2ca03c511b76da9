// What findings, report and export do with an incomplete case: say so on stderr (one JSON line with --json) and
// exit 4 unless --allow-incomplete. The output is written either way; the report also says it on its first page.
import type { Completeness } from '../../shared/api.ts';

/** Exit code when findings/report/export ran on an incomplete case without --allow-incomplete. */
export const EXIT_INCOMPLETE = 4;

export function incompleteExit(c: Completeness, command: string, json: boolean, allow: boolean): number {
  if (c.complete) return 0;
  process.stderr.write(`${json ? JSON.stringify({ completeness: c }) : `loupe ${command}: ${c.headline}${allow ? '' : ' (exit 4; --allow-incomplete to accept it)'}`}\n`);
  return allow ? 0 : EXIT_INCOMPLETE;
}
