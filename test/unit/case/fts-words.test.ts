// A field value is left out of the FTS "fields" column only when the message already carries all of its words:
// `ftp.exe` inside `renamed-ftp.exe` does not carry the word `ftp` (the tokenizer keeps `renamed-ftp` whole).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openCaseDb } from '../../../electron/case/db.ts';
import { carriesWords } from '../../../electron/case/search-text.ts';
import { EventInserter } from '../../../electron/case/write.ts';
import { tmpDir } from '../../helpers/tmp.ts';

test('carriesWords needs the value with its own word boundaries', () => {
  assert.equal(carriesWords('Image=C:\\x\\renamed-ftp.exe; a=b', 'ftp.exe'), false);
  assert.equal(carriesWords('Image=C:\\x\\ftp.exe; a=b', 'ftp.exe'), true);
  assert.equal(carriesWords('Image=SystemRoot', 'System'), false);
  assert.equal(carriesWords('IntegrityLevel=System; x', 'System'), true);
  assert.equal(carriesWords('a \\Windows\\x', '\\Windows\\'), true, 'a value that starts and ends with separators needs no boundary');
});

test('an EVTX-like event is found by a word of a value that the message holds only inside a longer word', (t) => {
  const db = openCaseDb(path.join(tmpDir(t), 'c.loupe'), { create: true });
  t.after(() => db.close());
  const id = new EventInserter(db).insert({
    ts: 0, tsDesc: 'Event Logged', source: 'evtx', message: 'Microsoft-Windows-Sysmon 1: Image=C:\\Users\\a\\renamed-ftp.exe',
    fields: { 'data.Image': 'C:\\Users\\a\\renamed-ftp.exe', 'data.OriginalFileName': 'ftp.exe', 'data.IntegrityLevel': 'System' },
    ref: { file: 'x.evtx', record: 1 },
  }, null);
  const find = (q: string) => db.prepare('SELECT rowid FROM events_fts WHERE events_fts MATCH ?').pluck().all(q);
  assert.deepEqual(find('"ftp"'), [id]);
  assert.deepEqual(find('"renamed-ftp"'), [id]);
});

test('carriesWords decides word boundaries as the tokenizer class /[\\p{L}\\p{N}\\p{Co}_-]/u does, ASCII or not', () => {
  const wordRe = /[\p{L}\p{N}\p{Co}_-]/u;
  const isWord = (c: string): boolean => wordRe.test(c) || (c >= '\uD800' && c <= '\uDFFF');
  const reference = (text: string, v: string): boolean => {
    for (let i = text.indexOf(v); i >= 0; i = text.indexOf(v, i + 1)) {
      const before = i > 0 ? text[i - 1] : '';
      const after = text[i + v.length] ?? '';
      if ((!isWord(v[0]) || !before || !isWord(before)) && (!isWord(v[v.length - 1]) || !after || !isWord(after))) return true;
    }
    return false;
  };
  const alphabet = ['a', 'Z', '0', '9', '_', '-', '.', ' ', '/', '\\', '@', '~', 'é', '٣', '\uE000', '😀', '\u00A0', '\u2028', '`', '{'];
  let seed = 7;
  const pick = (): string => alphabet[(seed = (seed * 1103515245 + 12345) % 2 ** 31) % alphabet.length];
  let agreed = 0;
  let carried = 0;
  for (let n = 0; n < 3000; n++) {
    const text = Array.from({ length: 12 }, pick).join('');
    const start = n % 10;
    const v = text.slice(start, start + 2 + (n % 3));
    const got = carriesWords(text, v);
    assert.equal(got, reference(text, v), JSON.stringify([text, v]));
    agreed++;
    if (got) carried++;
  }
  assert.equal(agreed, 3000);
  assert.ok(carried > 300 && carried < 2700, `both answers seen: ${carried} carried`);
});
