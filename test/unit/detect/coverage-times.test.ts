// A log entry with a zero or garbage time (a real Windows 10 HelloForBusiness log holds a record of 1601-01-01, the
// FILETIME epoch) must not stretch the log's span: the check's window would read as covered by logs that hold nothing
// from it, and the timeline would open on four centuries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseIis } from '../../../electron/ingest/sources/iis.ts';
import { runDetections } from '../../../electron/detect/index.ts';
import { getTimelineRange, getVerdicts } from '../../../electron/detect/queries.ts';
import { addLog, iisLog, newCase } from './helpers.ts';

const IIS = 'C/inetpub/logs/LogFiles/W3SVC1';
const probe = (when: string): string => `${when} 10.0.0.5 GET /owa/healthcheck.htm - 443 - 127.0.0.1 AMProbe/Local/ClientAccess - 200 0 0 3`;

test('a 1601-01-01 entry and one from 2999 do not make late-August logs cover the ProxyShell window, nor open the timeline in 1601', async () => {
  const tc = newCase();
  try {
    const days = Array.from({ length: 10 }, (_, i) => probe(`2021-0${i < 7 ? 8 : 9}-${String(i < 7 ? 25 + i : i - 6).padStart(2, '0')} 00:00:01`));
    await addLog(tc, `${IIS}/u_ex2108.log`, 'iis-log', parseIis, iisLog([probe('1601-01-01 00:00:00'), ...days, probe('2999-01-01 00:00:00')]));
    await runDetections(tc.db, { evidenceRoots: tc.roots });
    const v = getVerdicts(tc.db).find((x) => x.cve === 'CVE-2021-34473')!;
    assert.deepEqual([v.verdict, v.covered], ['not-covered', false]);
    const range = getTimelineRange(tc.db);
    assert.equal(range.logs?.from, Date.UTC(2021, 7, 25, 0, 0, 1) * 1000);
    assert.equal(range.logs?.to, Date.UTC(2021, 8, 3, 0, 0, 1) * 1000 + 1);
    assert.equal(range.all?.from, Date.UTC(1601, 0, 1) * 1000, 'the entry itself stays in the timeline');
  } finally { tc.close(); }
});
