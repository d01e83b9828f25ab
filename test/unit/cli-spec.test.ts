// The help, the man page and the shell completions are generated from one spec: every flag the
// parser accepts must show in each of them, and the completions must offer exactly those flags.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS, GLOBAL_FLAGS, type CommandSpec } from '../../src/cli/spec.js';
import { commandHelp, programHelp } from '../../src/cli/help.js';
import { manPage } from '../../src/cli/man-page.js';
import { bashCompletion, zshCompletion } from '../../src/cli/completions.js';
import { parseArgsOptions, parseCommandLine } from '../../src/commands/command-line.js';

const BASH_COMPLETION = '/usr/share/bash-completion/bash_completion';
const scratch = mkdtempSync(join(tmpdir(), 'v6wall-cli-spec-'));
const bashScript = join(scratch, 'v6wall.bash');
writeFileSync(bashScript, bashCompletion());

/** The words the parser accepts for a command's flags: `--route`, `-y`, ... */
function acceptedFlags(command: CommandSpec): string[] {
  return Object.entries(parseArgsOptions(command)).flatMap(([name, option]) => [`--${name}`, ...(option.short === undefined ? [] : [`-${option.short}`])]);
}

/**
 * What bash offers on tab after each line of words (the last word is the one being completed),
 * with bash-completion loaded; one bash for all of them.
 */
function bashComplete(lines: string[][], path = process.env.PATH ?? ''): string[][] {
  const complete = [
    'COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()',
    '_v6wall v6wall "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"',
    "printf '%s\\n' \"${COMPREPLY[@]}\" '--'",
  ].join('; ');
  const quote = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;
  const script = [
    `source ${BASH_COMPLETION}`,
    `source ${quote(bashScript)}`,
    `complete_line() { ${complete}; }`,
    ...lines.map((words) => `complete_line ${words.map(quote).join(' ')}`),
  ].join('\n');
  const result = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { encoding: 'utf8', env: { PATH: path, HOME: scratch } });
  expect(result.stderr).toBe('');
  const answers = result.stdout.split('--\n').slice(0, lines.length);
  expect(answers).toHaveLength(lines.length);
  return answers.map((answer) => answer.split('\n').filter((line) => line !== ''));
}

function manSection(page: string, command: CommandSpec): string {
  const heading = command.name === 'wizard' ? '.SS "v6wall [' : `.SS "v6wall ${command.name}`;
  const start = page.indexOf(heading);
  expect(start).toBeGreaterThan(-1);
  const end = page.slice(start + 1).search(/\n\.S[SH] /);
  return page.slice(start, end === -1 ? undefined : start + 1 + end);
}

const roffFlag = (flag: string): string => flag.replace(/-/g, '\\-');

describe('the command-line spec', () => {
  const page = manPage('0.0.0');
  const zsh = zshCompletion();

  for (const command of COMMANDS) {
    it(`${command.name}: every flag the parser accepts is in its help, the man page and both completions`, () => {
      const help = commandHelp(command);
      const section = manSection(page, command);
      const zshCase = zsh.slice(zsh.indexOf(`        ${command.name})\n`), zsh.indexOf(';;', zsh.indexOf(`        ${command.name})\n`)));
      for (const flag of acceptedFlags(command)) {
        expect(help).toContain(flag);
        expect(section).toContain(roffFlag(flag));
        expect(zshCase).toContain(flag);
      }
      expect(bashComplete([['v6wall', command.name, '-']])[0]?.sort()).toEqual(acceptedFlags(command).sort());
    });
  }

  it('lists every command and the global flags in the overview, the man page and the completions', () => {
    const overview = programHelp('0.0.0');
    for (const command of COMMANDS.filter((c) => c.name !== 'wizard')) {
      expect(overview).toContain(`v6wall ${command.name}`);
      expect(page).toContain(`.SS "v6wall ${command.name}`);
      expect(zsh).toContain(`'${command.name}:`);
    }
    const [first, dash] = bashComplete([
      ['v6wall', ''],
      ['v6wall', '-'],
    ]);
    expect(first?.filter((word) => !word.startsWith('-')).sort()).toEqual([...COMMANDS.map((c) => c.name), 'help'].sort());
    for (const flag of GLOBAL_FLAGS) {
      for (const word of [`--${flag.name}`, `-${flag.short ?? ''}`]) {
        expect(overview).toContain(word);
        expect(page).toContain(roffFlag(word));
        expect(zsh).toContain(word.replace(/^-+/, ''));
        expect(dash).toContain(word);
      }
    }
  });

  it("refuses a value outside a flag's choices, naming them", () => {
    const io = { err: '', stdout: () => undefined, stderr: (s: string) => void (io.err += s), env: {} };
    const transcript = COMMANDS.find((c) => c.name === 'transcript');
    expect(transcript).toBeDefined();
    expect(parseCommandLine(transcript!, ['--format', 'xml'], io)).toBe(2);
    expect(io.err).toBe('v6wall transcript: --format xml: expected text, sh or json\n');
  });

  it('bash completes container names and their ports from the local docker', () => {
    const bin = join(scratch, 'bin');
    mkdirSync(bin, { recursive: true });
    // A stand-in docker CLI that answers as the real one does for two containers.
    writeFileSync(
      join(bin, 'docker'),
      [
        '#!/bin/sh',
        'case "$1" in',
        "  ps) printf 'web:\\napi:\\n' ;;",
        "  inspect) echo '80/tcp 53/udp ' ;;",
        "  port) printf '80/tcp -> 0.0.0.0:8081\\n80/tcp -> [::]:8081\\n' ;;",
        'esac',
      ].join('\n'),
    );
    chmodSync(join(bin, 'docker'), 0o755);
    const path = `${bin}:${process.env.PATH ?? ''}`;
    const lines = [
      ['v6wall', 'apply', '--route', ''],
      ['v6wall', 'plan', '--route', 'web:'],
      ['v6wall', 'plan', '--publish', 'web:'],
      ['v6wall', 'transcript', '--format', ''],
      ['v6wall', '--state-dir', '/tmp', 'pl'],
    ];
    // After `web:` bash shows only what follows the colon (bash-completion trims the prefix).
    expect(bashComplete(lines, path)).toEqual([['web:', 'api:'], ['80', '53/udp'], ['8081'], ['text', 'sh', 'json'], ['plan']]);
  });

  it('the zsh completion is valid zsh and the man page is valid roff', () => {
    const zshFile = join(scratch, '_v6wall');
    writeFileSync(zshFile, zsh);
    expect(spawnSync('zsh', ['-n', zshFile], { encoding: 'utf8' }).stderr).toBe('');
    const manFile = join(scratch, 'v6wall.8');
    writeFileSync(manFile, page);
    const rendered = spawnSync('groff', ['-man', '-Tutf8', '-ww', manFile], { encoding: 'utf8' });
    expect(rendered.stderr).toBe('');
    expect(rendered.stdout).toContain('v6wall plan');
  });
});

it('has the shells and tools the spec test needs (installed by .ci/run)', () => {
  expect(existsSync(BASH_COMPLETION), `${BASH_COMPLETION} (apt-get install bash-completion)`).toBe(true);
  expect(spawnSync('zsh', ['--version']).status, 'zsh (apt-get install zsh)').toBe(0);
});
