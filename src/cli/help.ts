// `v6wall --help` and `v6wall COMMAND --help`, rendered from the command-line spec.
import { COMMANDS, GLOBAL_FLAGS, PROGRAM, type CommandSpec, type FlagSpec } from './spec.js';

const WIDTH = 80;
const FLAG_COLUMN = 28;

/** Breaks text into lines of at most `width` characters at spaces. */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** `-y, --yes` or `--route NAME:PORT`: how a flag is written in the help and the man page. */
export function flagLabel(flag: FlagSpec): string {
  const long = `--${flag.name}${flag.value === undefined ? '' : ` ${flag.value}`}`;
  return flag.short === undefined ? long : `-${flag.short}, ${long}`;
}

/** A two-column entry: the label, then the text wrapped in the second column (below a long label). */
function entry(label: string, text: string): string[] {
  const indent = ' '.repeat(FLAG_COLUMN);
  const body = wrap(text, WIDTH - FLAG_COLUMN);
  const head = `  ${label}`;
  if (head.length < FLAG_COLUMN) return [`${head.padEnd(FLAG_COLUMN)}${body[0] ?? ''}`, ...body.slice(1).map((l) => indent + l)];
  return [head, ...body.map((l) => indent + l)];
}

/** The usage line of a command as typed (the wizard has no command word). */
export function usageLine(command: CommandSpec): string {
  const words = command.name === 'wizard' ? ['v6wall'] : ['v6wall', command.name];
  return [...words, command.synopsis].filter((w) => w !== '').join(' ');
}

/** The command and its positional argument, for the overview: `v6wall confirm CODE`. */
function briefLine(command: CommandSpec): string {
  const name = command.name === 'wizard' ? '[wizard]' : command.name;
  return ['v6wall', name, command.positionals ?? ''].filter((w) => w !== '').join(' ');
}

export function commandHelp(command: CommandSpec): string {
  const lines = [`Usage: ${usageLine(command)}`, ''];
  for (const paragraph of command.description) lines.push(...wrap(paragraph, WIDTH), '');
  for (const group of command.groups) {
    if (group.title !== null) lines.push(`${group.title}:`);
    for (const flag of group.flags) lines.push(...entry(flagLabel(flag), flag.description));
    lines.push('');
  }
  if (command.keys !== undefined) {
    lines.push('Keys:');
    for (const [keys, meaning] of command.keys) lines.push(...entry(keys, meaning));
    lines.push('');
  }
  if (command.footer !== undefined) lines.push(...wrap(command.footer, WIDTH), '');
  if (command.exitCodes !== undefined) lines.push(...wrap(`Exit codes: ${command.exitCodes}`, WIDTH), '');
  if (command.examples !== undefined && command.examples.length > 0) {
    lines.push('Examples:');
    for (const example of command.examples) lines.push(`  ${example.command}`, `      ${example.note}`);
    lines.push('');
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

export function programHelp(version: string): string {
  const lines = [`${PROGRAM.name} ${version} - ${PROGRAM.summary}`, '', 'Usage:'];
  for (const command of COMMANDS) lines.push(...entry(briefLine(command), command.summary));
  lines.push('', 'Options:');
  for (const flag of GLOBAL_FLAGS) lines.push(...entry(flagLabel(flag), flag.description));
  lines.push('', 'Run `v6wall COMMAND --help` for the flags and examples of a command.');
  for (const note of PROGRAM.notes) lines.push(...wrap(note, WIDTH));
  return `${lines.join('\n')}\n`;
}
