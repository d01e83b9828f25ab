/**
 * What an operator does in the systemd lab, as steps the scenarios share: apply over SSH, confirm
 * from a NEW SSH session, read the transcript, wait for the rollback, check what the internet sees.
 */
import { expect } from 'vitest';
import { sleep } from '../exec.js';
import { LAB_WEB_PORT, SYSTEMD_LAB_SSH_PORT, type BootReport, type SshSession, type SystemdLab } from './harness.js';

export const CONFIRM_TIMEOUT_SEC = 10;

export interface ApplyOverSsh {
  session: SshSession;
  /** logind's id of the SSH session the apply ran in. */
  sessionId: string;
  code: string;
  /** The deadline, ms since the epoch. */
  deadline: number;
  /** The apply's id: its transcript, its pending file and its watchdog unit are named after it. */
  id: string;
  /** The transient unit the watchdog runs in. */
  unit: string;
}

export interface ApplyOverSshOptions {
  confirmTimeoutSec?: number;
  /** Further apply arguments (selection flags). */
  args?: string[];
  /** Shell lines the session runs before the apply (e.g. starting a bystander process). */
  before?: string;
  /** What the session does once apply returned: 'linger' keeps it open (`exec sleep 600`), 'exit' logs out. Default 'linger'. */
  then?: 'linger' | 'exit';
  /** Resolve as soon as the apply printed this (e.g. the snapshot line, to act in the middle of the apply). */
  until?: RegExp;
  /** Log in as this user (see SystemdLab.addSudoUser) and apply with sudo. Default root. */
  user?: string;
  /** The v6wall to run: default `v6wall` (the lab's wrapper around node and dist/), or e.g. /usr/bin/v6wall of the .deb. */
  command?: string;
}

/**
 * Runs `v6wall apply --yes` in an SSH session from the client namespace (a real login: sshd, PAM,
 * a logind session, a pty), as an operator would, and resolves with what it printed.
 */
export async function applyOverSsh(lab: SystemdLab, options: ApplyOverSshOptions = {}): Promise<ApplyOverSsh> {
  const timeout = String(options.confirmTimeoutSec ?? CONFIRM_TIMEOUT_SEC);
  const script = [
    'echo "session=$XDG_SESSION_ID"',
    options.before ?? ':',
    `${options.user === undefined || options.user === 'root' ? '' : 'sudo '}${options.command ?? 'v6wall'} apply --yes --confirm-timeout "$@"`,
    'echo "apply exited $?"',
    options.then === 'exit' ? 'exit 0' : 'exec sleep 600',
  ].join('\n');
  const session = lab.openSsh(['sh', '-c', script, 'sh', timeout, ...(options.args ?? [])], { tty: true, user: options.user });
  const sessionId = (await session.waitFor(/session=(\d+)/, 30_000))[1] ?? '';
  if (options.until) {
    await session.waitFor(options.until, 60_000);
    const id = await pendingId(lab);
    return { session, sessionId, code: '', deadline: Number.NaN, id, unit: `v6wall-rollback-${id}` };
  }
  await session.waitFor(/apply exited \d+/, 120_000);
  const out = session.output();
  expect(out).toMatch(/apply exited 0/);
  const code = /Confirm code: (\S+)/.exec(out)?.[1];
  const deadline = /Deadline: (\S+)/.exec(out)?.[1];
  const id = /Transcript: v6wall transcript (\S+)/.exec(out)?.[1];
  if (!code || !deadline || !id) throw new Error(`apply printed no code, deadline or transcript:\n${out}`);
  return { session, sessionId, code, deadline: Date.parse(deadline), id, unit: `v6wall-rollback-${id}` };
}

/** The id of the apply awaiting confirmation, from the container's own /var/lib/v6wall. */
export async function pendingId(lab: SystemdLab): Promise<string> {
  const text = await lab.readFile('/var/lib/v6wall/pending.json');
  const id = (JSON.parse(text || '{}') as { id?: unknown }).id;
  if (typeof id !== 'string') throw new Error(`no pending apply in the container's /var/lib/v6wall:\n${text}`);
  return id;
}

export interface TranscriptOutcome {
  outcome: string;
  detail: string;
  by: string | null;
  /** ms since the epoch */
  when: number;
}

/** The last outcome in the container's transcript of an apply, or null while there is none. */
export async function transcriptOutcome(lab: SystemdLab, id: string): Promise<TranscriptOutcome | null> {
  const text = await lab.readFile(`/var/lib/v6wall/transcripts/${id}.jsonl`);
  let found: TranscriptOutcome | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { type?: string; outcome?: string; detail?: string; by?: string | null; when?: string };
    if (entry.type === 'outcome')
      found = { outcome: entry.outcome ?? '', detail: entry.detail ?? '', by: entry.by ?? null, when: Date.parse(entry.when ?? '') };
  }
  return found;
}

