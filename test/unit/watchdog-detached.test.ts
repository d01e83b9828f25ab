// The watchdog for real: a separate process in its own session, started by a parent that is
// then killed in the ways an SSH session dies. Only fake ufw scripts run (see apply-fake-ufw.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTranscript } from '../../src/apply/transcript.js';
import { isProcessAlive, readPending } from '../../src/apply/pending.js';
import type { ApplyOutcome } from '../../src/core/types/apply-events.js';
import { ORIGINAL_CONF, ORIGINAL_DEFAULTS, ORIGINAL_USER6, fakeEnv, makeFakeHost, waitFor, type FakeHost } from './apply-fake-ufw.js';

const fixture = fileURLToPath(new URL('./watchdog-parent.fixture.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');
const hosts: FakeHost[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.pid !== undefined && isProcessAlive(child.pid)) child.kill('SIGKILL');
  for (const host of hosts.splice(0)) {
    const pending = await readPending(host.stateDir);
    if (pending.kind === 'pending' && pending.pending.watchdogPid !== null) process.kill(pending.pending.watchdogPid, 'SIGTERM');
    await rm(host.root, { recursive: true, force: true, maxRetries: 5 });
  }
});

/** Starts the parent in its own process group (like a login shell's job) and waits for its apply. */
async function startParent(host: FakeHost, confirmTimeoutSec: number): Promise<{ child: ChildProcess; outcome: ApplyOutcome }> {
  const child = spawn(process.execPath, ['--import', tsxLoader, fixture, JSON.stringify(host), String(confirmTimeoutSec)], {
    env: { ...process.env, ...fakeEnv(host) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const outcome = await new Promise<ApplyOutcome>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = /^OUTCOME (.*)$/m.exec(out);
      if (line?.[1] !== undefined) resolve(JSON.parse(line[1]) as ApplyOutcome);
    });
    child.on('exit', (code) => reject(new Error(`parent exited ${code}: ${err}`)));
  });
  return { child, outcome };
}

async function expectRolledBackInTime(host: FakeHost, outcome: ApplyOutcome): Promise<void> {
  expect(outcome.ok).toBe(true);
  const deadline = Date.parse(outcome.deadline ?? '');
  const transcript = await waitFor(
    async () => {
      const t = await readTranscript(host.stateDir, outcome.transcriptId);
      return t.ok && t.value.outcome === 'rolled-back' ? t.value : null;
    },
    deadline - Date.now() + 20_000,
    'the watchdog to roll back',
  );
  const last = transcript.entries.at(-1);
  expect(last?.type).toBe('outcome');
  // After the deadline, never before; how soon after is measured by `npm run bench`, not here.
  expect(Date.parse(last?.when ?? '')).toBeGreaterThanOrEqual(deadline);
  expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).toBe(ORIGINAL_USER6);
  expect(await readFile(join(host.paths.ufwDir, 'ufw.conf'), 'utf8')).toBe(ORIGINAL_CONF);
  expect(await readFile(host.paths.defaultsFile, 'utf8')).toBe(ORIGINAL_DEFAULTS);
  const ufwCalls = (await readFile(host.fakeUfwLog, 'utf8')).trim().split('\n');
  expect(ufwCalls.at(-1)).toBe('--force disable');
  expect((await readPending(host.stateDir)).kind).toBe('none');
}

