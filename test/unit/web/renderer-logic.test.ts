// The renderer's pure pieces: time display (UTC / case zone), highlight splitting, file search parsing, pivots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatEta, formatTime } from '../../../renderer/src/format.ts';
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
