import { rename } from 'node:fs/promises';
import { removeBootGuard } from './boot-guard-unit.js';
import { hostname } from 'node:os';
import type { StepRecord } from '../core/types/apply-events.js';
import type { Result } from '../core/types/result.js';
import type { Runner } from '../core/types/runner.js';
import { changesSince, describeChanges, readAsLeft, recordAsLeft, recordNftAsLeft } from './as-left.js';
import { clockTime, describeOutcome, lastApply, loadHistory, type AppliedChange, type History, type RollbackCause } from './history.js';
import { newId } from './ids.js';
import { restoreUfwLiveRules, type RestoreLiveRules } from './live-rules.js';
import { stateLayout } from './paths.js';
import { claimPending, readPending, stopWatchdog, type PendingApply, type PendingRead } from './pending.js';
import { type NftSnapshot, restoreNftSnapshot } from './nftables-backend.js';
import { loadLatestSnapshot, loadSnapshot, restoreSnapshotFiles, type SnapshotManifest } from './snapshot.js';
import { appendToTranscript, startTranscript, whoRan, type TranscriptEntry } from './transcript.js';

export interface RollbackReport {
  snapshotId: string;
  restoredFiles: string[];
  records: StepRecord[];
  /** The apply that was awaiting confirmation and got rolled back, if any. */
  pendingApplyId: string | null;
  /** Every apply this rollback undid (the pending one included), oldest first. */
  undoneApplyIds: string[];
  /** The transcript this rollback was written to. */
  transcriptId: string;
}

type Sink = (entry: TranscriptEntry) => Promise<void>;

const UFW_TIMEOUT_MS = 60_000;

async function runRecorded(run: Runner, argv: string[], why: string, index: number, sink: Sink, input?: string): Promise<StepRecord> {
  const startedAt = new Date().toISOString();
  const result = await run(argv, { timeoutMs: UFW_TIMEOUT_MS, ...(input === undefined ? {} : { input }) });
  const record: StepRecord = {
    index,
    why,
    argv,
    ...(input === undefined ? {} : { input }),
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
    durationMs: Math.round(result.durationMs),
    startedAt,
  };
  await sink({ type: 'step', when: new Date().toISOString(), phase: 'rollback', kind: null, undoArgv: null, record });
  return record;
}

/** The nftables backend's restore point: its table and boot file, then v6wall's state. */
async function restoreNftablesBackend(
  stateDir: string,
  manifest: SnapshotManifest,
  snapshot: NftSnapshot,
  run: Runner,
  sink: Sink,
  transcriptId: string,
): Promise<Result<{ restoredFiles: string[]; records: StepRecord[] }, string>> {
  const restored = await restoreNftSnapshot(snapshot, (argv, why, input) => runRecorded(run, argv, why, 0, sink, input));
  if (!restored.ok) return restored;
  await sink({ type: 'restore', when: new Date().toISOString(), snapshotId: manifest.id, files: restored.value.restoredFiles });
  const { restoreAppliedState } = await import('./state.js');
  const stateRestored = await restoreAppliedState(stateDir, manifest.previousState);
  if (!stateRestored.ok) return { ok: false, error: stateRestored.error };
  const recorded = await recordNftAsLeft(stateDir, run, manifest.paths, transcriptId, new Date(), snapshot.persistPath);
  if (!recorded.ok) await sink({ type: 'note', when: new Date().toISOString(), message: recorded.error });
  return restored;
}

export interface RestoreOptions {
  /**
   * false: UFW's files and the state only, no ufw command. At boot, before ufw.service, which then
   * loads the restored files (and no UFW firewall is loaded yet to reload or disable). Default true.
   * The nftables backend's one `nft -f` runs either way: nft needs nothing started.
   */
  live?: boolean;
  /** How the live rules are brought back (UFW's chains in place by default). */
  restoreLive?: RestoreLiveRules;
}

/** At boot nothing is loaded yet: the files are all there is to restore. */
const filesOnly: RestoreLiveRules = async () => ({ ok: true, value: [] });

/**
 * Brings UFW back to the snapshot: its files (each atomically), then the live rules through the
 * backend's own step (UFW's chains restored in place, see live-rules.ts), then v6wall's state.
 */
