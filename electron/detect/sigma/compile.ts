// A parsed Sigma rule document → a rule ready to run: its metadata, and per target (logsource mapping) a compiled
// match function with the text it needs. Unsupported constructs raise Unsupported with the reason.
import { compileCondition } from './condition.ts';
import { Unsupported, within } from './encode.ts';
import { fieldResolver } from './field-map.ts';
import { targetsOf, type Logsource, type Target } from './logsource.ts';
import { compileItem, keywordItem, type Compiled, type FieldReads, type ItemContext } from './modifiers.ts';
import { allOf, anyOf } from './needs.ts';

export interface SigmaRule {
  id: string;
  title: string;
  level: string;
  status: string | null;
  description: string | null;
  author: string | null;
  references: string[];
  tags: string[];
  falsepositives: string[];
  logsource: Logsource;
  file: string;
  line: number;
  /** Per target: its compiled match, and the field keys it reads (null: every value, for keyword searches; `named`: those it reads by name). */
  targets: Array<{ target: Target; match: Compiled; reads: string[] | null; named: string[] }>;
  /** `re` patterns that run without JavaScript's `u` flag (invalid under it): not Unicode-aware as Rust's regex is. */
  regexNotUnicode: string[];
  /** What it was compiled from (a worker thread compiles the rule again from it: compiled rules hold functions). */
  source: RuleSource;
}

/** A rule document and where it stands: compileRule's input, plain data that can go to a worker thread. */
export interface RuleSource { doc: Doc; file: string; line: number; placeholders: Record<string, string[]> }

export type Doc = Record<string, unknown>;

const strList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => x !== null && x !== undefined).map(String) : typeof v === 'string' ? [v] : []);
const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : v == null ? null : String(v));

/** Compiles one rule document; throws Unsupported (with a reason) for what it cannot run. */
export function compileRule(doc: Doc, where: { file: string; line: number }, placeholders: Record<string, string[]> = {}): SigmaRule {
  if ('correlation' in doc) throw new Unsupported('correlation rule (not supported yet: single-event rules only)');
  if ('filter' in doc && !('detection' in doc)) throw new Unsupported('filter rule (Sigma filters are not supported yet)');
  if (doc.action) throw new Unsupported(`Sigma 1 rule collection action "${String(doc.action)}" (not supported)`);
  const detection = doc.detection;
  if (!detection || typeof detection !== 'object' || Array.isArray(detection)) throw new Unsupported('no detection section');
  const title = strOrNull(doc.title);
  if (!title) throw new Unsupported('no title');
  const logsource = (doc.logsource && typeof doc.logsource === 'object' ? doc.logsource : {}) as Logsource;
  const targets = within(['logsource'], () => {
    const t = targetsOf(logsource);
    if (typeof t === 'string') throw new Unsupported(t);
    if (t.length === 0) throw new Unsupported('logsource category and service do not meet on any event log');
    return t;
  });
  const notUnicode = new Set<string>();
  const regexFallback = (pattern: string) => { notUnicode.add(pattern); };
  const compiled = targets.map((target) => {
    const reads: FieldReads = { keys: new Set(), everyValue: false };
    const map = fieldResolver(target);
    const resolve = (field: string): string => { const k = map(field); reads.keys.add(k); return k; };
    const match = compileDetection(detection as Doc, { resolve, placeholders, regexFallback, reads });
    return { target, match, reads: reads.everyValue ? null : [...reads.keys], named: [...reads.keys] };
  });
  return {
    id: strOrNull(doc.id) ?? where.file, title, level: strOrNull(doc.level) ?? 'medium', status: strOrNull(doc.status),
    description: strOrNull(doc.description), author: strOrNull(doc.author), references: strList(doc.references),
    tags: strList(doc.tags), falsepositives: strList(doc.falsepositives), logsource, file: where.file, line: where.line,
    targets: compiled, regexNotUnicode: [...notUnicode], source: { doc, file: where.file, line: where.line, placeholders },
  };
}

/** The detection section: named searches and the condition over them. */
export function compileDetection(detection: Doc, ctx: ItemContext): Compiled {
  const searches = new Map<string, Compiled>();
  for (const [name, value] of Object.entries(detection)) {
    if (name === 'condition' || name === 'timeframe') continue;
    searches.set(name, within(['detection', name], () => compileSearch(name, value, ctx)));
  }
  const cond = detection.condition;
  const conds = Array.isArray(cond) ? cond : [cond];
  if (conds.length === 0 || conds.some((c) => typeof c !== 'string' || !c.trim())) throw new Unsupported('no condition');
  const parts = within(['detection', 'condition'], () => (conds as string[]).map((c) => compileCondition(c, searches)));
  if (parts.length === 1) return parts[0];
  return { test: (ev) => parts.some((p) => p.test(ev)), needs: anyOf(parts.map((p) => p.needs)) };
}

function compileSearch(name: string, value: unknown, ctx: ItemContext): Compiled {
  if (value === null || value === undefined) throw new Unsupported(`search "${name}" is empty`);
  if (Array.isArray(value)) {
    if (value.length === 0) throw new Unsupported(`search "${name}" is an empty list`);
    const maps = value.filter((v) => v && typeof v === 'object' && !Array.isArray(v)) as Doc[];
    const words = value.filter((v) => !(v && typeof v === 'object'));
    const parts = maps.map((m) => compileMap(name, m, ctx));
    if (words.length) parts.push(keywordItem(words as Array<string | number>, { list: [], has: () => false, match: null }, ctx));
    if (maps.length + words.length !== value.length) throw new Unsupported(`search "${name}" holds a nested list`);
    return parts.length === 1 ? parts[0] : { test: (ev) => parts.some((p) => p.test(ev)), needs: anyOf(parts.map((p) => p.needs)) };
  }
  if (typeof value === 'object') return compileMap(name, value as Doc, ctx);
  return keywordItem([value as string | number], { list: [], has: () => false, match: null }, ctx);
}

function compileMap(name: string, map: Doc, ctx: ItemContext): Compiled {
  const items = Object.entries(map).map(([k, v]) => within(['detection', name, k], () => compileItem(k, v, ctx)));
  if (items.length === 0) throw new Unsupported(`search "${name}" is an empty map`);
  return items.length === 1 ? items[0] : { test: (ev) => items.every((p) => p.test(ev)), needs: allOf(items.map((p) => p.needs)) };
}
