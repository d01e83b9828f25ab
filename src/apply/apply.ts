// Applies a plan in three phases after refusing what is unsafe: arm the rollback (snapshot and
// detached watchdog), run the steps (each recorded; the first failure rolls back at once), await
// confirmation (the watchdog rolls back at the deadline unless `v6wall confirm` takes the apply).
import { existsSync } from 'node:fs';
import type { ApplyEvent, ApplyOutcome, StepRecord } from '../core/types/apply-events.js';
import type { Choices } from '../core/types/choices.js';
import type { BackendKind, Facts } from '../core/types/facts.js';
import type { Plan } from '../core/types/plan.js';
import type { Runner } from '../core/types/runner.js';
import { backendOf } from '../core/backend.js';
import { resolve } from 'node:path';
import { acquireApplyLock } from './apply-lock.js';
import { placeBootGuard, removeBootGuard } from './boot-guard-unit.js';
import { recordAsLeft, recordNftAsLeft } from './as-left.js';
import { proposeAppliedState, type AppliedState } from './applied-state.js';
import { ensurePrivateDir, probeWritable } from './directories.js';
import { describeFsError } from './fs-error.js';
import { newConfirmCode, newId } from './ids.js';
import { claimPending, isProcessAlive, readPending, stopWatchdog, writePending, type PendingApply } from './pending.js';
import { DEFAULT_UFW_PATHS, stateLayout, type UfwPaths } from './paths.js';
import { rollbackClaimedApply } from './rollback.js';
import { openStepHold, type StepHold } from './running-step.js';
import { takeSnapshot } from './snapshot.js';
import { startTranscript, whoRan, type TranscriptWriter } from './transcript.js';
import { spawnWatchdog } from './watchdog.js';

/** What apply needs to know about the host and the person running it. */
export interface ApplyHost {
  hostname: string;
  /** SUDO_USER, else the user. */
  user: string;
  root: boolean;
  ufwInstalled: boolean;
  ufwInstallHint: string | null;
  /** The firewall the plan drives; absent: UFW. */
  backend?: BackendKind;
}

export interface ApplyOptions {
  stateDir: string;
  /** Seconds the operator has to run `v6wall confirm CODE` after the last step. */
  confirmTimeoutSec: number;
  run: Runner;
  choices: Choices;
  host: ApplyHost;
  /** argv that starts this program; ` __watchdog --state-dir DIR --id ID` is appended. */
  watchdogCommand: string[];
  /**
   * Where to place the boot guard's unit (boot-guard.ts: rolls the apply back at the next boot unless
   * it was confirmed), normally /etc/systemd/system; null or absent: no boot guard (no systemd here).
   */
  bootGuardDir?: string | null;
  /** Where UFW's files live; defaults to /etc/ufw and /etc/default/ufw. */
  paths?: UfwPaths;
  /** Longest one ufw command may take before it counts as failed. Default 60. */
  stepTimeoutSec?: number;
  now?: () => Date;
}

export function applyHostFromFacts(facts: Facts, env: NodeJS.ProcessEnv): ApplyHost {
  return {
    hostname: facts.host.hostname,
    user: whoRan(env),
    root: facts.host.root,
    ufwInstalled: facts.ufw.installed,
    ufwInstallHint: facts.ufw.installHint,
    backend: backendOf(facts).kind,
  };
}

/** This program again: the single executable itself, or node with the same flags and script. */
export { selfCommand as defaultWatchdogCommand } from './self-command.js';
export { defaultBootGuardDir } from './boot-guard.js';

const DEFAULT_STEP_TIMEOUT_SEC = 60;
// While a step runs, the watchdog waits this much past the step's own timeout before it
// decides the apply died and rolls back.
const STEP_GRACE_SEC = 10;

function refused(error: string, transcript: TranscriptWriter | null = null): ApplyOutcome {
  return {
    ok: false,
    failedStep: null,
    records: [],
    rolledBack: false,
    confirmCode: null,
    deadline: null,
    transcriptId: transcript?.id ?? '',
    transcriptPath: transcript?.path ?? '',
    error,
  };
}

const addSeconds = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000).toISOString();

