import { open, readFile, unlink } from 'node:fs/promises';
import type { Result } from '../core/types/result.js';
import { describeFsError } from './fs-error.js';
import { isProcessAlive } from './pending.js';
import { stateLayout } from './paths.js';

/** Keeps two applies from running at once; a lock left by a dead process is taken over. */
export async function acquireApplyLock(stateDir: string): Promise<Result<() => Promise<void>, string>> {
  const path = stateLayout.applyLock(stateDir);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return { ok: true, value: () => unlink(path).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return { ok: false, error: `cannot lock ${path}: ${describeFsError(error)}` };
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && isProcessAlive(pid)) {
        return { ok: false, error: `another v6wall apply (pid ${pid}) is running; wait for it to finish` };
      }
      await unlink(path).catch(() => undefined);
    }
  }
  return { ok: false, error: `cannot lock ${path}: it keeps reappearing` };
}
