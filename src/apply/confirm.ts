import type { Result } from '../core/types/result.js';
import { removeBootGuard } from './boot-guard-unit.js';
import { sameConfirmCode } from './ids.js';
import { claimPending, readPending, stopWatchdog, type PendingApply } from './pending.js';
import { saveAppliedState } from './state.js';
import { appendToTranscript, whoRan } from './transcript.js';

export interface ConfirmResult {
  applyId: string;
  transcriptId: string;
  /** Problems that did not undo the confirmation (e.g. the state could not be saved). */
  warnings: string[];
}

export interface ConfirmOptions {
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/** Nothing is pending: says what became of the last apply, and when. */
async function whyNothingAwaits(stateDir: string, now: Date): Promise<string> {
  const { describeOutcome, lastApply, loadHistory } = await import('./history.js');
  const last = lastApply(await loadHistory(stateDir));
  if (last === null) return 'nothing awaits confirmation: v6wall has not applied anything here';
  const what = describeOutcome(last, now);
  if (last.outcome === 'rolled-back' || last.outcome === 'failed') {
    return `too late: apply ${last.id} was ${what}. The firewall is as it was before that apply; apply again and confirm before the deadline`;
  }
  return `nothing awaits confirmation: the last apply, ${last.id}, was ${what}`;
}

async function findAwaiting(stateDir: string, now: Date): Promise<Result<PendingApply, string>> {
  const read = await readPending(stateDir);
  if (read.kind === 'none') return { ok: false, error: await whyNothingAwaits(stateDir, now) };
  if (read.kind === 'corrupted') return { ok: false, error: read.message };
  const pending = read.pending;
  if (pending.phase === 'applying') return { ok: false, error: `apply ${pending.id} is still running its commands; confirm once it prints the code` };
  if (Date.parse(pending.deadline) <= now.getTime()) {
    const { clockTime } = await import('./history.js');
    return {
      ok: false,
      error: `too late: the deadline ${clockTime(pending.deadline, now)} has passed and the rollback of apply ${pending.id} is under way (\`v6wall history\` says when it is done)`,
    };
  }
  return { ok: true, value: pending };
}

async function keep(
  stateDir: string,
  pending: PendingApply,
  how: 'confirmed' | 'kept-without-proof',
  detail: string,
  options: ConfirmOptions,
): Promise<Result<ConfirmResult, string>> {
  const claimed = await claimPending(stateDir, pending.id, how);
  if (!claimed.ok) return { ok: false, error: `could not confirm: ${claimed.error} (the rollback may have fired; see \`v6wall status\`)` };
  await stopWatchdog(claimed.value.watchdogPid, claimed.value.id);
  await removeBootGuard(claimed.value.bootGuard);
  const warnings: string[] = [];
  const now = (options.now ?? (() => new Date()))();
  const written = await appendToTranscript(stateDir, pending.transcriptId, {
    type: 'outcome',
    when: now.toISOString(),
    outcome: how,
    detail,
    failedStep: null,
    by: whoRan(options.env ?? process.env),
  });
  if (!written.ok) warnings.push(written.error);
  if (claimed.value.proposedState !== null) {
    const saved = await saveAppliedState(stateDir, claimed.value.proposedState);
    if (!saved.ok) warnings.push(saved.error);
  }
  return { ok: true, value: { applyId: pending.id, transcriptId: pending.transcriptId, warnings } };
}

/**
 * `v6wall confirm CODE`, run from a NEW SSH session: that session getting in proves new
 * connections still work, so the rollback is disarmed and the changes are kept.
 */
export async function confirmPending(stateDir: string, code: string, options: ConfirmOptions = {}): Promise<Result<ConfirmResult, string>> {
  const now = (options.now ?? (() => new Date()))();
  const found = await findAwaiting(stateDir, now);
  if (!found.ok) return found;
  if (!sameConfirmCode(found.value.code, code)) {
    return {
      ok: false,
      error: `"${code}" is not the code of the pending apply; use the code v6wall printed (the rollback stays armed until ${found.value.deadline})`,
    };
  }
  const session = (options.env ?? process.env)['SSH_CONNECTION'];
  const detail = session ? `confirmed from a new SSH session (${session})` : 'confirmed with the code';
  return keep(stateDir, found.value, 'confirmed', detail, options);
}

/** The wizard's "keep without proof", only after a typed confirmation and a warning. */
export async function keepWithoutProof(stateDir: string, options: ConfirmOptions = {}): Promise<Result<ConfirmResult, string>> {
  const now = (options.now ?? (() => new Date()))();
  const found = await findAwaiting(stateDir, now);
  if (!found.ok) return found;
  return keep(stateDir, found.value, 'kept-without-proof', 'kept without proof that new connections work (typed confirmation in the wizard)', options);
}
