// v6wall rollback, history and confirm telling the truth about what became of each apply.
// Only fake ufw runs (apply-fake-ufw.ts); the watchdog's own rollback is rolled in-process here.
import { afterEach, describe, expect, it } from 'vitest';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyPlan, type ApplyOptions } from '../../src/apply/apply.js';
import { confirmPending } from '../../src/apply/confirm.js';
import { clockTime, historyFrom, loadHistory } from '../../src/apply/history.js';
import { claimPending, readPending, stopWatchdog } from '../../src/apply/pending.js';
import { stateLayout } from '../../src/apply/paths.js';
import { rollbackByHand, rollbackClaimedApply } from '../../src/apply/rollback.js';
import { parseTranscript, readTranscript } from '../../src/apply/transcript.js';
import { run as rollbackCli } from '../../src/commands/rollback.js';
import { run as historyCli } from '../../src/commands/history.js';
import type { Plan } from '../../src/core/types/plan.js';
import {
  ORIGINAL_USER6,
  fakeUfwRunner,
  fakeWatchdogCommand,
  makeFakeHost,
  rootHost,
  sampleChoices,
  samplePlan,
  step,
  type FakeHost,
} from './apply-fake-ufw.js';

const hosts: FakeHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) {
    const pending = await readPending(host.stateDir);
    if (pending.kind === 'pending') await stopWatchdog(pending.pending.watchdogPid, pending.pending.id);
    await rm(host.root, { recursive: true, force: true, maxRetries: 5 });
  }
});

async function fakeHost(): Promise<FakeHost> {
  const host = await makeFakeHost();
  hosts.push(host);
  return host;
}

function options(host: FakeHost, extra: Partial<ApplyOptions> = {}): ApplyOptions {
  return {
    stateDir: host.stateDir,
    confirmTimeoutSec: 60,
    run: fakeUfwRunner(host),
    choices: sampleChoices,
    host: rootHost,
    watchdogCommand: fakeWatchdogCommand(host),
    paths: host.paths,
    ...extra,
  };
}

/** A plan adding one more route rule, so that a second apply has something to change. */
function planFor(port: number): Plan {
  return {
    notes: [],
    steps: [
      step(['ufw', 'route', 'allow', 'proto', 'tcp', 'from', 'any', 'to', '2001:db8:1::10', 'port', String(port), 'comment', `v6wall route web ${port}/tcp`]),
    ],
  };
}

async function applyAndConfirm(host: FakeHost, plan: Plan): Promise<string> {
  const applied = await applyPlan(plan, options(host));
  if (applied.confirmCode === null) throw new Error(applied.error ?? 'no confirm code');
  const confirmed = await confirmPending(host.stateDir, applied.confirmCode);
  if (!confirmed.ok) throw new Error(confirmed.error);
  return applied.transcriptId;
}

/** What the watchdog does at the deadline, in-process: takes the apply and rolls it back. */
async function rollBackAtDeadline(host: FakeHost): Promise<string> {
  const read = await readPending(host.stateDir);
  if (read.kind !== 'pending') throw new Error('nothing pending');
  const claimed = await claimPending(host.stateDir, read.pending.id, 'watchdog');
  if (!claimed.ok) throw new Error(claimed.error);
  await stopWatchdog(claimed.value.watchdogPid, claimed.value.id);
  const done = await rollbackClaimedApply(host.stateDir, claimed.value, fakeUfwRunner(host), {
    reason: `no confirmation before the deadline ${claimed.value.deadline}`,
    outcome: 'rolled-back',
    cause: 'deadline',
    failedStep: null,
    by: 'watchdog',
  });
  if (!done.ok) throw new Error(done.error);
  return claimed.value.id;
}

function captureIo() {
  const io = { out: '', err: '', stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t), env: {} as NodeJS.ProcessEnv };
  return io;
}

/** Every file under the state and UFW folders: "changed nothing" is this, equal before and after. */
async function everything(host: FakeHost): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (!entry.name.startsWith('watchdog')) files[path] = await readFile(path, 'latin1');
    }
  }
  await walk(host.root);
  return files;
}

