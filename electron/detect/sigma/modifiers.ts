// One detection item `Field|mod|mod: value(s)` → a test on an event, plus the text it needs (for the prefilter).
// Modifiers: contains, startswith, endswith, all, re (+ i, m, s), base64, base64offset, utf16le/utf16be/utf16/wide,
// windash, cidr, exists, expand, fieldref, lt/lte/gt/gte, cased. Anything else is reported as unsupported.
import type { FieldValue } from '../../../shared/types.ts';
import { base64, base64Offsets, encodeText, expandPlaceholders, Unsupported, windashVariants, type Encoding } from './encode.ts';
import type { EventView, Text } from './event-view.ts';
import { allOf, anyOf, inField, TRUE, type Needs } from './needs.ts';
import { compileParts, literalParts, parseSigmaString, withWildcards, type RawPart, type StrMatcher } from './pattern.ts';
import { cidrTest, compileSigmaRegex } from './regex-cidr.ts';
import { regexNeeds } from './regex-needs.ts';

export interface Compiled {
  test(ev: EventView): boolean;
  needs: Needs;
}

export interface ItemContext {
  /** Sigma field name → the Loupe field key it reads. */
  resolve(field: string): string;
  placeholders: Record<string, string[]>;
  /** Told of each `re` pattern that runs without the `u` flag (invalid under it), for the load report. */
  regexFallback?(pattern: string, reason: string): void;
  /** Filled while compiling: the field keys the rule reads, and whether it reads every value (a keyword search). */
  reads?: FieldReads;
}

export interface FieldReads { keys: Set<string>; everyValue: boolean }

const MATCH = new Set(['contains', 'startswith', 'endswith', 're', 'cidr', 'exists', 'fieldref', 'lt', 'lte', 'gt', 'gte']);
const ENCODINGS: Record<string, Encoding> = { utf16le: 'utf16le', wide: 'utf16le', utf16be: 'utf16be', utf16: 'utf16' };
const RE_FLAGS: Record<string, string> = { i: 'i', ignorecase: 'i', m: 'm', multiline: 'm', s: 's', dotall: 's' };
const KNOWN = new Set([...MATCH, ...Object.keys(ENCODINGS), ...Object.keys(RE_FLAGS), 'all', 'base64', 'base64offset', 'windash', 'expand', 'cased']);

type Scalar = string | number | boolean | null;

interface Mods { list: string[]; has(m: string): boolean; match: string | null }

function parseMods(list: string[]): Mods {
  for (const m of list) if (!KNOWN.has(m)) throw new Unsupported(`unsupported modifier "${m}"`);
  const matches = list.filter((m) => MATCH.has(m));
  const fieldref = matches.includes('fieldref');
  const others = matches.filter((m) => m !== 'fieldref');
  if (others.length > 1 || (fieldref && others.some((m) => !['contains', 'startswith', 'endswith'].includes(m)))) {
    throw new Unsupported(`conflicting modifiers ${matches.join('|')}`);
  }
  return { list, has: (m) => list.includes(m), match: fieldref ? 'fieldref' : others[0] ?? null };
}

function scalars(value: unknown, where: string): Scalar[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new Unsupported(`${where}: empty value list`);
  for (const v of list) {
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) throw new Unsupported(`${where}: a value is a ${Array.isArray(v) ? 'list' : 'map'}`);
  }
  return list as Scalar[];
}

/** Compiles one `key: value` item of a detection map; `key` may be `|mods` alone (a keyword search). */
export function compileItem(key: string, value: unknown, ctx: ItemContext): Compiled {
  const [field, ...modList] = key.split('|');
  const mods = parseMods(modList);
  const values = scalars(value, key);
  if (field === '') return keywordItem(values, mods, ctx);
  const k = ctx.resolve(field);
  const tests = values.map((v) => valueTest(k, v, mods, ctx));
  return combine(tests, mods.has('all'));
}

/** A field-less search: any value of the event; plain keywords are substring searches. */
export function keywordItem(values: Scalar[], mods: Mods, ctx: ItemContext): Compiled {
  if (mods.match && !['contains', 'startswith', 'endswith', 're'].includes(mods.match)) throw new Unsupported(`modifier "${mods.match}" needs a field`);
  if (ctx.reads) ctx.reads.everyValue = true;
  const effective: Mods = mods.match ? mods : { ...mods, match: 'contains' };
  const tests = values.map((v): Compiled => {
    if (v === null) throw new Unsupported('null keyword');
    const m = stringMatchers(v, effective, ctx);
    return { test: (ev) => ev.values().some(([s, l]) => m.some((x) => x.test(s, l))), needs: anyOf(m.map((x) => x.needs)) };
  });
  return combine(tests, mods.has('all'));
}

function combine(tests: Compiled[], all: boolean): Compiled {
  if (tests.length === 1) return tests[0];
  return all
    ? { test: (ev) => tests.every((t) => t.test(ev)), needs: allOf(tests.map((t) => t.needs)) }
    : { test: (ev) => tests.some((t) => t.test(ev)), needs: anyOf(tests.map((t) => t.needs)) };
}

