// v6wall's applied state, stored with conf in the state directory (state.json).
// conf costs ~90 ms to import, so it is loaded only when state is touched.
import type { Result } from '../core/types.js';
import { join } from 'node:path';
import { type AppliedState, isAppliedState } from './applied-state.js';
import { ensurePrivateDir } from './fs-atomic.js';

interface StoreShape {
  applied?: AppliedState;
}

export function stateFilePath(stateDir: string): string {
  return join(stateDir, 'state.json');
}

function corrupted(stateDir: string, detail: string): string {
  return `v6wall's state file ${stateFilePath(stateDir)} is corrupted (${detail}). Move it aside and run v6wall again: the host is then treated as new, and v6wall still recognises its rules by their comments`;
}

async function openStore(stateDir: string) {
  await ensurePrivateDir(stateDir);
  const { default: Conf } = await import('conf');
  return new Conf<StoreShape>({ cwd: stateDir, configName: 'state', configFileMode: 0o600, clearInvalidConfig: false });
}

/** The kept state; null when v6wall has not kept anything on this host yet. */
export async function loadAppliedState(stateDir: string): Promise<Result<AppliedState | null, string>> {
  try {
    const store = await openStore(stateDir);
    const applied: unknown = store.get('applied');
    if (applied === undefined) return { ok: true, value: null };
    if (!isAppliedState(applied)) return { ok: false, errors: corrupted(stateDir, 'it does not hold v6wall state') };
    return { ok: true, value: applied };
  } catch (error) {
    return { ok: false, errors: corrupted(stateDir, (error as Error).message) };
  }
}

export async function saveAppliedState(stateDir: string, state: AppliedState): Promise<Result<true, string>> {
  try {
    const store = await openStore(stateDir);
    store.set('applied', state);
    return { ok: true, value: true };
  } catch (error) {
    return { ok: false, errors: `cannot save v6wall's state to ${stateFilePath(stateDir)}: ${(error as Error).message}` };
  }
}

/** Puts back the state saved in a snapshot (null: v6wall had kept nothing then). */
export async function restoreAppliedState(stateDir: string, previous: unknown): Promise<Result<true, string>> {
  if (previous !== null && previous !== undefined && !isAppliedState(previous)) {
    return { ok: false, errors: 'the snapshot holds no readable v6wall state; the state file was left as it is' };
  }
  try {
    const store = await openStore(stateDir);
    if (isAppliedState(previous)) store.set('applied', previous);
    else store.delete('applied');
    return { ok: true, value: true };
  } catch (error) {
    return { ok: false, errors: `cannot restore v6wall's state in ${stateFilePath(stateDir)}: ${(error as Error).message}` };
  }
}
