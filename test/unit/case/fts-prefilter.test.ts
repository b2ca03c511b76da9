// Field filters read through the full-text index (fts-prefilter.ts): column filters (equals, contains, regex), `field:value`
// terms and --where values on a real indexed case return exactly the rows of the plain predicate (no prefilter), in
// the same order with the same totals, while their candidates come from events_fts instead of a walk of the case.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openCaseDb, type Db } from '../../../electron/case/db.ts';
import { literalsFts, regexLiterals, wildcardLiterals } from '../../../electron/case/fts-prefilter.ts';
import { queryTimeline } from '../../../electron/case/read.ts';
import { filterHasIndex } from '../../../electron/case/timeline-plan.ts';
import { ensureQueryFunctions, fieldExpr, timelineWhere } from '../../../electron/case/timeline-where.ts';
import { IndexCoordinator } from '../../../electron/ingest/coordinator.ts';
import { CaseService } from '../../../electron/service.ts';
import type { ColumnFilter, TimelineQuery } from '../../../shared/api.ts';
import { generateEvidence } from '../../fixtures/generate.ts';
import { newCase } from '../../helpers/case.ts';
import { tmpDir } from '../../helpers/tmp.ts';

let db: Db;
let casePath: string;
let manualId = 0;
const dir = tmpDir({ after });

before(async () => {
  await generateEvidence(path.join(dir, 'evidence'), { scale: 0.05, seed: 11 });
  casePath = await newCase(dir, path.join(dir, 'evidence'));
  await new IndexCoordinator({ casePath, workers: 1, detect: false }).run();
  const svc = new CaseService({ casePath });
  try {
    manualId = (await svc.addManualEvent({ ts: 1_614_600_000_000_000, message: 'web shell upload seen by hand' })).id;
  } finally {
    svc.close();
  }
  db = openCaseDb(casePath);
  ensureQueryFunctions(db);
});

after(() => db?.close());

/** Every id of the grid's pages (500 at a time) and the first page's total. */
function grid(q: TimelineQuery): { ids: number[]; total: number | null } {
  const ids: number[] = [];
  let total: number | null = null;
  for (let offset = 0; ; offset += 500) {
    const page = queryTimeline(db, { ...q, limit: 500, offset });
    if (offset === 0) total = page.total;
    ids.push(...page.rows.map((r) => r.id));
    if (page.rows.length < 500) return { ids, total };
  }
}

