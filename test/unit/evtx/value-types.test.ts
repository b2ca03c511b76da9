// Every substitution value type (and the arrays libevtx supports), written with the fixture writer and rendered
// by the parser exactly as evtxexport renders them; also what the parser prints without the reference tool.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { readEvtxRecordXml } from '../../../electron/ingest/sources/evtx/index.ts';
import { writeEvtx, type RawDataValue } from '../../fixtures/evtx-writer.ts';
import { haveTool, parseBytes } from './support.ts';

const run = promisify(execFile);

const le = (n: bigint, width: number) => {
  const b = new Uint8Array(width);
  for (let i = 0; i < width; i++) { b[i] = Number(n & 0xffn); n >>= 8n; }
  return b;
};
const cat = (...xs: Uint8Array[]) => {
  const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
  let p = 0;
  for (const x of xs) { out.set(x, p); p += x.length; }
  return out;
};
const float = (v: number, width: 4 | 8) => {
  const b = new Uint8Array(width);
  const view = new DataView(b.buffer);
  if (width === 4) view.setFloat32(0, v, true); else view.setFloat64(0, v, true);
  return b;
};
const words = (...p: number[]) => cat(...p.map((x) => le(BigInt(x), 2)));
const utf16 = (s: string) => new Uint8Array(Buffer.from(s, 'utf16le'));
const v = (type: number, bytes: Uint8Array): RawDataValue => ({ type, bytes });

/** name → [value, the text expected in <Data Name="name">]. */
const CASES: Record<string, [RawDataValue | string, string]> = {
  ansi: [v(0x02, new TextEncoder().encode('ansi text\0')), 'ansi text'],
  int8: [v(0x03, le(0xfbn, 1)), '-5'],
  uint8: [v(0x04, le(250n, 1)), '250'],
  int16: [v(0x05, le(0xfed4n, 2)), '-300'],
  uint16: [v(0x06, le(65000n, 2)), '65000'],
  int32: [v(0x07, le(0xfffffffen, 4)), '-2'],
  uint32: [v(0x08, le(4000000000n, 4)), '4000000000'],
  int64: [v(0x09, le((1n << 64n) - 1234567890123n, 8)), '-1234567890123'],
  uint64: [v(0x0a, le((1n << 64n) - 1n, 8)), '18446744073709551615'],
  real32: [v(0x0b, float(1.5, 4)), '1.5'],
  real64: [v(0x0c, float(3.141592653589793, 8)), '3.141592653589793'],
  boolTrue: [v(0x0d, le(1n, 4)), 'true'],
  boolFalse: [v(0x0d, le(0n, 4)), 'false'],
  binary: [v(0x0e, Uint8Array.of(0, 1, 0xab, 0xff)), '0001ABFF'],
  guid: [v(0x0f, Uint8Array.from({ length: 16 }, (_, i) => i * 17)), '{33221100-5544-7766-8899-AABBCCDDEEFF}'],
  size4: [v(0x10, le(0x1234n, 4)), '0x00001234'],
  size8: [v(0x10, le(0x123456789n, 8)), '0x0000000123456789'],
  filetime: [v(0x11, le(132592963511234567n, 8)), '2021-03-04T01:52:31.1234567Z'],
  systemtime: [v(0x12, words(2021, 3, 3, 3, 4, 12, 31, 123)), '2021-03-03T04:12:31.123Z'],
  sid: [v(0x13, Uint8Array.of(1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0)), 'S-1-5-32-544'],
  hex32: [v(0x14, le(0xabcn, 4)), '0x00000abc'],
  hex64: [v(0x15, le(0xdeadbeefn, 8)), '0x00000000deadbeef'],
  empty: ['', ''],
};