export async function restoreSnapshot(
  stateDir: string,
  manifest: SnapshotManifest,
  run: Runner,
  sink: Sink,
  transcriptId: string,
  { live = true, restoreLive = restoreUfwLiveRules }: RestoreOptions = {},
): Promise<Result<{ restoredFiles: string[]; records: StepRecord[] }, string>> {
  if (manifest.nftables !== undefined) return restoreNftablesBackend(stateDir, manifest, manifest.nftables, run, sink, transcriptId);
  // The files and the live rules at once: the live rules come from the snapshot's saved ruleset.
  const files = restoreSnapshotFiles(stateDir, manifest);
  let index = 0;
  const [restored, liveRules] = await Promise.all([
    files,
    (live ? restoreLive : filesOnly)({
      stateDir,
      manifest,
      run,
      recorded: (argv, why, input) => runRecorded(run, argv, why, index++, sink, input),
      note: (message) => sink({ type: 'note', when: new Date().toISOString(), message }),
      filesRestored: files.then((r) => r.ok),
    }),
  ]);
  if (!restored.ok) return restored;
  await sink({ type: 'restore', when: new Date().toISOString(), snapshotId: manifest.id, files: restored.value });
  const { restoreAppliedState } = await import('./state.js');
  const stateRestored = await restoreAppliedState(stateDir, manifest.previousState);
  if (!liveRules.ok) return { ok: false, error: `the files of snapshot ${manifest.id} were restored, but ${liveRules.error}` };
  if (!stateRestored.ok) return { ok: false, error: stateRestored.error };
  const recorded = await recordAsLeft(stateDir, manifest.paths, transcriptId, new Date());
  if (!recorded.ok) await sink({ type: 'note', when: new Date().toISOString(), message: recorded.error });
  return { ok: true, value: { restoredFiles: restored.value, records: liveRules.value } };
}

export interface ClaimedRollback {
  reason: string;
  /** 'failed' when a step failed (the apply failed, and was undone at once). */
  outcome: 'rolled-back' | 'failed';
  cause: RollbackCause;
  failedStep: number | null;
  by: string;
  restore?: RestoreOptions;
}

/**
 * Rolls back an apply that was already taken with claimPending (by the watchdog, by apply after a
 * failed step, or by the boot guard), writing into that apply's own transcript.
 */
export async function rollbackClaimedApply(
  stateDir: string,
  pending: Pick<PendingApply, 'id' | 'snapshotId' | 'transcriptId' | 'bootGuard'>,
  run: Runner,
  how: ClaimedRollback,
): Promise<Result<RollbackReport, string>> {
  const sink: Sink = async (entry) => {
    await appendToTranscript(stateDir, pending.transcriptId, entry);
  };
  const manifest = await loadSnapshot(stateDir, pending.snapshotId);
  const done = manifest.ok ? await restoreSnapshot(stateDir, manifest.value, run, sink, pending.transcriptId, how.restore) : manifest;
  await removeBootGuard(pending.bootGuard);
  const detail = done.ok ? `${how.reason}; restored snapshot ${pending.snapshotId}` : `${how.reason}; ROLLBACK FAILED: ${done.error}`;
  await sink({ type: 'outcome', when: new Date().toISOString(), outcome: how.outcome, detail, failedStep: how.failedStep, by: how.by, cause: how.cause });
  if (!done.ok) return done;
  return {
    ok: true,
    value: { snapshotId: pending.snapshotId, ...done.value, pendingApplyId: pending.id, undoneApplyIds: [pending.id], transcriptId: pending.transcriptId },
  };
}

export interface RollbackOptions {
  env?: NodeJS.ProcessEnv;
  hostname?: string;
  now?: () => Date;
}

export interface RollbackByHandOptions extends RollbackOptions {
  /** `--to ID`: back to the firewall before that apply (default: before the last apply). */
  to?: string;
  /** Roll back even when UFW's files were changed since v6wall left them. */
  force?: boolean;
}

/** What a rollback by hand restores, and which applies it undoes; or why there is nothing to do. */
interface RollbackTarget {
  snapshotId: string;
  /** Applies in effect that the rollback undoes (not the pending one), oldest first. */
  undoes: AppliedChange[];
}