/** The reference: the field's own predicate over every event, in time order. */
function plain(field: string, predicate: (text: string) => string, ...params: unknown[]): number[] {
  const e = fieldExpr(field);
  return db.prepare(`SELECT id FROM events WHERE ${predicate(`CAST(${e.sql} AS TEXT)`)} ORDER BY ts, id`).pluck().all(...e.params, ...params) as number[];
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A LIKE pattern (ESCAPE '\\') for a `*` wildcard pattern. */
const like = (pattern: string): string => pattern.replace(/[\\%_]/g, '\\$&').replace(/\*/g, '%');
const one = (sql: string, ...p: unknown[]): string => db.prepare(sql).pluck().get(...p) as string;

function same(q: TimelineQuery, want: number[], what: string): void {
  assert.ok(want.length > 0, `${what}: the reference finds events`);
  assert.ok(filterHasIndex(q), `${what}: read through the full-text index`);
  const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM events WHERE ${timelineWhere(q).sql}`).all(...timelineWhere(q).params);
  assert.match(JSON.stringify(plan), /events_fts/, `${what}: candidates from events_fts`);
  const got = grid(q);
  assert.deepEqual(got.ids, want, `${what}: the same rows in the same order`);
  assert.equal(got.total, want.length, `${what}: the same total`);
}

test('column filters through the full-text index return the rows of the plain predicate', () => {
  const rareUrl = one("SELECT url FROM events WHERE source = 'iis' AND length(url) >= 12 GROUP BY url ORDER BY count(*), url LIMIT 1");
  const proxyUrl = one("SELECT url FROM events WHERE source = 'httpproxy' AND url IS NOT NULL GROUP BY url ORDER BY count(*), url LIMIT 1");
  const ua = one('SELECT user_agent FROM events WHERE length(user_agent) >= 14 GROUP BY user_agent ORDER BY count(*), user_agent LIMIT 1');
  const col = (field: string, op: ColumnFilter['op'], value: string): TimelineQuery => ({ columns: [{ field, op, value }] });
  same(col('cs-uri-stem', 'equals', rareUrl), plain('url', (t) => `${t} = ?`, rareUrl), 'equals a rare IIS URL');
  same(col('url', 'equals', proxyUrl), plain('url', (t) => `${t} = ?`, proxyUrl), 'equals an HttpProxy URL (its host is glued to it in the message)');
  // Cut inside a word on both sides: only the words inside may be looked up.
  const mid = rareUrl.slice(2, -2);
  same(col('cs-uri-stem', 'contains', mid), plain('url', (t) => `${t} LIKE ? ESCAPE '\\'`, like(`*${mid}*`)), 'contains a cut of it');
  same(col('cs-uri-stem', 'regex', `^${esc(rareUrl)}$`), plain('url', (t) => `regexp(?, ${t})`, `^${esc(rareUrl)}$`), 'regex of it');
  const loose = `(?:${esc(rareUrl.slice(0, 4))})+.*(x|y)?${esc(rareUrl.slice(-5))}`;
  same(col('cs-uri-stem', 'regex', loose), plain('url', (t) => `regexp(?, ${t})`, loose), 'a looser regex');
  same(col('userAgent', 'contains', ua.slice(1)), plain('ua', (t) => `${t} LIKE ? ESCAPE '\\'`, like(`*${ua.slice(1)}*`)), 'user agent contains');
  same(col('message', 'contains', 'shell upload'), plain('message', (t) => `${t} LIKE ?`, '%shell upload%'), 'message contains');
});

test('field:value terms, --where values and named fields (of a manual event too) equal the plain predicate', () => {
  const user = one(`SELECT value FROM (SELECT ${fieldExpr('cs-username').sql} AS value FROM events WHERE source = 'iis')
    WHERE value GLOB '*[A-Za-z]*' AND length(value) >= 3 GROUP BY value ORDER BY count(*), value LIMIT 1`, 'cs-username');
  const rareUrl = one("SELECT url FROM events WHERE source = 'iis' GROUP BY url ORDER BY count(*) DESC, url LIMIT 1 OFFSET 3");
  same({ text: `cs-uri-stem:"${rareUrl}"` }, plain('url', (t) => `${t} LIKE ? ESCAPE '\\'`, like(rareUrl)), 'field:value');
  const star = `*${rareUrl.slice(3, 9)}*${rareUrl.slice(-4)}`;
  same({ text: `url:"${star}"` }, plain('url', (t) => `${t} LIKE ? ESCAPE '\\'`, like(star)), 'field:value with wildcards');
  same({ fieldEquals: [{ field: 'cs-username', value: user }], sources: ['iis'] }, plain('cs-username', (t) => `${t} = ? AND source = 'iis'`, user), '--where on a field indexed for IIS');
  const author = one('SELECT value FROM (SELECT ' + fieldExpr('author').sql + ' AS value FROM events WHERE id = ?)', 'author', manualId);
  same({ columns: [{ field: 'author', op: 'equals', value: author }], sources: ['manual', 'evtx'] },
    plain('author', (t) => `${t} = ? AND source IN ('manual', 'evtx')`, author), 'a field of a manual event');
});

test('a field the index does not hold for a source is walked as before', () => {
  // s-ip is not indexed for IIS: no prefilter unless the filter leaves IIS out.
  assert.equal(filterHasIndex({ columns: [{ field: 's-ip', op: 'contains', value: 'abc' }] }), false);
  assert.equal(filterHasIndex({ columns: [{ field: 'cs-username', op: 'contains', value: '\\administrator' }] }), false, 'not indexed for HttpProxy');
  assert.equal(filterHasIndex({ columns: [{ field: 'cs-username', op: 'contains', value: '\\administrator' }], sources: ['iis'] }), true);
  assert.equal(filterHasIndex({ columns: [{ field: 'status', op: 'equals', value: '404' }] }), false, 'numbers are not words of the index');
  assert.equal(filterHasIndex({ columns: [{ field: 'cs-uri-stem', op: 'not', value: 'owa' }] }), false);
});

test('the words a literal guarantees', () => {
  assert.deepEqual(regexLiterals('^/owa/auth/(x|y)\\.js$').map((l) => l.s), ['/owa/auth/', '.js']);
  assert.deepEqual(regexLiterals('a?bc+d').map((l) => l.s), ['bc', 'd']);
  assert.deepEqual(regexLiterals('(?:shell)+x(?!abc)def[0-9]{2}\\.aspx').map((l) => l.s), ['shell', 'x', 'def', '.aspx']);
  assert.deepEqual(regexLiterals('(?:shell)?x').map((l) => l.s), ['x']);
  assert.deepEqual(regexLiterals('abc|def'), [], 'an alternation at the top says nothing');
  assert.deepEqual(regexLiterals('\\x41bc'), [], 'an escape it does not read');
  assert.equal(literalsFts(regexLiterals('^/owa/auth/(x|y)\\.js$')), '"auth" AND "owa"');
  assert.equal(literalsFts(regexLiterals('/carla\\.pst')), '"carla" AND "pst"*', 'a long enough prefix narrows the whole words');
  assert.equal(literalsFts(wildcardLiterals('shell.aspx')), '"shell" AND "aspx"');
  assert.equal(literalsFts(wildcardLiterals('*hell.aspx')), '"aspx"', 'a word cut on the left is dropped');
  assert.equal(literalsFts(regexLiterals('hell\\.asp')), '"asp"*');
  assert.equal(literalsFts(wildcardLiterals('*hell.as*')), null, 'nothing selective');
  assert.equal(literalsFts(wildcardLiterals('404')), null);
});
