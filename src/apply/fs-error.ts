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