export async function applyPlan(plan: Plan, options: ApplyOptions, onEvent: (e: ApplyEvent) => void = () => undefined): Promise<ApplyOutcome> {
  const { host, stateDir } = options;
  if (!host.root) return refused('v6wall apply changes the firewall and must run as root (sudo v6wall apply ...); nothing was changed');
  if (host.backend !== 'nftables' && !host.ufwInstalled)
    return refused(`UFW is not installed: ${host.ufwInstallHint ?? 'install the ufw package'}; nothing was changed`);
  if (!Number.isFinite(options.confirmTimeoutSec) || options.confirmTimeoutSec < 1) {
    return refused(`the confirmation timeout must be at least 1 second (got ${options.confirmTimeoutSec})`);
  }
  const toRun = plan.steps.flatMap((step, index) => (step.satisfied ? [] : [index]));
  // Nothing to change: no snapshot, no watchdog, no transcript (transcriptId stays '').
  if (toRun.length === 0) return { ...refused(''), ok: true, error: null };

  try {
    await ensurePrivateDir(stateDir);
    await probeWritable(stateDir);
  } catch (error) {
    return refused(`the state directory ${stateDir} is not writable: ${describeFsError(error)}; nothing was changed`);
  }
  const lock = await acquireApplyLock(stateDir);
  if (!lock.ok) return refused(`${lock.error}; nothing was changed`);
  try {
    return await applyLocked(plan, toRun, options, onEvent);
  } finally {
    await lock.value();
  }
}

/** One apply under way: what its phases read and add to. */
interface ApplyRun {
  id: string;
  plan: Plan;
  /** Indexes of the plan steps not already satisfied, in order. */
  toRun: number[];
  options: ApplyOptions;
  onEvent: (e: ApplyEvent) => void;
  now: () => Date;
  stepTimeoutSec: number;
  previous: AppliedState | null;
  transcript: TranscriptWriter;
  pending: PendingApply;
  records: StepRecord[];
  /** Open while steps run; every command holds it (running-step.ts). */
  hold: StepHold | null;
}

async function applyLocked(plan: Plan, toRun: number[], options: ApplyOptions, onEvent: (e: ApplyEvent) => void): Promise<ApplyOutcome> {
  const begun = await beginApply(plan, toRun, options, onEvent);
  if ('refused' in begun) return begun.refused;
  const apply = begun.apply;
  return (await armRollback(apply)) ?? (await runSteps(apply)) ?? (await awaitConfirmation(apply));
}

/** Refuses while another apply awaits confirmation or the state is unreadable; starts the transcript. */
async function beginApply(
  plan: Plan,
  toRun: number[],
  options: ApplyOptions,
  onEvent: (e: ApplyEvent) => void,
): Promise<{ apply: ApplyRun } | { refused: ApplyOutcome }> {
  const { stateDir, host } = options;
  const now = options.now ?? (() => new Date());
  const stepTimeoutSec = options.stepTimeoutSec ?? DEFAULT_STEP_TIMEOUT_SEC;
  const existing = await readPending(stateDir);
  if (existing.kind === 'corrupted') return { refused: refused(`${existing.message}; nothing was changed`) };
  if (existing.kind === 'pending') {
    const p = existing.pending;
    const watchdog = isProcessAlive(p.watchdogPid)
      ? `its rollback fires at ${p.deadline}`
      : `and its rollback watchdog (pid ${p.watchdogPid ?? '?'}) is NOT running`;
    return {
      refused: refused(
        `apply ${p.id} is still awaiting confirmation (${watchdog}): run \`v6wall confirm CODE\` from a new SSH session, or \`v6wall rollback\`, before applying again; nothing was changed`,
      ),
    };
  }
  const { loadAppliedState } = await import('./state.js');
  const previous = await loadAppliedState(stateDir);
  if (!previous.ok) return { refused: refused(`${previous.error}; nothing was changed`) };

  const id = newId(now());
  const started = await startTranscript(stateDir, {
    type: 'start',
    version: 1,
    id,
    kind: 'apply',
    when: now().toISOString(),
    who: host.user,
    hostname: host.hostname,
    choices: options.choices,
    plan: plan.steps.map((s) => ({ kind: s.kind, why: s.why, argv: s.argv, undoArgv: s.undoArgv, satisfied: s.satisfied })),
    confirmTimeoutSec: options.confirmTimeoutSec,
  });
  if (!started.ok) return { refused: refused(`${started.error}; nothing was changed`) };
  const pending: PendingApply = {
    version: 1,
    id,
    phase: 'applying',
    code: newConfirmCode(),
    deadline: addSeconds(now(), stepTimeoutSec + STEP_GRACE_SEC),
    snapshotId: id,
    transcriptId: id,
    watchdogPid: null,
    applyPid: process.pid,
    createdAt: now().toISOString(),
    proposedState: null,
    bootGuard: null,
  };
  return {
    apply: { id, plan, toRun, options, onEvent, now, stepTimeoutSec, previous: previous.value, transcript: started.value, pending, records: [], hold: null },
  };
}

/** Stops before anything changed, saying why in the transcript. */
async function refuseApply(apply: ApplyRun, message: string): Promise<ApplyOutcome> {
  await apply.transcript.append({
    type: 'outcome',
    when: apply.now().toISOString(),
    outcome: 'refused',
    detail: message,
    failedStep: null,
    by: apply.options.host.user,
  });
  return refused(`${message}; nothing was changed`, apply.transcript);
}

