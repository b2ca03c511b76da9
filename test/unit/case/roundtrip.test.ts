// The compact event storage (case format 3) loses nothing: every event of the generated corpus, EVTX included,
// comes back from the case exactly as its parser produced it — time, description, source, host, message, evidence
// ref, lifted columns and every field — through decodeFields in JS and through fieldSql in SQL.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { FieldValue, FileKind, TimelineEvent } from '../../../shared/types.ts';
import { openCaseDb } from '../../../electron/case/db.ts';
import { decodeFields, fieldSql, FIELDS_COLUMNS } from '../../../electron/case/fields.ts';
import { liftedColumns } from '../../../electron/case/write.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import { parserFor } from '../../../electron/ingest/sources/index.ts';
import { generateEvidence } from '../../fixtures/generate.ts';
import { newCase } from '../../helpers/case.ts';
import { tmpDir } from '../../helpers/tmp.ts';

interface Stored {
  id: number; ts: number; ts_desc: string; source: string; host: string | null; message: string; line: number | null;
  record: number | null; offset: number | null; ip: string | null; status: number | null; method: string | null;
  url: string | null; user_agent: string | null;
}

async function parse(root: string, rel: string, kind: FileKind): Promise<TimelineEvent[]> {
  const out: TimelineEvent[] = [];
  const chunks = fs.createReadStream(path.join(root, rel), { highWaterMark: 1 << 20 });
  for await (const ev of parserFor(kind)!.parse({ rel, chunks }, { warn: () => {} })) out.push(ev);
  return out;
}

/** What the case must give back for a parsed event. */
function expected(e: TimelineEvent): Record<string, unknown> {
  const l = liftedColumns(e);
  return {
    ts: e.ts, tsDesc: e.tsDesc, source: e.source, host: e.host ?? null, message: e.message,
    ref: { line: e.ref.line ?? null, record: e.ref.record ?? null, offset: e.ref.offset ?? null },
    lifted: { ip: l.ip, status: l.status, method: l.method, url: l.url, userAgent: l.userAgent }, fields: { ...e.fields },
  };
}

function actual(r: Stored, fields: Record<string, FieldValue>): Record<string, unknown> {
  return {
    ts: r.ts, tsDesc: r.ts_desc, source: r.source, host: r.host, message: r.message,
    ref: { line: r.line, record: r.record, offset: r.offset },
    lifted: { ip: r.ip, status: r.status, method: r.method, url: r.url, userAgent: r.user_agent }, fields,
  };
}

test('every event of the generated corpus comes back exactly as parsed: every field, the message, the ref', async (t) => {
  const dir = tmpDir(t);
  const m = await generateEvidence(path.join(dir, 'evidence'), { scale: 1, seed: 3, includeEvtx: true });
  const casePath = await newCase(dir, m.root);
  await new IndexCoordinator({ casePath, detect: false }).run();
  const db = openCaseDb(casePath, { readonly: true });
  t.after(() => db.close());
  const files = db.prepare('SELECT id, rel_path, kind FROM files WHERE parser IS NOT NULL ORDER BY id').all() as Array<{ id: number; rel_path: string; kind: FileKind }>;
  const rows = db.prepare(`SELECT e.id, e.ts, e.ts_desc, e.source, e.host, e.message, e.line, e.record, e.offset, e.ip, e.status,
      e.method, e.url, e.user_agent, ${FIELDS_COLUMNS('e')} FROM events e WHERE e.file_id = ? AND e.source != 'filesystem' ORDER BY e.id`);
  const probe = fieldSql('');
  const one = db.prepare(`SELECT ${probe.sql} AS v FROM events e WHERE e.id = ?`);
  const bySource = new Map<string, number>();
  let sqlChecked = 0;
  for (const f of files) {
    const stored = rows.all(f.id) as Array<Stored & object>;
    const parsed = await parse(m.root, f.rel_path, f.kind);
    assert.equal(stored.length, parsed.length, `events of ${f.rel_path}`);
    for (let i = 0; i < parsed.length; i++) {
      const fields = decodeFields(stored[i]);
      assert.deepStrictEqual(actual(stored[i], fields), expected(parsed[i]), `${f.rel_path} event ${i + 1}`);
      bySource.set(parsed[i].source, (bySource.get(parsed[i].source) ?? 0) + 1);
      // SQL reads the same values as JS (every field of one event in 97).
      if (stored[i].id % 97 === 0) {
        for (const [name, value] of Object.entries(fields)) {
          const got = one.get(...fieldSql(name).params, stored[i].id) as { v: FieldValue };
          assert.strictEqual(got.v, value, `fieldSql ${name} of ${f.rel_path} event ${i + 1}`);
          sqlChecked++;
        }
      }
    }
  }
  for (const [src, n] of Object.entries(m.events)) assert.equal(bySource.get(src) ?? 0, n, `events from ${src}`);
  assert.ok(sqlChecked > 1000, `fieldSql checked on ${sqlChecked} values`);
  // Most web-log events rebuild their message and pack their fields around the lifted columns.
  const packed = db.prepare("SELECT count(*) AS n, sum(msg IS NULL) AS tpl FROM event_rows WHERE source IN ('iis', 'httpproxy')").get() as { n: number; tpl: number };
  assert.ok(packed.tpl / packed.n > 0.99, `${packed.tpl} of ${packed.n} web-log messages from their template`);
});
