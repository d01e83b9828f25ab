// bash and zsh completion scripts, rendered from the command-line spec: commands, each command's
// flags, and values (`--format` choices, directories, and container names and ports read from the
// local Docker when the operator presses tab).
import { COMMANDS, GLOBAL_FLAGS, allFlags, wizardCommand, type CommandSpec, type FlagSpec } from './spec.js';

const HEADER = 'generated from the v6wall command-line spec (src/cli/spec.ts); do not edit';

const flagWords = (flags: readonly FlagSpec[]): string =>
  flags.flatMap((flag) => [`--${flag.name}`, ...(flag.short === undefined ? [] : [`-${flag.short}`])]).join(' ');

/** The shell words a flag's value is completed with, by kind. */
function bashValue(flag: FlagSpec): string {
  if (flag.complete === 'directory') return '_filedir -d';
  if (flag.complete === 'route-ports' || flag.complete === 'publish-ports') {
    return `_v6wall_container_ports ${flag.complete === 'route-ports' ? 'route' : 'publish'}`;
  }
  const words = flag.choices ?? flag.suggest ?? [];
  return words.length === 0 ? ':' : `COMPREPLY=($(compgen -W '${words.join(' ')}' -- "$cur"))`;
}

function bashValueCases(flags: readonly FlagSpec[], indent: string): string[] {
  const valued = flags.filter((flag) => flag.value !== undefined);
  if (valued.length === 0) return [];
  return [`${indent}case $prev in`, ...valued.map((flag) => `${indent}    --${flag.name}) ${bashValue(flag)}; return ;;`), `${indent}esac`];
}

export function bashCompletion(): string {
  const names = COMMANDS.map((command) => command.name);
  const wizardValued = allFlags(wizardCommand)
    .filter((flag) => flag.value !== undefined)
    .map((flag) => `--${flag.name}`);
  const commandCases = COMMANDS.flatMap((command) => [
    `        ${command.name})`,
    ...bashValueCases(allFlags(command), '            '),
    `            words_to_offer='${flagWords(allFlags(command))}'`,
    '            ;;',
  ]);
  return `# bash completion for v6wall(8), ${HEADER}.

# Values of --route and --publish: container names from the local Docker (with a colon), then
# that container's ports: the ports it exposes for --route, the host ports it publishes for --publish.
_v6wall_container_ports() {
    local kind=$1 name ports
    if [[ $cur != *:* ]]; then
        local IFS=$'\\n'
        COMPREPLY=($(compgen -W "$(docker ps -a --format '{{.Names}}:' 2>/dev/null)" -- "$cur"))
        compopt -o nospace 2>/dev/null
        return
    fi
    name=\${cur%%:*}
    if [[ $kind == route ]]; then
        ports=$(docker inspect --format '{{range $p, $v := .Config.ExposedPorts}}{{$p}} {{end}}' -- "$name" 2>/dev/null)
    else
        ports=$(docker port "$name" 2>/dev/null | sed -n 's|^[0-9]*/\\([a-z]*\\) -> .*:\\([0-9]*\\)$|\\2/\\1|p' | sort -u)
    fi
    ports=\${ports//\\/tcp/}
    COMPREPLY=($(compgen -W "$(for port in $ports; do printf '%s:%s\\n' "$name" "$port"; done)" -- "$cur"))
    __ltrim_colon_completions "$cur"
}

_v6wall() {
    local cur prev words cword
    _init_completion -n : || return

    local command='' i
    for ((i = 1; i < cword; i++)); do
        case \${words[i]} in
            ${wizardValued.join('|')}) ((i++)) ;;
            -*) ;;
            *) command=\${words[i]}; break ;;
        esac
    done

    local words_to_offer
    case $command in
        '')
${bashValueCases(allFlags(wizardCommand), '            ').join('\n')}
            words_to_offer='${[...names, 'help', flagWords(GLOBAL_FLAGS), ...wizardValued].join(' ')}'
            ;;
        help)
            words_to_offer='${names.join(' ')}'
            ;;
${commandCases.join('\n')}
        *) return ;;
    esac
    COMPREPLY=($(compgen -W "$words_to_offer" -- "$cur"))
}

complete -F _v6wall v6wall
`;
}