/**
 * Phase 1: nothing may change without a live rollback. Places the boot guard and writes the pending
 * apply (which names the guard, so whoever finishes the apply removes it), then takes the snapshot
 * while the watchdog starts (a Node process); null once both are done, else the refusal.
 */
async function armRollback(apply: ApplyRun): Promise<ApplyOutcome | null> {
  const { id, options, pending, transcript, now } = apply;
  const { stateDir, run } = options;
  if (options.bootGuardDir !== undefined && options.bootGuardDir !== null) {
    const guard = await placeBootGuard(options.bootGuardDir, options.watchdogCommand, resolve(stateDir), id);
    if (!guard.ok) return refuseApply(apply, `refusing to apply without a rollback at boot: ${guard.error}`);
    pending.bootGuard = guard.value;
  }
  try {
    await writePending(stateDir, pending);
  } catch (error) {
    await removeBootGuard(pending.bootGuard);
    return refuseApply(apply, `refusing to apply: cannot write the pending file: ${describeFsError(error)}`);
  }
  const [snapshot, watchdog] = await Promise.all([
    takeSnapshot({
      stateDir,
      id,
      now: now(),
      paths: options.paths ?? DEFAULT_UFW_PATHS,
      run,
      previousState: apply.previous,
      backend: options.host.backend ?? 'ufw',
    }),
    spawnWatchdog(options.watchdogCommand, stateDir, id),
  ]);
  if (!snapshot.ok) {
    await claimPending(stateDir, id, 'apply-refused');
    await removeBootGuard(pending.bootGuard);
    if (watchdog.ok) await stopWatchdog(watchdog.value.pid, id);
    return refuseApply(apply, `refusing to apply: ${snapshot.error}`);
  }
  if (!watchdog.ok) {
    await claimPending(stateDir, id, 'apply-refused');
    await removeBootGuard(pending.bootGuard);
    return refuseApply(apply, `refusing to apply without a rollback: ${watchdog.error}`);
  }
  await transcript.append({ type: 'snapshot', when: now().toISOString(), snapshotId: id, ufwEnabled: snapshot.value.ufwEnabled });
  apply.onEvent({ type: 'snapshot', snapshotId: id });
  pending.watchdogPid = watchdog.value.pid;
  await transcript.append({
    type: 'armed',
    when: now().toISOString(),
    deadline: pending.deadline,
    watchdogPid: watchdog.value.pid,
    watchdog: watchdog.value.how,
    stage: 'steps',
  });
  await transcript.append({
    type: 'note',
    when: now().toISOString(),
    message: pending.bootGuard
      ? `boot guard ${pending.bootGuard}: if the machine restarts before the confirmation, this apply is rolled back at boot, before the firewall's rules are loaded`
      : "no boot guard (systemd is not the init system of this firewall's namespaces): a restart before the confirmation would keep these rules",
  });
  return null;
}

/** Phase 2: the unsatisfied steps in order, each recorded; null when all succeeded, else the rolled-back failure. */
async function runSteps(apply: ApplyRun): Promise<ApplyOutcome | null> {
  const { id, plan, options, pending, now, stepTimeoutSec } = apply;
  const { stateDir } = options;
  try {
    // Every command gets this file as fd 3: if v6wall dies mid-step, the watchdog waits for the
    // command to finish before it restores UFW's files, so the two never race.
    apply.hold = openStepHold(stateDir, id);
  } catch (error) {
    return failAndRollBack(apply, `cannot open ${stateLayout.stepHold(stateDir, id)}: ${describeFsError(error)}`, null);
  }
  for (const index of apply.toRun) {
    const step = plan.steps[index];
    if (step === undefined) continue;
    try {
      // Whoever takes the pending apply (the watchdog) renames the file away, and the apply lock keeps
      // any other apply from writing one: its presence is enough between steps, and cheap.
      if (!existsSync(stateLayout.pending(stateDir))) return failAndRollBack(apply, 'the rollback watchdog fired while the apply was running', index);
      // Keep the watchdog from firing while a slow step is still within its own timeout. The
      // pending file is rewritten (with an fsync) only when the time left gets short, not per step.
      if (Date.parse(pending.deadline) - now().getTime() < (stepTimeoutSec + STEP_GRACE_SEC / 2) * 1000) {
        pending.deadline = addSeconds(now(), stepTimeoutSec + STEP_GRACE_SEC);
        await writePending(stateDir, pending);
      }
    } catch (error) {
      return failAndRollBack(apply, `cannot update the pending file: ${describeFsError(error)}`, index);
    }
    apply.onEvent({ type: 'step-start', index, step });
    const startedAt = now().toISOString();
    const result = await options.run(step.argv, { timeoutMs: stepTimeoutSec * 1000, input: step.input, holdOpen: apply.hold.fd });
    const record: StepRecord = {
      index,
      why: step.why,
      argv: [...step.argv],
      ...(step.input === undefined ? {} : { input: step.input }),
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
      durationMs: Math.round(result.durationMs),
      startedAt,
    };
    apply.records.push(record);
    await apply.transcript.append({
      type: 'step',
      when: now().toISOString(),
      phase: 'apply',
      kind: step.kind,
      undoArgv: step.undoArgv,
      ...(step.undoInput === undefined ? {} : { undoInput: step.undoInput }),
      record,
    });
    if (result.exitCode !== 0) {
      apply.onEvent({ type: 'step-failed', index, record });
      const output = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-3).join(' / ');
      return failAndRollBack(
        apply,
        `step ${index + 1} failed: ${step.why} (\`${step.argv.join(' ')}\` exited ${result.exitCode}${output ? `: ${output}` : ''})`,
        index,
      );
    }
    apply.onEvent({ type: 'step-done', index, record });
  }
  apply.hold.release();
  return null;
}

