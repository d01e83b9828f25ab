import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { hasBlock } from '../core/docker-user-block.js';
import { hostname } from 'node:os';
import type { Result, Runner, StepRecord } from '../core/types.js';
import { newId } from './ids.js';
import { stateLayout } from './paths.js';
import { claimPending, readPending, stopWatchdog, type PendingApply } from './pending.js';
import { loadLatestSnapshot, loadSnapshot, restoreSnapshotFiles, type SnapshotManifest } from './snapshot.js';
import { appendToTranscript, startTranscript, whoRan, type TranscriptEntry } from './transcript.js';

export interface RollbackReport {
  snapshotId: string;
  restoredFiles: string[];
  records: StepRecord[];
  /** The apply that was awaiting confirmation and got rolled back, if any. */
  pendingApplyId: string | null;
  /** The transcript this rollback was written to. */
  transcriptId: string;
}

type Sink = (entry: TranscriptEntry) => Promise<void>;

const UFW_TIMEOUT_MS = 60_000;

async function runRecorded(run: Runner, argv: string[], why: string, index: number, sink: Sink): Promise<StepRecord> {
  const startedAt = new Date().toISOString();
  const result = await run(argv, { timeoutMs: UFW_TIMEOUT_MS });
  const record: StepRecord = {
    index,
    why,
    argv,
    exitCode: result.exitCode,
    stdout: result.stdout,
    stderr: result.stderr,
    durationMs: Math.round(result.durationMs),
    startedAt,
  };
  await sink({ type: 'step', when: new Date().toISOString(), phase: 'rollback', kind: null, undoArgv: null, record });
  return record;
}

/**
 * Brings UFW back to the snapshot: its files, then `ufw reload` when it was enabled,
 * or `ufw --force disable` (before the files, so they end exactly as saved) when it was not.
 */
export async function restoreSnapshot(
  stateDir: string,
  manifest: SnapshotManifest,
  run: Runner,
  sink: Sink,
): Promise<Result<{ restoredFiles: string[]; records: StepRecord[] }, string>> {
  const records: StepRecord[] = [];
  if (!manifest.ufwEnabled) {
    records.push(await runRecorded(run, ['ufw', '--force', 'disable'], 'UFW was disabled before: disable it again', 0, sink));
  }
  const after6 = join(manifest.paths.ufwDir, 'after6.rules');
  const blockBefore = await readFile(after6, 'utf8').then(hasBlock, () => false);
  const restored = await restoreSnapshotFiles(stateDir, manifest);
  if (!restored.ok) return restored;
  await sink({ type: 'restore', when: new Date().toISOString(), snapshotId: manifest.id, files: restored.value });
  const blockAfter = await readFile(after6, 'utf8').then(hasBlock, () => false);
  if (blockBefore && !blockAfter) {
    // Nothing declares DOCKER-USER once the block is gone from after6.rules, so neither a reload
    // nor a disable would clear the block's rules: flush them (Docker re-adds its own on restart).
    records.push(await runRecorded(run, ['ip6tables', '-F', 'DOCKER-USER'], "Take v6wall's DOCKER-USER rules out of the live firewall", records.length, sink));
  }
  if (manifest.ufwEnabled) {
    records.push(await runRecorded(run, ['ufw', 'reload'], 'UFW was enabled before: load the restored rules', records.length, sink));
  }
  const { restoreAppliedState } = await import('./state.js');
  const stateRestored = await restoreAppliedState(stateDir, manifest.previousState);
  const failed = records.find((r) => r.exitCode !== 0);
  if (failed !== undefined) {
    return {
      ok: false,
      errors: `the files of snapshot ${manifest.id} were restored, but \`${failed.argv.join(' ')}\` failed (exit ${failed.exitCode}: ${failed.stderr.trim() || failed.stdout.trim()}); run it by hand`,
    };
  }
  if (!stateRestored.ok) return { ok: false, errors: stateRestored.errors };
  return { ok: true, value: { restoredFiles: restored.value, records } };
}

