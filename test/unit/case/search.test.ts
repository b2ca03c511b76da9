// The timeline search syntax: parsing, FTS5 translation, clear errors, and what it finds on a real case file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queryTimeline } from '../../../electron/case/read.ts';
import { parseSearch, SearchError, toFts } from '../../../electron/case/search.ts';
import { setNote } from './notes-helper.ts';
import { seeded } from './seed.ts';

const fts = (q: string): string | null => { const n = parseSearch(q); return n ? toFts(n) : null; };

test('words, phrases, prefixes, OR, NOT and -word become one FTS5 expression', () => {
  assert.equal(fts('10.0.2.17'), '"10.0.2.17"');
  assert.equal(fts('shell.aspx POST'), '("shell.aspx" AND "POST")');
  assert.equal(fts('"python-requests/2.25.1"'), '"python-requests/2.25.1"');
  assert.equal(fts('owa* -logon'), '(("owa"*) NOT "logon")');
  assert.equal(fts('a OR b c'), '("a" OR ("b" AND "c"))');
  assert.equal(fts('(a OR b) c'), '(("a" OR "b") AND "c")');
  assert.equal(fts('a AND NOT b'), '(("a") NOT "b")');
  assert.equal(fts('   '), null);
  assert.equal(fts('NOT a'), null, 'a lone NOT is answered in SQL, not by FTS5');
});

test('field:value terms are parsed, paths and URLs stay words', () => {
  assert.deepEqual(parseSearch('status:200'), { k: 'field', field: 'status', value: '200' });
  assert.deepEqual(parseSearch('data.CommandLine:"cmd /c whoami"'), { k: 'field', field: 'data.CommandLine', value: 'cmd /c whoami' });
  assert.deepEqual(parseSearch('cs(User-Agent):python*'), { k: 'field', field: 'cs(User-Agent)', value: 'python*' });
  assert.equal(parseSearch('C:\\inetpub\\wwwroot')?.k, 'term');
  assert.equal(parseSearch('http://mail.contoso.com/owa')?.k, 'term');
  assert.equal(parseSearch('08:12:44')?.k, 'term');
  assert.deepEqual(parseSearch('(ip:1.2.3.4)'), { k: 'field', field: 'ip', value: '1.2.3.4' });
});

test('a malformed search is refused with a message that says what is wrong and where', () => {
  const bad: Array<[string, RegExp]> = [
    ['"unbalanced', /quote opened at character 1 is never closed/],
    ['(a OR b', /"\(" at character 1 is never closed/],
    ['a)', /"\)" at character 2 closes nothing/],
    ['a OR', /OR at character 3 needs a term after it/],
    ['OR a', /OR at character 1 needs a term before it/],
    ['NOT', /NOT at character 1 needs a term after it/],
    ['status:', /"status:" at character 1 needs a value/],
    ['()', /empty parentheses/],
    ['***', /has no letter or digit/],
  ];
  for (const [q, re] of bad) assert.throws(() => parseSearch(q), (e: Error) => e instanceof SearchError && re.test(e.message), q);
});

test('NOT, OR, phrases, prefixes and field:value return the right rows on a case file', (t) => {
  const { db } = seeded(t);
  const count = (text: string): number => queryTimeline(db, { text, limit: 500 }).rows.length;
  assert.equal(count('shell.aspx'), 5);
  assert.equal(count('NOT shell.aspx'), 45, 'NOT alone was silently 0 before');
  assert.equal(count('-shell.aspx'), 45);
  assert.equal(count('shell.aspx OR 10.0.0.1'), 5 + 6);
  assert.equal(count('"165.232.154.116"'), 5);
  assert.equal(count('165.232*'), 5);
  assert.equal(count('ip:165.232.154.116'), 5, 'field:value was silently 0 before');
  assert.equal(count('status:302'), 45);
  assert.equal(count('status:302 NOT ip:10.0.0.1'), 45 - 6);
  assert.equal(count('cs-uri-stem:*shell*'), 5);
  assert.equal(count('cs(User-Agent):python-requests*'), 50);
  assert.equal(count('ip:165.232.154.116 OR ip:10.0.0.2'), 5 + 6);
  assert.equal(count('(logon.aspx OR shell.aspx) status:200'), 5);
  assert.throws(() => queryTimeline(db, { text: 'ip:"1.2' }), SearchError);
});

test('analyst notes and tags are searchable, alone or with a field term', (t) => {
  const { db } = seeded(t);
  const first = queryTimeline(db, { limit: 1 }).rows[0];
  setNote(db, first.id, 'Beacon to the C2 — check with the client');
  db.prepare("INSERT INTO event_tags (event_id, tag) VALUES (?, 'lateral-movement')").run(first.id + 1);
  const ids = (text: string): number[] => queryTimeline(db, { text, limit: 500 }).rows.map((r) => r.id);
  assert.deepEqual(ids('beacon'), [first.id]);
  assert.deepEqual(ids('"check with the client"'), [first.id]);
  assert.deepEqual(ids('lateral-movement'), [first.id + 1]);
  assert.deepEqual(ids('tag:lateral*'), [first.id + 1]);
  assert.deepEqual(ids('note:*C2*'), [first.id]);
  assert.deepEqual(ids('beacon status:302'), first.status === 302 ? [first.id] : []);
  assert.equal(ids('NOT beacon').length, 49);
});

test('an empty result from a field no event has says so, and names the spelling the case uses', (t) => {
  const { db } = seeded(t);
  const hints = (text: string, columns?: Array<{ field: string; op: 'contains'; value: string }>) =>
    queryTimeline(db, { text, columns, limit: 10 }).hints ?? [];
  assert.deepEqual(hints('cs-uri-stem:*shell*'), [], 'a result that is not empty needs no hint');
  assert.deepEqual(hints('cs-uri-stem:nothing-like-this'), [], 'the field exists: the value just does not match');
  assert.deepEqual(hints('DATE:2021*'), ['no event has a field "DATE"; field names are case-sensitive: did you mean date?']);
  assert.equal(queryTimeline(db, { text: 'date:2021*', limit: 1 }).total, 50);
  assert.deepEqual(hints('cs-uri-stemm:*shell*'), ['no event in this case has a field named "cs-uri-stemm"']);
  assert.deepEqual(hints('', [{ field: 'cs(user-agent)', op: 'contains', value: 'python' }]),
    ['no event has a field "cs(user-agent)"; field names are case-sensitive: did you mean cs(User-Agent)?']);
  assert.deepEqual(hints('status:999'), [], 'status is a column of every event');
});

test('a column filter narrows the total as well as the rows (the per-minute counts cannot answer it)', (t) => {
  const { db } = seeded(t);
  const page = queryTimeline(db, { columns: [{ field: 'cs-uri-stem', op: 'contains', value: 'shell' }], limit: 500 });
  assert.equal(page.rows.length, 5);
  assert.equal(page.total, 5, 'the total was the whole case (50) before');
});
