// Help text, generated from the commands' own definitions so it never drifts from what the parser accepts.
import { LOUPE_VERSION } from '../version.ts';
import type { Command } from './command.ts';
import { COMMON_OPTIONS } from './command.ts';
import { dashed, type OptionSpec } from './options.ts';

export const EXIT_CODES = 'Exit codes: 0 success (also when a reader such as `head` closes the pipe early), 1 error, 2 usage error, 3 verify found differences, 4 the case is incomplete (findings, report, export; see --allow-incomplete), 130 index cancelled.';

export function overview(commands: Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return `loupe ${LOUPE_VERSION} — offline forensics workbench for the March 2021 Exchange compromise

Usage: loupe <command> [options]        loupe help <command> shows a command's options

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Options for every command: --help, --debug (stack traces). loupe --version prints the version.
Times are UTC. Results go to stdout (--json: one array, --jsonl: one object per line); messages and progress go to
stderr. Listings print every matching row unless --limit N is given.
${EXIT_CODES}`;
}

function optionLeft(name: string, s: OptionSpec): string {
  const long = s.kind === 'flag' ? dashed(name) : `${dashed(name)} ${s.meta}`;
  return s.short ? `-${s.short}, ${long}` : `    ${long}`;
}

function optionRight(s: OptionSpec): string {
  const parts = [s.help];
  if (s.choices) parts.push(`(${s.choices.join(', ')})`);
  if (s.kind === 'list' && s.split !== false) parts.push('[comma-separated, repeatable]');
  if (s.kind === 'list' && s.split === false) parts.push('[repeatable]');
  if (s.required) parts.push('[required]');
  return parts.join(' ');
}

export function commandHelp(c: Command): string {
  const opts = Object.entries({ ...c.options, ...COMMON_OPTIONS }) as Array<[string, OptionSpec]>;
  const left = opts.map(([n, s]) => optionLeft(n, s));
  const width = Math.min(32, Math.max(...left.map((l) => l.length)) + 2);
  const rows = opts.map(([, s], i) => `  ${left[i].padEnd(width)}${left[i].length >= width ? `\n  ${' '.repeat(width)}` : ''}${optionRight(s)}`);
  return [
    `loupe ${c.name} — ${c.summary}`,
    '',
    `Usage: loupe ${c.name} ${c.usage}`,
    '',
    'Options:',
    ...rows,
    ...(c.notes?.length ? ['', ...c.notes] : []),
    ...(c.examples.length ? ['', 'Examples:', ...c.examples.map((e) => `  ${e}`)] : []),
    '',
    EXIT_CODES,
  ].join('\n');
}
