// Shell completion scripts for bash, zsh and PowerShell, generated from the commands' definitions: every command, its
// options, the allowed values of enumerations, case files for --case and folders where a folder is wanted.
import type { Command } from './command.ts';
import { COMMON_OPTIONS } from './command.ts';
import type { CompleteHint, OptionSpec } from './options.ts';

export const SHELLS = ['bash', 'zsh', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

/** What completes after one option: a word list, a kind of path, or nothing (free text). */
type ValueCompletion = { words: readonly string[] } | { path: CompleteHint } | null;

interface CommandShape {
  name: string;
  summary: string;
  flags: Array<{ name: string; help: string }>;
  /** Options that take a value, with what completes it. */
  valued: Array<{ names: string[]; help: string; meta: string; value: ValueCompletion }>;
  positional: ValueCompletion;
}

const valueCompletion = (s: OptionSpec): ValueCompletion =>
  s.kind === 'flag' ? null : s.choices ? { words: s.choices } : s.complete && s.complete !== 'none' ? { path: s.complete } : null;

function shapes(commands: Command[]): CommandShape[] {
  return commands.map((c) => {
    const opts = Object.entries({ ...c.options, ...COMMON_OPTIONS }) as Array<[string, OptionSpec]>;
    const names = (n: string, s: OptionSpec): string[] => [`--${n}`, ...(s.short ? [`-${s.short}`] : [])];
    const pos = c.positionals;
    return {
      name: c.name, summary: c.summary,
      flags: opts.filter(([, s]) => s.kind === 'flag').flatMap(([n, s]) => names(n, s).map((name) => ({ name, help: s.help }))),
      valued: opts.filter(([, s]) => s.kind !== 'flag').map(([n, s]) => ({
        names: names(n, s), help: s.help, meta: s.kind === 'flag' ? '' : s.meta, value: valueCompletion(s),
      })),
      positional: !pos || pos.max === 0 ? null : pos.choices ? { words: pos.choices } : pos.complete ? { path: pos.complete } : null,
    };
  });
}

export function completionScript(shell: Shell, commands: Command[]): string {
  const s = shapes(commands);
  return shell === 'bash' ? bashScript(s) : shell === 'zsh' ? zshScript(s) : powershellScript(s);
}

// ---------- bash ----------

function bashValue(v: ValueCompletion): string {
  if (!v) return 'return 0';
  if ('words' in v) return `_loupe_words "${v.words.join(' ')}"`;
  return `_loupe_path ${v.path}`;
}

function bashScript(cmds: CommandShape[]): string {
  const cases = cmds.map((c) => {
    const prevCases = c.valued.map((o) => `        ${o.names.join('|')}) ${bashValue(o.value)}; return 0 ;;`).join('\n');
    const all = [...c.valued.flatMap((o) => o.names.filter((n) => n.startsWith('--'))), ...c.flags.map((f) => f.name).filter((n) => n.startsWith('--'))].join(' ');
    const pos = c.positional ? `if [[ "$cur" != -* ]]; then ${bashValue(c.positional)}; return 0; fi` : '';
    return `    ${c.name})
      case "$prev" in
${prevCases}
      esac
      ${pos}
      COMPREPLY=( $(compgen -W "${all}" -- "$cur") ) ;;`;
  }).join('\n');
  return `# bash completion for loupe. Load it with:  source <(loupe completion bash)
# or save it:  loupe completion bash > ~/.local/share/bash-completion/completions/loupe
_loupe_words() {
  local pre="" word="$cur"
  if [[ "$cur" == *,* ]]; then pre="\${cur%,*},"; word="\${cur##*,}"; fi
  COMPREPLY=( $(compgen -P "$pre" -W "$1" -- "$word") )
}
_loupe_path() {
  compopt -o filenames 2>/dev/null
  case "$1" in
    dir) COMPREPLY=( $(compgen -d -- "$cur") ) ;;
    case) COMPREPLY=( $(compgen -d -- "$cur") $(compgen -f -X '!*.loupe' -- "$cur") ) ;;
    *) COMPREPLY=( $(compgen -f -- "$cur") ) ;;
  esac
}
_loupe() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" i
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ "\${COMP_WORDS[i]}" != -* ]]; then cmd="\${COMP_WORDS[i]}"; break; fi
  done
  case "$cmd" in
    "") COMPREPLY=( $(compgen -W "${cmds.map((c) => c.name).join(' ')} --version --help --debug" -- "$cur") ) ;;
${cases}
  esac
  return 0
}
complete -F _loupe loupe
`;
}

// ---------- zsh ----------

/** Text inside a zsh _arguments spec, itself inside single quotes. */
// _arguments escapes first, then the shell's single quotes (the other order escapes the quote's own backslash).
const zq = (s: string): string => s.replace(/([[\]:\\])/g, '\\$1').replace(/'/g, `'\\''`);

function zshAction(v: ValueCompletion): string {
  if (!v) return ' ';
  if ('words' in v) return `_sequence compadd - ${v.words.join(' ')}`;
  return v.path === 'dir' ? '_files -/' : v.path === 'case' ? `_files -g "*.loupe"` : '_files';
}

function zshScript(cmds: CommandShape[]): string {
  const cases = cmds.map((c) => {
    const specs = [
      ...c.valued.flatMap((o) => o.names.map((n) => `'${n}[${zq(o.help)}]:${zq(o.meta)}:${zq(zshAction(o.value))}'`)),
      ...c.flags.map((f) => `'${f.name}[${zq(f.help)}]'`),
      ...(c.positional ? [`'*:${zq('argument')}:${zq(zshAction(c.positional))}'`] : []),
    ];
    return `    ${c.name}) _arguments -s \\\n      ${specs.join(' \\\n      ')} ;;`;
  }).join('\n');
  return `#compdef loupe
# zsh completion for loupe. Load it with:  source <(loupe completion zsh)   (after compinit)
# or save it as _loupe in a folder of your $fpath.
_loupe() {
  local -a commands
  commands=(
${cmds.map((c) => `    '${zq(c.name)}:${c.summary.replace(/'/g, `'\\''`).replace(/:/g, '\\:')}'`).join('\n')}
  )
  local i cmd=""
  for ((i = 2; i < CURRENT; i++)); do
    if [[ \${words[i]} != -* ]]; then cmd=\${words[i]}; break; fi
  done
  if [[ -z $cmd ]]; then
    _describe -t commands 'loupe command' commands
    return
  fi
  words=("\${(@)words[i,-1]}")
  (( CURRENT -= i - 1 ))
  case $cmd in
${cases}
  esac
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _loupe "$@"; else compdef _loupe loupe; fi
`;
}

// ---------- PowerShell ----------

const pq = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function psValue(v: ValueCompletion): string {
  if (!v) return '@()';
  if ('words' in v) return `@(${v.words.map(pq).join(', ')})`;
  return pq(`<${v.path}>`);
}

function powershellScript(cmds: CommandShape[]): string {
  const table = cmds.map((c) => `  ${pq(c.name)} = @{
    options = @(${[...c.valued.flatMap((o) => o.names), ...c.flags.map((f) => f.name)].filter((n) => n.startsWith('--')).map(pq).join(', ')})
    values = @{ ${c.valued.map((o) => o.names.map((n) => `${pq(n)} = ${psValue(o.value)}`).join('; ')).join('; ')} }
    positional = ${psValue(c.positional)}
  }`).join('\n');
  return `# PowerShell completion for loupe. Load it with:  loupe completion powershell | Out-String | Invoke-Expression
# (add that line to your $PROFILE to keep it)
$loupeCommands = @{
${table}
}
Register-ArgumentCompleter -Native -CommandName loupe, loupe.cmd -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $words = @($commandAst.CommandElements | Where-Object { $_.Extent.StartOffset -lt $cursorPosition } | ForEach-Object { $_.Extent.Text })
  if ($wordToComplete -ne '') { $words = @($words | Select-Object -SkipLast 1) }
  $cmd = $null
  for ($i = 1; $i -lt $words.Count; $i++) { if (-not $words[$i].StartsWith('-')) { $cmd = $words[$i]; break } }
  $prev = if ($words.Count -gt 0) { $words[-1] } else { '' }
  $candidates = @()
  if (-not $cmd) {
    $candidates = @($loupeCommands.Keys) + @('--version', '--help', '--debug')
  } else {
    $spec = $loupeCommands[$cmd]
    if ($null -eq $spec) { return }
    $value = $spec.values[$prev]
    if ($null -ne $value) {
      if ($value -is [string]) {
        $dirsOnly = $value -eq '<dir>'
        Get-ChildItem -Path "$wordToComplete*" -ErrorAction SilentlyContinue |
          Where-Object { $_.PSIsContainer -or (-not $dirsOnly -and ($value -ne '<case>' -or $_.Name -like '*.loupe')) } |
          ForEach-Object { [System.Management.Automation.CompletionResult]::new($_.FullName, $_.Name, 'ProviderItem', $_.FullName) }
        return
      }
      $prefix = ''
      $word = $wordToComplete
      if ($word.Contains(',')) { $prefix = $word.Substring(0, $word.LastIndexOf(',') + 1); $word = $word.Substring($word.LastIndexOf(',') + 1) }
      $candidates = @($value | Where-Object { $_ -like "$word*" } | ForEach-Object { "$prefix$_" })
      $candidates | ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }
      return
    }
    $candidates = $spec.options
  }
  $candidates | Where-Object { $_ -like "$wordToComplete*" } | Sort-Object |
    ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterName', $_) }
}
`;
}
