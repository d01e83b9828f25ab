import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { applyPlan, type ApplyOptions } from '../../src/apply/apply.js';
import { confirmPending } from '../../src/apply/confirm.js';
import { isProcessAlive, readPending } from '../../src/apply/pending.js';
import { readTranscript } from '../../src/apply/transcript.js';
import { renderTranscript } from '../../src/apply/transcript-render.js';
import { loadAppliedState } from '../../src/apply/state.js';
import { loadLatestSnapshot } from '../../src/apply/snapshot.js';
import type { ApplyEvent } from '../../src/core/types/apply-events.js';
import {
  ORIGINAL_CONF,
  ORIGINAL_USER6,
  fakeUfwRunner,
  fakeWatchdogCommand,
  makeFakeHost,
  rootHost,
  sampleChoices,
  samplePlan,
  waitFor,
  type FakeHost,
} from './apply-fake-ufw.js';

const hosts: FakeHost[] = [];
async function fakeHost(): Promise<FakeHost> {
  const host = await makeFakeHost();
  hosts.push(host);
  return host;
}
afterEach(async () => {
  for (const host of hosts.splice(0)) {
    const pending = await readPending(host.stateDir);
    // Never leave a watchdog behind: take the pending apply away so it exits.
    if (pending.kind === 'pending' && pending.pending.watchdogPid !== null) process.kill(pending.pending.watchdogPid, 'SIGTERM');
    await rm(host.root, { recursive: true, force: true, maxRetries: 5 });
  }
});

function options(host: FakeHost, run: ApplyOptions['run'], extra: Partial<ApplyOptions> = {}): ApplyOptions {
  return {
    stateDir: host.stateDir,
    confirmTimeoutSec: 60,
    run,
    choices: sampleChoices,
    host: rootHost,
    watchdogCommand: fakeWatchdogCommand(host),
    paths: host.paths,
    ...extra,
  };
}

describe('applyPlan refuses before changing anything', () => {
  it('when not root', async () => {
    const host = await fakeHost();
    const run = fakeUfwRunner(host);
    const outcome = await applyPlan(samplePlan(), options(host, run, { host: { ...rootHost, root: false } }));
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/must run as root.*nothing was changed/);
    expect(run.calls).toEqual([]);
    expect(existsSync(host.stateDir)).toBe(false);
  });

  it('when ufw is missing, saying how to install it', async () => {
    const host = await fakeHost();
    const run = fakeUfwRunner(host);
    const outcome = await applyPlan(samplePlan(), options(host, run, { host: { ...rootHost, ufwInstalled: false, ufwInstallHint: 'apt-get install ufw' } }));
    expect(outcome.error).toMatch(/UFW is not installed: apt-get install ufw/);
    expect(run.calls).toEqual([]);
  });

  it('when the state directory cannot be written', async () => {
    const host = await fakeHost();
    await writeFile(join(host.root, 'a-file'), '');
    const run = fakeUfwRunner(host);
    const outcome = await applyPlan(samplePlan(), options(host, run, { stateDir: join(host.root, 'a-file', 'state') }));
    expect(outcome.error).toMatch(/state directory .* is not writable.*nothing was changed/);
    expect(run.calls).toEqual([]);
  });

  it('when the snapshot cannot be taken, leaving no pending apply and no watchdog behind', async () => {
    const host = await fakeHost();
    // A rules file that cannot be read as a file: the snapshot fails after the watchdog was started.
    await rm(join(host.paths.ufwDir, 'user.rules'));
    await mkdir(join(host.paths.ufwDir, 'user.rules'));
    const run = fakeUfwRunner(host);
    const outcome = await applyPlan(samplePlan(), options(host, run));
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/^refusing to apply: .*nothing was changed$/);
    expect(run.calls.filter((argv) => argv[0] === 'ufw')).toEqual([]);
    expect((await readPending(host.stateDir)).kind).toBe('none');
    const transcript = await readTranscript(host.stateDir, outcome.transcriptId);
    expect(transcript.ok && transcript.value.outcome).toBe('refused');
  });
});

