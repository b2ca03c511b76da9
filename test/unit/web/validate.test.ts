import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API_METHODS } from '../../../shared/api.ts';
import { SOURCE_IDS } from '../../../shared/types.ts';
import { errorStatus, validateCall } from '../../../electron/validate.ts';

test('every API method has a schema and accepts a well-formed call', () => {
  const good: Record<string, unknown> = {
    createCase: { path: '/tmp/c.loupe', meta: { client: 'Contoso', displayZone: 'Europe/Oslo' } },
    openCase: { path: '/tmp/c.loupe' }, updateCaseMeta: { examiner: 'J. Doe' }, addEvidence: { root: '/ev', label: 'EXCH01' },
    startIndex: { iocs: ['/iocs/msft.csv'] }, listWarnings: { limit: 50 },
    queryTimeline: { text: '"autodiscover.json" 86.105.18.116', ips: ['86.105.18.116'], statuses: [200], after: { ts: 1614745331000000, id: 7 }, limit: 500, order: 'asc', fieldNotEquals: [{ field: 'cs-method', value: 'GET' }] },
    getDetectionInputs: undefined, setDetectionInputs: { iocs: ['/iocs/attackers.csv'], rules: [], baselines: [] },
    histogram: { sources: ['iis', 'httpproxy'], buckets: 120 }, getEvent: { id: 1 }, findEvent: { file: 'C/inetpub/logs/LogFiles/W3SVC1/u_ex210303.log', line: 44 },
    listFiles: { hash: 'b75f163ca9b9240bf4b37ad92bc7556b40a17e27c2b8ed5c8991385fe07d17d0', flaggedOnly: true },
    previewFile: { id: 3, maxBytes: 65536 }, listFindings: { severity: ['critical', 'high'] },
    setStar: { eventId: 5, starred: true }, addTag: { eventId: 5, tag: 'initial-access' }, removeTag: { eventId: 5, tag: 'x' },
    setNote: { eventId: 5, note: 'first SSRF' }, addManualEvent: { ts: 1614745331000000, message: 'Server isolated', tags: ['containment'] },
    deleteManualEvent: { id: 9 }, auditLog: { limit: 10 }, renderReportHtml: { sections: ['summary', 'findings'] },
    exportTo: { format: 'csv', path: '/tmp/out.csv', query: { text: 'ip:1.2.3.4', columns: [{ field: 'url', op: 'regex', value: 'aspx$' }], sort: { field: 'status', dir: 'desc' } } },
    timelineIndex: { sources: ['iis'], at: { ts: 1614745331000000, id: 0 } }, saveView: { name: 'Attacker', query: { text: 'ip:1.2.3.4' } },
    deleteView: { name: 'Attacker' }, setUiSetting: { key: 'ui.timeline.columns', value: '{}' },
    bulkMark: { query: { text: 'shell.aspx' }, tag: 'webshell', starred: true }, setTagColor: { tag: 'webshell', color: null },
    dropSortIndex: { field: 'status' },
  };
  for (const m of API_METHODS) {
    const v = validateCall(m, good[m]);
    assert.deepEqual(v, { ok: true, method: m }, `${m} should accept ${JSON.stringify(good[m])}`);
  }
});

test('unknown methods are 404 and wrong shapes are 400 with the offending key named', () => {
  assert.deepEqual(validateCall('constructor', {}), { ok: false, status: 404, error: 'unknown method "constructor"' });
  assert.deepEqual(validateCall('__proto__', {}), { ok: false, status: 404, error: 'unknown method "__proto__"' });
  const cases: Array<[string, unknown, string]> = [
    ['openCase', {}, 'openCase: argument.path is required'],
    ['openCase', { path: 42 }, 'openCase: argument.path must be a string (got number)'],
    ['getEvent', { id: 1.5 }, 'getEvent: argument.id must be an integer (got number)'],
    ['queryTimeline', { sources: ['iis', 'nope'] }, `queryTimeline: argument.sources[1] must be one of ${SOURCE_IDS.join(', ')}`],
    ['queryTimeline', { limit: -1 }, 'queryTimeline: argument.limit must be ≥ 0'],
    ['queryTimeline', { evil: 1 }, 'queryTimeline: argument has an unknown key "evil"'],
    ['setStar', { eventId: 1, starred: 'yes' }, 'setStar: argument.starred must be true or false (got string)'],
    ['getCase', { path: '/x' }, 'getCase: argument must be empty: this method takes no argument'],
    ['listFindings', [], 'listFindings: argument must be an object (got an array)'],
    ['exportTo', { format: 'exe', path: '/x' }, 'exportTo: argument.format must be one of html, pdf, csv, timesketch, timesketch-csv, stix, ioc-csv'],
  ];
  for (const [m, arg, error] of cases) assert.deepEqual(validateCall(m, arg), { ok: false, status: 400, error });
});

test('no-argument methods accept nothing, null or {}', () => {
  for (const arg of [undefined, null, {}]) assert.equal(validateCall('getProgress', arg).ok, true);
});

test('errorStatus maps the analyst’s mistakes to 400 and the rest to 500', () => {
  class UserError extends Error {}
  assert.equal(errorStatus(new UserError('no case is open')), 400);
  assert.equal(errorStatus(Object.assign(new Error('gone'), { status: 404 })), 404);
  assert.equal(errorStatus(new Error('SQLITE_CORRUPT')), 500);
});
