// The detached rollback: a transient systemd unit, or a process in its own session, that outlives
// the wizard, its terminal and its SSH connection, and restores the snapshot when nobody confirms
// in time (or at once when v6wall dies while applying).
import { spawn } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { appendFile, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setPriority } from 'node:os';
import { parseArgs } from 'node:util';
import type { Result } from '../core/types/result.js';
import type { Runner } from '../core/types/runner.js';
import { isSafeId } from './ids.js';
import { claimPending, isProcessAlive, readPending, type PendingApply } from './pending.js';
import { stateLayout } from './paths.js';
import { rollbackClaimedApply, rollbackToLastSnapshot } from './rollback.js';
import { stepHolders } from './running-step.js';

const POLL_MS = 500;
const STEP_POLL_MS = 100;

// Set once this watchdog has taken the apply: from then on a SIGTERM (e.g. a shutdown) must not
// leave the firewall half restored.
let rollingBack = false;

function readyFile(stateDir: string, id: string): string {
  return join(stateDir, `watchdog-${id}.ready`);
}

async function log(stateDir: string, id: string, message: string): Promise<void> {
  await appendFile(stateLayout.watchdogLog(stateDir), `${new Date().toISOString()} [${id} pid ${process.pid}] ${message}\n`, { mode: 0o600 }).catch(
    () => undefined,
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * True when the process running the steps is gone while the pending file still says `applying`
 * (re-read after seeing it gone: an apply that finished wrote its last phase before it exited).
 */
async function applyDied(stateDir: string, pending: PendingApply): Promise<boolean> {
  if (pending.phase !== 'applying' || pending.applyPid === undefined || isProcessAlive(pending.applyPid)) return false;
  const again = await readPending(stateDir);
  return again.kind === 'pending' && again.pending.id === pending.id && again.pending.phase === 'applying';
}

/**
 * The command the dead apply was running finishes on its own (ufw writes its files at the end);
 * restoring the files under it would let it write the applied rules back. Waits for every process
 * holding the apply's step file, until the step's deadline at most.
 */
async function waitForRunningStep(stateDir: string, id: string, deadline: string): Promise<void> {
  const holders = stepHolders(stateDir, id);
  if (holders.length === 0) return;
  await log(stateDir, id, `v6wall died while a command it started still runs (pid ${holders.join(', ')}): waiting for it to finish before rolling back`);
  while (holders.some(isProcessAlive) && Date.parse(deadline) > Date.now()) await sleep(STEP_POLL_MS);
}

/**
 * The rollback is what keeps the operator from being locked out: on a busy machine it goes ahead
 * of ordinary work (the commands it starts inherit the priority). Best effort: without the right
 * to raise it, it runs as it is.
 */
function raisePriority(): void {
  try {
    setPriority(-10);
  } catch {
    // not root, or not allowed here
  }
}

/** Waits for the deadline, re-reading it, and rolls back unless the apply was taken meanwhile. */
export async function watchOver(stateDir: string, id: string, run: Runner): Promise<'confirmed' | 'rolled-back' | 'rollback-failed'> {
  let diedPid: number | null = null;
  for (;;) {
    const read = await readPending(stateDir);
    if (read.kind === 'none' || (read.kind === 'pending' && read.pending.id !== id)) {
      await log(stateDir, id, 'the apply was confirmed or rolled back by someone else; exiting');
      return 'confirmed';
    }
    if (read.kind === 'corrupted') {
      rollingBack = true;
      await log(stateDir, id, `${read.message}; rolling back to the last snapshot to be safe`);
      const done = await rollbackToLastSnapshot(stateDir, run, 'the pending file was corrupted: rolled back by the watchdog to be safe', 'corrupted-pending');
      await log(stateDir, id, done.ok ? 'rolled back' : `ROLLBACK FAILED: ${done.error}`);
      return done.ok ? 'rolled-back' : 'rollback-failed';
    }
    const remaining = Date.parse(read.pending.deadline) - Date.now();
    if (!(remaining > 0)) break;
    if (await applyDied(stateDir, read.pending)) {
      diedPid = read.pending.applyPid ?? null;
      await waitForRunningStep(stateDir, id, read.pending.deadline);
      break;
    }
    await sleep(Math.min(remaining, POLL_MS));
  }
  const claimed = await claimPending(stateDir, id, 'watchdog');
  if (!claimed.ok) {
    await log(stateDir, id, `not rolling back: ${claimed.error}`);
    return 'confirmed';
  }
  rollingBack = true;
  raisePriority();
  await unlink(stateLayout.stepHold(stateDir, id)).catch(() => undefined);
  const died = diedPid !== null || claimed.value.phase === 'applying';
  const reason =
    diedPid !== null
      ? `v6wall (pid ${diedPid}) died while running its commands`
      : claimed.value.phase === 'applying'
        ? 'the apply stopped while running its commands (v6wall was killed or hung)'
        : `no confirmation before the deadline ${claimed.value.deadline}`;
  await log(stateDir, id, `${reason}: rolling back to snapshot ${claimed.value.snapshotId}`);
  const done = await rollbackClaimedApply(stateDir, claimed.value, run, {
    reason,
    outcome: 'rolled-back',
    cause: died ? 'apply-died' : 'deadline',
    failedStep: null,
    by: 'watchdog',
  });
  await log(stateDir, id, done.ok ? 'rolled back' : `ROLLBACK FAILED: ${done.error}`);
  return done.ok ? 'rolled-back' : 'rollback-failed';
}

/**
 * What a SIGTERM means. confirm and rollback send it only after taking the pending apply, so nothing
 * is left to do; with the apply still pending it is a shutdown (systemd stops every unit) or a
 * `systemctl stop`/kill by hand, and the apply stays unconfirmed: the log must not say otherwise.
 */
async function whyStopped(stateDir: string, id: string): Promise<string> {
  const read = await readPending(stateDir);
  if (read.kind !== 'pending' || read.pending.id !== id) return 'stopped: the apply was confirmed or rolled back';
  const next = read.pending.bootGuard
    ? `its boot guard (${read.pending.bootGuard}) rolls it back when the machine starts again`
    : 'nothing will roll it back by itself: run `v6wall rollback` (or `v6wall confirm CODE`)';
  return `stopped by SIGTERM (a shutdown, or stopped by hand) while apply ${id} still awaits confirmation: not rolled back now; ${next}`;
}

/** Entry point of `v6wall __watchdog --state-dir DIR --id ID` (a leading "__watchdog" is accepted). */
export async function runWatchdog(args: string[]): Promise<number> {
  // The wizard's SSH session dying sends SIGHUP; a new session has no terminal, but be sure.
  process.on('SIGHUP', () => undefined);
  const rest = args[0] === '__watchdog' ? args.slice(1) : args;
  let stateDir: string | undefined;
  let id: string | undefined;
  try {
    const { values } = parseArgs({ args: rest, options: { 'state-dir': { type: 'string' }, id: { type: 'string' } }, strict: true });
    stateDir = values['state-dir'];
    id = values.id;
  } catch (error) {
    process.stderr.write(`v6wall __watchdog: ${(error as Error).message}\n`);
    return 2;
  }
  if (stateDir === undefined || id === undefined || !isSafeId(id)) {
    process.stderr.write('v6wall __watchdog: needs --state-dir DIR and --id ID (started by v6wall apply, not by hand)\n');
    return 2;
  }
  const ready = readyFile(stateDir, id);
  // Handled before the ready file exists: apply goes on (and may be confirmed) as soon as it does.
  process.on('SIGTERM', () => {
    if (rollingBack) return;
    void whyStopped(stateDir, id)
      .then((why) => log(stateDir, id, why))
      .then(() => unlink(ready).catch(() => undefined))
      .finally(() => process.exit(0));
  });
  await log(stateDir, id, 'armed');
  await writeFile(ready, `${process.pid}\n`, { mode: 0o600 });
  try {
    const { runCommand } = await import('../host/run.js');
    const result = await watchOver(stateDir, id, runCommand);
    return result === 'rollback-failed' ? 1 : 0;
  } catch (error) {
    await log(stateDir, id, `crashed: ${(error as Error).stack ?? String(error)}`);
    return 1;
  } finally {
    await unlink(ready).catch(() => undefined);
  }
}

/**
 * Whether the watchdog can be a systemd unit: systemd is the init system (what sd_booted() checks)
 * and v6wall shares its mount, network and pid namespaces. A unit runs in init's namespaces, so
 * from inside a container or a lab namespace it would restore the wrong firewall.
 */
export function systemdCanHostWatchdog(): boolean {
  if (!existsSync('/run/systemd/system')) return false;
  try {
    return ['mnt', 'net', 'pid'].every((ns) => readlinkSync(`/proc/self/ns/${ns}`) === readlinkSync(`/proc/1/ns/${ns}`));
  } catch {
    return false;
  }
}

/** The transient unit the watchdog runs in where systemd runs; its name carries the apply's id. */
export function watchdogUnitName(id: string): string {
  return `v6wall-rollback-${id}`;
}

/**
 * systemd-run argv that starts the watchdog as a transient service of the system manager: outside
 * the operator's login session, so logind's KillUserProcesses=yes cannot take it down with the
 * SSH connection it is there to protect.
 */
export function systemdRunArgv(watchdogArgv: readonly string[], id: string): string[] {
  return [
    'systemd-run',
    '--unit',
    watchdogUnitName(id),
    '--description',
    `v6wall: roll back apply ${id} unless confirmed`,
    '--collect',
    '--quiet',
    '--',
    ...watchdogArgv,
  ];
}

export interface SpawnWatchdogOptions {
  timeoutMs?: number;
  /** Start it through systemd-run (default: systemdCanHostWatchdog()); a detached process otherwise or if that fails. */
  systemd?: boolean;
}

export interface StartedWatchdog {
  pid: number;
  /** How it was started, for the transcript. */
  how: string;
}

/** Runs systemd-run and waits for it (it returns once the unit has started); its error, or null. */
async function startUnit(argv: readonly string[]): Promise<string | null> {
  const { runCommand } = await import('../host/run.js');
  const result = await runCommand(argv, { timeoutMs: 30_000 });
  if (result.exitCode === 0) return null;
  const said = result.stderr.trim().split('\n').at(-1) ?? '';
  return `${result.notFound ? 'systemd-run is not installed' : `systemd-run exited ${result.exitCode}`}${said !== '' && !result.notFound ? `: ${said}` : ''}`;
}

/**
 * Starts `<command> __watchdog --state-dir DIR --id ID` as a transient systemd unit where systemd
 * runs, else detached (setsid, no stdio, unref'd), and waits until it reports ready, so apply never
 * changes anything without a live rollback.
 */
export async function spawnWatchdog(
  command: readonly string[],
  stateDir: string,
  id: string,
  options: SpawnWatchdogOptions = {},
): Promise<Result<StartedWatchdog, string>> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const [file, ...pre] = command;
  if (file === undefined) return { ok: false, error: 'no watchdog command was given' };
  const ready = readyFile(stateDir, id);
  await unlink(ready).catch(() => undefined);
  const watchdogArgv = [file, ...pre, '__watchdog', '--state-dir', stateDir, '--id', id];
  let spawnError: string | null = null;
  let exited: number | null = null;
  const unitError = (options.systemd ?? systemdCanHostWatchdog()) ? await startUnit(systemdRunArgv(watchdogArgv, id)) : undefined;
  const asUnit = unitError === null;
  const how = asUnit ? `the transient systemd unit ${watchdogUnitName(id)}` : 'a detached process in its own session';
  if (!asUnit) {
    if (unitError !== undefined) await log(stateDir, id, `could not start it through systemd-run (${unitError}); starting it detached instead`);
    const child = spawn(file, watchdogArgv.slice(1), { detached: true, stdio: 'ignore' });
    child.on('error', (error) => {
      spawnError = error.message;
    });
    child.on('exit', (code) => {
      exited = code ?? -1;
    });
    child.unref();
  }
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (spawnError !== null) return { ok: false, error: `the rollback watchdog could not start: ${spawnError}` };
    if (exited !== null) return { ok: false, error: `the rollback watchdog exited at once (code ${exited}); see ${stateLayout.watchdogLog(stateDir)}` };
    const pid = await readFile(ready, 'utf8')
      .then((text) => Number(text.trim()))
      .catch(() => null);
    if (pid !== null && pid > 0) return { ok: true, value: { pid, how } };
    await sleep(5);
  }
  return {
    ok: false,
    error: `the rollback watchdog did not report ready within ${timeoutMs / 1000} s${asUnit ? ` (systemctl status ${watchdogUnitName(id)})` : ''}`,
  };
}
