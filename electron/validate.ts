// Argument shape checks for every LoupeApi method, shared by the Electron IPC bridge and the browser-mode HTTP bridge.
// Renderer input is untrusted: a wrong shape is refused with a message that names the offending key.
import { API_METHODS, RECOVERED_FILTERS, REPORT_SECTIONS } from '../shared/api.ts';
import type { ApiMethod } from '../shared/api.ts';
import { SEVERITIES, SOURCE_IDS } from '../shared/types.ts';

/** Returns null when `v` fits, else a message naming the path that does not. */
type Check = (v: unknown, at: string) => string | null;

const MAX_TEXT = 64 * 1024;
const MAX_DATA_URL = 8 * 1024 * 1024;
const MAX_LIST = 10_000;

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

const str = (max = MAX_TEXT): Check => (v, at) =>
  typeof v !== 'string' ? `${at} must be a string (got ${describe(v)})`
    : v.length > max ? `${at} is too long (${v.length} > ${max} characters)` : null;

const num: Check = (v, at) => (typeof v === 'number' && Number.isFinite(v) ? null : `${at} must be a finite number (got ${describe(v)})`);

const int: Check = (v, at) => (Number.isSafeInteger(v) ? null : `${at} must be an integer (got ${describe(v)})`);

const nonNegInt: Check = (v, at) => int(v, at) ?? ((v as number) < 0 ? `${at} must be ≥ 0` : null);

const bool: Check = (v, at) => (typeof v === 'boolean' ? null : `${at} must be true or false (got ${describe(v)})`);

const oneOf = (values: readonly string[]): Check => (v, at) =>
  typeof v === 'string' && values.includes(v) ? null : `${at} must be one of ${values.join(', ')}`;

const arr = (item: Check): Check => (v, at) => {
  if (!Array.isArray(v)) return `${at} must be an array (got ${describe(v)})`;
  if (v.length > MAX_LIST) return `${at} has too many items (${v.length} > ${MAX_LIST})`;
  for (let i = 0; i < v.length; i++) {
    const err = item(v[i], `${at}[${i}]`);
    if (err) return err;
  }
  return null;
};

const opt = (c: Check): Check & { optional: true } => Object.assign((v: unknown, at: string) => (v === undefined ? null : c(v, at)), { optional: true as const });

