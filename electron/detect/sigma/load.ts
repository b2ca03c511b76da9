// Loads Sigma rules from folders: every .yml/.yaml file, parsed with the `yaml` library (line numbers for errors),
// each document compiled alone. A rule that cannot be read or run is reported as `file:line: reason` and left out;
// nothing in a rule folder stops the run.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { compileRule, type Doc, type SigmaRule } from './compile.ts';
import { Unsupported } from './encode.ts';
import { defaultRuleCache, RuleCache, type CachedFile } from './rule-cache.ts';

/** Why a rule was left out, for the report's counts. */
export type SkipKind = 'yaml' | 'correlation' | 'modifier' | 'logsource' | 'condition' | 'regex' | 'duplicate' | 'other';

export interface SigmaError { file: string; line: number; message: string; kind: SkipKind; ruleId: string | null; title: string | null }
export interface SigmaFile { path: string; dir: string; sha256: string; rules: number }
/** `cachedFiles`: files whose parsed documents came from the cache (rule-cache.ts) rather than from the YAML. */
export interface SigmaSet { rules: SigmaRule[]; errors: SigmaError[]; files: SigmaFile[]; cachedFiles?: number }

/** A file of this name in a rule folder defines `expand` placeholders (`name: [values]`) instead of a rule. */
export const PLACEHOLDER_FILE = 'placeholders.yml';

export const formatSigmaError = (e: SigmaError): string => `${e.file}:${e.line}: ${e.message}`;

export function listSigmaFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSigmaFiles(full));
    else if (/\.ya?ml$/i.test(entry.name) && entry.name !== PLACEHOLDER_FILE) out.push(full);
  }
  return out;
}

/**
 * Loads every rule of the given folders (a single .yml file is accepted too). Later duplicates of an id are skipped.
 * `cache`: the parsed-rules cache file (rule-cache.ts; null: parse every file).
 */
export function loadSigmaRules(dirs: string[], opts: { cache?: string | null } = {}): SigmaSet {
  const set: SigmaSet = { rules: [], errors: [], files: [] };
  const cache = new RuleCache(opts.cache === undefined ? defaultRuleCache() : opts.cache);
  const seen = new Map<string, string>();
  for (const dir of dirs) {
    let files: string[];
    let placeholders: Record<string, string[]> = {};
    try {
      const st = fs.statSync(dir);
      files = st.isDirectory() ? listSigmaFiles(dir) : [dir];
      if (st.isDirectory()) placeholders = readPlaceholders(path.join(dir, PLACEHOLDER_FILE), set.errors);
    } catch (e) {
      set.errors.push({ file: dir, line: 0, message: `Sigma rule folder not readable (${(e as NodeJS.ErrnoException).code ?? e}) — check the path`, kind: 'other', ruleId: null, title: null });
      continue;
    }
    for (const file of files) {
      const rules = loadFile(file, placeholders, set.errors, cache);
      let kept = 0;
      for (const r of rules.rules) {
        const first = seen.get(r.id);
        if (first) { set.errors.push({ file, line: r.line, message: `rule id ${r.id} is already loaded from ${first}`, kind: 'duplicate', ruleId: r.id, title: r.title }); continue; }
        seen.set(r.id, file);
        set.rules.push(r);
        kept++;
      }
      set.files.push({ path: file, dir, sha256: rules.sha256, rules: kept });
    }
  }
  cache.save();
  set.cachedFiles = cache.hits;
  return set;
}

function readPlaceholders(file: string, errors: SigmaError[]): Record<string, string[]> {
  if (!fs.existsSync(file)) return {};
  const lc = new LineCounter();
  const [doc] = parseAllDocuments(fs.readFileSync(file, 'utf8'), { lineCounter: lc });
  const out: Record<string, string[]> = {};
  if (!doc || 'empty' in doc || doc.errors.length) {
    errors.push({ file, line: doc && !('empty' in doc) ? errorLine(doc, lc) : 1, message: 'placeholder file is not valid YAML', kind: 'yaml', ruleId: null, title: null });
    return out;
  }
  const js = doc.toJS() as unknown;
  if (js && typeof js === 'object') {
    for (const [k, v] of Object.entries(js as Record<string, unknown>)) out[k] = (Array.isArray(v) ? v : [v]).map(String);
  }
  return out;
}

