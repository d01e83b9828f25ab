import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { CLI } from './pty-helpers.js';
import { runWizard, NO_TTY_EXIT, uiOptionsFromEnv } from '../../src/ui/run-wizard.js';
import { wizardRefusal } from '../../src/ui/tty-check.js';
import { fakeDeps } from './fake-deps.js';
import { labFacts } from './facts.js';
import { drive } from './drive.js';

const tty = { stdin: { isTTY: true, setRawMode: () => undefined }, stdout: { isTTY: true }, env: {} };

afterEach(() => vi.restoreAllMocks());

/** The exit code once the wizard has set one (a loaded machine may take more than a tick). */
async function settledExitCode(exitCode: () => number | null): Promise<number | null> {
  for (let waited = 0; exitCode() === null && waited < 3000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  return exitCode();
}

describe('starting the wizard', () => {
  it('refuses without a TTY before rendering: a message, exit code 2, no stack trace', async () => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const discover = vi.fn();
    // Under vitest stdin is not a terminal, as in a pipe or CI.
    const code = await runWizard({ ...fakeDeps(labFacts()).deps, discover });
    expect(code).toBe(NO_TTY_EXIT);
    expect(discover).not.toHaveBeenCalled();
    const text = written.join('');
    expect(text).toMatch(/needs an interactive terminal/);
    expect(text).toMatch(/v6wall plan/);
    expect(text).toMatch(/v6wall apply --yes/);
    expect(text).not.toMatch(/\n\s+at /);
  });

  it.skipIf(!existsSync(CLI))('refuses in the built CLI too when piped', () => {
    const result = spawnSync(process.execPath, [CLI], { input: '', encoding: 'utf8', env: { ...process.env, CI: 'false' } });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/needs an interactive terminal/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('knows a terminal from a pipe and from CI', () => {
    expect(wizardRefusal(tty)).toBeNull();
    expect(wizardRefusal({ ...tty, stdin: { isTTY: false } })).toMatch(/interactive terminal/);
    expect(wizardRefusal({ ...tty, stdin: { isTTY: true } })).toMatch(/interactive terminal/);
    expect(wizardRefusal({ ...tty, stdout: { isTTY: false } })).toMatch(/interactive terminal/);
    expect(wizardRefusal({ ...tty, env: { CI: 'true' } })).toMatch(/CI=false/);
    expect(wizardRefusal({ ...tty, env: { CI: 'false' } })).toBeNull();
  });

  it('ends with 0 when the operator quits before anything changed, 130 on ctrl+c, and 0 after a confirmed apply', async () => {
    const quit = await drive(labFacts(), ['q']);
    expect(await settledExitCode(quit.exitCode)).toBe(0);
    expect(quit.parting()).toBeNull();
    quit.app.unmount();
    const interrupted = await drive(labFacts(), ['\u0003']);
    expect(await settledExitCode(interrupted.exitCode)).toBe(130);
    interrupted.app.unmount();
    const control = fakeDeps(labFacts());
    control.confirmed = true;
    const enter = '\r';
    const done = await drive(
      labFacts(),
      [enter, enter, enter, enter, enter, { until: 'would run' }, enter, enter, { until: 'Confirmed from' }, enter, enter, { wait: 20 }],
      { deps: control.deps },
    );
    expect(control.applied).toHaveLength(1);
    expect(await settledExitCode(done.exitCode)).toBe(0);
    done.app.unmount();
  });

  it('honours NO_COLOR', () => {
    expect(uiOptionsFromEnv({ NO_COLOR: '1' }).color).toBe(false);
    expect(uiOptionsFromEnv({ NO_COLOR: '' }).color).toBe(true);
    expect(uiOptionsFromEnv({}).color).toBe(true);
  });
});
