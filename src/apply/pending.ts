import { readFileSync } from 'node:fs';
import { readFile, rename, unlink } from 'node:fs/promises';
import { parseProcStatState } from '../core/parse/proc.js';
import type { InferOutput } from 'valibot';
import type { Result } from '../core/types/result.js';
import { writeFileAtomic } from './atomic-write.js';
import { describeFsError } from './fs-error.js';
import { stateLayout } from './paths.js';
import { parseStored, PendingSchema } from './stored-schemas.js';

/** The one apply that awaits confirmation (pending.json); see PendingSchema. */
export type PendingApply = InferOutput<typeof PendingSchema>;

export type PendingRead =
  | { kind: 'none' }
  | { kind: 'pending'; pending: PendingApply }
  /** message: what is wrong and what to do; problem: what is wrong alone. */
  | { kind: 'corrupted'; message: string; problem: string };

export async function readPending(stateDir: string): Promise<PendingRead> {
  const path = stateLayout.pending(stateDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'none' };
    const problem = `${path} cannot be read: ${describeFsError(error)}`;
    return { kind: 'corrupted', message: problem, problem };
  }
  const parsed = parseStored(PendingSchema, text, path);
  if (parsed.ok) return { kind: 'pending', pending: parsed.value };
  return {
    kind: 'corrupted',
    problem: parsed.error,
    message: `${parsed.error}; run \`v6wall rollback\` to restore the last snapshot, or remove it if you are sure nothing is pending`,
  };
}

export async function writePending(stateDir: string, pending: PendingApply): Promise<void> {
  await writeFileAtomic(stateLayout.pending(stateDir), `${JSON.stringify(pending, null, 2)}\n`);
}

/**
 * Takes the pending apply for one party (confirm, rollback, the watchdog or a failed apply).
 * rename() is atomic, so exactly one of them wins; the others see it gone.
 */
export async function claimPending(stateDir: string, id: string, by: string): Promise<Result<PendingApply, string>> {
  const path = stateLayout.pending(stateDir);
  const claimed = `${path}.${by}-${process.pid}`;
  try {
    await rename(path, claimed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: false, error: 'nothing awaits confirmation any more' };
    return { ok: false, error: `cannot take the pending apply: ${describeFsError(error)}` };
  }
  let text: string;
  try {
    text = await readFile(claimed, 'utf8');
  } catch (error) {
    await rename(claimed, path).catch(() => undefined);
    return { ok: false, error: `cannot read the pending apply: ${describeFsError(error)}` };
  }
  const parsed = parseStored(PendingSchema, text, path);
  if (!parsed.ok || parsed.value.id !== id) {
    // A corrupted file, or another apply's: put it back untouched.
    await rename(claimed, path).catch(() => undefined);
    return { ok: false, error: parsed.ok ? `the pending apply is ${parsed.value.id}, not ${id}` : parsed.error };
  }
  await unlink(claimed).catch(() => undefined);
  return { ok: true, value: parsed.value };
}

// How long stopWatchdog waits for the watchdog to exit after SIGTERM (it exits in milliseconds).
const WATCHDOG_EXIT_WAIT_MS = 2000;

/** Stops the watchdog after its pending apply was taken; checks the pid is still that watchdog. */
export async function stopWatchdog(pid: number | null, id: string): Promise<void> {
  if (pid === null) return;
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    if (!cmdline.includes('__watchdog') || !cmdline.includes(id)) return;
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  // Waited for, so that nothing of this apply is still running (or holding the state directory) after.
  const started = Date.now();
  while (isProcessAlive(pid) && Date.now() - started < WATCHDOG_EXIT_WAIT_MS) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** Whether the process exists and has not exited; a zombie (exited, not yet reaped) counts as gone. */
export function isProcessAlive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    return parseProcStatState(readFileSync(`/proc/${pid}/stat`, 'utf8')) !== 'Z';
  } catch {
    return true;
  }
}
