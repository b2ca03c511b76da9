// Every `loupe` command, in the order `loupe --help` lists them, plus serve, help and completion.
import { exportCommand, reportCommand } from '../report/cli.ts';
import { CASE_OPTION, defineCommand, type Command } from './command.ts';
import { completionScript, SHELLS, type Shell } from './completion.ts';
import { commandHelp, overview } from './help.ts';
import { indexCommand } from './index-command.ts';
import { filesCommand, findingsCommand, timelineCommand, verifyCommand, warningsCommand } from './list-commands.ts';
import { value } from './options.ts';
import { checkCasePath, openCase } from './case.ts';
import { text, wholeNumber } from './values.ts';

const serveCommand = defineCommand({
  name: 'serve',
  summary: 'the browser mode on 127.0.0.1 (prints a URL with a one-time token)',
  usage: '[--case FILE] [--port N]',
  options: {
    case: value('FILE', 'open this case file', text, { complete: 'case' }),
    port: value('N', 'port to listen on (default: any free port)', wholeNumber(0, 65535, '8080')),
  },
  examples: ['loupe serve --case acme.loupe --port 8080'],
  async run(ctx, { values }) {
    const { CaseService } = await import('../service.ts');
    const svc = values.case ? await openCase(values.case, { buildSortIndexes: true }) : new CaseService();
    const { startWebServer } = await import('../web.ts');
    const srv = await startWebServer({ service: svc, port: values.port ?? 0 });
    await ctx.out.line(`Loupe browser mode: ${srv.url}`);
    await ctx.err.line('listening on 127.0.0.1 only; the link works once (it opens a session in that browser). Ctrl+C to stop.');
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        // A read still stuck in the thread pool must not keep the process alive after it was told to stop.
        setTimeout(() => process.exit(0), 3000).unref();
        void srv.close().then(() => { svc.close(); resolve(); });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
});

const upgradeCommand = defineCommand({
  name: 'upgrade',
  summary: 'bring a case from an older Loupe up to this schema (reading commands never change a case)',
  usage: '--case FILE',
  options: { ...CASE_OPTION },
  examples: ['loupe upgrade --case acme.loupe'],
  async run(ctx, { values }) {
    checkCasePath(values.case!);
    const { closeCaseDb, openCaseDb } = await import('../case/db.ts');
    closeCaseDb(openCaseDb(values.case!));
    await ctx.err.say(`${values.case}: schema up to date`);
    return 0;
  },
});

const helpCommand = defineCommand({
  name: 'help',
  summary: 'show the options of a command: loupe help timeline',
  usage: '[COMMAND]',
  positionals: { name: 'command', min: 0, max: 1, get choices() { return COMMANDS.map((c) => c.name); } },
  options: {},
  examples: ['loupe help export'],
  async run(ctx, { positionals }) {
    await ctx.out.line(positionals.length ? commandHelp(findCommand(positionals[0])!) : overview(COMMANDS));
    return 0;
  },
});

const completionCommand = defineCommand({
  name: 'completion',
  summary: 'print a shell completion script: loupe completion bash|zsh|powershell',
  usage: 'bash|zsh|powershell',
  positionals: { name: 'shell', min: 1, max: 1, choices: SHELLS },
  options: {},
  notes: [
    'bash:        source <(loupe completion bash)           (or save it in ~/.local/share/bash-completion/completions/loupe)',
    'zsh:         source <(loupe completion zsh)            (after compinit; or save it as _loupe in your $fpath)',
    'PowerShell:  loupe completion powershell | Out-String | Invoke-Expression   (add it to $PROFILE to keep it)',
  ],
  examples: ['loupe completion bash > ~/.local/share/bash-completion/completions/loupe'],
  async run(ctx, { positionals }) {
    await ctx.out.write(completionScript(positionals[0] as Shell, COMMANDS));
    return 0;
  },
});

export const COMMANDS: Command[] = [
  indexCommand, timelineCommand, filesCommand, findingsCommand, verifyCommand, warningsCommand, serveCommand,
  reportCommand, exportCommand, upgradeCommand, helpCommand, completionCommand,
] as unknown as Command[];

export const findCommand = (name: string): Command | undefined => COMMANDS.find((c) => c.name === name);
