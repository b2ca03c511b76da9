import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { readLines, type TextLine } from '../../../electron/ingest/lines.ts';
import { chunksOf, fileChunks, sample } from './helpers.ts';

async function lines(bytes: Uint8Array, chunk: number, max?: number): Promise<{ lines: TextLine[]; warnings: { line?: number; offset?: number; message: string }[] }> {
  const out: TextLine[] = [];
  const warnings: { line?: number; offset?: number; message: string }[] = [];
  for await (const l of readLines(chunksOf(bytes, chunk), { maxLineBytes: max }, (w) => warnings.push(w))) out.push(l);
  return { lines: out, warnings };
}

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');

test('LF and CRLF endings, last line without newline, offsets in bytes', async () => {
  const bytes = enc('first\r\nsécond\nthird');
  for (const chunk of [1, 2, 3, 64]) {
    const { lines: ls } = await lines(bytes, chunk);
    assert.deepEqual(ls, [
      { text: 'first', line: 1, offset: 0 },
      { text: 'sécond', line: 2, offset: 7 },
      { text: 'third', line: 3, offset: 15 },
    ], `chunk size ${chunk}`);
  }
});

test('empty lines keep their numbers; a trailing newline adds no line', async () => {
  const { lines: ls } = await lines(enc('a\n\n\nb\n'), 2);
  assert.deepEqual(ls.map((l) => [l.text, l.line, l.offset]), [['a', 1, 0], ['', 2, 2], ['', 3, 3], ['b', 4, 4]]);
});

test('UTF-8 BOM is skipped; line 1 starts after it', async () => {
  const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), enc('#Fields: x\r\ny\r\n')]);
  for (const chunk of [1, 2, 5, 100]) {
    const { lines: ls } = await lines(bytes, chunk);
    assert.deepEqual(ls, [{ text: '#Fields: x', line: 1, offset: 3 }, { text: 'y', line: 2, offset: 15 }]);
  }
});

test('UTF-16LE and UTF-16BE with BOM decode properly, offsets in bytes', async () => {
  const text = 'Übergröße\r\n2021 ✓\r\nlast';
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  const be = Buffer.from(le);
  be.swap16();
  for (const [bytes, name] of [[le, 'le'], [be, 'be']] as const) {
    for (const chunk of [1, 3, 7, 1000]) {
      const { lines: ls } = await lines(bytes, chunk);
      assert.deepEqual(ls, [
        { text: 'Übergröße', line: 1, offset: 2 },
        { text: '2021 ✓', line: 2, offset: 24 },
        { text: 'last', line: 3, offset: 40 },
      ], `${name} chunk ${chunk}`);
    }
  }
});

test('UTF-16LE sample IIS log reads as text', async () => {
  const out: string[] = [];
  for await (const l of readLines(fileChunks(sample('iis-utf16le.log'), 5))) out.push(l.text);
  assert.equal(out.length, 4);
  assert.match(out[2], /msg=Übergröße 443/);
});

test('invalid UTF-8 becomes replacement characters without breaking lines', async () => {
  const bytes = Buffer.from([0x61, 0xff, 0xc3, 0x0a, 0x62, 0xe2, 0x82, 0x0a]);
  const { lines: ls } = await lines(bytes, 1);
  assert.deepEqual(ls.map((l) => l.text), ['a\uFFFD\uFFFD', 'b\uFFFD']);
  assert.deepEqual(ls.map((l) => l.offset), [0, 4]);
});

test('NUL bytes: one warning with the first offset, NULs dropped, reading goes on', async () => {
  const bytes = enc('ok\nGET /\0.jsp\n\0\0x\0\nend\n');
  const { lines: ls, warnings } = await lines(bytes, 4);
  assert.deepEqual(ls.map((l) => l.text), ['ok', 'GET /.jsp', 'x', 'end']);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].offset, 8);
  assert.equal(warnings[0].line, 2);
  assert.match(warnings[0].message, /NUL byte at offset 8/);
});

test('a line longer than maxLineBytes is skipped with one warning, inside one chunk or across many', async () => {
  const long = 'x'.repeat(100);
  const bytes = enc(`a\n${long}\nb\n${long}`);
  for (const chunk of [7, 1000]) {
    const { lines: ls, warnings } = await lines(bytes, chunk, 50);
    assert.deepEqual(ls.map((l) => [l.text, l.line, l.offset]), [['a', 1, 0], ['b', 3, 103]], `chunk ${chunk}`);
    assert.deepEqual(warnings.map((w) => [w.line, w.offset]), [[2, 2], [4, 105]], `chunk ${chunk}`);
  }
});

test('a 20 MB single line is skipped with ONE warning and the following lines still read', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-lines-'));
  try {
    const file = path.join(dir, 'huge.log');
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, 'before\r\n');
    const block = Buffer.alloc(1024 * 1024, 0x41);
    for (let i = 0; i < 20; i++) fs.writeSync(fd, block);
    fs.writeSync(fd, '\r\nafter\r\n');
    fs.closeSync(fd);
    const out: TextLine[] = [];
    const warnings: { line?: number; offset?: number; message: string }[] = [];
    for await (const l of readLines(fileChunks(file, 256 * 1024), {}, (w) => warnings.push(w))) out.push(l);
    assert.deepEqual(out.map((l) => [l.text, l.line]), [['before', 1], ['after', 3]]);
    assert.equal(out[1].offset, 8 + 20 * 1024 * 1024 + 2);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].line, 2);
    assert.equal(warnings[0].offset, 8);
    assert.match(warnings[0].message, /longer than 1048576 bytes/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('empty input yields nothing', async () => {
  const { lines: ls, warnings } = await lines(new Uint8Array(0), 10);
  assert.deepEqual(ls, []);
  assert.deepEqual(warnings, []);
});

test('UTF-16LE: a skipped long line ends at an LF code unit split across chunks', async () => {
  const text = 'a\n' + 'y'.repeat(40) + '\nb\n';
  const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  for (const chunk of [3, 5, 7, 11]) {
    const { lines: ls, warnings } = await lines(bytes, chunk, 20);
    assert.deepEqual(ls.map((l) => [l.text, l.line, l.offset]), [['a', 1, 2], ['b', 3, 88]], `chunk ${chunk}`);
    assert.deepEqual(warnings.map((w) => [w.line, w.offset]), [[2, 6]], `chunk ${chunk}`);
  }
});

test('NUL code units in UTF-16LE text: warned with their byte offset, dropped', async () => {
  const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('ab\nc\0d\n', 'utf16le')]);
  const { lines: ls, warnings } = await lines(bytes, 3);
  assert.deepEqual(ls.map((l) => l.text), ['ab', 'cd']);
  assert.deepEqual(warnings.map((w) => [w.line, w.offset]), [[2, 10]]);
});
