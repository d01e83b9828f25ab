// The directories v6wall keeps its state in: private to root, proven writable, with room to spare.
import { chmod, mkdir, statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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

/** The free space in the directory's file system, as df shows it (root's reserve not counted). */
export async function freeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}