describe('applyPlan', () => {
  it('the text transcript names one rollback deadline: the one the watchdog keeps', async () => {
    const host = await fakeHost();
    const outcome = await applyPlan(samplePlan(), options(host, fakeUfwRunner(host)));
    const pending = await readPending(host.stateDir);
    const transcript = await readTranscript(host.stateDir, outcome.transcriptId);
    if (pending.kind !== 'pending' || !transcript.ok) throw new Error('expected an apply awaiting confirmation, and its transcript');
    const text = renderTranscript(transcript.value, 'text', false);
    // Every time the text gives as a deadline ("until ..."): the outcome line repeats the one in force.
    const deadlines = [...text.matchAll(/until (\d{4}-\d\d-\d\dT[\d:.]+Z)/g)].map((match) => match[1]);
    expect(new Set(deadlines)).toEqual(new Set([pending.pending.deadline]));
    expect(text.match(/rollback armed until/g)).toHaveLength(1);
    expect(text).toContain(`rollback armed until ${pending.pending.deadline} unless confirmed`);
    expect(outcome.deadline).toBe(pending.pending.deadline);
  });

  it('snapshots, arms the watchdog, runs unsatisfied steps in order, records them, and awaits confirmation', async () => {
    const host = await fakeHost();
    const run = fakeUfwRunner(host);
    const events: ApplyEvent['type'][] = [];
    const outcome = await applyPlan(samplePlan(), options(host, run), (e) => events.push(e.type));

    expect(outcome.ok).toBe(true);
    expect(outcome.error).toBeNull();
    expect(outcome.confirmCode).toMatch(/^[A-Z2-9]{6}$/);
    const deadline = Date.parse(outcome.deadline ?? '');
    expect(deadline - Date.now()).toBeGreaterThan(50_000);
    // ip6tables-save and iptables-save for the snapshot, then the three unsatisfied steps in order.
    expect(run.calls.map((c) => c.join(' '))).toEqual([
      'ip6tables-save',
      'iptables-save',
      'ufw allow proto tcp from any to ::/0 port 22 comment v6wall ssh 22/tcp',
      'ufw route allow proto tcp from any to 2001:db8:1::10 port 80 comment v6wall route web 80/tcp',
      'ufw --force enable',
    ]);
    expect(outcome.records.map((r) => r.index)).toEqual([0, 1, 3]);
    expect(outcome.records[0]).toMatchObject({ exitCode: 0, stdout: 'Rule added (v6)\n', stderr: '' });
    expect(typeof outcome.records[0]?.durationMs).toBe('number');
    expect(events).toEqual(['snapshot', 'step-start', 'step-done', 'step-start', 'step-done', 'step-start', 'step-done', 'armed']);

    const snapshot = await loadLatestSnapshot(host.stateDir);
    expect(snapshot.ok && snapshot.value.ufwEnabled).toBe(false);
    expect(snapshot.ok && snapshot.value.files.map((f) => f.original.split('/').pop())).toEqual([
      'before6.rules',
      'ufw.conf',
      'user.rules',
      'user6.rules',
      'default-ufw',
    ]);
    expect((await stat(host.stateDir)).mode & 0o777).toBe(0o700);

    const pending = await readPending(host.stateDir);
    expect(pending.kind).toBe('pending');
    if (pending.kind !== 'pending') return;
    expect(pending.pending).toMatchObject({ phase: 'awaiting-confirmation', code: outcome.confirmCode, deadline: outcome.deadline });
    expect(isProcessAlive(pending.pending.watchdogPid)).toBe(true);

    const transcript = await readTranscript(host.stateDir, outcome.transcriptId);
    expect(transcript.ok).toBe(true);
    if (!transcript.ok) return;
    expect(transcript.value.outcome).toBe('pending');
    expect(transcript.value.start).toMatchObject({ who: 'alice', hostname: 'testhost', choices: sampleChoices });
    expect(transcript.value.entries.filter((e) => e.type === 'step')).toHaveLength(3);
  });

  it('refuses a second apply while one awaits confirmation', async () => {
    const host = await fakeHost();
    const first = await applyPlan(samplePlan(), options(host, fakeUfwRunner(host)));
    expect(first.ok).toBe(true);
    const run = fakeUfwRunner(host);
    const second = await applyPlan(samplePlan(), options(host, run));
    expect(second.ok).toBe(false);
    expect(second.error).toMatch(/still awaiting confirmation.*v6wall confirm CODE.*v6wall rollback/);
    expect(run.calls).toEqual([]);
  });

  it('confirm: a wrong code is refused, the right one disarms the rollback and keeps the state', async () => {
    const host = await fakeHost();
    const outcome = await applyPlan(samplePlan(), options(host, fakeUfwRunner(host)));
    const pending = await readPending(host.stateDir);
    const pid = pending.kind === 'pending' ? pending.pending.watchdogPid : null;

    const wrong = await confirmPending(host.stateDir, 'WRONG1');
    expect(wrong.ok).toBe(false);
    expect(!wrong.ok && wrong.error).toMatch(/not the code of the pending apply/);

    const right = await confirmPending(host.stateDir, (outcome.confirmCode ?? '').toLowerCase(), {
      env: { SUDO_USER: 'bob', SSH_CONNECTION: '2001:db8::9 50000 2001:db8::1 22' },
    });
    expect(right.ok).toBe(true);
    expect((await readPending(host.stateDir)).kind).toBe('none');
    await waitFor(async () => !isProcessAlive(pid), 5000, 'the watchdog to exit');
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(host.stateDir)).filter((n) => n.endsWith('.ready'))).toEqual([]);
    // Stopped by confirm's SIGTERM, or (on a busy machine) its own poll saw the apply taken first.
    const log = await readFile(join(host.stateDir, 'watchdog.log'), 'utf8');
    expect(log).toMatch(/armed\n.*(stopped: the apply was confirmed or rolled back|the apply was confirmed or rolled back by someone else)/);
    expect(log).not.toContain('still awaits confirmation');

    const transcript = await readTranscript(host.stateDir, outcome.transcriptId);
    expect(transcript.ok && transcript.value.outcome).toBe('confirmed');
    const state = await loadAppliedState(host.stateDir);
    expect(state.ok && state.value?.exposures).toEqual([
      {
        container: 'web',
        port: 80,
        proto: 'tcp',
        exposure: 'route',
        hostPort: null,
        containerAddress: '2001:db8:1::10',
        ruleComment: 'v6wall route web 80/tcp',
      },
    ]);
    expect(state.ok && state.value?.appliedSteps.map((s) => s.kind)).toEqual(['ssh', 'route', 'enable']);
    const again = await confirmPending(host.stateDir, outcome.confirmCode ?? '');
    expect(!again.ok && again.error).toMatch(/nothing awaits confirmation/);
  });

  it('stops at the first failing step, rolls back at once, and the transcript names the step', async () => {
    const host = await fakeHost();
    const run = fakeUfwRunner(host, { failOn: (argv) => argv.includes('route') });
    const events: ApplyEvent['type'][] = [];
    const outcome = await applyPlan(samplePlan(), options(host, run), (e) => events.push(e.type));

    expect(outcome.ok).toBe(false);
    expect(outcome.failedStep).toBe(1);
    expect(outcome.rolledBack).toBe(true);
    expect(outcome.error).toMatch(/step 2 failed: Let the internet reach web's 80\/tcp .*exited 1: ERROR: Bad port.*rolled back/);
    expect(events).toEqual(['snapshot', 'step-start', 'step-done', 'step-start', 'step-failed', 'rolled-back']);
    // enable never ran; the rollback disabled UFW (it was disabled before) and restored the files.
    const ran = run.calls.map((c) => c.join(' '));
    expect(ran).not.toContain('ufw --force enable');
    expect(ran.at(-1)).toBe('ufw --force disable');
    expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).toBe(ORIGINAL_USER6);
    expect(await readFile(join(host.paths.ufwDir, 'ufw.conf'), 'utf8')).toBe(ORIGINAL_CONF);
    expect((await stat(join(host.paths.ufwDir, 'user6.rules'))).mode & 0o777).toBe(0o640);
    expect((await readPending(host.stateDir)).kind).toBe('none');

    const transcript = await readTranscript(host.stateDir, outcome.transcriptId);
    expect(transcript.ok).toBe(true);
    if (!transcript.ok) return;
    expect(transcript.value.outcome).toBe('failed');
    const last = transcript.value.entries.at(-1);
    expect(last).toMatchObject({ type: 'outcome', outcome: 'failed', failedStep: 1 });
    expect(last?.type === 'outcome' && last.detail).toMatch(/step 2 failed: Let the internet reach web's 80\/tcp/);
  });

  it('reloads instead of disabling when UFW was enabled before', async () => {
    const host = await fakeHost();
    await writeFile(join(host.paths.ufwDir, 'ufw.conf'), 'ENABLED=yes\n');
    const run = fakeUfwRunner(host, { failOn: (argv) => argv.includes('route') });
    const outcome = await applyPlan(samplePlan(), options(host, run));
    expect(outcome.rolledBack).toBe(true);
    expect(run.calls.at(-1)).toEqual(['ufw', 'reload']);
    expect(run.calls.map((c) => c.join(' '))).not.toContain('ufw --force disable');
  });

  it('does nothing (no snapshot, no watchdog) when every step is already satisfied', async () => {
    const host = await fakeHost();
    const run = fakeUfwRunner(host);
    const plan = samplePlan();
    for (const s of plan.steps) s.satisfied = true;
    const outcome = await applyPlan(plan, options(host, run));
    expect(outcome).toMatchObject({ ok: true, confirmCode: null, records: [], error: null });
    expect(run.calls).toEqual([]);
  });
});
