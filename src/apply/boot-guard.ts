// The boot guard. A reboot or a power cut during the confirmation window takes the watchdog down,
// and at boot ufw.service would load the unconfirmed rules from /etc/ufw for good. So apply also
// places a unit of its own, v6wall-boot-guard-ID.service, wanted by sysinit.target and ordered
// before ufw.service: when the machine starts with that apply still pending, it puts the
// snapshot's files back, and ufw.service then loads the firewall from before the apply. Confirm
// and every rollback remove the unit, so it exists only while an apply awaits confirmation.
//
// Placed by apply (not shipped by the package) because it must name the exact command that runs
// v6wall (the executable, or node and dist/v6wall.js) and the state directory of this apply.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { appendFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Runner } from '../core/types/runner.js';
import { bootGuardUnitName, removeBootGuard, SYSTEM_UNIT_DIR } from './boot-guard-unit.js';
import { isSafeId } from './ids.js';
import { stateLayout } from './paths.js';
import { claimPending, isProcessAlive, readPending, type PendingApply } from './pending.js';
import { rollbackClaimedApply } from './rollback.js';
import { latestSnapshotId, loadSnapshot } from './snapshot.js';
import { describeFsError } from './fs-error.js';
import { NFT_UNIT_NAME } from '../core/plan-nftables.js';
import { appendToTranscript, readTranscript } from './transcript.js';
import { systemdCanHostWatchdog } from './watchdog.js';

/** The unit folder for this host's boot guard, or null where systemd cannot start one for this firewall. */
export function defaultBootGuardDir(): string | null {
  return systemdCanHostWatchdog() ? SYSTEM_UNIT_DIR : null;
}

async function log(stateDir: string, id: string, message: string): Promise<void> {
  process.stdout.write(`${message}\n`);
  await appendFile(stateLayout.watchdogLog(stateDir), `${new Date().toISOString()} [${id} boot guard pid ${process.pid}] ${message}\n`, { mode: 0o600 }).catch(
    () => undefined,
  );
}

/** Whether the apply's watchdog is running, i.e. this is not a boot (the pid is checked to be that watchdog). */
function watchdogRuns(pending: PendingApply): boolean {
  if (!isProcessAlive(pending.watchdogPid)) return false;
  try {
    const argv = readFileSync(`/proc/${pending.watchdogPid}/cmdline`, 'utf8').split('\0');
    return argv.includes('__watchdog') && argv.includes(pending.id);
  } catch {
    return false;
  }
}

/** Whether the apply's transcript records a command it ran (an unreadable transcript counts as yes, to be safe). */
async function ranACommand(stateDir: string, pending: PendingApply): Promise<boolean> {
  const transcript = await readTranscript(stateDir, pending.transcriptId);
  return !transcript.ok || transcript.value.entries.some((entry) => entry.type === 'step');
}

/** What the rollback at boot does for the snapshot's backend, for the transcript. */
async function howRestoredAtBoot(stateDir: string, snapshotId: string): Promise<string> {
  const manifest = await loadSnapshot(stateDir, snapshotId);
  return manifest.ok && manifest.value.nftables !== undefined
    ? `table inet v6wall and ${manifest.value.nftables.persistPath} were put back before ${NFT_UNIT_NAME} loaded it`
    : "UFW's files were restored before ufw.service loaded them";
}

/** Apply names the snapshot and the transcript after the apply itself; a pending file that does not is damaged. */
function namesItsOwnFiles(pending: PendingApply): boolean {
  return pending.snapshotId === pending.id && pending.transcriptId === pending.id;
}

/** Whether apply `id`'s transcript records no end (confirmed, rolled back, refused, failed). */
async function unfinished(stateDir: string, id: string): Promise<boolean> {
  const transcript = await readTranscript(stateDir, id);
  return transcript.ok && (transcript.value.outcome === 'pending' || transcript.value.outcome === 'incomplete');
}

export type BootGuardResult = 'nothing-pending' | 'watchdog-running' | 'nothing-ran' | 'rolled-back' | 'rollback-failed' | 'corrupted';

