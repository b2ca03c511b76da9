// A small case file for read-side tests: 50 IIS requests one minute apart, every tenth from an attacker IP.
import path from 'node:path';
import { openCaseDb, type Db } from '../../../electron/case/db.ts';
import { EventInserter, upsertFile } from '../../../electron/case/write.ts';
import type { TimelineEvent } from '../../../shared/types.ts';
import { tmpDir } from '../../helpers/tmp.ts';

export const T0 = Date.UTC(2021, 2, 2, 10, 0, 0) * 1000;

export function iisEvent(i: number, ip: string, uri: string, status: number): TimelineEvent {
  return {
    ts: T0 + i * 60_000_000, tsDesc: 'Request', source: 'iis', host: 'EXCH01',
    message: `POST ${uri} → ${status} from ${ip}`,
    fields: { date: '2021-03-02', 'c-ip': ip, 'cs-method': 'POST', 'cs-uri-stem': uri, 'sc-status': status, 'cs(User-Agent)': 'python-requests/2.25.1' },
    ref: { file: 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log', line: i + 5, offset: i * 200 },
  };
}

export function seeded(t: Parameters<typeof tmpDir>[0]): { db: Db; fileId: number } {
  const db = openCaseDb(path.join(tmpDir(t), 'c.loupe'), { create: true });
  db.prepare("INSERT INTO evidence_sources (root, label, added_at) VALUES ('/ev', 'ev', 'now')").run();
  const fileId = upsertFile(db, {
    sourceId: 1, relPath: 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210302.log', origPath: 'C:\\inetpub\\logs\\LogFiles\\W3SVC1\\u_ex210302.log',
    size: 1000, mtime: T0, atime: T0, ctime: T0, btime: null, md5: null, sha1: null, sha256: null, kind: 'iis-log', parser: 'iis',
  });
  const ins = new EventInserter(db);
  db.transaction(() => {
    for (let i = 0; i < 50; i++) {
      const attacker = i % 10 === 3;
      ins.insert(iisEvent(i, attacker ? '165.232.154.116' : '10.0.0.' + (i % 7), attacker ? '/owa/auth/shell.aspx' : '/owa/auth/logon.aspx', attacker ? 200 : 302), fileId);
    }
  })();
  return { db, fileId };
}