/** Phase 3: hands the watchdog the confirmation deadline and the state to keep once confirmed. */
async function awaitConfirmation(apply: ApplyRun): Promise<ApplyOutcome> {
  const { id, plan, options, pending, transcript, now, records } = apply;
  const { stateDir } = options;
  pending.phase = 'awaiting-confirmation';
  pending.deadline = addSeconds(now(), options.confirmTimeoutSec);
  pending.proposedState = proposeAppliedState({
    previous: apply.previous,
    plan,
    choices: options.choices,
    ranStepIndexes: apply.toRun,
    transcriptId: id,
    now: now(),
  });
  // What the steps left, so that a later rollback can tell someone else's changes from v6wall's.
  const paths = options.paths ?? DEFAULT_UFW_PATHS;
  const recorded =
    options.host.backend === 'nftables' ? await recordNftAsLeft(stateDir, options.run, paths, id, now()) : await recordAsLeft(stateDir, paths, id, now());
  if (!recorded.ok) await transcript.append({ type: 'note', when: now().toISOString(), message: recorded.error });
  try {
    const current = await readPending(stateDir);
    if (current.kind !== 'pending' || current.pending.id !== id) return failAndRollBack(apply, 'the rollback watchdog fired while the apply was running', null);
    await writePending(stateDir, pending);
  } catch (error) {
    return failAndRollBack(apply, `cannot arm the confirmation: ${describeFsError(error)}`, null);
  }
  await transcript.append({ type: 'armed', when: now().toISOString(), deadline: pending.deadline, watchdogPid: pending.watchdogPid, stage: 'confirmation' });
  await transcript.append({
    type: 'outcome',
    when: now().toISOString(),
    outcome: 'pending',
    detail: `applied ${records.length} command(s); awaiting \`v6wall confirm\` until ${pending.deadline}`,
    failedStep: null,
    by: options.host.user,
  });
  apply.onEvent({ type: 'armed', confirmCode: pending.code, deadline: pending.deadline });
  return {
    ok: true,
    failedStep: null,
    records,
    rolledBack: false,
    confirmCode: pending.code,
    deadline: pending.deadline,
    transcriptId: id,
    transcriptPath: transcript.path,
    error: transcript.errors.length > 0 ? `applied, but the transcript is incomplete: ${transcript.errors.join('; ')}` : null,
  };
}

/** A step failed (or the apply lost its pending file): roll back at once, unless the watchdog already took it. */
async function failAndRollBack(apply: ApplyRun, message: string, failedStep: number | null): Promise<ApplyOutcome> {
  const { id, options, records, transcript } = apply;
  apply.hold?.release();
  const claimed = await claimPending(options.stateDir, id, 'apply-failed');
  let rolledBack = false;
  let error: string;
  if (claimed.ok) {
    await stopWatchdog(claimed.value.watchdogPid, id);
    const done = await rollbackClaimedApply(options.stateDir, claimed.value, options.run, {
      reason: message,
      outcome: 'failed',
      cause: 'step-failed',
      failedStep,
      by: options.host.user,
    });
    rolledBack = done.ok;
    error = done.ok ? `${message}; rolled back to the snapshot taken before` : `${message}; ROLLBACK FAILED: ${done.error}`;
  } else {
    error = `${message}; the watchdog is rolling back (${claimed.error})`;
  }
  apply.onEvent({ type: 'rolled-back', reason: message });
  return { ok: false, failedStep, records, rolledBack, confirmCode: null, deadline: null, transcriptId: id, transcriptPath: transcript.path, error };
}
