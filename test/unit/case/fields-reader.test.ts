// FieldsReader (the Sigma run's reader): each layout read once by id, and with a selection only the named fields
// decoded. Held to decodeFields on real EVTX records and web-log rows written through the real encoder (shared
// layouts, defaults, templates and lifted-column markers): all fields alike, and a selection gives exactly the subset.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openCaseDb } from '../../../electron/case/db.ts';
import { decodeFields, FIELDS_COLUMNS, FieldSelection, FieldsReader, PACKED_COLUMNS } from '../../../electron/case/fields.ts';
import { EventInserter } from '../../../electron/case/write.ts';
import { parseEvtx } from '../../../electron/ingest/sources/evtx/index.ts';
import type { TimelineEvent } from '../../../shared/types.ts';
import { sharedData, tmpDir } from '../../helpers/tmp.ts';

const EVTX = path.join(sharedData, 'evtx');

async function evtxEvents(): Promise<TimelineEvent[]> {
  const out: TimelineEvent[] = [];
  for (const name of fs.readdirSync(EVTX).filter((n) => n.endsWith('.evtx')).sort().slice(0, 6)) {
    const chunks = (async function* () { yield fs.readFileSync(path.join(EVTX, name)); })();
    for await (const e of parseEvtx({ rel: name, chunks }, { warn: () => {} })) out.push(e);
  }
  return out;
}

const web = (i: number): TimelineEvent => ({
  ts: Date.UTC(2021, 2, 2, 2, 0, i) * 1000, tsDesc: 'Request', source: 'iis', host: 'EXCH01', message: `GET /owa/auth/x${i}.js`,
  fields: { date: '2021-03-02', time: `02:00:${String(i % 60).padStart(2, '0')}`, 'c-ip': '165.232.154.116', 'cs-method': 'GET', 'cs-uri-stem': `/owa/auth/x${i}.js`, 'sc-status': 200, 'cs(User-Agent)': 'python-requests/2.25.1', 'time-taken': i },
  ref: { file: 'u_ex210302.log', line: i + 1 },
});

test('FieldsReader reads what decodeFields reads, and a selection exactly its fields (any case)', { skip: !fs.existsSync(EVTX) && 'no shared EVTX' }, async (t) => {
  const db = openCaseDb(path.join(tmpDir(t), 'c.loupe'), { create: true });
  t.after(() => db.close());
  const events = [...(await evtxEvents()), ...Array.from({ length: 300 }, (_, i) => web(i))];
  assert.ok(events.length > 500, `${events.length} events`);
  db.transaction(() => new EventInserter(db).insertMany(events, null))();
  const full = db.prepare(`SELECT e.id, ${FIELDS_COLUMNS('e')} FROM events e ORDER BY e.id`).all() as Array<{ id: number }>;
  const packed = db.prepare(`SELECT e.id, ${PACKED_COLUMNS('e')} FROM events e ORDER BY e.id`).all() as Array<{ id: number }>;
  assert.equal(packed.length, events.length);
  const reader = new FieldsReader(db);
  const some = new FieldSelection(['channel', 'EventID', 'data.CommandLine', 'data.TargetUserName', 'sc-status', 'DATE', 'c-ip']);
  let kept = 0;
  packed.forEach((row, i) => {
    const all = decodeFields(full[i]);
    assert.ok(Object.keys(all).length > 0, `event ${row.id} has fields`);
    assert.deepEqual(reader.read(row), all, `event ${row.id}: every field`);
    const want = Object.fromEntries(Object.entries(all).filter(([k]) => some.lower.has(k.toLowerCase())));
    kept += Object.keys(want).length;
    assert.deepEqual(reader.read(row, some), want, `event ${row.id}: the selected fields`);
  });
  assert.ok(kept > events.length, `${kept} selected values checked`);
});