/**
 * Rolls back an apply that was already taken with claimPending (by the watchdog, or by apply
 * after a failed step), writing into that apply's own transcript.
 */
export async function rollbackClaimedApply(
  stateDir: string,
  pending: PendingApply,
  run: Runner,
  reason: string,
  outcome: 'rolled-back' | 'failed',
  failedStep: number | null,
  by: string,
): Promise<Result<RollbackReport, string>> {
  const sink: Sink = async (entry) => {
    await appendToTranscript(stateDir, pending.transcriptId, entry);
  };
  const manifest = await loadSnapshot(stateDir, pending.snapshotId);
  const done = manifest.ok ? await restoreSnapshot(stateDir, manifest.value, run, sink) : manifest;
  const detail = done.ok ? `${reason}; restored snapshot ${pending.snapshotId}` : `${reason}; ROLLBACK FAILED: ${done.errors}`;
  await sink({ type: 'outcome', when: new Date().toISOString(), outcome, detail, failedStep, by });
  if (!done.ok) return done;
  return {
    ok: true,
    value: { snapshotId: pending.snapshotId, ...done.value, pendingApplyId: pending.id, transcriptId: pending.transcriptId },
  };
}

export interface RollbackOptions {
  env?: NodeJS.ProcessEnv;
  hostname?: string;
  now?: () => Date;
}

/**
 * `v6wall rollback`: restores the last snapshot at any time, also after a confirmation.
 * Takes a pending apply first so its watchdog cannot roll back a second time.
 */
export async function rollbackToLastSnapshot(
  stateDir: string,
  run: Runner,
  reason: string,
  options: RollbackOptions = {},
): Promise<Result<RollbackReport, string>> {
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  const who = whoRan(env);
  const pendingRead = await readPending(stateDir);
  let pending: PendingApply | null = null;
  if (pendingRead.kind === 'pending') {
    const claimed = await claimPending(stateDir, pendingRead.pending.id, 'rollback');
    if (!claimed.ok) return { ok: false, errors: `another v6wall process is finishing the pending apply (${claimed.errors}); try again in a few seconds` };
    pending = claimed.value;
    await stopWatchdog(pending.watchdogPid, pending.id);
  }
  const manifest = pending !== null ? await loadSnapshot(stateDir, pending.snapshotId) : await loadLatestSnapshot(stateDir);
  if (!manifest.ok) return manifest;

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
  await writer.append({ type: 'note', when: now().toISOString(), message: `rollback to snapshot ${manifest.value.id}: ${reason}` });
  const done = await restoreSnapshot(stateDir, manifest.value, run, writer.append);
  const detail = done.ok ? `${reason}; restored snapshot ${manifest.value.id}` : `${reason}; ROLLBACK FAILED: ${done.errors}`;
  await writer.append({ type: 'outcome', when: now().toISOString(), outcome: done.ok ? 'rolled-back' : 'failed', detail, failedStep: null, by: who });
  if (pending !== null) {
    await appendToTranscript(stateDir, pending.transcriptId, {
      type: 'outcome',
      when: now().toISOString(),
      outcome: 'rolled-back',
      detail: `rolled back by \`v6wall rollback\` (transcript ${id}): ${reason}`,
      failedStep: null,
      by: who,
    });
  }
  if (!done.ok) return done;
  if (pendingRead.kind === 'corrupted') {
    // Rolled back past it: keep it for a person to look at, but out of the way of the next apply.
    const aside = `${stateLayout.pending(stateDir)}.corrupted-${now().getTime()}`;
    await rename(stateLayout.pending(stateDir), aside).catch(() => undefined);
    await writer.append({ type: 'note', when: now().toISOString(), message: `the corrupted pending file was moved to ${aside}` });
  }
  return {
    ok: true,
    value: { snapshotId: manifest.value.id, ...done.value, pendingApplyId: pending?.id ?? null, transcriptId: id },
  };
}
