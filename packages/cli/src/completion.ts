// Shell completion scripts written from the commander command tree, so they always list the
// current commands, options and choices. Hand-written because the npm completion helpers call back
// into the program on every Tab (a Node start each time) and none reads commander's tree.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the scripts are shell code, where ${...} is the shell's
import type { Argument, Command, Option } from '@commander-js/extra-typings';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** What a shell needs to know about one command. */
interface CommandSpec {
  name: string;
  summary: string;
  /** Every spelling of every option, e.g. `-o`, `--output`, `--no-demo-traffic`. */
  flags: string[];
  /** Options that take a value, by spelling, with their fixed choices if any. */
  valued: Map<string, readonly string[] | undefined>;
  /** Fixed choices of the first positional argument. */
  argumentChoices: readonly string[] | undefined;
}

type AnyCommand = Command<unknown[], Record<string, unknown>, Record<string, unknown>>;

function specOf(command: AnyCommand): CommandSpec {
  const options = command.createHelp().visibleOptions(command as never) as Option[];
  const flags = new Set<string>();
  const valued = new Map<string, readonly string[] | undefined>();
  for (const option of options) {
    for (const flag of [option.short, option.long]) {
      if (!flag) continue;
      flags.add(flag);
      if (option.required || option.optional) valued.set(flag, option.argChoices);
    }
  }
  const first = (command.registeredArguments as readonly Argument[])[0];
  return {
    name: command.name(),
    summary: command.summary() || command.description(),
    flags: [...flags],
    valued,
    argumentChoices: first?.argChoices,
  };
}

function specsOf(program: AnyCommand): { top: CommandSpec; commands: CommandSpec[] } {
  const commands = (program.commands as readonly AnyCommand[]).map(specOf);
  commands.push({
    name: 'help',
    summary: 'help for a command',
    flags: [],
    valued: new Map(),
    argumentChoices: commands.map((c) => c.name),
  });
  return { top: specOf(program), commands };
}

const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
const words = (items: readonly string[]) => quote(items.join(' '));

function bashScript(program: AnyCommand): string {
  const { top, commands } = specsOf(program);
  const fn = `_${program.name()}_completion`;
  const cases = commands.map((command) => {
    const valueCases = [...command.valued].map(
      ([flag, choices]) =>
        `        ${flag}) ${choices ? `COMPREPLY=($(compgen -W ${words(choices)} -- "$cur"))` : 'COMPREPLY=($(compgen -f -- "$cur"))'}; return ;;`,
    );
    const positional = command.argumentChoices
      ? `COMPREPLY=($(compgen -W ${words(command.argumentChoices)} -- "$cur"))`
      : 'COMPREPLY=($(compgen -f -- "$cur"))';
    return [
      `    ${command.name})`,
      '      case "$prev" in',
      ...valueCases,
      '      esac',
      `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${words(command.flags)} -- "$cur")); else ${positional}; fi`,
      '      ;;',
    ].join('\n');
  });
  return [
    `# bash completion for ${program.name()}; load with: source <(${program.name()} completion bash)`,
    `${fn}() {`,
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" command="" i',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    if [[ "${COMP_WORDS[i]}" != -* ]]; then command="${COMP_WORDS[i]}"; break; fi',
    '  done',
    '  case "$command" in',
    '    "")',
    `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${words(top.flags)} -- "$cur")); else COMPREPLY=($(compgen -W ${words(commands.map((c) => c.name))} -- "$cur")); fi`,
    '      ;;',
    ...cases,
    '  esac',
    '}',
    `complete -o default -F ${fn} ${program.name()}`,
    '',
  ].join('\n');
}

function zshScript(program: AnyCommand): string {
  const { commands } = specsOf(program);
  const name = program.name();
  const zshEscape = (text: string) => text.replaceAll("'", "'\\''").replaceAll(':', '\\:').replaceAll('[', '\\[');
  const cases = commands.map((command) => {
    const specs = command.flags.map((flag) => {
      const choices = command.valued.get(flag);
      const value = command.valued.has(flag) ? (choices ? `:value:(${choices.join(' ')})` : ':value:_files') : '';
      return `'${flag}${value}'`;
    });
    const positional = command.argumentChoices
      ? `'*:argument:(${command.argumentChoices.join(' ')})'`
      : "'*:file:_files'";
    return `    ${command.name}) _arguments ${[...specs, positional].join(' ')} ;;`;
  });
  return [
    `#compdef ${name}`,
    `# zsh completion for ${name}; load with: source <(${name} completion zsh)`,
    `_${name}() {`,
    '  local -a commands',
    `  commands=(${commands.map((c) => `'${c.name}:${zshEscape(c.summary)}'`).join(' ')})`,
    '  if (( CURRENT == 2 )); then',
    `    _describe command commands`,
    '    return',
    '  fi',
    '  shift words',
    '  (( CURRENT-- ))',
    '  case "${words[1]}" in',
    ...cases,
    '  esac',
    '}',
    `compdef _${name} ${name}`,
    '',
  ].join('\n');
}

/** The completion script for `shell`, generated from the program's commands and options. */
export function completionScript(program: AnyCommand, shell: Shell): string {
  return shell === 'bash' ? bashScript(program) : zshScript(program);
}
