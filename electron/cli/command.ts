// What a CLI command is (its options, help and body) and the options several commands share.
import { flag, UsageError, value, type OptionSpecs, type Parsed, type Positionals } from './options.ts';
import type { ListFormat, Output } from './output.ts';
import { wholeNumber } from './values.ts';

export interface Ctx {
  /** Results (stdout). */
  out: Output;
  /** Messages and progress (stderr). */
  err: Output;
}

export interface Command<O extends OptionSpecs = OptionSpecs> {
  name: string;
  summary: string;
  /** Options as shown in the usage line, e.g. "<evidence-folder> --case FILE". */
  usage: string;
  options: O;
  positionals?: Positionals;
  /** Extra help paragraphs. */
  notes?: string[];
  examples: string[];
  run: (ctx: Ctx, args: Parsed<O>) => Promise<number>;
}

/** Keeps each command's option types for its body. */
export const defineCommand = <O extends OptionSpecs>(c: Command<O>): Command<O> => c;

/** Accepted by every command. */
export const COMMON_OPTIONS = {
  help: flag('show this help', { short: 'h' }),
  debug: flag('print the stack trace of an error (also LOUPE_DEBUG=1)'),
};

export const CASE_OPTION = {
  case: value('FILE', 'the case file (.loupe)', (raw: string, name: string) => {
    if (!raw.trim()) throw new UsageError(`--${name} is empty: give the case file, e.g. --${name} acme.loupe`);
    return raw;
  }, { required: true, complete: 'case' }),
};

export const OUTPUT_OPTIONS = {
  json: flag('print one JSON array on stdout'),
  jsonl: flag('print JSON Lines on stdout: one object per line, streamed'),
};

export const PAGING_OPTIONS = {
  limit: value('N', 'print at most N rows (default: every row)', wholeNumber(1, Number.MAX_SAFE_INTEGER, '100', ', or leave --limit out for every row')),
  offset: value('N', 'skip the first N rows', wholeNumber(0, Number.MAX_SAFE_INTEGER, '100')),
};

/** text, json or jsonl from --json / --jsonl (never both). */
export function listFormat(v: { json?: boolean; jsonl?: boolean }): ListFormat {
  if (v.json && v.jsonl) throw new UsageError('--json and --jsonl are given together: choose one (--jsonl streams one object per line)');
  return v.json ? 'json' : v.jsonl ? 'jsonl' : 'text';
}
