// v6wall's applied state: state.json in the state directory, `{ "applied": ... }`, read through
// its schema (a plain file: the watchdog restores it during a rollback and must start fast).
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Result } from '../core/types/result.js';
import type { AppliedState } from './applied-state.js';
import { writeFileAtomic } from './atomic-write.js';
import { ensurePrivateDir } from './directories.js';
import { describeFsError } from './fs-error.js';
import { parseStored, StateFileSchema } from './stored-schemas.js';

export function stateFilePath(stateDir: string): string {
  return join(stateDir, 'state.json');
}

const MOVE_ASIDE = 'Move it aside and run v6wall again: the host is then treated as new, and v6wall still recognises its rules by their comments';

/** The kept state; null when v6wall has not kept anything on this host yet. */
export async function loadAppliedState(stateDir: string): Promise<Result<AppliedState | null, string>> {
  const path = stateFilePath(stateDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, value: null };
    return { ok: false, error: `v6wall's state file ${path} cannot be read: ${describeFsError(error)}` };
  }
  const parsed = parseStored(StateFileSchema, text, `v6wall's state file ${path}`);
  if (!parsed.ok) return { ok: false, error: `${parsed.error}. ${MOVE_ASIDE}` };
  return { ok: true, value: parsed.value.applied ?? null };
}

export async function saveAppliedState(stateDir: string, state: AppliedState): Promise<Result<true, string>> {
  try {
    await ensurePrivateDir(stateDir);
    await writeFileAtomic(stateFilePath(stateDir), `${JSON.stringify({ applied: state }, null, 2)}\n`);
    return { ok: true, value: true };
  } catch (error) {
    return { ok: false, error: `cannot save v6wall's state to ${stateFilePath(stateDir)}: ${describeFsError(error)}` };
  }
}

/** Puts back the state saved in a snapshot (null: v6wall had kept nothing then). */
export async function restoreAppliedState(stateDir: string, previous: AppliedState | null): Promise<Result<true, string>> {
  if (previous !== null) return saveAppliedState(stateDir, previous);
  try {
    await unlink(stateFilePath(stateDir));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      return { ok: false, error: `cannot restore v6wall's state in ${stateFilePath(stateDir)}: ${describeFsError(error)}` };
    }
  }
  return { ok: true, value: true };
}