describe('v6wall rollback with nothing to undo', () => {
  it('after the deadline rolled the apply back: says so, changes nothing, writes no transcript, exits 1', async () => {
    const host = await fakeHost();
    await applyPlan(samplePlan(), options(host));
    const id = await rollBackAtDeadline(host);
    expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).toBe(ORIGINAL_USER6);
    const before = await everything(host);
    const run = fakeUfwRunner(host);
    const io = captureIo();
    expect(await rollbackCli(['--state-dir', host.stateDir], io, { run, isRoot: true })).toBe(1);
    expect(io.err).toMatch(
      new RegExp(
        `^v6wall rollback: nothing to undo: the last apply, ${id}, was rolled back at \\d\\d:\\d\\d:\\d\\d: no confirmation by the deadline, so the firewall is already as it was before it; nothing was changed\\n$`,
      ),
    );
    expect(io.out).toBe('');
    expect(run.calls).toEqual([]);
    expect(await everything(host)).toEqual(before);
  });

  it('a second rollback by hand finds nothing to undo and points to the earlier apply still in effect', async () => {
    const host = await fakeHost();
    const first = await applyAndConfirm(host, samplePlan());
    const second = await applyAndConfirm(host, planFor(81));
    expect((await rollbackByHand(host.stateDir, fakeUfwRunner(host), 'test')).ok).toBe(true);
    const before = await everything(host);
    const again = await rollbackByHand(host.stateDir, fakeUfwRunner(host), 'test');
    expect(!again.ok && again.error).toContain(`nothing to undo: the last apply, ${second}, was rolled back at `);
    expect(!again.ok && again.error).toContain(`run \`v6wall rollback --to ${first}\``);
    expect(await everything(host)).toEqual(before);
  });
});

describe('v6wall history', () => {
  it('lists each apply with its outcome: confirmed, rolled back by deadline, by hand, a failed step', async () => {
    const host = await fakeHost();
    const confirmed = await applyAndConfirm(host, samplePlan());
    await applyPlan(planFor(81), options(host));
    const byDeadline = await rollBackAtDeadline(host);
    const failed = await applyPlan(planFor(82), options(host, { run: fakeUfwRunner(host, { failOn: (argv) => argv.includes('82') }) }));
    const byHand = await applyAndConfirm(host, planFor(83));
    expect((await rollbackByHand(host.stateDir, fakeUfwRunner(host), 'test', { env: { SUDO_USER: 'carol' } })).ok).toBe(true);

    const history = await loadHistory(host.stateDir);
    expect(history.applies.map((a) => [a.id, a.outcome, a.cause, a.inEffect])).toEqual([
      [confirmed, 'confirmed', null, true],
      [byDeadline, 'rolled-back', 'deadline', false],
      [failed.transcriptId, 'failed', 'step-failed', false],
      [byHand, 'rolled-back', 'by-hand', false],
    ]);
    const io = captureIo();
    expect(await historyCli(['--state-dir', host.stateDir], io)).toBe(0);
    const lines = io.out.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^\\* ${confirmed}  \\d\\d:\\d\\d:\\d\\d  alice  3 commands  confirmed at \\d\\d:\\d\\d:\\d\\d by \\S+$`));
    expect(lines[1]).toMatch(new RegExp(`^  ${byDeadline} .* rolled back at \\d\\d:\\d\\d:\\d\\d: no confirmation by the deadline$`));
    expect(lines[2]).toMatch(/ 1 command {2}rolled back at \d\d:\d\d:\d\d: a command failed, undone at once$/);
    expect(lines[3]).toMatch(/rolled back at \d\d:\d\d:\d\d: by hand \(`v6wall rollback`\)$/);
    expect(io.out).toContain('`v6wall rollback --to ID` goes back');
  });

  it('reads the cause of older transcripts from their words, and names a rollback at boot', () => {
    const start = (id: string) =>
      JSON.stringify({
        type: 'start',
        version: 1,
        id,
        kind: 'apply',
        when: '2026-11-22T19:03:00.000Z',
        who: 'alice',
        hostname: 'h',
        choices: null,
        plan: [],
        confirmTimeoutSec: 60,
      });
    const outcome = (extra: object) => JSON.stringify({ type: 'outcome', when: '2026-11-22T19:05:00.000Z', failedStep: null, by: 'watchdog', ...extra });
    const parse = (id: string, lines: string[]) => {
      const t = parseTranscript(id, `${id}.jsonl`, `${lines.join('\n')}\n`);
      if (!t.ok) throw new Error(t.error);
      return t.value;
    };
    const applies = historyFrom([
      parse('a1', [start('a1'), outcome({ outcome: 'rolled-back', detail: 'v6wall (pid 42) died while running its commands; restored snapshot a1' })]),
      parse('a2', [start('a2'), outcome({ outcome: 'rolled-back', detail: 'still pending at boot; restored snapshot a2', cause: 'boot' })]),
      parse('a3', [start('a3'), outcome({ outcome: 'confirmed', detail: 'confirmed with the code', by: 'alice' })]),
    ]);
    expect(applies.map((a) => [a.id, a.cause, a.inEffect])).toEqual([
      ['a1', 'apply-died', false],
      ['a2', 'boot', false],
      ['a3', null, true],
    ]);
  });
});

describe('v6wall rollback --to ID', () => {
  it('returns to the firewall before that apply, undoing it and every apply after it', async () => {
    const host = await fakeHost();
    const first = await applyAndConfirm(host, samplePlan());
    const afterFirst = await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8');
    const second = await applyAndConfirm(host, planFor(81));
    expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).not.toBe(afterFirst);

    const io = captureIo();
    expect(await rollbackCli(['--to', first, '--state-dir', host.stateDir], io, { run: fakeUfwRunner(host), isRoot: true })).toBe(0);
    expect(io.out).toContain(`Undid apply ${first}, ${second}: the firewall is as it was before apply ${first}.`);
    expect(await readFile(join(host.paths.ufwDir, 'user6.rules'), 'utf8')).toBe(ORIGINAL_USER6);
    const history = await loadHistory(host.stateDir);
    expect(history.applies.map((a) => [a.outcome, a.cause, a.inEffect])).toEqual([
      ['rolled-back', 'by-hand', false],
      ['rolled-back', 'by-hand', false],
    ]);
    const t = await readTranscript(host.stateDir, second);
    const last = t.ok ? t.value.entries.at(-1) : undefined;
    expect(last?.type === 'outcome' && last.detail).toMatch(new RegExp(`^rolled back by \`v6wall rollback --to ${first}\` \\(transcript \\S+\\)`));
  });

  it('shows what someone else changed since and refuses without --force; with it, rolls back', async () => {
    const host = await fakeHost();
    const first = await applyAndConfirm(host, samplePlan());
    const user6 = join(host.paths.ufwDir, 'user6.rules');
    await writeFile(user6, `${await readFile(user6, 'utf8')}### tuple ### allow tcp 8443 ::/0 any ::/0 in\n`);
    const before = await everything(host);
    const run = fakeUfwRunner(host);
    const io = captureIo();
    expect(await rollbackCli(['--to', first, '--state-dir', host.stateDir], io, { run, isRoot: true })).toBe(1);
    expect(io.err).toContain("UFW's rules were changed since v6wall left them at ");
    expect(io.err).toContain(`  ${user6} (changed since v6wall left it):\n    + ### tuple ### allow tcp 8443 ::/0 any ::/0 in\n`);
    expect(io.err).toContain('Nothing was changed; run again with --force to roll back anyway.');
    expect(run.calls).toEqual([]);
    expect(await everything(host)).toEqual(before);

    const forced = captureIo();
    expect(await rollbackCli(['--to', first, '--force', '--state-dir', host.stateDir], forced, { run, isRoot: true })).toBe(0);
    expect(await readFile(user6, 'utf8')).toBe(ORIGINAL_USER6);
  });

  it('names an id that is not an apply, and changes nothing', async () => {
    const host = await fakeHost();
    await applyAndConfirm(host, samplePlan());
    const result = await rollbackByHand(host.stateDir, fakeUfwRunner(host), 'test', { to: '20200101T000000.000Z-dead' });
    expect(!result.ok && result.error).toBe("no apply 20200101T000000.000Z-dead in v6wall's history; `v6wall history` lists them");
  });
});

