// The boot guard's unit file: written and enabled by apply, removed by whoever finishes the apply
// (confirm, a rollback). See boot-guard.ts for what it does at boot and why it sits where it does.
import { mkdir, rmdir, symlink, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Result } from '../core/types/result.js';
import { writeFileAtomic } from './atomic-write.js';
import { describeFsError } from './fs-error.js';
import { isSafeId } from './ids.js';
import { stateLayout } from './paths.js';

/** Where apply places the unit when systemd is the init system it shares namespaces with. */
export const SYSTEM_UNIT_DIR = '/etc/systemd/system';
/** The nftables backend's boot unit (core/plan-nftables.ts NFT_UNIT_NAME; not imported: confirm loads this file). */
const NFT_UNIT_NAME = 'v6wall-nftables.service';
/** The target whose .wants/ folder pulls the unit into every boot. */
const WANTED_BY = 'sysinit.target';

export function bootGuardUnitName(id: string): string {
  return `v6wall-boot-guard-${id}.service`;
}

/** systemd's quoting for one ExecStart= word: specifiers (%) and variables ($) taken literally. */
function execWord(word: string): string {
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/**
 * The unit file. DefaultDependencies=no and After=local-fs.target, like ufw.service itself, so it
 * can run before it: the rollback is then a matter of files, and the unconfirmed rules are never
 * loaded (not even for the moment a rollback after ufw.service would leave them live).
 */
export function bootGuardUnit(command: readonly string[], stateDir: string, id: string, unitPath: string): Result<string, string> {
  const words = [...command, '__boot-guard', '--state-dir', stateDir, '--id', id, '--unit', unitPath];
  if (!isSafeId(id)) return { ok: false, error: `"${id}" is not an apply id` };
  if (!command[0]?.startsWith('/')) return { ok: false, error: `the command that runs v6wall should be an absolute path, not "${command[0] ?? ''}"` };
  if (!stateDir.startsWith('/')) return { ok: false, error: `the state directory should be an absolute path, not "${stateDir}"` };
  if (!unitPath.startsWith('/')) return { ok: false, error: `the unit folder should be an absolute path, not "${unitPath}"` };
  // eslint-disable-next-line no-control-regex
  if (words.some((word) => /[\u0000-\u001f\u007f]/.test(word))) return { ok: false, error: 'the command or the state directory holds a control character' };
  const pendingPath = stateLayout.pending(stateDir).replace(/%/g, '%%');
  return {
    ok: true,
    value: [
      `# Placed by v6wall apply ${id}; removed once that apply is confirmed or rolled back.`,
      '[Unit]',
      `Description=v6wall: roll back apply ${id} at boot (it was not confirmed before the machine went down)`,
      'Documentation=man:v6wall(8)',
      'DefaultDependencies=no',
      'After=local-fs.target',
      // Before every service that loads firewall rules from files at boot.
      `Before=ufw.service ${NFT_UNIT_NAME} nftables.service netfilter-persistent.service network-pre.target ${WANTED_BY} shutdown.target`,
      'Conflicts=shutdown.target',
      `ConditionPathExists=${pendingPath}`,
      '',
      '[Service]',
      'Type=oneshot',
      `ExecStart=${words.map(execWord).join(' ')}`,
      '',
      '[Install]',
      `WantedBy=${WANTED_BY}`,
      '',
    ].join('\n'),
  };
}

/** The .wants/ link that enables a unit file (what `systemctl enable` would make). */
function wantsLink(unitPath: string): string {
  return join(dirname(unitPath), `${WANTED_BY}.wants`, basename(unitPath));
}

/**
 * Writes and enables the unit; its path, for the pending file. No daemon-reload: systemd reads
 * it at the next boot, which is the only time it is meant to run.
 */
export async function placeBootGuard(unitDir: string, command: readonly string[], stateDir: string, id: string): Promise<Result<string, string>> {
  const path = join(unitDir, bootGuardUnitName(id));
  const unit = bootGuardUnit(command, stateDir, id, path);
  if (!unit.ok) return unit;
  try {
    // Synced, as the pending file written next is: a power cut just after apply must still find it.
    await writeFileAtomic(path, unit.value, 0o644);
    await mkdir(dirname(wantsLink(path)), { recursive: true });
    await symlink(path, wantsLink(path));
    return { ok: true, value: path };
  } catch (error) {
    await removeBootGuard(path);
    return { ok: false, error: `cannot place the boot guard ${path}: ${describeFsError(error)}` };
  }
}

/** Removes a boot guard and its .wants/ link; only files named like one (the path comes from the pending file). */
export async function removeBootGuard(unitPath: string | null | undefined): Promise<void> {
  if (unitPath === null || unitPath === undefined || !/^v6wall-boot-guard-[A-Za-z0-9][A-Za-z0-9._-]*\.service$/.test(basename(unitPath))) return;
  await unlink(wantsLink(unitPath)).catch(() => undefined);
  await unlink(unitPath).catch(() => undefined);
  // The .wants/ folder, if placing the guard made it (rmdir removes only an empty one).
  await rmdir(dirname(wantsLink(unitPath))).catch(() => undefined);
}
