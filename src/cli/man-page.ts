// The man page v6wall(8), in roff, rendered from the command-line spec (the same source as --help).
import { usageLine } from './help.js';
import { COMMANDS, GLOBAL_FLAGS, PROGRAM, type CommandSpec, type FlagSpec } from './spec.js';

/** Escapes text for roff: backslashes, hyphens (so flags copy as ASCII), `code` as bold. */
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/`([^`]+)`/g, '\\fB$1\\fR');
}

/** A text line that could start with a roff control character gets a zero-width guard. */
function line(text: string): string {
  return /^[.']/.test(text) ? `\\&${text}` : text;
}

function flagTerm(flag: FlagSpec): string {
  const long = `\\fB\\-\\-${roff(flag.name)}\\fR${flag.value === undefined ? '' : ` \\fI${roff(flag.value)}\\fR`}`;
  return flag.short === undefined ? long : `\\fB\\-${flag.short}\\fR, ${long}`;
}

function flagEntries(flags: readonly FlagSpec[]): string[] {
  return flags.flatMap((flag) => ['.TP', flagTerm(flag), line(roff(flag.description))]);
}

function commandSection(command: CommandSpec): string[] {
  const out = [`.SS "${roff(usageLine(command)).replace(/"/g, '\\(dq')}"`];
  command.description.forEach((paragraph, index) => out.push(...(index === 0 ? [] : ['.PP']), line(roff(paragraph))));
  for (const group of command.groups) {
    if (group.title !== null) out.push('.PP', `${roff(group.title)}:`);
    out.push('.RS 4', ...flagEntries(group.flags), '.RE');
  }
  if (command.keys !== undefined) {
    out.push('.PP', 'Keys:', '.RS 4', ...command.keys.flatMap(([keys, meaning]) => ['.TP', `\\fB${roff(keys)}\\fR`, line(roff(meaning))]), '.RE');
  }
  if (command.footer !== undefined) out.push('.PP', line(roff(command.footer)));
  if (command.exitCodes !== undefined) out.push('.PP', line(`Exit status: ${roff(command.exitCodes)}`));
  return out;
}

export function manPage(version: string): string {
  const out = [
    `.TH V6WALL 8 "" "v6wall ${version}" "System Administration"`,
    // No hyphenation, ragged right: flags and paths stay whole.
    '.nh',
    '.ad l',
    '.SH NAME',
    `v6wall \\- ${roff(PROGRAM.summary)}`,
    '.SH SYNOPSIS',
    ...COMMANDS.flatMap((command) => ['.nf', roff(usageLine(command)), '.fi']),
    '.nf',
    'v6wall \\-\\-help | \\-\\-version',
    '.fi',
    '.SH DESCRIPTION',
    ...PROGRAM.description.flatMap((paragraph, index) => [...(index === 0 ? [] : ['.PP']), line(roff(paragraph))]),
    '.PP',
    line(roff(PROGRAM.notes.join(' '))),
    '.SH COMMANDS',
    ...COMMANDS.flatMap(commandSection),
    '.SH OPTIONS',
    ...flagEntries(GLOBAL_FLAGS),
    '.SH ENVIRONMENT',
    ...PROGRAM.environment.flatMap((variable) => ['.TP', `\\fB${roff(variable.name)}\\fR`, line(roff(variable.description))]),
    '.SH FILES',
    ...PROGRAM.files.flatMap((file) => ['.TP', `\\fI${roff(file.path)}\\fR`, line(roff(file.description))]),
    '.SH EXAMPLES',
    ...COMMANDS.flatMap((command) => command.examples ?? []).flatMap((example) => ['.TP', `\\fB${roff(example.command)}\\fR`, line(roff(example.note))]),
    '.SH SEE ALSO',
    '\\fBufw\\fR(8), \\fBdocker\\fR(1), \\fBsshd\\fR(8)',
  ];
  return `${out.join('\n')}\n`;
}
