import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { must } from './exec.js';

/** Downloads and build products live outside the checkout so CI and reruns reuse them. */
export const LAB_CACHE_DIR = process.env.V6WALL_LAB_CACHE ?? '/var/cache/v6wall-lab';
export const LAB_IMAGE = 'v6wall-lab/busybox:1';

const APPLETS = ['sh', 'httpd', 'nc', 'sleep', 'cat', 'echo', 'ls', 'ip', 'ifconfig', 'wget', 'ps', 'kill', 'true', 'false', 'env', 'id', 'ping', 'ping6'];

/**
 * A root filesystem tarball from busybox-static (no registry is reachable).
 * Built once and cached; `docker import` of it takes well under a second.
 */
export async function busyboxRootfsTar(): Promise<string> {
  // Named after its applets, so a changed list builds a new tarball instead of reusing the old one.
  const applets = createHash('sha256').update(APPLETS.join(' ')).digest('hex').slice(0, 8);
  const tarball = join(LAB_CACHE_DIR, `busybox-rootfs-${applets}.tar`);
  if (existsSync(tarball)) return tarball;
  mkdirSync(LAB_CACHE_DIR, { recursive: true });
  const root = mkdtempSync(join(LAB_CACHE_DIR, 'rootfs-'));
  try {
    for (const dir of ['bin', 'www', 'tmp', 'etc', 'proc', 'sys', 'dev']) mkdirSync(join(root, dir));
    copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
    chmodSync(join(root, 'bin/busybox'), 0o755);
    for (const applet of APPLETS) symlinkSync('busybox', join(root, 'bin', applet));
    writeFileSync(join(root, 'www/index.html'), 'v6wall lab container\n');
    writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/:/bin/sh\n');
    const partial = `${tarball}.${process.pid}.partial`;
    await must(['tar', '-c', '-f', partial, '-C', root, '.']);
    renameSync(partial, tarball);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return tarball;
}