/** A plain object with exactly these keys (optional ones may be absent); unknown keys are refused. */
const obj = (shape: Record<string, Check>): Check => (v, at) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${at} must be an object (got ${describe(v)})`;
  const rec = v as Record<string, unknown>;
  for (const key of Object.keys(rec)) if (!(key in shape)) return `${at} has an unknown key "${key}"`;
  for (const [key, check] of Object.entries(shape)) {
    if (!(key in rec) && !('optional' in check)) return `${at}.${key} is required`;
    const err = check(rec[key], `${at}.${key}`);
    if (err) return err;
  }
  return null;
};

/** Methods without an argument accept nothing, null or an empty object. */
const none: Check = (v, at) =>
  v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)
    ? null : `${at} must be empty: this method takes no argument`;

const keyset = obj({ ts: num, id: int });
const fieldPairs = arr(obj({ field: str(256), value: str() }));

const caseMeta = obj({
  client: opt(str(512)), caseNumber: opt(str(512)), examiner: opt(str(512)),
  displayZone: opt(str(128)), companyName: opt(str(512)),
});

const columnFilter = obj({ field: str(256), op: oneOf(['contains', 'equals', 'not', 'regex']), value: str(4096) });
const sortShape = obj({ field: str(256), dir: oneOf(['asc', 'desc']) });

const timelineShape: Record<string, Check> = {
  text: opt(str(4096)), from: opt(num), to: opt(num),
  sources: opt(arr(oneOf(SOURCE_IDS))), hosts: opt(arr(str(1024))), ips: opt(arr(str(128))),
  statuses: opt(arr(int)), tags: opt(arr(str(256))), starredOnly: opt(bool),
  fieldEquals: opt(fieldPairs), fieldNotEquals: opt(fieldPairs), fileId: opt(int),
  recovered: opt(oneOf(RECOVERED_FILTERS)),
  columns: opt(arr(columnFilter)), sort: opt(sortShape),
  order: opt(oneOf(['asc', 'desc'])), after: opt(keyset), offset: opt(nonNegInt), limit: opt(nonNegInt),
};

/** A TimelineQuery (also what saved views and the CLI's --filter hold). */
export const timelineQueryCheck: Check = obj(timelineShape);

const nullable = (c: Check): Check => (v, at) => (v === null ? null : c(v, at));

const reportOptions = obj({
  sections: opt(arr(oneOf(REPORT_SECTIONS))), companyName: opt(str(512)),
  logoDataUrl: opt(str(MAX_DATA_URL)), title: opt(str(1024)), includeReview: opt(bool),
  timeline: opt(obj({ query: obj(timelineShape), label: str(4096) })),
});

const paths = opt(arr(str(4096)));

const SCHEMAS: Record<ApiMethod, Check> = {
  createCase: obj({ path: str(4096), meta: opt(caseMeta) }),
  openCase: obj({ path: str(4096) }),
  closeCase: none,
  recentCases: none,
  getCase: none,
  updateCaseMeta: caseMeta,
  addEvidence: obj({ root: str(4096), label: opt(str(512)) }),
  listEvidence: none,
  startIndex: obj({ iocs: paths, rules: paths, baselines: paths, sigma: paths }),
  getDetectionInputs: none,
  setDetectionInputs: obj({ iocs: arr(str(4096)), rules: arr(str(4096)), baselines: arr(str(4096)), sigma: opt(arr(str(4096))) }),
  cancelIndex: none,
  getProgress: none,
  listWarnings: obj({ offset: opt(nonNegInt), limit: opt(nonNegInt), afterId: opt(int) }),
  verify: none,
  queryTimeline: obj(timelineShape),
  histogram: obj({ ...timelineShape, buckets: opt(nonNegInt) }),
  getEvent: obj({ id: int }),
  findEvent: obj({ file: str(4096), line: opt(nonNegInt), record: opt(nonNegInt), offset: opt(nonNegInt) }),
  listSources: none,
  listHosts: none,
  listTags: none,
  timelineIndex: obj({ ...timelineShape, at: keyset }),
  listViews: none,
  saveView: obj({ name: str(256), query: timelineQueryCheck }),
  deleteView: obj({ name: str(256) }),
  getUiSettings: none,
  setUiSetting: obj({ key: str(200), value: str() }),
  listSortIndexes: none,
  dropSortIndex: obj({ field: str(512) }),
  listFiles: obj({
    glob: opt(str(4096)), text: opt(str(4096)), hash: opt(str(128)),
    kinds: opt(arr(str(64))), flaggedOnly: opt(bool), after: opt(obj({ relPath: str(4096), id: int })),
    offset: opt(nonNegInt), limit: opt(nonNegInt),
  }),
  previewFile: obj({ id: int, maxBytes: opt(nonNegInt) }),
  listFindings: obj({ check: opt(str(256)), severity: opt(arr(oneOf(SEVERITIES))) }),
  verdicts: none,
  logCoverage: none,
  listWebshells: none,
  listIntrusions: none,
  timelineRange: none,
  setStar: obj({ eventId: int, starred: bool }),
  addTag: obj({ eventId: int, tag: str(256) }),
  removeTag: obj({ eventId: int, tag: str(256) }),
  setNote: obj({ eventId: int, note: str() }),
  bulkMark: obj({ ids: opt(arr(int)), query: opt(timelineQueryCheck), tag: opt(str(256)), untag: opt(bool), starred: opt(bool) }),
  setTagColor: obj({ tag: str(256), color: nullable(str(16)) }),
  addManualEvent: obj({ ts: num, tsDesc: opt(str(256)), message: str(), host: opt(str(1024)), tags: opt(arr(str(256))) }),
  deleteManualEvent: obj({ id: int }),
  auditLog: obj({ limit: opt(nonNegInt) }),
  renderReportHtml: reportOptions,
  exportTo: obj({
    format: oneOf(['html', 'pdf', 'csv', 'timesketch', 'timesketch-csv', 'stix', 'ioc-csv']),
    path: str(4096), report: opt(reportOptions), query: opt(timelineQueryCheck), rawCells: opt(bool),
  }),
};

export function isApiMethod(name: string): name is ApiMethod {
  return (API_METHODS as readonly string[]).includes(name);
}

export type Validation = { ok: true; method: ApiMethod } | { ok: false; status: 400 | 404; error: string };

/** Checks that `method` exists and `arg` has its argument shape. */
export function validateCall(method: string, arg: unknown): Validation {
  if (!isApiMethod(method)) return { ok: false, status: 404, error: `unknown method "${method.slice(0, 100)}"` };
  const err = SCHEMAS[method](arg, 'argument');
  return err ? { ok: false, status: 400, error: `${method}: ${err}` } : { ok: true, method };
}

/** Calls a validated method on a service; no-argument methods are called without one. */
export function callService(service: object, method: ApiMethod, arg: unknown): Promise<unknown> {
  const fn = (service as Record<string, unknown>)[method];
  if (typeof fn !== 'function') return Promise.reject(new Error(`service does not implement ${method}`));
  return Promise.resolve((fn as (a?: unknown) => unknown).call(service, SCHEMAS[method] === none ? undefined : arg));
}

/** HTTP status for a service error: the analyst's mistake (UserError, or an explicit 4xx `status`) is 400, the rest 500. */
export function errorStatus(e: unknown): number {
  const s = (e as { status?: unknown } | null)?.status;
  if (typeof s === 'number' && s >= 400 && s < 600) return s;
  return e instanceof Error && e.constructor.name === 'UserError' ? 400 : 500;
}
