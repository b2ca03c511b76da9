// What a created case holds besides events (the service's createCase writes the same keys).
import type { Db } from '../../electron/case/db.ts';
import { setMeta } from '../../electron/case/db.ts';
export { EventInserter } from '../../electron/case/write.ts';

export function setMetaDefaults(db: Db): void {
  for (const [k, v] of Object.entries({ client: 'Big Co', caseNumber: 'BIG-1', examiner: 'e2e', displayZone: 'UTC', companyName: '', createdAt: new Date().toISOString(), loupeVersion: 'test' })) setMeta(db, k, v);
}
