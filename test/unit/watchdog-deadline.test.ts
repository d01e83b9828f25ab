// The watchdog's loop in-process (the detached process itself is tested in watchdog-detached):
// it re-reads the deadline, names why it rolls back, and errs on the safe side.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { takeSnapshot } from '../../src/apply/snapshot.js';
import { readPending, writePending, type PendingApply } from '../../src/apply/pending.js';
import { startTranscript, readTranscript } from '../../src/apply/transcript.js';
import { stateLayout } from '../../src/apply/paths.js';
import { watchOver } from '../../src/apply/watchdog.js';
import { ORIGINAL_USER6, fakeUfwRunner, makeFakeHost, type FakeHost } from './apply-fake-ufw.js';

const hosts: FakeHost[] = [];

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const done = spawnSync('true');
  if (done.pid === undefined) throw new Error('could not start true');
  return done.pid;
}
afterEach(async () => {
  for (const host of hosts.splice(0)) await rm(host.root, { recursive: true, force: true, maxRetries: 5 });
});

async function armed(phase: PendingApply['phase'], deadlineInMs: number): Promise<{ host: FakeHost; pending: PendingApply }> {
  const host = await makeFakeHost();
  hosts.push(host);
  const id = 'wd-test';
  const snap = await takeSnapshot({ stateDir: host.stateDir, id, now: new Date(), paths: host.paths, run: fakeUfwRunner(host), previousState: null });
  if (!snap.ok) throw new Error(snap.error);
  const t = await startTranscript(host.stateDir, {
    type: 'start',
    version: 1,
    id,
    kind: 'apply',
    when: new Date().toISOString(),
    who: 't',
    hostname: 'h',
    choices: null,
    plan: [],
    confirmTimeoutSec: 1,
  });
  if (!t.ok) throw new Error(t.error);
  const pending: PendingApply = {
    version: 1,
    id,
    phase,
    code: 'ABCDEF',
    deadline: new Date(Date.now() + deadlineInMs).toISOString(),
    snapshotId: id,
    transcriptId: id,
    watchdogPid: null,
    createdAt: new Date().toISOString(),
    proposedState: null,
  };
  await writePending(host.stateDir, pending);
  await writeFile(join(host.paths.ufwDir, 'user6.rules'), 'changed by the apply\n');
  return { host, pending };
}

describe('watchOver', () => {
  it('follows a deadline moved later in the pending file', async () => {
    const { host, pending } = await armed('applying', 400);
    const run = fakeUfwRunner(host);
    const started = Date.now();
    const watching = watchOver(host.stateDir, pending.id, run);
    await new Promise((r) => setTimeout(r, 100));
    await writePending(host.stateDir, { ...pending, phase: 'awaiting-confirmation', deadline: new Date(started + 1500).toISOString() });
    expect(await watching).toBe('rolled-back');
    // Not at the first deadline: at the one it was moved to (how soon after is the bench's to measure).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).toBe(ORIGINAL_USER6);
    const t = await readTranscript(host.stateDir, pending.transcriptId);
    const last = t.ok ? t.value.entries.at(-1) : undefined;
    expect(last).toMatchObject({ type: 'outcome', outcome: 'rolled-back', by: 'watchdog' });
    expect(last?.type === 'outcome' && last.detail).toMatch(/no confirmation before the deadline/);
  });

  it('says the apply died when the deadline passes while steps were running', async () => {
    const { host, pending } = await armed('applying', 50);
    expect(await watchOver(host.stateDir, pending.id, fakeUfwRunner(host))).toBe('rolled-back');
    const t = await readTranscript(host.stateDir, pending.transcriptId);
    const last = t.ok ? t.value.entries.at(-1) : undefined;
    expect(last?.type === 'outcome' && last.detail).toMatch(/the apply stopped while running its commands/);
  });

  it('does not roll back early when the apply exited after arming the confirmation (apply --yes)', async () => {
    const { host, pending } = await armed('awaiting-confirmation', 60_000);
    await writePending(host.stateDir, { ...pending, applyPid: deadPid() });
    const run = fakeUfwRunner(host);
    const watching = watchOver(host.stateDir, pending.id, run);
    await new Promise((r) => setTimeout(r, 1200));
    expect(run.calls).toEqual([]);
    await rm(stateLayout.pending(host.stateDir));
    expect(await watching).toBe('confirmed');
    expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).toBe('changed by the apply\n');
  });

  it('rolls back at once, not at the deadline, when the process running the steps is gone, naming it', async () => {
    const { host, pending } = await armed('applying', 60_000);
    const gone = deadPid();
    await writePending(host.stateDir, { ...pending, applyPid: gone });
    const started = Date.now();
    expect(await watchOver(host.stateDir, pending.id, fakeUfwRunner(host))).toBe('rolled-back');
    // Long before the 60 s deadline.
    expect(Date.now() - started).toBeLessThan(30_000);
    const t = await readTranscript(host.stateDir, pending.transcriptId);
    const last = t.ok ? t.value.entries.at(-1) : undefined;
    expect(last?.type === 'outcome' && last.detail).toContain(`v6wall (pid ${gone}) died while running its commands`);
    expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).toBe(ORIGINAL_USER6);
  });

  it('exits without rolling back once the pending apply is gone (confirmed)', async () => {
    const { host, pending } = await armed('awaiting-confirmation', 60_000);
    const run = fakeUfwRunner(host);
    const watching = watchOver(host.stateDir, pending.id, run);
    await rm(stateLayout.pending(host.stateDir));
    expect(await watching).toBe('confirmed');
    expect(run.calls).toEqual([]);
    expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).toBe('changed by the apply\n');
  });

  it('rolls back to be safe when the pending file is corrupted', async () => {
    const { host, pending } = await armed('awaiting-confirmation', 60_000);
    await writeFile(stateLayout.pending(host.stateDir), '{broken');
    expect(await watchOver(host.stateDir, pending.id, fakeUfwRunner(host))).toBe('rolled-back');
    expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).toBe(ORIGINAL_USER6);
    // Moved aside, so the next apply is not blocked by it.
    expect((await readPending(host.stateDir)).kind).toBe('none');
  });
});