/** Text inside single quotes and an _arguments [description]. */
const zshQuote = (text: string): string => text.replace(/'/g, "'\\''").replace(/([[\]])/g, '\\$1');
const zshMessage = (text: string): string => text.replace(/:/g, '\\:');

function zshAction(flag: FlagSpec): string {
  if (flag.complete === 'directory') return '_files -/';
  if (flag.complete === 'route-ports') return '_v6wall_container_ports route';
  if (flag.complete === 'publish-ports') return '_v6wall_container_ports publish';
  const words = flag.choices ?? flag.suggest ?? [];
  return words.length === 0 ? ' ' : `(${words.join(' ')})`;
}

function zshFlagSpec(flag: FlagSpec): string {
  const description = `[${zshQuote(flag.description)}]`;
  const value = flag.value === undefined ? '' : `:${zshQuote(zshMessage(flag.value))}:${zshAction(flag)}`;
  const repeat = flag.multiple === true ? '*' : '';
  if (flag.short !== undefined) {
    const exclusive = flag.multiple === true ? '' : `(-${flag.short} --${flag.name})`;
    return `'${exclusive}'${repeat === '' ? '' : "'*'"}{-${flag.short},--${flag.name}}'${description}${value}'`;
  }
  return `'${repeat}--${flag.name}${flag.value === undefined ? '' : '='}${description}${value}'`;
}

function zshCommandArguments(command: CommandSpec): string {
  const specs = allFlags(command).map(zshFlagSpec);
  if (command.positionals !== undefined) specs.push(`'1:${zshQuote(zshMessage(command.positionals.replace(/[[\]]/g, '')))}: '`);
  return specs.map((spec) => `          ${spec}`).join(' \\\n');
}

export function zshCompletion(): string {
  const commandList = COMMANDS.map((command) => `    '${command.name}:${zshQuote(command.summary)}'`).join('\n');
  const cases = COMMANDS.map((command) => `        ${command.name})\n          _arguments \\\n${zshCommandArguments(command)} && ret=0\n          ;;`).join(
    '\n',
  );
  const globals = GLOBAL_FLAGS.map((flag) => `    '(- *)'{-${flag.short ?? ''},--${flag.name}}'[${zshQuote(flag.description)}]'`);
  const wizardFlags = allFlags(wizardCommand)
    .filter((flag) => flag.name !== 'help')
    .map((flag) => `    ${zshFlagSpec(flag)}`);
  return `#compdef v6wall
# zsh completion for v6wall(8), ${HEADER}.

# Values of --route and --publish: container names from the local Docker (with a colon), then
# that container's ports: the ports it exposes for --route, the host ports it publishes for --publish.
_v6wall_container_ports() {
  local kind=$1 name
  local -a names ports
  if [[ $PREFIX != *:* ]]; then
    names=(\${(f)"$(docker ps -a --format '{{.Names}}' 2>/dev/null)"})
    compadd -S ':' -q -a names
    return
  fi
  name=\${PREFIX%%:*}
  if [[ $kind == route ]]; then
    ports=(\${=$(docker inspect --format '{{range $p, $v := .Config.ExposedPorts}}{{$p}} {{end}}' -- $name 2>/dev/null)})
  else
    ports=(\${(f)"$(docker port $name 2>/dev/null | sed -n 's|^[0-9]*/\\([a-z]*\\) -> .*:\\([0-9]*\\)$|\\2/\\1|p' | sort -u)"})
  fi
  ports=(\${ports%/tcp})
  compset -P '*:'
  compadd -a ports
}

_v6wall() {
  local curcontext=$curcontext state line ret=1
  typeset -A opt_args
  local -a commands
  commands=(
${commandList}
    'help:the help of a command'
  )
  _arguments -C \\
${[...globals, ...wizardFlags].join(' \\\n')} \\
    '1: :->command' \\
    '*:: :->argument' && ret=0
  case $state in
    command)
      _describe -t commands 'v6wall command' commands && ret=0
      ;;
    argument)
      curcontext=\${curcontext%:*:*}:v6wall-$words[1]:
      case $words[1] in
${cases}
        help)
          _describe -t commands 'v6wall command' commands && ret=0
          ;;
      esac
      ;;
  esac
  return ret
}

_v6wall "$@"
`;
}