/** What the boot guard does: roll back apply `id` if it is still pending and no watchdog watches it. */
export async function guardAtBoot(stateDir: string, id: string, run: Runner, unitPath: string | null): Promise<BootGuardResult> {
  const read = await readPending(stateDir);
  if (read.kind === 'corrupted') return guardCorruptedPending(stateDir, id, read.problem, run, unitPath);
  if (read.kind === 'pending' && !namesItsOwnFiles(read.pending)) {
    return guardCorruptedPending(
      stateDir,
      id,
      `it names snapshot ${read.pending.snapshotId} and transcript ${read.pending.transcriptId} for apply ${read.pending.id}`,
      run,
      unitPath,
    );
  }
  if (read.kind === 'pending' && read.pending.id !== id && (await unfinished(stateDir, id))) {
    // Only this apply's end removes this guard, and its transcript has none: the file lies about the id.
    return guardCorruptedPending(stateDir, id, `it names apply ${read.pending.id}, but apply ${id} never finished`, run, unitPath);
  }
  if (read.kind === 'none' || read.pending.id !== id) {
    await log(stateDir, id, `apply ${id} no longer awaits confirmation; removing its boot guard`);
    await removeBootGuard(unitPath);
    return 'nothing-pending';
  }
  if (watchdogRuns(read.pending)) {
    await log(stateDir, id, `the watchdog of apply ${id} (pid ${read.pending.watchdogPid}) is running, so this is no boot: nothing done`);
    return 'watchdog-running';
  }
  const claimed = await claimPending(stateDir, id, 'boot-guard');
  if (!claimed.ok) {
    await log(stateDir, id, `not rolling back: ${claimed.error}`);
    return 'nothing-pending';
  }
  await unlink(stateLayout.stepHold(stateDir, id)).catch(() => undefined);
  if (!(await ranACommand(stateDir, claimed.value))) {
    // Down between placing this guard and the first command: maybe not even a snapshot to restore.
    const detail = 'the machine went down before the apply ran any command: nothing was changed (found at boot)';
    await appendToTranscript(stateDir, claimed.value.transcriptId, {
      type: 'outcome',
      when: new Date().toISOString(),
      outcome: 'refused',
      detail,
      failedStep: null,
      by: 'boot-guard',
    });
    await removeBootGuard(claimed.value.bootGuard);
    await log(stateDir, id, detail);
    return 'nothing-ran';
  }
  const was = claimed.value.phase === 'applying' ? 'while it was running its commands' : `before it was confirmed (deadline ${claimed.value.deadline})`;
  const reason = `rolled back at boot: the machine went down ${was}; ${await howRestoredAtBoot(stateDir, claimed.value.snapshotId)}`;
  await log(stateDir, id, `rolling back to snapshot ${claimed.value.snapshotId}`);
  return rollBackAtBoot(stateDir, claimed.value, reason, run, unitPath);
}

/** Puts the snapshot's files back (ufw.service or v6wall-nftables.service loads them next) and removes the guard. */
async function rollBackAtBoot(
  stateDir: string,
  claimed: Parameters<typeof rollbackClaimedApply>[1],
  reason: string,
  run: Runner,
  unitPath: string | null,
): Promise<BootGuardResult> {
  const done = await rollbackClaimedApply(stateDir, claimed, run, {
    reason,
    outcome: 'rolled-back',
    cause: 'boot',
    failedStep: null,
    by: 'boot-guard',
    restore: { live: false },
  });
  // Also when the pending file named another unit path.
  await removeBootGuard(unitPath);
  await log(stateDir, claimed.id, done.ok ? 'rolled back at boot' : `ROLLBACK FAILED: ${done.error}`);
  return done.ok ? 'rolled-back' : 'rollback-failed';
}

/** Whether a watchdog of apply `id` runs (its pid is unknown when the pending file is unreadable). */
function anyWatchdogOf(id: string): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return false;
  }
  return entries.some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      return argv.includes('__watchdog') && argv.includes(id);
    } catch {
      return false;
    }
  });
}

/**
 * The pending file cannot be read, but this guard still exists, and only confirm or a rollback
 * remove it: its apply was not confirmed. It rolls back to that apply's own snapshot (named after
 * it, as its transcript is) when the snapshot is usable and no later apply has taken one since,
 * and leaves everything to a person only when the snapshot cannot say what to put back.
 */
