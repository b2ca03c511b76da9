// SigmaHQ's regression data (../shared/data/sigma/regression_data): each info.yml names a rule id, an EVTX file and
// how many of its events the rule must match. Rules are found by id in the rule folders of the snapshot.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { openCaseDb, type Db } from '../../../electron/case/db.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import { newCase } from '../../helpers/case.ts';
import { sharedData } from '../../helpers/tmp.ts';

export const SIGMA_DATA = path.join(sharedData, 'sigma');
export const REGRESSION_DIR = path.join(SIGMA_DATA, 'regression_data');
const RULE_DIRS = ['rules', 'rules-emerging-threats', 'rules-threat-hunting'].map((d) => path.join(SIGMA_DATA, d));

export interface RegressionTest {
  info: string;
  ruleId: string;
  title: string;
  /** Path of the EVTX file relative to the regression_data folder (as indexed). */
  evtx: string | null;
  /** null when info.yml gives none: SigmaHQ's runner then only requires that the rule fires. */
  matchCount: number | null;
  type: string;
}

function walk(dir: string, keep: (f: string) => boolean, out: string[] = []): string[] {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, keep, out); else if (keep(e.name)) out.push(p);
  }
  return out;
}

export function regressionTests(): RegressionTest[] {
  return walk(REGRESSION_DIR, (n) => n === 'info.yml').sort().map((info) => {
    const doc = parse(fs.readFileSync(info, 'utf8')) as { rule_metadata?: Array<{ id: string; title: string }>; regression_tests_info?: Array<{ type?: string; path?: string; match_count?: number }> };
    const meta = doc.rule_metadata?.[0];
    const t = doc.regression_tests_info?.[0];
    const evtx = t?.path ? path.relative(REGRESSION_DIR, path.join(SIGMA_DATA, t.path)).split(path.sep).join('/') : null;
    return { info, ruleId: meta?.id ?? '', title: meta?.title ?? '', evtx, matchCount: typeof t?.match_count === 'number' ? t.match_count : null, type: t?.type ?? 'none' };
  });
}

/** Rule id → rule file, over every rule folder of the snapshot (a quick scan of the `id:` lines). */
export function ruleFilesById(): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of RULE_DIRS) {
    for (const f of walk(dir, (n) => n.endsWith('.yml'))) {
      const m = /^id:\s*['"]?([0-9a-f-]{36})/m.exec(fs.readFileSync(f, 'utf8'));
      if (m) out.set(m[1], f);
    }
  }
  return out;
}

/** A case of every EVTX file of the regression data, indexed by Loupe's own pipeline (detections off). */
export async function indexRegressionData(dir: string): Promise<{ db: Db; fileOf: (id: number) => string; isLive: (id: number) => boolean }> {
  const casePath = await newCase(dir, REGRESSION_DIR);
  await new IndexCoordinator({ casePath, detect: false, workers: 1 }).run();
  const db = openCaseDb(casePath);
  const st = db.prepare('SELECT f.rel_path FROM events e JOIN files f ON f.id = e.file_id WHERE e.id = ?').pluck();
  // The files are filtered exports whose slack still holds older records: Loupe recovers and marks them (issue 12);
  // SigmaHQ's match_count, like the Rust evtx crate Hayabusa uses, counts the live records only.
  const recovered = new Set(db.prepare('SELECT event_id FROM event_recovered').pluck().all() as number[]);
  return { db, fileOf: (id) => st.get(id) as string, isLive: (id) => !recovered.has(id) };
}
