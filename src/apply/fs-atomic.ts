import { mkdir, chmod, open, rename, unlink, writeFile, statfs } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Writes a file so that readers see either the old or the new content, never a half. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await open(tmp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/** Creates a directory readable by root only (mode 0700), also when it already existed. */
export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
}

/** Proves the directory is writable by writing and removing a small probe file. */
export async function probeWritable(dir: string): Promise<void> {
  const probe = join(dir, `.probe-${process.pid}`);
  await writeFile(probe, 'probe\n', { mode: 0o600 });
  await unlink(probe);
}

export async function freeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

/** Turns a Node fs error into words a person can act on. */
export function describeFsError(error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  const where = err.path !== undefined ? ` (${err.path})` : '';
  switch (err.code) {
    case 'ENOSPC':
      return `the disk is full${where}`;
    case 'EDQUOT':
      return `the disk quota is exhausted${where}`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied${where}; run as root (sudo)`;
    case 'EROFS':
      return `the file system is read-only${where}`;
    case 'ENOENT':
      return `not found${where}`;
    default:
      return err.message ?? String(error);
  }
}