async function guardCorruptedPending(stateDir: string, id: string, problem: string, run: Runner, unitPath: string | null): Promise<BootGuardResult> {
  const leave = async (why: string): Promise<BootGuardResult> => {
    const message = `WARNING: the pending file is corrupted (${problem}) and ${why}: NOTHING WAS ROLLED BACK, the firewall stays as the unconfirmed apply ${id} left it; run \`v6wall rollback\` once you have looked`;
    process.stderr.write(`${message}\n`);
    await log(stateDir, id, message);
    return 'corrupted';
  };
  if (anyWatchdogOf(id)) {
    await log(stateDir, id, `the pending file is corrupted, but the watchdog of apply ${id} is running, so this is no boot: nothing done`);
    return 'watchdog-running';
  }
  const transcript = await readTranscript(stateDir, id);
  if (transcript.ok && !(await unfinished(stateDir, id))) {
    // A guard left behind by an apply that was finished: the corrupted file is someone else's.
    await log(stateDir, id, `apply ${id} was finished (${transcript.value.outcome}); removing its boot guard, the corrupted pending file is not its own`);
    await removeBootGuard(unitPath);
    return 'nothing-pending';
  }
  const manifest = await loadSnapshot(stateDir, id);
  if (!manifest.ok) return leave(`the snapshot of apply ${id} cannot be used (${manifest.error})`);
  const latest = await latestSnapshotId(stateDir);
  if (latest !== id)
    return leave(`a later apply took snapshot ${latest ?? '(none)'} since apply ${id}'s, so rolling back to ${id} might undo more than this apply`);
  // Out of the way first: renamed, so that no other party takes it; kept for a person to look at.
  const aside = `${stateLayout.pending(stateDir)}.corrupted-${Date.now()}`;
  try {
    await rename(stateLayout.pending(stateDir), aside);
  } catch (error) {
    return leave(`it cannot be moved aside (${describeFsError(error)})`);
  }
  await unlink(stateLayout.stepHold(stateDir, id)).catch(() => undefined);
  const warning = `WARNING: the pending file is corrupted (${problem}); apply ${id} still had its boot guard, so it was not confirmed: rolling back to its own snapshot ${id}; the corrupted file was moved to ${aside}`;
  process.stderr.write(`${warning}\n`);
  await log(stateDir, id, warning);
  await appendToTranscript(stateDir, id, { type: 'note', when: new Date().toISOString(), message: warning });
  const reason = `rolled back at boot: the machine went down before apply ${id} was confirmed (its pending file was found corrupted, its boot guard still in place); ${await howRestoredAtBoot(stateDir, id)}`;
  return rollBackAtBoot(stateDir, { id, snapshotId: id, transcriptId: id, bootGuard: unitPath }, reason, run, unitPath);
}

/** Entry point of `v6wall __boot-guard --state-dir DIR --id ID --unit PATH` (ExecStart of the unit). */
export async function runBootGuard(args: string[]): Promise<number> {
  const rest = args[0] === '__boot-guard' ? args.slice(1) : args;
  let values: { 'state-dir'?: string; id?: string; unit?: string };
  try {
    values = parseArgs({ args: rest, options: { 'state-dir': { type: 'string' }, id: { type: 'string' }, unit: { type: 'string' } }, strict: true }).values;
  } catch (error) {
    process.stderr.write(`v6wall __boot-guard: ${(error as Error).message}\n`);
    return 2;
  }
  const stateDir = values['state-dir'];
  const id = values.id;
  if (stateDir === undefined || id === undefined || !isSafeId(id)) {
    process.stderr.write('v6wall __boot-guard: needs --state-dir DIR and --id ID (run by the unit v6wall apply places, not by hand)\n');
    return 2;
  }
  const unitPath = values.unit ?? join(SYSTEM_UNIT_DIR, bootGuardUnitName(id));
  const { runCommand } = await import('../host/run.js');
  const result = await guardAtBoot(stateDir, id, runCommand, existsSync(unitPath) ? unitPath : null);
  return result === 'rollback-failed' || result === 'corrupted' ? 1 : 0;
}