/** The rules of a cached file, or null when one does not compile now (the YAML is then read again for its error's line). */
function fromCache(cached: CachedFile, file: string, placeholders: Record<string, string[]>): SigmaRule[] | null {
  const rules: SigmaRule[] = [];
  try {
    for (const d of cached.docs) if (d.js !== null) rules.push(compileRule(d.js, { file, line: d.line }, placeholders));
  } catch {
    return null;
  }
  return rules;
}

function loadFile(file: string, placeholders: Record<string, string[]>, errors: SigmaError[], cache: RuleCache): { rules: SigmaRule[]; sha256: string } {
  const buf = fs.readFileSync(file);
  const sha256 = crypto.createHash('sha256').update(buf).digest('hex');
  const cached = cache.get(sha256);
  const hit = cached && fromCache(cached, file, placeholders);
  if (hit) return { rules: hit, sha256 };
  const before = errors.length;
  const entry: CachedFile = { docs: [] };
  const rules: SigmaRule[] = [];
  const lc = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(buf.toString('utf8'), { lineCounter: lc, uniqueKeys: true });
  } catch (e) {
    errors.push({ file, line: 1, message: `not readable as YAML: ${(e as Error).message}`, kind: 'yaml', ruleId: null, title: null });
    return { rules, sha256 };
  }
  if (!Array.isArray(docs)) return { rules, sha256 };
  for (const doc of docs) {
    const at = (keys: Array<string | number>) => lineOf(doc, lc, keys);
    if (doc.errors.length) {
      errors.push({ file, line: errorLine(doc, lc), message: `YAML error: ${doc.errors[0].message.split('\n')[0]}`, kind: 'yaml', ruleId: null, title: null });
      continue;
    }
    let js: unknown;
    try { js = doc.toJS({ maxAliasCount: 100 }); } catch (e) {
      errors.push({ file, line: at([]), message: `YAML error: ${(e as Error).message}`, kind: 'yaml', ruleId: null, title: null });
      continue;
    }
    if (js === null || js === undefined) { entry.docs.push({ js: null, line: at([]) }); continue; }
    if (typeof js !== 'object' || Array.isArray(js)) {
      errors.push({ file, line: at([]), message: 'not a Sigma rule (the document is not a map)', kind: 'other', ruleId: null, title: null });
      continue;
    }
    const d = js as Doc;
    try {
      const line = at([]);
      rules.push(compileRule(d, { file, line }, placeholders));
      entry.docs.push({ js: d, line });
    } catch (e) {
      const ruleId = typeof d.id === 'string' ? d.id : null;
      const title = typeof d.title === 'string' ? d.title : null;
      if (e instanceof Unsupported) errors.push({ file, line: at(e.path), message: e.reason, kind: kindOf(e.reason), ruleId, title });
      else errors.push({ file, line: at([]), message: `rule could not be compiled: ${(e as Error).message}`, kind: 'other', ruleId, title });
    }
  }
  // only a file read without a fault is cached: a faulty one is read again each time, for its errors' lines
  if (errors.length === before && Array.isArray(docs)) cache.put(sha256, entry);
  return { rules, sha256 };
}

function kindOf(reason: string): SkipKind {
  if (/correlation|aggregation/.test(reason)) return 'correlation';
  if (/modifier|placeholder|base64|null keyword|needs a/.test(reason)) return 'modifier';
  if (/logsource/.test(reason)) return 'logsource';
  if (/regular expression/.test(reason)) return 'regex';
  if (/condition/.test(reason)) return 'condition';
  return 'other';
}

function errorLine(doc: Pick<Document, "errors">, lc: LineCounter): number {
  const pos = doc.errors[0]?.pos?.[0];
  return pos === undefined ? 1 : lc.linePos(pos).line;
}

/** 1-based line of the deepest existing key along `keys` (the document's first line when none). */
function lineOf(doc: Pick<Document, "contents">, lc: LineCounter, keys: Array<string | number>): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: [number] } | null)?.range?.[0] ?? 0;
  for (const k of keys) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(k));
    if (!pair) break;
    offset = (pair.key as { range?: [number] }).range?.[0] ?? offset;
    node = pair.value;
  }
  return lc.linePos(offset).line;
}
