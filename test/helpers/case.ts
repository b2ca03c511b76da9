// A new case file with one evidence folder, as the UI or `loupe index` would create it.
import path from 'node:path';
import { CaseService } from '../../electron/service.ts';

export async function newCase(dir: string, evidence: string, name = 'case.loupe'): Promise<string> {
  const casePath = path.join(dir, name);
  const svc = new CaseService();
  await svc.createCase({ path: casePath });
  await svc.addEvidence({ root: evidence });
  svc.close();
  return casePath;
}