function chooseTarget(history: History, pendingRead: PendingRead, to: string | undefined, now: Date): Result<RollbackTarget, string> {
  const pendingId = pendingRead.kind === 'pending' ? pendingRead.pending.id : null;
  const inEffectFrom = (snapshotId: string) => history.applies.filter((a) => a.inEffect && a.id >= snapshotId && a.id !== pendingId);
  if (to !== undefined) {
    const apply = history.applies.find((a) => a.id === to);
    if (apply === undefined) return { ok: false, error: `no apply ${to} in v6wall's history; \`v6wall history\` lists them` };
    if (apply.outcome === 'refused') return { ok: false, error: `nothing to undo: apply ${to} was refused and changed nothing` };
    const undoes = inEffectFrom(to);
    if (undoes.length === 0 && pendingId === null) {
      return {
        ok: false,
        error: `nothing to undo: the firewall is already as it was before apply ${to} (${describeOutcome(apply, now)}, and no apply since is in effect); nothing was changed`,
      };
    }
    return { ok: true, value: { snapshotId: to, undoes } };
  }
  if (pendingRead.kind === 'pending') return { ok: true, value: { snapshotId: pendingRead.pending.snapshotId, undoes: [] } };
  const last = lastApply(history);
  if (last === null) return { ok: false, error: 'nothing to undo: v6wall has not applied anything here; nothing was changed' };
  if (!last.inEffect) {
    const earlier = history.applies.filter((a) => a.inEffect).at(-1);
    const further =
      earlier === undefined
        ? ''
        : `; to undo the earlier apply ${earlier.id} (${describeOutcome(earlier, now)}) too, run \`v6wall rollback --to ${earlier.id}\``;
    return {
      ok: false,
      error: `nothing to undo: the last apply, ${last.id}, was ${describeOutcome(last, now)}, so the firewall is already as it was before it; nothing was changed${further}`,
    };
  }
  return { ok: true, value: { snapshotId: last.id, undoes: inEffectFrom(last.id) } };
}

/** Refuses, with the difference, when UFW's files (or v6wall's nftables table) changed since v6wall left them (unless forced). */
async function refuseOutsideChanges(stateDir: string, run: Runner, now: Date): Promise<Result<true, string>> {
  const asLeft = await readAsLeft(stateDir);
  if (!asLeft.ok) return asLeft;
  if (asLeft.value?.nftables !== undefined) {
    const changes = await changesSince(asLeft.value, run);
    if (changes.length === 0) return { ok: true, value: true };
    return {
      ok: false,
      error: [
        `v6wall's nftables table was changed since v6wall left it at ${clockTime(asLeft.value.when, now)} (transcript ${asLeft.value.transcriptId}), by something other than v6wall:`,
        describeChanges(changes),
        'A rollback puts back the table and its boot file saved before the apply and would undo these changes too. Nothing was changed; run again with --force to roll back anyway.',
      ].join('\n'),
    };
  }
  if (asLeft.value === null) {
    return {
      ok: false,
      error:
        "v6wall has no record of how it left UFW's files (the last apply was made by an older version), so it cannot tell whether someone changed the rules since; check `sudo ufw status verbose`, then run again with --force to roll back anyway. Nothing was changed",
    };
  }
  const changes = await changesSince(asLeft.value, run);
  if (changes.length === 0) return { ok: true, value: true };
  return {
    ok: false,
    error: [
      `UFW's rules were changed since v6wall left them at ${clockTime(asLeft.value.when, now)} (transcript ${asLeft.value.transcriptId}), by something other than v6wall:`,
      describeChanges(changes),
      'A rollback restores the files saved before the apply and would undo these changes too. Nothing was changed; run again with --force to roll back anyway.',
    ].join('\n'),
  };
}

/**
 * `v6wall rollback [--to ID] [--force]`: back to the firewall before the last apply (or before apply
 * ID). Says so and changes nothing when there is nothing to undo; refuses without --force when
 * someone else changed UFW's rules since v6wall left them. Takes a pending apply first, so its
 * watchdog cannot roll back a second time.
 */
export async function rollbackByHand(
  stateDir: string,
  run: Runner,
  reason: string,
  options: RollbackByHandOptions = {},
): Promise<Result<RollbackReport, string>> {
  const now = options.now ?? (() => new Date());
  const pendingRead = await readPending(stateDir);
  if (pendingRead.kind === 'corrupted' && options.to === undefined) return rollbackToLastSnapshot(stateDir, run, reason, 'by-hand', options);
  if (pendingRead.kind === 'corrupted') return { ok: false, error: pendingRead.message };
  const history = await loadHistory(stateDir);
  const target = chooseTarget(history, pendingRead, options.to, now());
  if (!target.ok) return target;
  const manifest = await loadSnapshot(stateDir, target.value.snapshotId);
  if (!manifest.ok) return manifest;
  // A pending apply is undone at its deadline whatever changed meanwhile; after that, a rollback
  // must not silently overwrite someone else's rules.
  if (pendingRead.kind === 'none' && options.force !== true) {
    const outside = await refuseOutsideChanges(stateDir, run, now());
    if (!outside.ok) return outside;
  }
  return restoreByHand(stateDir, run, reason, 'by-hand', options, manifest.value, target.value.undoes, pendingRead);
}

