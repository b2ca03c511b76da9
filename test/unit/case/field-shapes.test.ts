// The hand-written scanners of field-layout.ts (shapeOf, template matching) against the regular expression that
// defines a run, over the awkward cases and many random values: the case format depends on their answers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JB, JsonbReader, JsonbWriter } from '../../../electron/case/jsonb.ts';
import { FieldLayout, fillTemplate, MAX_RUNS, shapeOf } from '../../../electron/case/field-layout.ts';

/** The reference: runs as the regular expression finds them. */
function shapeByRegex(v: string): { shape: string; runs: string[] } | null {
  if (/[\x01-\x08]/.test(v)) return null;
  const runs: string[] = [];
  const shape = v.replace(/(?<![A-Za-z0-9])[0-9][0-9.:T-]*/g, (m) => {
    runs.push(m);
    return String.fromCharCode(Math.min(runs.length, 9));
  });
  return runs.length && runs.length <= MAX_RUNS ? { shape, runs } : null;
}

const ALPHABET = ['0', '1', '9', '.', ':', 'T', '-', 'a', 'Z', '_', ' ', ';', '=', '\u00e9', '\u0002', '/'];

function randomValue(seed: { s: number }): string {
  const next = (): number => (seed.s = (seed.s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const n = Math.floor(next() * 30);
  let v = '';
  for (let i = 0; i < n; i++) v += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return v;
}

const CASES = [
  '', '1', 'a1', '1a', '-1', 'T1', 'v15.01.2176.000', 'BeginRequest=2021-03-04T00:00:39.448Z;EndRequest=2021-03-04T00:00:40.001Z;',
  '1 2 3 4 5 6 7 8', '1 2 3 4 5 6 7 8 9', 'x\u00011', '10.0.0.1:443', 'ab12 34cd 5', '2021-03-04T', '..1..2', 'é1',
];

test('shapeOf finds the runs the regular expression finds, and no others', () => {
  const seed = { s: 7 };
  const values = [...CASES, ...Array.from({ length: 20000 }, () => randomValue(seed))];
  for (const v of values) assert.deepEqual(shapeOf(v), shapeByRegex(v), JSON.stringify(v));
});

test('a templated column packs as runs exactly when the value has the template\'s shape, and reads back the same', () => {
  const seed = { s: 11 };
  const template = 'BeginRequest=\u0001Z;FEAuth=BEVersion-\u0002;EndRequest=\u0003Z;';
  const layout = new FieldLayout({ names: ['GenericInfo'], roles: [0], tpl: [template] });
  const lifted = { ts: 0, ip: null, status: null, method: null, url: null, ua: null, host: null };
  const values = [
    fillTemplate(template, ['2021-03-04T00:00:39.448', '1942062522', '2021-03-04T00:00:39.625']),
    fillTemplate(template, ['1', '2', '3']), fillTemplate(template, ['1', '2', '3']) + 'x', 'BeginRequest=Z;',
    ...Array.from({ length: 200 }, (_, i) => fillTemplate(template, [String(i), `${i}.${i}-${i}`, `2021-03-0${i % 10}T00:00:${i % 60}`])),
    ...Array.from({ length: 2000 }, () => fillTemplate(template, [randomValue(seed), randomValue(seed), randomValue(seed)])),
  ];
  let packed = 0;
  for (const v of values) {
    const w = new JsonbWriter();
    layout.encode([v], lifted, w);
    const bytes = w.take();
    assert.deepEqual(layout.decode(bytes, lifted), [v], JSON.stringify(v));
    // runs are used only when the value has the shape (filled again, it is the same string)
    const s = shapeByRegex(v);
    const r = new JsonbReader(bytes);
    r.head();
    if (r.head().type === JB.ARRAY) {
      packed++;
      assert.ok(s && s.shape === template, JSON.stringify(v));
    }
  }
  assert.ok(packed > 200, `the values of the template's shape packed as runs (${packed})`);
});