describe('the detached watchdog', () => {
  it('rolls back after the wizard is SIGKILLed', async () => {
    const host = await makeFakeHost();
    hosts.push(host);
    const { child, outcome } = await startParent(host, 2);
    // The applied rules are in place until the deadline.
    expect(await readFile(join(host.paths.ufwDir, 'ufw.conf'), 'utf8')).toMatch(/ENABLED=yes/);
    child.kill('SIGKILL');
    await expectRolledBackInTime(host, outcome);
  }, 40_000);

  it('rolls back after SIGHUP to the whole process group (the SSH connection dropping)', async () => {
    const host = await makeFakeHost();
    hosts.push(host);
    const { child, outcome } = await startParent(host, 2);
    const pending = await readPending(host.stateDir);
    const watchdogPid = pending.kind === 'pending' ? pending.pending.watchdogPid : null;
    process.kill(-(child.pid ?? 0), 'SIGHUP');
    await waitFor(async () => child.exitCode !== null || child.signalCode !== null, 5000, 'the parent to die of SIGHUP');
    expect(isProcessAlive(watchdogPid)).toBe(true);
    await expectRolledBackInTime(host, outcome);
  }, 40_000);

  it('rolls back after the terminal closes', async () => {
    const host = await makeFakeHost();
    hosts.push(host);
    const pty = await import('@lydell/node-pty');
    const term = pty.spawn(process.execPath, ['--import', tsxLoader, fixture, JSON.stringify(host), '2'], {
      env: { ...process.env, ...fakeEnv(host), CI: 'false' },
      cols: 200,
      rows: 30,
    });
    let out = '';
    const outcome = await new Promise<ApplyOutcome>((resolve) => {
      term.onData((d) => {
        out += d;
        const line = /OUTCOME (\{.*\})\r?\n/.exec(out);
        if (line?.[1] !== undefined) resolve(JSON.parse(line[1]) as ApplyOutcome);
      });
    });
    const parentPid = term.pid;
    // destroy() closes the pty master (the terminal window going away); it is missing from the typings.
    (term as unknown as { destroy(): void }).destroy();
    await waitFor(async () => !isProcessAlive(parentPid), 5000, 'the parent to die with its terminal');
    await expectRolledBackInTime(host, outcome);
  }, 40_000);

  // The race: restoring UFW's files while a ufw command v6wall started is still running lets that
  // command write the applied rule back after the rollback. The held command runs until released,
  // so these tests do not depend on timing: they fail if the watchdog does not wait for it.
  for (const [mode, title] of [
    ['held', 'waits for the command v6wall was running when it was SIGKILLed, then rolls back at once (not at the step deadline)'],
    ['held-kill-parent', 'waits for the command also when v6wall dies the moment that command starts'],
  ] as const) {
    it(
      title,
      async () => {
        const host = await makeFakeHost();
        hosts.push(host);
        const child = spawn(process.execPath, ['--import', tsxLoader, fixture, JSON.stringify(host), '60', mode], {
          env: { ...process.env, ...fakeEnv(host) },
          detached: true,
          stdio: 'ignore',
        });
        children.push(child);
        const heldPid = Number(
          await waitFor(async () => await readFile(join(host.paths.ufwDir, 'held-started'), 'utf8').catch(() => null), 15_000, 'the held step to start'),
        );
        const pending = await readPending(host.stateDir);
        if (pending.kind !== 'pending') throw new Error('no pending apply while a step runs');
        // Only v6wall dies: the ufw command it started goes on.
        if (mode === 'held') child.kill('SIGKILL');
        await waitFor(async () => !isProcessAlive(child.pid ?? null), 5000, 'v6wall to die');
        const waiting = await waitFor(
          async () => {
            const log = await readFile(join(host.stateDir, 'watchdog.log'), 'utf8').catch(() => '');
            return /waiting for it to finish/.test(log) ? log : null;
          },
          10_000,
          'the watchdog to notice v6wall died and wait for the command',
        );
        expect(waiting).toContain(`pid ${heldPid}`);
        // While the command runs, nothing is restored.
        expect((await readPending(host.stateDir)).kind).toBe('pending');
        const before = await readTranscript(host.stateDir, pending.pending.transcriptId);
        expect(before.ok && before.value.outcome).toBe('incomplete');
        expect(await readFile(join(host.paths.ufwDir, 'ufw.conf'), 'utf8')).toBe(ORIGINAL_CONF);

        await writeFile(join(host.paths.ufwDir, 'release'), '');
        const transcript = await waitFor(
          async () => {
            const t = await readTranscript(host.stateDir, pending.pending.transcriptId);
            return t.ok && t.value.outcome === 'rolled-back' ? t.value : null;
          },
          15_000,
          'the watchdog to roll back once the command finished',
        );
        const last = transcript.entries.at(-1);
        expect(last?.type === 'outcome' && last.detail).toMatch(/died while running its commands/);
        expect(isProcessAlive(heldPid)).toBe(false);
        // The command wrote its rule before it exited; the rollback came after and removed it.
        expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).toBe(ORIGINAL_USER6);
        expect(await readFile(join(host.paths.ufwDir, 'ufw.conf'), 'utf8')).toBe(ORIGINAL_CONF);
        expect((await readPending(host.stateDir)).kind).toBe('none');
      },
      45_000,
    );
  }

  it('exits without touching anything once the apply is confirmed', async () => {
    const host = await makeFakeHost();
    hosts.push(host);
    const { child, outcome } = await startParent(host, 3);
    child.kill('SIGKILL');
    const { confirmPending } = await import('../../src/apply/confirm.js');
    expect((await confirmPending(host.stateDir, outcome.confirmCode ?? '')).ok).toBe(true);
    await new Promise((r) => setTimeout(r, Date.parse(outcome.deadline ?? '') - Date.now() + 1500));
    expect(await readFile(join(host.paths.ufwDir, 'ufw.conf'), 'utf8')).toMatch(/ENABLED=yes/);
    const t = await readTranscript(host.stateDir, outcome.transcriptId);
    expect(t.ok && t.value.outcome).toBe('confirmed');
  }, 40_000);
});