/** Takes the pending apply (if any), restores, and writes the outcome into every undone apply's transcript. */
async function restoreByHand(
  stateDir: string,
  run: Runner,
  reason: string,
  cause: RollbackCause,
  options: RollbackByHandOptions,
  manifest: SnapshotManifest,
  undoes: AppliedChange[],
  pendingRead: PendingRead,
): Promise<Result<RollbackReport, string>> {
  const now = options.now ?? (() => new Date());
  const who = whoRan(options.env ?? process.env);
  let pending: PendingApply | null = null;
  if (pendingRead.kind === 'pending') {
    const claimed = await claimPending(stateDir, pendingRead.pending.id, 'rollback');
    if (!claimed.ok) return { ok: false, error: `another v6wall process is finishing the pending apply (${claimed.error}); try again in a few seconds` };
    pending = claimed.value;
    await stopWatchdog(pending.watchdogPid, pending.id);
  }
  const id = newId(now());
  const transcript = await startTranscript(stateDir, {
    type: 'start',
    version: 1,
    id,
    kind: 'rollback',
    when: now().toISOString(),
    who,
    hostname: options.hostname ?? hostname(),
    choices: null,
    plan: [],
    confirmTimeoutSec: null,
  });
  if (!transcript.ok) return transcript;
  const writer = transcript.value;
  await writer.append({ type: 'note', when: now().toISOString(), message: `rollback to snapshot ${manifest.id}: ${reason}` });
  const done = await restoreSnapshot(stateDir, manifest, run, writer.append, id);
  await removeBootGuard(pending?.bootGuard);
  const detail = done.ok ? `${reason}; restored snapshot ${manifest.id}` : `${reason}; ROLLBACK FAILED: ${done.error}`;
  await writer.append({ type: 'outcome', when: now().toISOString(), outcome: done.ok ? 'rolled-back' : 'failed', detail, failedStep: null, by: who, cause });
  const command = `v6wall rollback${options.to === undefined ? '' : ` --to ${options.to}`}`;
  const undoneIds = [...undoes.map((a) => a.id), ...(pending === null ? [] : [pending.transcriptId])];
  if (done.ok) {
    for (const applyId of undoneIds) {
      await appendToTranscript(stateDir, applyId, {
        type: 'outcome',
        when: now().toISOString(),
        outcome: 'rolled-back',
        detail: `rolled back by \`${command}\` (transcript ${id}): ${reason}`,
        failedStep: null,
        by: who,
        cause,
      });
    }
  }
  if (!done.ok) return done;
  return { ok: true, value: { snapshotId: manifest.id, ...done.value, pendingApplyId: pending?.id ?? null, undoneApplyIds: undoneIds, transcriptId: id } };
}

/**
 * The watchdog's last resort when the pending file is unreadable: restores the latest snapshot,
 * whatever the history says, and moves the corrupted file aside.
 */
export async function rollbackToLastSnapshot(
  stateDir: string,
  run: Runner,
  reason: string,
  cause: RollbackCause,
  options: RollbackOptions = {},
): Promise<Result<RollbackReport, string>> {
  const now = options.now ?? (() => new Date());
  const pendingRead = await readPending(stateDir);
  const manifest = await loadLatestSnapshot(stateDir);
  if (!manifest.ok) return manifest;
  const done = await restoreByHand(stateDir, run, reason, cause, options, manifest.value, [], pendingRead.kind === 'pending' ? pendingRead : { kind: 'none' });
  if (done.ok && pendingRead.kind === 'corrupted') {
    // Rolled back past it: keep it for a person to look at, but out of the way of the next apply.
    const aside = `${stateLayout.pending(stateDir)}.corrupted-${now().getTime()}`;
    await rename(stateLayout.pending(stateDir), aside).catch(() => undefined);
    await appendToTranscript(stateDir, done.value.transcriptId, {
      type: 'note',
      when: now().toISOString(),
      message: `the corrupted pending file was moved to ${aside}`,
    });
  }
  return done;
}
