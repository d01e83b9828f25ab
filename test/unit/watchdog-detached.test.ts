// The watchdog for real: a separate process in its own session, started by a parent that is
// then killed in the ways an SSH session dies. Only fake ufw scripts run (see apply-fake-ufw.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTranscript } from '../../src/apply/transcript.js';
import { isProcessAlive, readPending } from '../../src/apply/pending.js';
import type { ApplyOutcome } from '../../src/core/types.js';
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
  const transcript = await waitFor(async () => {
    const t = await readTranscript(host.stateDir, outcome.transcriptId);
    return t.ok && t.value.outcome === 'rolled-back' ? t.value : null;
  }, deadline - Date.now() + 8000, 'the watchdog to roll back');
  const last = transcript.entries.at(-1);
  expect(last?.type).toBe('outcome');
  // Rollback done within 3 s of the deadline.
  expect(Date.parse(last?.when ?? '') - deadline).toBeLessThan(3000);
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
  }, 20_000);

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
  }, 20_000);

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
  }, 20_000);

  it('rolls back at once, not at the step deadline, when the wizard is SIGKILLed while a command runs', async () => {
    const host = await makeFakeHost();
    hosts.push(host);
    const child = spawn(process.execPath, ['--import', tsxLoader, fixture, JSON.stringify(host), '60', 'slow'], {
      env: { ...process.env, ...fakeEnv(host) },
      detached: true,
      stdio: 'ignore',
    });
    children.push(child);
    const slowStarted = join(host.paths.ufwDir, 'slow-started');
    await waitFor(async () => (await readFile(slowStarted, 'utf8').catch(() => null)) !== null, 10_000, 'the slow step to start');
    const pending = await readPending(host.stateDir);
    if (pending.kind !== 'pending') throw new Error('no pending apply while a step runs');
    // Only v6wall dies: the ufw command it started goes on and writes its rule 2 s later.
    child.kill('SIGKILL');
    const killedAt = Date.now();
    const transcript = await waitFor(async () => {
      const t = await readTranscript(host.stateDir, pending.pending.transcriptId);
      return t.ok && t.value.outcome === 'rolled-back' ? t.value : null;
    }, 15_000, 'the watchdog to roll back');
    const last = transcript.entries.at(-1);
    expect(last?.type === 'outcome' && last.detail).toMatch(/died while running its commands/);
    // Long before the step deadline (60 s + grace), and only after the slow command finished.
    const rolledBackAt = Date.parse(last?.when ?? '');
    expect(rolledBackAt - killedAt).toBeLessThan(6000);
    const slowStartedAt = (await stat(slowStarted)).mtimeMs;
    expect(rolledBackAt).toBeGreaterThanOrEqual(slowStartedAt + 1900);
    // Had the rollback not waited, the orphaned command would write its rule back after it.
    await new Promise((r) => setTimeout(r, Math.max(0, slowStartedAt + 2500 - Date.now())));
    expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).toBe(ORIGINAL_USER6);
    expect(await readFile(join(host.paths.ufwDir, 'ufw.conf'), 'utf8')).toBe(ORIGINAL_CONF);
    expect((await readPending(host.stateDir)).kind).toBe('none');
  }, 30_000);

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
  }, 20_000);
});