const numberOf = (v: FieldValue | undefined): number => (v === undefined || v === null || v === '' ? NaN : Number(v));

function valueTest(key: string, v: Scalar, mods: Mods, ctx: ItemContext): Compiled {
  switch (mods.match) {
    case 'exists': {
      if (typeof v !== 'boolean') throw new Unsupported('exists needs true or false');
      return { test: (ev) => (ev.get(key) !== undefined && ev.get(key) !== null) === v, needs: TRUE };
    }
    case 'lt': case 'lte': case 'gt': case 'gte': return numericTest(key, v, mods.match);
    case 'cidr': {
      const inNet = cidrTest(String(v));
      return { test: (ev) => { const t = ev.text(key); return t !== null && inNet(t[0]); }, needs: TRUE };
    }
    case 'fieldref': return fieldrefTest(key, v, mods, ctx);
    default: break;
  }
  if (v === null) return { test: (ev) => { const t = ev.text(key); return t === null || t[0] === ''; }, needs: TRUE };
  const m = stringMatchers(v, mods, ctx);
  return { test: (ev) => { const t = ev.text(key); return t !== null && m.some((x) => x.test(t[0], t[1])); }, needs: inField(anyOf(m.map((x) => x.needs)), key) };
}

function numericTest(key: string, v: Scalar, op: string): Compiled {
  const n = Number(v);
  if (typeof v === 'boolean' || v === null || !Number.isFinite(n)) throw new Unsupported(`${op} needs a number`);
  const cmp: Record<string, (x: number) => boolean> = { lt: (x) => x < n, lte: (x) => x <= n, gt: (x) => x > n, gte: (x) => x >= n };
  const f = cmp[op];
  return { test: (ev) => { const x = numberOf(ev.get(key)); return !Number.isNaN(x) && f(x); }, needs: TRUE };
}

/** `fieldref`: the value names another field; equal (or contains/startswith/endswith) to that field's value. */
function fieldrefTest(key: string, v: Scalar, mods: Mods, ctx: ItemContext): Compiled {
  if (typeof v !== 'string') throw new Unsupported('fieldref needs a field name');
  const other = ctx.resolve(v);
  const cased = mods.has('cased');
  const how = mods.list.find((m) => ['contains', 'startswith', 'endswith'].includes(m));
  const rel = (a: string, b: string) => (how === 'contains' ? a.includes(b) : how === 'startswith' ? a.startsWith(b) : how === 'endswith' ? a.endsWith(b) : a === b);
  return {
    test: (ev) => {
      const a = ev.text(key), b = ev.text(other);
      return a !== null && b !== null && (cased ? rel(a[0], b[0]) : rel(a[1], b[1]));
    },
    needs: TRUE,
  };
}

/** String matchers for one value: every variant the transforming modifiers produce. */
function stringMatchers(v: Scalar, mods: Mods, ctx: ItemContext): StrMatcher[] {
  if (v === null) throw new Unsupported('null with a string modifier');
  let texts = [String(v)];
  if (mods.has('expand')) texts = texts.flatMap((t) => expandPlaceholders(t, ctx.placeholders));
  if (mods.has('windash')) texts = texts.flatMap(windashVariants);
  if (mods.match === 're') {
    const flags = new Set(mods.list.map((m) => RE_FLAGS[m]).filter(Boolean));
    return texts.map((t) => {
      const c = compileSigmaRegex(t, flags);
      if (!c.unicode) ctx.regexFallback?.(t, c.reason ?? '');
      return regexMatcher(c.re);
    });
  }
  const parts = encodedParts(texts, mods, typeof v === 'string');
  const lead = mods.match === 'contains' || mods.match === 'endswith';
  const trail = mods.match === 'contains' || mods.match === 'startswith';
  return parts.map((p) => compileParts(withWildcards(p, lead, trail), mods.has('cased')));
}

function regexMatcher(re: RegExp): StrMatcher {
  return { test: (s) => re.test(s), needs: regexNeeds(re) };
}

/** Wildcard parts of each text, or literal parts of its base64 forms (encoded text has no wildcards). */
function encodedParts(texts: string[], mods: Mods, wildcards: boolean): RawPart[][] {
  const enc = mods.list.map((m) => ENCODINGS[m]).find(Boolean);
  const b64 = mods.has('base64') ? 'base64' : mods.has('base64offset') ? 'base64offset' : null;
  if (enc && !b64) throw new Unsupported(`${enc} without base64/base64offset`);
  if (!b64) return texts.map((t) => (wildcards ? parseSigmaString(t) : literalParts(t)));
  if (b64 === 'base64offset' && mods.match !== 'contains') throw new Unsupported('base64offset without contains');
  return texts.flatMap((t) => {
    const bytes = encodeText(t, enc ?? 'utf8');
    return (b64 === 'base64' ? [base64(bytes)] : base64Offsets(bytes)).map(literalParts);
  });
}

export type { Text };
