// The scan plan for the per-call-compiling WASM engine, built once per rule set. Each rule gets:
// - a string gate: the strings one of which must match for the rule to be true (from a top-level conjunct, or every
//   branch of a top-level `or`; a reference to another rule counts as that rule's gate), probed over many files at once;
// - cheap gates: top-level `filesize` / `uintNN(offset)` comparisons, checked in JavaScript on the bytes;
// - the rules it references (compiled with it).
// A file is scanned only with the rules both gates allow, so packs with string-less rules (pe.*, hash.*) no longer
// force a full-pack compile on every file. Anything not understood leaves that rule ungated (scanned per file).
import { gatingStrings, hasAnchoredRegex, parseRules, splitTop, stringWeights, stripComments, unwrap } from './yara-prefilter.ts';

export type Cheap = (b: Uint8Array) => boolean;

export interface PlannedRule {
  name: string; text: string; isPrivate: boolean; isGlobal: boolean;
  /** Own strings of the gate (a YARA set: `them`, `$a`, `$b*`); empty when the gate is only other rules. */
  own: string[];
  /** Rules whose gates open this rule's gate; null gate = ungated (a candidate for every file passing `cheap`). */
  gateRules: string[];
  gated: boolean;
  /** Rules referenced anywhere in the condition: compiled together with this one. */
  deps: string[];
  cheap: Cheap[];
  strings: string;
}

export interface ScanPlan {
  imports: string;
  rules: PlannedRule[];
  byName: Map<string, PlannedRule>;
  /** The probe rule source (one rule per rule with own gate strings), or null when no rule is gated. */
  probe: string | null;
  /** Probe rule name → the rule it gates. */
  probeOf: Map<string, string>;
}

const NUM = String.raw`(0x[0-9a-fA-F]+|\d+)`;
const CMP = String.raw`(==|!=|<=|>=|<|>)`;
const FILESIZE = new RegExp(String.raw`^filesize\s*${CMP}\s*${NUM}\s*(KB|MB)?$`);
const UINT = new RegExp(String.raw`^uint(8|16|32)(be)?\s*\(\s*${NUM}\s*\)\s*${CMP}\s*${NUM}$`);

const num = (s: string): number => (s.startsWith('0x') ? parseInt(s.slice(2), 16) : Number(s));
const compare = (a: number, op: string, b: number): boolean =>
  op === '==' ? a === b : op === '!=' ? a !== b : op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;

function readUint(b: Uint8Array, bits: number, be: boolean, at: number): number | null {
  const n = bits / 8;
  if (at < 0 || at + n > b.length) return null;
  let v = 0;
  for (let i = 0; i < n; i++) v += b[at + (be ? n - 1 - i : i)] * 2 ** (8 * i);
  return v;
}

/** A JavaScript test equal to the YARA term, or null when the term is not a plain size/header comparison. */
export function cheapTerm(term: string): Cheap | null {
  const t = unwrap(term);
  const alts = splitTop(t, 'or');
  if (alts.length > 1) {
    const fs = alts.map(cheapTerm);
    return fs.every((f) => f) ? (b) => fs.some((f) => (f as Cheap)(b)) : null;
  }
  let m = FILESIZE.exec(t);
  if (m) {
    const limit = num(m[2]) * (m[3] === 'KB' ? 1024 : m[3] === 'MB' ? 1024 * 1024 : 1);
    const op = m[1];
    return (b) => compare(b.length, op, limit);
  }
  m = UINT.exec(t);
  if (m) {
    const [bits, be, at, op, val] = [Number(m[1]), !!m[2], num(m[3]), m[4], num(m[5])];
    // Out of range, uintNN is undefined and so is the comparison: false inside a conjunction.
    return (b) => { const v = readUint(b, bits, be, at); return v !== null && compare(v, op, val); };
  }
  return null;
}

function cheapGates(condition: string): Cheap[] {
  const whole = unwrap(condition);
  if (splitTop(whole, 'or').length > 1) return [];
  return splitTop(whole, 'and').map(cheapTerm).filter((f): f is Cheap => f !== null);
}

