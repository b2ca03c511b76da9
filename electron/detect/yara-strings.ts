// What the triage knows about a rule string in one file: whether it occurs (true / false / null = only libyara can
// say) and, for text strings, every match exactly as libyara reports it (offset and length, ascii tried before wide
// at each offset, `fullword` and `nocase` as libyara applies them). Regex and hex strings are proven absent (an
// anchor missing, or no RegExp match) or left to libyara.
import type { StringDef } from './yara-parse.ts';
import { hexPattern, regexPattern } from './yara-regex.ts';
import type { Pattern } from './yara-regex.ts';
import { AnchorSet, FOLD, MIN_ANCHOR } from './yara-anchors.ts';

export interface Hit { offset: number; length: number }

/** libyara stops a scan when one string passes this many matches: beyond it only libyara can say. */
const MAX_MATCHES = 1_000_000;
/** Regex and hex strings are tested in JavaScript on files up to this size (beyond, libyara decides: bounds the time
 *  and memory a crafted file can cost the RegExp engine). */
const MAX_PATTERN_TEST = 1024 * 1024;
/** Anchors are cut to this length (a longer literal is checked in full afterwards). */
const ANCHOR_LEN = 12;

const latin1 = (b: Uint8Array): string => String.fromCharCode.apply(null, Array.from(b));
const widenBytes = (b: Uint8Array): string => Array.from(b, (x) => String.fromCharCode(x) + '\0').join('');

export interface StringPlan {
  def: StringDef;
  /** Any-of anchor ids; empty = no anchor (never proven absent by the anchor pass). */
  anchors: number[];
  /** Text strings: the ascii and wide forms (folded when nocase). */
  ascii: string | null;
  wide: string | null;
  pattern: Pattern | null;
  /** The only offset libyara looks at (a string used only as `$x at N`). */
  fixedAt: number | null;
  /** The definition a probe rule uses to have libyara match this string over many files at once (yara-probe.ts), or
   *  null: text strings need none (matched exactly here), anchored patterns cannot be probed. */
  probe: string | null;
}

/** Plans one string: its anchors (registered in the rule set's AnchorSet) and how to match it. Strings that match
 *  alike share one plan (`shared`), so a file works each out once however many rules use it. */
export function planString(def: StringDef, anchors: AnchorSet, fixedAt: number | null, shared: Map<string, StringPlan>): StringPlan {
  // The definition as written (value and every modifier) names what matches; `private` does not change it.
  const key = JSON.stringify([def.definition, fixedAt]);
  let plan = shared.get(key);
  if (!plan) shared.set(key, (plan = newPlan(def, anchors, fixedAt)));
  return plan;
}

function newPlan(def: StringDef, anchors: AnchorSet, fixedAt: number | null): StringPlan {
  const plan: StringPlan = { def, anchors: [], ascii: null, wide: null, pattern: null, fixedAt, probe: null };
  if (def.exotic) { plan.probe = def.definition; return plan; }
  const fold = (s: string): string => (def.nocase ? foldText(s) : s);
  if (def.value.kind === 'text') {
    const bytes = def.value.bytes;
    if (!bytes.length) return plan;
    if (def.ascii) plan.ascii = fold(latin1(bytes));
    if (def.wide) plan.wide = fold(widenBytes(bytes));
    const forms = [plan.ascii, plan.wide].filter((f): f is string => !!f);
    // Every form needs an anchor, or none is used (a form without one could match where no anchor is).
    if (forms.every((f) => f.length >= MIN_ANCHOR)) plan.anchors = forms.map((f) => anchors.add(foldText(f).slice(0, ANCHOR_LEN)));
    return plan;
  }
  plan.pattern = def.value.kind === 'regex' ? regexPattern(def.value.source, def.value.flags, def) : hexPattern(def.value.source);
  plan.probe = plan.pattern.anchored ? null : def.definition;
  if (plan.pattern.anchors.every((a) => a.length >= MIN_ANCHOR)) plan.anchors = plan.pattern.anchors.map((a) => anchors.add(a.slice(0, ANCHOR_LEN)));
  return plan;
}

export const foldText = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** ASCII-only lowercase of a Latin-1 text: JavaScript's toLowerCase also folds À–Þ, which libyara does not. */
function foldLatin1(s: string): string {
  if (!/[\xc0-\xd6\xd8-\xde]/.test(s)) return s.toLowerCase();
  const b = Buffer.from(s, 'latin1');
  for (let i = 0; i < b.length; i++) b[i] = FOLD[b[i]];
  return b.toString('latin1');
}

const isAlnum = (b: number | undefined): boolean => b !== undefined && ((b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122));

