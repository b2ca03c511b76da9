// The `loupe` command. Every option is checked before anything runs; every failure is one sentence on stderr; results
// go to stdout and stop quietly when the reader goes away. The commands themselves live in cli/.
import { COMMON_OPTIONS, type Command, type Ctx } from './cli/command.ts';
import { COMMANDS, findCommand } from './cli/commands.ts';
import { errorSentence, oneLine } from './cli/errors.ts';
import { commandHelp, overview } from './cli/help.ts';
import { editDistance, parseOptions, UsageError } from './cli/options.ts';
import { isReaderGone, Output } from './cli/output.ts';
import { LOUPE_VERSION } from './version.ts';
import { displayText } from '../shared/display.ts';

/** argv up to a `--` terminator: where flags such as --help and --debug are looked for. */
const beforeTerminator = (argv: string[]): string[] => (argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv);

function unknownCommand(cmd: string): string {
  const near = COMMANDS.map((c) => c.name).filter((n) => editDistance(n, cmd) <= 2);
  return `unknown command "${cmd}"${near.length ? `: did you mean ${near.join(' or ')}?` : ''} (commands: ${COMMANDS.map((c) => c.name).join(', ')})`;
}

/** A last line of defence: anything thrown outside a command's own flow is still one sentence, never a stack. */
function guardProcess(cmd: string, debug: boolean): void {
  const fail = (e: unknown): void => {
    if (isReaderGone(e)) return;
    process.stderr.write(`loupe ${cmd}: ${displayText(errorSentence(e))}\n${debug ? `${(e as Error)?.stack ?? ''}\n` : ''}`);
    process.exit(1);
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
}

async function runCommand(ctx: Ctx, command: Command, argv: string[], debug: boolean): Promise<number> {
  try {
    const parsed = parseOptions(argv, { ...command.options, ...COMMON_OPTIONS }, command.positionals);
    return await command.run(ctx, parsed);
  } catch (e) {
    if (e instanceof UsageError) {
      await ctx.err.say(`loupe ${command.name}: ${oneLine(e.message)} (see \`loupe help ${command.name}\`)`);
      return 2;
    }
    await ctx.err.say(`loupe ${command.name}: ${errorSentence(e)}`);
    if (debug && e instanceof Error && e.stack) for (const l of e.stack.split('\n')) await ctx.err.say(l);
    return 1;
  }
}

export async function main(argv: string[]): Promise<number> {
  const ctx: Ctx = { out: new Output(process.stdout), err: new Output(process.stderr) };
  const flags = beforeTerminator(argv);
  const debug = flags.includes('--debug') || !!process.env.LOUPE_DEBUG;
  let i = 0;
  while (argv[i] === '--debug') i++;
  const [cmd, ...rest] = argv.slice(i);
  if (!cmd || cmd === '--help' || cmd === '-h') { await ctx.out.line(overview(COMMANDS)); return 0; }
  if (cmd === '--version' || cmd === '-v' || cmd === '-V') { await ctx.out.line(LOUPE_VERSION); return 0; }
  const command = findCommand(cmd);
  if (!command) { await ctx.err.say(`loupe: ${unknownCommand(cmd)}`); return 2; }
  if (beforeTerminator(rest).some((a) => a === '--help' || a === '-h')) { await ctx.out.line(commandHelp(command)); return 0; }
  guardProcess(cmd, debug);
  return runCommand(ctx, command, rest, debug);
}
