// Sigma over the case: load rule folders (bundled + the analyst's), run them through the FTS prefilter and the exact
// test, and turn matches into findings.
//
//   loadSigmaRules(dirs)          rules + `file:line: reason` for each rule left out (load.ts)
//   runSigma(db, rules)           matching event ids per rule (run.ts; runSigmaParallel: on two threads, parallel.ts)
//   sigmaFindings(db, rules, hits) findings `sigma.<rule id>` (check.ts)
import type { Db } from '../../case/db.ts';
import type { PendingFinding } from '../types.ts';
import { sigmaFindings } from './check.ts';
import { loadSigmaRules, type SigmaSet } from './load.ts';
import { runSigmaParallel } from './parallel.ts';
import type { SigmaRunStats } from './run.ts';

export { loadSigmaRules, formatSigmaError, type SigmaSet, type SigmaError } from './load.ts';
export { runSigma } from './run.ts';
export { runSigmaParallel } from './parallel.ts';
export { sigmaFindings, sigmaCheckId } from './check.ts';
export { severityOfLevel } from './severity.ts';

export interface SigmaCheck { set: SigmaSet; findings: PendingFinding[]; stats: SigmaRunStats; cancelled: boolean }

/** Loads the rules of `dirs` and runs them over the case (on two threads when it is large). */
export async function checkSigma(db: Db, dirs: string[], signal?: AbortSignal): Promise<SigmaCheck> {
  const set = loadSigmaRules(dirs);
  const run = await runSigmaParallel(db, set.rules, { signal });
  return { set, findings: run.cancelled ? [] : sigmaFindings(db, set.rules, run.hits), stats: run.stats, cancelled: run.cancelled };
}