describe('a late confirm', () => {
  it('says the apply was rolled back, and when, instead of "nothing awaits confirmation"', async () => {
    const host = await fakeHost();
    const applied = await applyPlan(samplePlan(), options(host));
    const id = await rollBackAtDeadline(host);
    const t = await readTranscript(host.stateDir, id);
    const rolledBackAt = t.ok ? (t.value.entries.at(-1)?.when ?? '') : '';
    const late = await confirmPending(host.stateDir, applied.confirmCode ?? '');
    expect(!late.ok && late.error).toBe(
      `too late: apply ${id} was rolled back at ${clockTime(rolledBackAt)}: no confirmation by the deadline. The firewall is as it was before that apply; apply again and confirm before the deadline`,
    );
    expect((await readPending(host.stateDir)).kind).toBe('none');
  });

  it('past the deadline while the rollback runs, says it is under way', async () => {
    const host = await fakeHost();
    const applied = await applyPlan(samplePlan(), options(host));
    const late = await confirmPending(host.stateDir, applied.confirmCode ?? '', { now: () => new Date(Date.parse(applied.deadline ?? '') + 1000) });
    expect(!late.ok && late.error).toBe(
      `too late: the deadline ${clockTime(applied.deadline ?? '')} has passed and the rollback of apply ${applied.transcriptId} is under way (\`v6wall history\` says when it is done)`,
    );
    expect(stateLayout.pending(host.stateDir)).toBeTruthy();
  });
});
