// The built CLI's front door, as an operator meets it (the unit project's global setup builds dist/).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COMMANDS } from '../../src/cli/spec.js';
import { commandHelp } from '../../src/cli/help.js';

const cli = fileURLToPath(new URL('../../dist/v6wall.js', import.meta.url));
const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const v6wall = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'false' } });

describe('the v6wall command line', () => {
  it('prints its version and its help', () => {
    expect(v6wall('--version').stdout).toBe(`${version}\n`);
    const help = v6wall('--help');
    expect(help.status).toBe(0);
    for (const command of ['plan', 'apply', 'confirm CODE', 'rollback', 'status', 'transcript']) expect(help.stdout).toContain(`v6wall ${command}`);
  });

  it('routes every command of the spec, whose --help is the help rendered from it', () => {
    for (const command of COMMANDS) {
      const result = v6wall(command.name, '--help');
      expect(result.status, command.name).toBe(0);
      expect(result.stdout).toBe(commandHelp(command));
      expect(v6wall('help', command.name).stdout).toBe(commandHelp(command));
    }
    // Two node start-ups per command: seconds each on a loaded 2-core machine.
  }, 90_000);

  it('names an unknown command and exits 2', () => {
    const result = v6wall('aply');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('v6wall: unknown command "aply"\nRun `v6wall --help` for the commands.\n');
  });

  it('takes wizard flags without a command, and without a terminal points to plan and apply', () => {
    const result = v6wall('--state-dir', '/tmp/v6wall-cli-test');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('the wizard needs an interactive terminal');
    expect(result.stderr).toContain('v6wall plan');
  });

  it('rejects an unknown flag of a command with its usage, exit 2', () => {
    const result = v6wall('plan', '--rout', 'web:80');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("v6wall plan: Unknown option '--rout'");
    expect(result.stderr).toContain('v6wall plan --help');
  });

  it('loads neither React nor Ink for the commands that draw nothing', () => {
    // React's element symbols and Yoga's inlined wasm mark the chunks that belong to the wizard only.
    const drawsOnScreen = (file: string) => /Symbol\.for\("react\.|octet-stream;base64/.test(readFileSync(file, 'utf8'));
    const stateDir = mkdtempSync(join(tmpdir(), 'v6wall-cli-fast-'));
    const commands = [
      ['--version'],
      ['--help'],
      ['plan', '--help'],
      ['apply', '--help'],
      ['status', '--state-dir', stateDir],
      ['confirm', 'NOCODE', '--state-dir', stateDir],
      ['rollback', '--help'],
      ['transcript', '--state-dir', stateDir],
      ['__watchdog', '--state-dir', stateDir],
    ];
    for (const args of commands) {
      const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, NODE_DEBUG: 'esm' } });
      const loaded = [...run.stderr.matchAll(/Storing (file:\/\/\S+)/g)].map((match) => fileURLToPath(match[1] ?? ''));
      expect(loaded.length, args.join(' ')).toBeGreaterThan(0);
      expect(loaded.filter(drawsOnScreen), args.join(' ')).toEqual([]);
    }
    // The markers do find the wizard's chunks.
    const chunks = join(dirname(cli), 'chunks');
    expect(
      readdirSync(chunks)
        .map((file) => join(chunks, file))
        .filter(drawsOnScreen).length,
    ).toBeGreaterThan(0);
  });
});
