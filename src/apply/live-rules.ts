// The live half of a rollback, once UFW's files are back: UFW's chains (and v6wall's DOCKER-USER
// block) restored in one `ip6tables-restore --noflush` transaction per address family, from the
// ruleset the snapshot saved, without a full `ufw reload` (seconds on a busy machine) and without
// touching Docker's own chains. Falls back to ufw itself when the chains cannot be restored as
// they were. A backend that is not UFW over iptables (nftables) brings its own RestoreLiveRules.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { policyCommands } from '../core/iptables/policies.js';
import { chainsRestore, dockerUserRestore, sameUfwPart } from '../core/iptables/restore-chains.js';
import type { StepRecord } from '../core/types/apply-events.js';
import type { Result } from '../core/types/result.js';
import type { Runner } from '../core/types/runner.js';
import { stateLayout } from './paths.js';
import type { SnapshotManifest } from './snapshot.js';

/** Runs one command of the rollback and records it in the transcript. */
export type RecordedRun = (argv: string[], why: string, input?: string) => Promise<StepRecord>;

export interface LiveRestoreInput {
  stateDir: string;
  manifest: SnapshotManifest;
  run: Runner;
  recorded: RecordedRun;
  /** Adds a line to the transcript (what was decided, and why). */
  note: (message: string) => Promise<void>;
  /**
   * Settles once UFW's files are back. The in-place restore runs alongside (it reads the snapshot's
   * saved ruleset, not the files); only a fall back to ufw itself must wait for it.
   */
  filesRestored: Promise<boolean>;
}

/** Brings the live rules back to the snapshot; the commands it ran, or why it could not. */
export type RestoreLiveRules = (input: LiveRestoreInput) => Promise<Result<StepRecord[], string>>;

const FAMILIES = [
  { save: 'ip6tables-save', restore: 'ip6tables-restore', prefix: 'ufw6-', dockerUser: true, label: 'IPv6' },
  { save: 'iptables-save', restore: 'iptables-restore', prefix: 'ufw-', dockerUser: false, label: 'IPv4' },
] as const;
type Family = (typeof FAMILIES)[number];

const SAVE_TIMEOUT_MS = 30_000;

/** One family: restored in place ('done', with its command if any), or the reason UFW must reload it. */
async function restoreFamily(input: LiveRestoreInput, family: Family): Promise<{ records: StepRecord[] } | { reload: string }> {
  const table = input.manifest.tables.find((t) => t.name === family.save);
  if (table === undefined || table.stored === null) return { reload: `the snapshot has no ${family.save} (${table?.error ?? 'not taken'})` };
  const saved = await readFile(join(stateLayout.snapshot(input.stateDir, input.manifest.id), table.stored), 'utf8').catch(() => null);
  if (saved === null) return { reload: `the snapshot's ${table.stored} cannot be read` };
  const live = await input.run([family.save, '-t', 'filter'], { timeoutMs: SAVE_TIMEOUT_MS });
  if (live.exitCode !== 0) return { reload: `${family.save} failed (exit ${live.exitCode}: ${live.stderr.trim()})` };
  const change = chainsRestore({ saved, live: live.stdout, prefix: family.prefix, dockerUser: family.dockerUser });
  if (change.kind === 'in-place') return { records: [] };
  if (change.kind === 'reload') return { reload: change.reason };
  const record = await input.recorded(
    [family.restore, '--noflush'],
    `Put UFW's ${family.label} chains back as they were, in one transaction (${change.chains.join(', ')}); Docker's chains stay as they are`,
    change.input,
  );
  if (record.exitCode !== 0) return { reload: `${family.restore} failed (exit ${record.exitCode}: ${record.stderr.trim()})` };
  const after = await input.run([family.save, '-t', 'filter'], { timeoutMs: SAVE_TIMEOUT_MS });
  if (after.exitCode !== 0 || !sameUfwPart(saved, after.stdout, family.prefix, family.dockerUser)) {
    return { reload: `after ${family.restore}, UFW's ${family.label} chains still differ from the snapshot's` };
  }
  return { records: [record] };
}

async function restoreDockerUser(input: LiveRestoreInput): Promise<StepRecord | null> {
  const table = input.manifest.tables.find((t) => t.name === 'ip6tables-save');
  if (table === undefined || table.stored === null) return null;
  const saved = await readFile(join(stateLayout.snapshot(input.stateDir, input.manifest.id), table.stored), 'utf8').catch(() => null);
  const live = await input.run(['ip6tables-save', '-t', 'filter'], { timeoutMs: SAVE_TIMEOUT_MS });
  const restore = saved === null || live.exitCode !== 0 ? null : dockerUserRestore(saved, live.stdout);
  if (restore === null) return null;
  return input.recorded(['ip6tables-restore', '--noflush'], "Take v6wall's DOCKER-USER rules out of the live firewall (DOCKER-USER as saved)", restore);
}

/** The built-in chains' policies as the snapshot saw them, as commands. */
async function savedPolicies(input: LiveRestoreInput): Promise<string[][]> {
  const commands: string[][] = [];
  for (const table of input.manifest.tables) {
    if (table.stored === null) continue;
    const saved = await readFile(join(stateLayout.snapshot(input.stateDir, input.manifest.id), table.stored), 'utf8').catch(() => null);
    if (saved !== null) commands.push(...policyCommands(table.name === 'ip6tables-save' ? 'ip6tables' : 'iptables', saved));
  }
  return commands;
}

/** UFW over iptables: chain by chain where it can, else (or after a failure) through ufw itself. */
export const restoreUfwLiveRules: RestoreLiveRules = async (input) => {
  const results = await Promise.all(FAMILIES.map((family) => restoreFamily(input, family)));
  const records = results.flatMap((r) => ('records' in r ? r.records : []));
  const reloads = results.flatMap((r) => ('reload' in r ? [r.reload] : []));
  if (reloads.length === 0) return { ok: true, value: records };
  await input.note(`restoring UFW's chains in place was not possible (${reloads.join('; ')}): ufw itself loads the restored files`);
  if (!(await input.filesRestored)) return { ok: false, error: "UFW's files could not be restored, so ufw cannot load them" };
  // Once v6wall's block is gone from after6.rules nothing declares DOCKER-USER, so ufw would leave
  // the block's rules in it: put the chain back as saved first (a reload refills it from the block
  // when the restored files still have one).
  const dockerUser = await restoreDockerUser(input);
  if (dockerUser !== null) records.push(dockerUser);
  const { manifest } = input;
  const fallback = manifest.ufwEnabled
    ? await input.recorded(['ufw', 'reload'], 'UFW was enabled before: load the restored rules')
    : await input.recorded(['ufw', '--force', 'disable'], 'UFW was disabled before: disable it again');
  records.push(fallback);
  if (!manifest.ufwEnabled && fallback.exitCode === 0) {
    // ufw disable leaves every built-in chain at ACCEPT; Docker had set FORWARD to DROP on many hosts.
    for (const argv of await savedPolicies(input)) {
      records.push(await input.recorded(argv, `Put the ${argv[4]} policy back to ${argv[5]}, as it was before`));
    }
  }
  if (fallback.exitCode !== 0) {
    return {
      ok: false,
      error: `\`${fallback.argv.join(' ')}\` failed (exit ${fallback.exitCode}: ${fallback.stderr.trim() || fallback.stdout.trim()}); run it by hand`,
    };
  }
  return { ok: true, value: records };
};
