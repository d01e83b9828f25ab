// The one argument parser of the subcommands: flags come from the command-line spec, `--help`
// prints the help rendered from it, and a bad flag or a bad use gets the same usage error everywhere.
import { parseArgs } from 'node:util';
import { allFlags, type CommandSpec, type FlagSpec } from '../cli/spec.js';
import { commandHelp } from '../cli/help.js';
import type { CommandIo } from './command-io.js';
import type { ChoiceError } from '../core/types/choices.js';
import { formatChoiceErrors } from '../core/choice-errors.js';

type FlagOf<C extends CommandSpec> = C['groups'][number]['flags'][number];
type ValueOf<F extends FlagSpec> = F extends { value: string } ? (F extends { multiple: true } ? string[] : string) : boolean;

/** The parsed flags of a command, typed from its spec: `values.route` is `string[] | undefined`. */
export type FlagValues<C extends CommandSpec> = { [F in FlagOf<C> as F['name']]?: ValueOf<F> };

export interface ParsedCommandLine<C extends CommandSpec> {
  values: FlagValues<C>;
  positionals: string[];
}

type ParseArgsOption = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

/** node:util parseArgs options for a command's flags. */
export function parseArgsOptions(command: CommandSpec): Record<string, ParseArgsOption> {
  const options: Record<string, ParseArgsOption> = {};
  for (const flag of allFlags(command)) {
    options[flag.name] = {
      type: flag.value === undefined ? 'boolean' : 'string',
      ...(flag.short === undefined ? {} : { short: flag.short }),
      ...(flag.multiple === true ? { multiple: true } : {}),
    };
  }
  return options;
}

const prefix = (command: CommandSpec): string => `v6wall ${command.name}`;

/** A value outside a flag's choices, as a message, or null. */
function badChoice(command: CommandSpec, values: Record<string, unknown>): string | null {
  for (const flag of allFlags(command)) {
    const value = values[flag.name];
    if (flag.choices === undefined || typeof value !== 'string' || flag.choices.includes(value)) continue;
    const expected = `${flag.choices.slice(0, -1).join(', ')} or ${flag.choices.at(-1) ?? ''}`;
    return `--${flag.name} ${value}: expected ${expected}`;
  }
  return null;
}

/**
 * Parses a command's arguments against its spec. Returns the parsed flags, or the exit code when
 * there is nothing left to do: 0 after printing the help, 2 after a usage error on stderr.
 */
export function parseCommandLine<C extends CommandSpec>(command: C, args: readonly string[], io: CommandIo): ParsedCommandLine<C> | number {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options: parseArgsOptions(command), strict: true, allowPositionals: command.positionals !== undefined });
  } catch (error) {
    io.stderr(`${prefix(command)}: ${error instanceof Error ? error.message : String(error)}\nRun \`${prefix(command)} --help\` for the flags.\n`);
    return 2;
  }
  if (parsed.values['help'] === true) {
    io.stdout(commandHelp(command));
    return 0;
  }
  const problem = badChoice(command, parsed.values);
  if (problem !== null) {
    io.stderr(`${prefix(command)}: ${problem}\n`);
    return 2;
  }
  return { values: parsed.values as FlagValues<C>, positionals: parsed.positionals };
}

/** What a command's body gets: its parsed flags, its streams, and the way it reports a bad use or a failure. */
export interface CommandRun<C extends CommandSpec> extends ParsedCommandLine<C> {
  io: CommandIo;
  /** A bad use of the command: prints `v6wall NAME: MESSAGE` on stderr; returns exit code 2. */
  usage(message: string): number;
  /** The command could not do its job: prints `v6wall NAME: MESSAGE` on stderr; returns exit code 1. */
  fail(message: string): number;
  /** Choices this host cannot take: prints each as `v6wall: CHOICE: MESSAGE`; returns exit code 2. */
  refuse(errors: readonly ChoiceError[]): number;
}

/** The wizard is run as plain `v6wall`, and its own messages say so. */
const usagePrefix = (command: CommandSpec): string => (command.name === 'wizard' ? 'v6wall' : prefix(command));

/**
 * A subcommand's entry point: parses its arguments against its spec (`--help` and bad flags
 * end there), then runs `body` with the parsed flags.
 */
export function commandEntry<C extends CommandSpec, Extra extends unknown[]>(
  command: C,
  body: (run: CommandRun<C>, ...extra: Extra) => Promise<number>,
): (args: readonly string[], io: CommandIo, ...extra: Extra) => Promise<number> {
  return async (args, io, ...extra) => {
    const parsed = parseCommandLine(command, args, io);
    if (typeof parsed === 'number') return parsed;
    const report = (code: number) => (message: string) => {
      io.stderr(`${usagePrefix(command)}: ${message}\n`);
      return code;
    };
    const refuse = (errors: readonly ChoiceError[]): number => {
      io.stderr(formatChoiceErrors(errors));
      return 2;
    };
    return body({ ...parsed, io, usage: report(2), fail: report(1), refuse }, ...extra);
  };
}