/** Arrays repeat their <Data> element once per item. */
const ARRAYS: Record<string, [RawDataValue, string[]]> = {
  strings: [v(0x81, utf16('one\0two\0three\0')), ['one', 'two', 'three']],
  uint16s: [v(0x86, words(1, 2, 3)), ['1', '2', '3']],
  int32s: [v(0x87, cat(le(5n, 4), le(0xffffffffn, 4))), ['5', '-1']],
  uint64s: [v(0x8a, cat(le(7n, 8), le(8n, 8))), ['7', '8']],
  hex32s: [v(0x94, cat(le(10n, 4), le(11n, 4))), ['0x0000000a', '0x0000000b']],
  guids: [v(0x8f, cat(Uint8Array.from({ length: 16 }, (_, i) => i), Uint8Array.from({ length: 16 }, (_, i) => 255 - i))),
    ['{03020100-0504-0706-0809-0A0B0C0D0E0F}', '{FCFDFEFF-FAFB-F8F9-F7F6-F5F4F3F2F1F0}']],
  filetimes: [v(0x91, cat(le(132592963511234567n, 8), le(132592963520000000n, 8))), ['2021-03-04T01:52:31.1234567Z', '2021-03-04T01:52:32.0000000Z']],
};

const bytes = writeEvtx([{
  recordId: 1, time: '2021-03-03T04:12:31.1234567Z', provider: 'Loupe-Test', eventId: 1, level: 4, channel: 'Test', computer: 'HOST',
  data: { ...Object.fromEntries(Object.entries(CASES).map(([k, [val]]) => [k, val])), ...Object.fromEntries(Object.entries(ARRAYS).map(([k, [val]]) => [k, val])) },
}]);

test('each value type becomes the expected data.* text; array items get numbered keys', async () => {
  const { events, warnings } = await parseBytes(bytes);
  assert.deepEqual(warnings, []);
  const f = events[0].fields;
  for (const [name, [, text]] of Object.entries(CASES)) assert.equal(f[`data.${name}`], text, name);
  for (const [name, [, items]] of Object.entries(ARRAYS)) {
    items.forEach((item, i) => assert.equal(f[`data.${name}${i ? i + 1 : ''}`], item, `${name}[${i}]`));
  }
});

/**
 * Where libevtx 20181227 differs, and why the parser does not follow it: it mis-decodes negative signed integers
 * (sign and magnitude instead of two's complement), prints floats C-style, and prints SizeT in decimal (Windows
 * shows pointers in hex).
 */
const LIBEVTX_DIFFERS: Record<string, string[]> = {
  int8: ['-123'], int16: ['-32468'], int32: ['-2147483646'], int64: ['-9223370802286885685'],
  real32: ['1.500000e+000'], real64: ['3.141593e+000'], size4: ['4660'], size8: ['4886718345'], int32s: ['5', '-2147483647'],
};

test('evtxexport renders every other value type exactly as the parser does', async (t) => {
  if (!haveTool('evtxexport')) return t.skip('evtxexport not installed (Debian package libevtx-utils)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-evtx-'));
  try {
    const file = path.join(dir, 'types.evtx');
    fs.writeFileSync(file, bytes);
    const { stdout } = await run('evtxexport', ['-f', 'xml', file], { encoding: 'utf8' });
    const ours = (await readEvtxRecordXml(file, 4096 + 512)).split('\n');
    const ref = stdout.replace(/^evtxexport \S+\n\n/, '').replace(/(T\d\d:\d\d:\d\d\.\d{7})00Z/g, '$1Z').replace(/\n\n$/, '\n').split('\n');
    assert.equal(ours.length, ref.length);
    ours.forEach((line, i) => {
      const name = /<Data Name="(\w+)">/.exec(line)?.[1];
      const libevtx = name ? LIBEVTX_DIFFERS[name] : undefined;
      if (libevtx === undefined) assert.equal(line, ref[i]);
      else assert.equal(ref[i].replace(/.*">|<\/Data>/g, ''), libevtx.shift(), `libevtx 20181227 renders ${name} differently`);
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
