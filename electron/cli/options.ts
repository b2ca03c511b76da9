// Command-line options: one typed definition per option, parsed with node:util's parseArgs and validated before any
// command runs. A bad value is a UsageError: one line naming the option and the fix (exit 2).
import { parseArgs } from 'node:util';

export class UsageError extends Error {}

/** What a shell completion offers for an option's value. */
export type CompleteHint = 'case' | 'file' | 'dir' | 'none';

interface BaseSpec {
  help: string;
  short?: string;
  /** Values the option accepts (shown in help and completion; checked by the option's parser). */
  choices?: readonly string[];
  complete?: CompleteHint;
  required?: boolean;
}
export interface FlagSpec extends BaseSpec { kind: 'flag' }
export interface ValueSpec<T> extends BaseSpec { kind: 'value'; meta: string; parse: (raw: string, name: string) => T }
export interface ListSpec<T> extends BaseSpec {
  kind: 'list'; meta: string; parse: (raw: string, name: string) => T;
  /** Paths may hold commas: such lists are only repeated, never split. */
  split?: boolean;
}
export type OptionSpec = FlagSpec | ValueSpec<unknown> | ListSpec<unknown>;
export type OptionSpecs = Record<string, OptionSpec>;

type ValueOf<S> = S extends FlagSpec ? boolean : S extends ListSpec<infer T> ? T[] : S extends ValueSpec<infer T> ? T : never;
export type Values<O extends OptionSpecs> = { [K in keyof O]?: ValueOf<O[K]> };

type Extra = Omit<BaseSpec, 'help'> & { split?: boolean };
export const flag = (help: string, extra: Extra = {}): FlagSpec => ({ kind: 'flag', help, ...extra });
export const value = <T>(meta: string, help: string, parse: (raw: string, name: string) => T, extra: Extra = {}): ValueSpec<T> =>
  ({ kind: 'value', meta, help, parse, ...extra });
/** Repeatable, and each occurrence may hold a comma-separated list. */
export const list = <T>(meta: string, help: string, parse: (raw: string, name: string) => T, extra: Extra = {}): ListSpec<T> =>
  ({ kind: 'list', meta, help, parse, ...extra });

export interface Positionals { name: string; min: number; max: number; choices?: readonly string[]; complete?: CompleteHint }

export interface Parsed<O extends OptionSpecs> { values: Values<O>; positionals: string[] }

/** `--name` as the user would type it. */
export const dashed = (name: string): string => `--${name}`;

/** Parses argv against the specs; every problem is a UsageError that names the option. */
export function parseOptions<O extends OptionSpecs>(argv: string[], specs: O, pos: Positionals = { name: '', min: 0, max: 0 }): Parsed<O> {
  const config = Object.fromEntries(Object.entries(specs).map(([name, s]) => [name, {
    type: s.kind === 'flag' ? 'boolean' as const : 'string' as const, ...(s.short ? { short: s.short } : {}),
  }]));
  let tokens;
  try {
    ({ tokens } = parseArgs({ args: argv, options: config, strict: false, allowPositionals: true, tokens: true }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const shorts = new Set(Object.values(specs).map((s) => s.short && `-${s.short}`).filter(Boolean));
  const values: Record<string, unknown> = {};
  const positionals: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') { positionals.push(t.value); continue; }
    if (t.kind !== 'option') continue;
    const spec = specs[t.name];
    if (!spec) throw new UsageError(unknownOption(t.rawName, specs));
    const shown = t.rawName.startsWith('--') ? t.rawName : `${t.rawName} (${dashed(t.name)})`;
    if (spec.kind === 'flag') {
      if (t.value !== undefined) throw new UsageError(`${shown} takes no value; write ${dashed(t.name)} alone`);
      values[t.name] = true;
      continue;
    }
    const raw = t.value;
    // parseArgs takes the next word as the value even when it is another option; refuse that as a missing value.
    if (raw === undefined || (!t.inlineValue && (raw.startsWith('--') || shorts.has(raw)))) {
      throw new UsageError(`${shown} needs a value: ${dashed(t.name)} ${spec.meta}` +
        (raw === undefined ? '' : ` (a value that starts with a dash is written ${dashed(t.name)}=${raw})`));
    }
    if (spec.kind === 'list') {
      const items = spec.split === false ? [raw] : raw.split(',').map((s) => s.trim()).filter(Boolean);
      if (!items.length) throw new UsageError(`${dashed(t.name)} is empty: give ${dashed(t.name)} ${spec.meta}`);
      values[t.name] = [...((values[t.name] as unknown[]) ?? []), ...items.map((v) => spec.parse(v, t.name))];
    } else {
      if (t.name in values) throw new UsageError(`${dashed(t.name)} is given twice; give it once`);
      values[t.name] = spec.parse(raw, t.name);
    }
  }
  for (const [name, s] of Object.entries(specs)) {
    if (s.required && !(name in values)) throw new UsageError(`${dashed(name)} is required: ${dashed(name)} ${s.kind === 'flag' ? '' : s.meta}`.trim());
  }
  checkPositionals(positionals, pos);
  return { values: values as Values<O>, positionals };
}

function checkPositionals(got: string[], pos: Positionals): void {
  if (got.length > pos.max) {
    const extra = got[pos.max];
    throw new UsageError(pos.max === 0
      ? `unexpected argument "${extra}"${extra.startsWith('-') ? '' : ' (options start with --; quote a value that has spaces)'}`
      : `too many arguments: "${extra}" is one more than ${pos.name} takes`);
  }
  if (got.length < pos.min) throw new UsageError(`missing ${pos.name}`);
  if (pos.choices) for (const g of got) if (!pos.choices.includes(g)) throw new UsageError(`unknown ${pos.name} "${g}": choose one of ${pos.choices.join(', ')}`);
}

function unknownOption(raw: string, specs: OptionSpecs): string {
  const name = raw.replace(/^-+/, '');
  const best = Object.keys(specs).map((k) => [k, editDistance(name, k)] as const).sort((a, b) => a[1] - b[1])[0];
  const near = best && best[1] <= Math.max(1, Math.floor(best[0].length / 3));
  return `unknown option ${raw}${near ? `: did you mean ${dashed(best[0])}?` : ''}`;
}

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