/** One file as the string matchers see it: texts made on first use, each string's facts worked out once. */
export class FileText {
  private plain: string | null = null;
  private folded: string | null = null;
  private hitMemo = new Map<StringPlan, Hit[] | null>();
  private seenMemo = new Map<StringPlan, boolean | null>();
  constructor(readonly bytes: Uint8Array, readonly present: Uint8Array) {}

  hits(p: StringPlan): Hit[] | null {
    let h = this.hitMemo.get(p);
    if (h === undefined) this.hitMemo.set(p, (h = hits(p, this)));
    return h;
  }

  /** Facts learnt elsewhere (libyara's matches of a probed string): every match of the string in this file. */
  setHits(p: StringPlan, h: Hit[]): void {
    this.hitMemo.set(p, h);
    this.seenMemo.set(p, h.length > 0);
  }

  /** The first `n` matches (for reporting), without working out the rest. */
  firstHits(p: StringPlan, n: number): Hit[] | null {
    const h = this.hitMemo.get(p);
    if (h !== undefined) return h && h.slice(0, n);
    if (p.def.value.kind === 'text' && !p.def.exotic && (p.ascii || p.wide)) return textHits(p, this, n);
    return this.hits(p);
  }

  occurs(p: StringPlan): boolean | null {
    let o = this.seenMemo.get(p);
    if (o === undefined) {
      const h = this.hitMemo.get(p);
      this.seenMemo.set(p, (o = h ? h.length > 0 : occurs(p, this)));
    }
    return o;
  }

  text(fold: boolean): string {
    this.plain ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('latin1');
    if (!fold) return this.plain;
    this.folded ??= foldLatin1(this.plain);
    return this.folded;
  }
}

const anchorMissing = (p: StringPlan, f: FileText): boolean => p.anchors.length > 0 && p.anchors.every((a) => !f.present[a]);

function fullwordOk(b: Uint8Array, at: number, len: number, wide: boolean): boolean {
  if (wide) {
    if (at >= 2 && b[at - 1] === 0 && isAlnum(b[at - 2])) return false;
    return !(at + len + 1 < b.length && b[at + len + 1] === 0 && isAlnum(b[at + len]));
  }
  return !isAlnum(b[at - 1]) && !(at + len < b.length && isAlnum(b[at + len]));
}

/** Every match of a text string (null past libyara's match limit), or only the first `limit`. */
export function textHits(p: StringPlan, f: FileText, limit = MAX_MATCHES): Hit[] | null {
  if (anchorMissing(p, f)) return [];
  const text = f.text(p.def.nocase);
  const at = (form: string | null, from: number): number => (form ? text.indexOf(form, from) : -1);
  const out: Hit[] = [];
  const start = p.fixedAt ?? 0;
  let a = at(p.ascii, start);
  let w = at(p.wide, start);
  while (a >= 0 || w >= 0) {
    // libyara tries the ascii form first at an offset, and the wide form only when ascii does not match there.
    const off = a >= 0 && (w < 0 || a <= w) ? a : w;
    const wide = off !== a;
    const len = (wide ? (p.wide as string) : (p.ascii as string)).length;
    if (p.fixedAt !== null && off !== p.fixedAt) break;
    if (!p.def.fullword || fullwordOk(f.bytes, off, len, wide)) {
      out.push({ offset: off, length: len });
      if (out.length >= limit) return limit < MAX_MATCHES ? out : null;
    }
    if (a === off) a = at(p.ascii, off + 1);
    if (w === off) w = at(p.wide, off + 1);
  }
  return out;
}

/** Whether the string occurs: true / false, or null when only libyara can tell. */
export function occurs(p: StringPlan, f: FileText): boolean | null {
  if (p.def.exotic) return null;
  if (anchorMissing(p, f)) return false;
  if (p.def.value.kind === 'text') {
    if (!p.ascii && !p.wide) return null;
    if (p.def.fullword || p.fixedAt !== null) { const h = textHits(p, f); return h === null ? null : h.length > 0; }
    const text = f.text(p.def.nocase);
    return (!!p.ascii && text.includes(p.ascii)) || (!!p.wide && text.includes(p.wide));
  }
  if (!p.pattern?.re || f.bytes.length > MAX_PATTERN_TEST) return null;
  return p.pattern.re.test(f.text(false)) ? null : false;
}

/** Every match, when the triage can know them: text strings, and absent strings of any kind. */
export function hits(p: StringPlan, f: FileText): Hit[] | null {
  if (p.def.value.kind === 'text' && !p.def.exotic && (p.ascii || p.wide)) return textHits(p, f);
  return occurs(p, f) === false ? [] : null;
}