const referenced = (condition: string, names: Set<string>): string[] =>
  [...new Set((condition.replace(/"(?:[^"\\]|\\.)*"/g, '""').match(/\b[A-Za-z_][A-Za-z0-9_]*\b/g) ?? []).filter((w) => names.has(w)))];

/** The plan for a rule source, or null when the source cannot be planned (include directives, unparsed text). */
export function planScan(source: string): ScanPlan | null {
  if (/^\s*include\s+"/m.test(stripComments(source) ?? 'include "')) return null;
  const parsed = parseRules(source);
  if (!parsed) return null;
  const names = new Set<string>();
  const rules: PlannedRule[] = [];
  const byName = new Map<string, PlannedRule>();
  for (const r of parsed) {
    const gate = r.isGlobal ? null : gatingStrings(r.condition, stringWeights(r.strings), names);
    const own = gate?.filter((g) => !g.startsWith('@')) ?? [];
    const gateRules = gate?.filter((g) => g.startsWith('@')).map((g) => g.slice(1)) ?? [];
    const ownOk = own.length === 0 || (r.strings.trim() !== '' && !hasAnchoredRegex(r.strings));
    const gated = gate !== null && ownOk && gateRules.every((n) => byName.get(n)?.gated);
    const planned: PlannedRule = { name: r.name, text: r.text, isPrivate: r.isPrivate, isGlobal: r.isGlobal, own: gated ? own : [],
      gateRules: gated ? gateRules : [], gated, deps: referenced(r.condition, names), cheap: cheapGates(r.condition), strings: r.strings };
    rules.push(planned);
    byName.set(r.name, planned);
    names.add(r.name);
  }
  const imports = [...(stripComments(source) ?? '').matchAll(/^\s*import\s+"[^"\n]*"/gm)].map((m) => m[0].trim()).join('\n');
  const probeOf = new Map<string, string>();
  const probes: string[] = [];
  rules.forEach((r, i) => {
    if (!r.gated || !r.own.length) return;
    const set = r.own.includes('them') ? 'them' : `(${r.own.join(', ')})`;
    const name = `Loupe_Probe_${i}_${r.name}`;
    probeOf.set(name, r.name);
    // `false and any of them` only keeps the other strings referenced (YARA rejects unreferenced strings).
    probes.push(`rule ${name} {\n strings:\n${r.strings}\n condition:\n  any of ${set} or (false and any of them)\n}`);
  });
  return { imports, rules, byName, probe: probes.length ? probes.join('\n') : null, probeOf };
}

/** Whether a rule can match a file: its cheap gates hold and (ungated, or its own probe or a gating rule's hit). */
export function isCandidate(plan: ScanPlan, name: string, bytes: Uint8Array, hits: Set<string> | undefined, memo = new Map<string, boolean>()): boolean {
  const known = memo.get(name);
  if (known !== undefined) return known;
  const r = plan.byName.get(name);
  let ok = !!r && r.cheap.every((f) => f(bytes));
  if (ok && r && r.gated) ok = (r.own.length > 0 && !!hits?.has(r.name)) || r.gateRules.some((g) => isCandidate(plan, g, bytes, hits, memo));
  memo.set(name, ok);
  return ok;
}

/** The source to compile for a file: imports, global rules, the candidate rules and everything they reference. */
export function subsetSource(plan: ScanPlan, candidates: string[]): string {
  const want = new Set<string>();
  const add = (n: string): void => {
    if (want.has(n)) return;
    want.add(n);
    for (const d of plan.byName.get(n)?.deps ?? []) add(d);
  };
  for (const r of plan.rules) if (r.isGlobal) add(r.name);
  candidates.forEach(add);
  return [plan.imports, ...plan.rules.filter((r) => want.has(r.name)).map((r) => r.text)].join('\n');
}

/** Each rule's metadata as libyara reports it (strings unescaped, numbers and booleans as text). */
export function ruleMeta(source: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const r of parseRules(source) ?? []) {
    const sec = /(?:^|\s)meta\s*:([\s\S]*?)(?=(?:^|\s)(?:strings|condition)\s*:)/.exec(r.text);
    const meta: Record<string, string> = {};
    for (const m of (sec?.[1] ?? '').matchAll(/([A-Za-z_]\w*)\s*=\s*("(?:[^"\\\n]|\\.)*"|-?\d+|true|false)/g)) {
      meta[m[1]] = m[2].startsWith('"') ? m[2].slice(1, -1).replace(/\\(["\\])/g, '$1') : m[2];
    }
    out.set(r.name, meta);
  }
  return out;
}
