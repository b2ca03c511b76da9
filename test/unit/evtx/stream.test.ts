// Streaming behaviour: any piece size, dirty files whose header lags behind their chunks, and cancellation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from '../../../electron/ingest/sources/evtx/crc32.ts';
import { parseEvtx } from '../../../electron/ingest/sources/evtx/index.ts';
import { writeEvtx, type EvtxRecordSpec } from '../../fixtures/evtx-writer.ts';
import { parseBytes, pieces } from './support.ts';

const RECORDS: EvtxRecordSpec[] = Array.from({ length: 60 }, (_, i) => ({
  recordId: 1000 + i, time: `2021-03-03T05:${String(i).padStart(2, '0')}:00.0000000Z`, provider: 'Microsoft-Windows-Sysmon',
  providerGuid: '{5770385F-C22A-43E0-BF4C-06F5698FFBD9}', eventId: 1, level: 4, channel: 'Microsoft-Windows-Sysmon/Operational',
  computer: 'EXCH01', data: { Image: 'C:\\Windows\\System32\\cmd.exe', CommandLine: `cmd /c echo ${i} ${'x'.repeat(600)}` },
}));
const BYTES = writeEvtx(RECORDS);
const CHUNKS = (BYTES.length - 4096) / 65536;

test('the same events whatever the sizes of the incoming pieces', async () => {
  assert.ok(CHUNKS >= 2);
  const whole = await parseBytes(BYTES, 'x.evtx', BYTES.length);
  assert.deepEqual(whole.events.map((e) => e.ref.record), RECORDS.map((r) => r.recordId));
  for (const size of [1, 511, 4096, 65536, 100_003]) {
    assert.deepEqual(await parseBytes(BYTES, 'x.evtx', size), whole, `pieces of ${size} bytes`);
  }
});

test('a dirty file whose header counts fewer chunks than it holds: every valid chunk is read, silently', async () => {
  const dirty = BYTES.slice();
  const view = new DataView(dirty.buffer);
  view.setUint16(42, 1, true); // header says 1 chunk
  view.setUint32(120, 0x1, true); // dirty flag
  view.setUint32(124, crc32(dirty, 0, 120), true);
  const { events, warnings } = await parseBytes(dirty);
  assert.deepEqual(warnings, []);
  assert.equal(events.length, RECORDS.length);
});

test('a cancelled parse stops at the next chunk', async () => {
  const controller = new AbortController();
  const seen: number[] = [];
  for await (const e of parseEvtx({ rel: 'x.evtx', chunks: pieces(BYTES) }, { warn: () => {}, signal: controller.signal })) {
    seen.push(e.ref.record!);
    controller.abort();
  }
  assert.ok(seen.length >= 1 && seen.length < RECORDS.length, `${seen.length} events after cancel`);
  assert.deepEqual(seen, RECORDS.slice(0, seen.length).map((r) => r.recordId));
});
