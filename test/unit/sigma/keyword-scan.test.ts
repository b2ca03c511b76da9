// The keyword prescan (keyword-scan.ts): keyword rules' literals looked for in the stored row before an event is
// decoded whole. A keyword stored as a layout default (`false` marker), in a templated column, in a lifted column
// (`true` marker), as plain text in another case, or behind a Kelvin sign must still be found: the run with the
// prescan gives what testing every rule on every fully decoded event gives, for `keywords` and `not keywords` rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { openCaseDb } from '../../../electron/case/db.ts';
import { FieldsReader, PACKED_COLUMNS } from '../../../electron/case/fields.ts';
import { EventInserter } from '../../../electron/case/write.ts';
import { compileRule } from '../../../electron/detect/sigma/compile.ts';
import { runSigma } from '../../../electron/detect/sigma/run.ts';
import type { TimelineEvent } from '../../../shared/types.ts';
import { tmpDir } from '../../helpers/tmp.ts';

const rule = (title: string, detection: string) => compileRule(parse(`title: ${title}
id: ${title}
logsource: { product: windows, service: security }
detection:
${detection}`) as Record<string, unknown>, { file: `${title}.yml`, line: 1 });

const RULES = [
  rule('kw', "  keywords: ['sekurlsa::', 'lsadump::']\n  condition: keywords"),
  rule('kw-and-field', "  keywords: [':elevate', 'token::']\n  sel: { TargetUserName|contains: 'admin' }\n  condition: keywords or sel"),
  rule('not-kw', "  keywords: ['dpapi::']\n  sel: { EventID: 4688 }\n  condition: sel and not keywords"),
  rule('field', "  sel: { CommandLine|contains: 'whoami' }\n  condition: sel"),
];

function event(i: number, data: Record<string, string>, computer = 'EXCH01'): TimelineEvent {
  return {
    ts: 1_600_000_000_000_000 + i * 1_000_000, tsDesc: 'Event Logged', source: 'evtx', message: `event ${i}`, host: computer,
    fields: { EventID: 4688, Channel: 'Security', Computer: computer, ...Object.fromEntries(Object.entries(data).map(([k, v]) => [`data.${k}`, v])) },
    ref: { file: 'Security.evtx', record: i + 1 },
  };
}

test('keyword literals are found wherever the row stores them: layout defaults, templates, lifted columns, any case, Kelvin sign', (t) => {
  const db = openCaseDb(`${tmpDir(t)}/kw.loupe`, { create: true });
  t.after(() => db.close());
  const ins = new EventInserter(db);
  // (the keywords are in a field no rule reads by name, so only the prescan can let the keyword rules see them)
  // batch 1: the same payload in every event (a layout default)
  const one = Array.from({ length: 60 }, (_, i) => event(i, { Payload: 'mimikatz "sekurlsa::logonpasswords" exit', TargetUserName: `user${i}` }));
  // batch 2: payloads of one shape with digit runs (a template): the keyword spans a run's end and the template's text
  const two = Array.from({ length: 60 }, (_, i) => event(100 + i, { Payload: `run ${i}:elevate`, TargetUserName: 'x' }));
  // batch 3: plain values, mixed case, dpapi:: for `not keywords`
  const three = [
    event(200, { CommandLine: 'whoami /all', TargetUserName: 'Admin' }), event(201, { Payload: 'SeKuRlSa::tickets', TargetUserName: 'a' }),
    event(203, { Payload: 'dpapi::masterkey', TargetUserName: 'c' }),
    event(204, { Payload: 'cmd /c dir', TargetUserName: 'd' }),
  ];
  // batch 4: a plain default (`benign`), a Kelvin sign (lower-cased to k) in one value, a host name (lifted) in another event
  const four = Array.from({ length: 20 }, (_, i) => event(300 + i, { Payload: i === 3 ? 'to\u212Aen::list' : 'benign', TargetUserName: 'e' }, i === 5 ? 'lsadump::host' : 'EXCH01'));
  for (const batch of [one, two, three, four]) db.transaction(() => ins.insertMany(batch, null))();
  // the case does hold the storage shapes the test is about
  const reader = new FieldsReader(db);
  const layouts = (db.prepare('SELECT DISTINCT field_layout AS id FROM events').all() as Array<{ id: number }>).map((r) => reader.columns(r.id)!);
  const tplOf = (name: string) => layouts.map((l) => l.tpl[l.names.indexOf(name)]);
  assert.ok(tplOf('data.Payload').some((x) => x === 'mimikatz "sekurlsa::logonpasswords" exit'), 'a default value');
  assert.ok(tplOf('data.Payload').some((x) => x === 'run \x01elevate'), `a template: ${JSON.stringify(tplOf('data.Payload'))}`);
  const row = db.prepare(`SELECT e.id, ${PACKED_COLUMNS('e')} FROM events e WHERE e.id = 130`).get() as { f_host: string };
  assert.equal(row.f_host, 'lsadump::host', 'a lifted host');

  const reference = runSigma(db, RULES, { prefilter: false });
  const run = runSigma(db, RULES, { fts: 'off' });
  const byTitle = (r: typeof run) => Object.fromEntries([...r.hits].map(([i, ids]) => [RULES[i].title, ids.length]));
  assert.deepEqual(byTitle(run), byTitle(reference));
  // what the reference finds, so both cannot be wrong the same way
  assert.deepEqual(byTitle(reference), { kw: 62, 'kw-and-field': 62, 'not-kw': 143, field: 1 });
});
