// What findings, report and export do with an incomplete case: say so on stderr (one JSON line with --json) and
// exit 4 unless --allow-incomplete. The output is written either way; the report also says it on its first page.
import type { Completeness } from '../../shared/api.ts';
import { displayText } from '../../shared/display.ts';
import { flag } from '../cli/options.ts';

/** The option findings, report and export take to accept an incomplete case. */
export const ALLOW_INCOMPLETE = { 'allow-incomplete': flag('exit 0 even when the case is incomplete (the output is written either way)') };
export const INCOMPLETE_NOTE = 'When the case is incomplete (files not indexed, detections not run or stale, an evidence folder unreachable, unreadable files) it says so on stderr (with --json/--jsonl as one JSON line {"completeness": …}) and exits 4, unless --allow-incomplete.';

/** Exit code when findings/report/export ran on an incomplete case without --allow-incomplete. */
export const EXIT_INCOMPLETE = 4;

export function incompleteExit(c: Completeness, command: string, json: boolean, allow: boolean): number {
  if (c.complete) return 0;
  process.stderr.write(`${json ? JSON.stringify({ completeness: c }) : `loupe ${command}: ${displayText(c.headline)}${allow ? '' : ' (exit 4; --allow-incomplete to accept it)'}`}\n`);
  return allow ? 0 : EXIT_INCOMPLETE;
}
