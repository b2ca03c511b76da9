// CRC-32 used for EVTX header and chunk checksums: the standard check value, chaining, and native = table version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32, crc32Js } from '../../../electron/ingest/sources/evtx/crc32.ts';

const CHECK = new TextEncoder().encode('123456789');

test('CRC-32 check value 0xCBF43926, for both implementations', () => {
  assert.equal(crc32(CHECK), 0xcbf43926);
  assert.equal(crc32Js(CHECK), 0xcbf43926);
});

test('ranges chain like one pass (chunk header CRC skips bytes 120–127), native and table versions agree', () => {
  const bytes = Uint8Array.from({ length: 70001 }, (_, i) => (i * 7919 + (i >> 8)) & 0xff);
  assert.equal(crc32(bytes, 0, 512), crc32(bytes, 128, 512, crc32(bytes, 0, 128)));
  for (const [s, e] of [[0, 0], [0, 1], [3, 70001], [5, 1234], [0, 120], [512, 65536]]) {
    assert.equal(crc32(bytes, s, e), crc32Js(bytes, s, e), `[${s}, ${e})`);
  }
  assert.equal(crc32(bytes, 128, 512, crc32(bytes, 0, 120)), crc32Js(bytes, 128, 512, crc32Js(bytes, 0, 120)));
});
