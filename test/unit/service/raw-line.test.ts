// The event detail's raw line is the evidence line itself, in the log's own encoding.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import { CaseService } from '../../../electron/service.ts';
import { newCase } from '../../helpers/case.ts';
import { tmpDir } from '../../helpers/tmp.ts';

const LINES = [
  '#Software: Microsoft Internet Information Services 10.0',
  '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
  '2021-03-03 01:10:22 10.0.0.5 POST /ecp/y.js - 443 - 165.232.154.116 python-requests/2.25.1 - 200 0 0 31',
  '2021-03-03 01:11:02 10.0.0.5 POST /owa/auth/x.js - 443 - 86.105.18.116 ExchangeServicesClient/0.0.0.0 - 200 0 0 12',
];

for (const [name, encode] of [
  ['UTF-8', (s: string) => Buffer.from(s, 'utf8')],
  ['UTF-16LE with BOM', (s: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')])],
  ['UTF-16BE with BOM', (s: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(s, 'utf16le').swap16()])],
] as const) {
  test(`raw line of an IIS event from a ${name} log`, async (t) => {
    const dir = tmpDir(t);
    const w3 = path.join(dir, 'ev/C/inetpub/logs/LogFiles/W3SVC1');
    fs.mkdirSync(w3, { recursive: true });
    fs.writeFileSync(path.join(w3, 'u_ex210303.log'), encode(LINES.join('\r\n') + '\r\n'));
    const casePath = await newCase(dir, path.join(dir, 'ev'));
    await new IndexCoordinator({ casePath, detect: false, workers: 1 }).run();
    const svc = new CaseService({ casePath });
    t.after(() => svc.close());
    const rows = (await svc.queryTimeline({ sources: ['iis'] })).rows;
    assert.equal(rows.length, 2);
    for (const [i, row] of rows.entries()) {
      const detail = await svc.getEvent({ id: row.id });
      assert.equal(detail?.raw, LINES[2 + i]);
    }
  });
}