/** Waits for the apply's transcript to record a rollback; resolves with it. */
export async function waitForRollback(lab: SystemdLab, id: string, timeoutMs: number): Promise<TranscriptOutcome> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outcome = await transcriptOutcome(lab, id);
    if (outcome?.outcome === 'rolled-back') return outcome;
    if (Date.now() > deadline) {
      const log = await lab.readFile('/var/lib/v6wall/watchdog.log');
      throw new Error(`no rollback recorded for ${id} within ${timeoutMs} ms (outcome: ${JSON.stringify(outcome)})\nwatchdog.log:\n${log}`);
    }
    await sleep(100);
  }
}

/** `systemctl is-active UNIT` inside the container. */
export async function unitState(lab: SystemdLab, unit: string): Promise<string> {
  return (await lab.exec(['systemctl', 'is-active', unit])).stdout.trim();
}

/** What the internet sees of the box: its SSH port and the lab's TCP service. */
export async function reachable(lab: SystemdLab): Promise<{ ssh: string; web: string }> {
  const [ssh, web] = await Promise.all([lab.probeTcp(SYSTEMD_LAB_SSH_PORT), lab.probeTcp(LAB_WEB_PORT)]);
  return { ssh, web };
}

/** The firewall before any apply: ufw inactive, both ports open, nothing pending, no watchdog unit, no boot guard left. */
export async function expectBaseline(lab: SystemdLab): Promise<void> {
  expect((await lab.exec(['ufw', 'status'])).stdout).toContain('Status: inactive');
  const seen = await reachable(lab);
  expect(seen, seen.web === 'open' && seen.ssh === 'open' ? '' : await diagnose(lab)).toEqual({ ssh: 'open', web: 'open' });
  expect((await lab.exec(['test', '-e', '/var/lib/v6wall/pending.json'])).exitCode).not.toBe(0);
  expect((await lab.exec(['systemctl', 'list-units', '--all', '--plain', '--no-legend', 'v6wall-rollback-*'])).stdout.trim()).toBe('');
  expect((await lab.exec(['find', '/etc/systemd/system', '-name', 'v6wall-boot-guard-*'])).stdout.trim()).toBe('');
}

/** Back to the baseline after a scenario that kept its rules: `v6wall rollback` inside. */
export async function rollBackByHand(lab: SystemdLab): Promise<void> {
  await lab.must(['v6wall', 'rollback']);
}

/** What the container's firewall and listeners look like, for a failure message. */
export async function diagnose(lab: SystemdLab): Promise<string> {
  const parts: string[] = [];
  for (const argv of [
    ['ufw', 'status', 'verbose'],
    ['ip6tables', '-S', 'INPUT'],
    ['ip6tables', '-S', 'ufw6-user-input'],
    ['ss', '-ltn'],
    ['systemctl', 'is-active', 'v6wall-lab-web'],
    ['tail', '-n', '15', '/var/lib/v6wall/watchdog.log'],
  ]) {
    const result = await lab.exec(argv);
    parts.push(`$ ${argv.join(' ')} (exit ${result.exitCode})\n${result.stdout}${result.stderr}`);
  }
  return parts.join('\n');
}

export const bootGuardUnit = (id: string): string => `v6wall-boot-guard-${id}.service`;

/** Boot guard unit files and links left in the container's /etc/systemd/system. */
export async function bootGuardFiles(lab: SystemdLab): Promise<string[]> {
  const found = await lab.exec(['find', '/etc/systemd/system', '-name', 'v6wall-boot-guard-*']);
  return found.stdout.split('\n').filter((line) => line !== '');
}

/** A systemd property of a unit inside the container, as a number (timestamps in µs, exit statuses). */
export async function unitNumber(lab: SystemdLab, unit: string, property: string): Promise<number> {
  return Number((await lab.exec(['systemctl', 'show', '--value', '-p', property, unit])).stdout.trim());
}

/**
 * After a boot: the apply's transcript says "rolled back at boot" (by the boot guard, during this
 * boot), the guard exited with 0 and left no unit file, link or pending file behind. Resolves with
 * the outcome and how long the guard itself ran (ms, node's start included).
 */
export async function expectGuardRolledBack(lab: SystemdLab, id: string, report: BootReport): Promise<{ outcome: TranscriptOutcome; guardRunMs: number }> {
  const outcome = await transcriptOutcome(lab, id);
  expect(outcome?.outcome, await diagnose(lab)).toBe('rolled-back');
  expect(outcome?.by).toBe('boot-guard');
  expect(outcome?.detail).toMatch(/^rolled back at boot: /);
  expect(outcome?.when).toBeGreaterThan(report.startedAt);
  const unit = bootGuardUnit(id);
  expect(await unitNumber(lab, unit, 'ExecMainExitTimestampMonotonic')).toBeGreaterThan(0);
  expect(await unitNumber(lab, unit, 'ExecMainStatus')).toBe(0);
  expect(await bootGuardFiles(lab)).toEqual([]);
  expect((await lab.exec(['test', '-e', '/var/lib/v6wall/pending.json'])).exitCode).not.toBe(0);
  const guardRunMs = Math.round(
    ((await unitNumber(lab, unit, 'ExecMainExitTimestampMonotonic')) - (await unitNumber(lab, unit, 'ExecMainStartTimestampMonotonic'))) / 1000,
  );
  return { outcome: outcome as TranscriptOutcome, guardRunMs };
}
