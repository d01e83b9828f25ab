// The nftables backend's part of a snapshot and its rollback: v6wall's live table (or its
// absence) and the file that loads it at boot (or its absence). A rollback puts both back with
// one `nft -f` that replaces only `table inet v6wall`, so Docker's tables are never touched.
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StepRecord } from '../core/types/apply-events.js';
import type { Result } from '../core/types/result.js';
import type { Runner } from '../core/types/runner.js';
import { NFT_PERSIST_PATH } from '../core/plan-nftables.js';
import { replaceTableScript } from '../core/nftables/v6wall-script.js';
import { V6WALL_FAMILY, V6WALL_TABLE } from '../core/nftables/v6wall-table.js';
import { writeFileAtomic } from './atomic-write.js';
import { describeFsError } from './fs-error.js';

export interface NftSnapshot {
  /** `nft list table inet v6wall` before the apply; null: there was no such table. */
  table: string | null;
  persistPath: typeof NFT_PERSIST_PATH;
  /** The boot file's content before the apply; null: there was none. */
  persisted: string | null;
}

const NFT_TIMEOUT_MS = 30_000;

/** Reads what the rollback must put back; an error when nft cannot say whether the table exists. */
export async function readNftSnapshot(run: Runner): Promise<Result<NftSnapshot, string>> {
  const read = await readNftState(run, NFT_PERSIST_PATH);
  return read.ok ? { ok: true, value: { ...read.value, persistPath: NFT_PERSIST_PATH } } : read;
}

/** The live table inet v6wall (null: none) and the boot file at persistPath (null: none). */
export async function readNftState(run: Runner, persistPath: string): Promise<Result<{ table: string | null; persisted: string | null }, string>> {
  const listed = await run(['nft', 'list', 'table', V6WALL_FAMILY, V6WALL_TABLE], { timeoutMs: NFT_TIMEOUT_MS });
  let table: string | null;
  if (listed.exitCode === 0) table = listed.stdout;
  else if (/No such file or directory/.test(listed.stderr)) table = null;
  else
    return {
      ok: false,
      error: `cannot read table ${V6WALL_FAMILY} ${V6WALL_TABLE} with nft (${listed.notFound ? 'nft is not installed' : `exit ${listed.exitCode}: ${listed.stderr.trim()}`})`,
    };
  let persisted: string | null;
  try {
    persisted = await readFile(persistPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return { ok: false, error: `cannot read ${persistPath}: ${describeFsError(error)}` };
    persisted = null;
  }
  return { ok: true, value: { table, persisted } };
}

export type RecordStep = (argv: string[], why: string, input: string) => Promise<StepRecord>;

/** The boot file first (so a reboot during the rollback never brings the new table back), then the live table. */
export async function restoreNftSnapshot(
  snapshot: NftSnapshot,
  record: RecordStep,
): Promise<Result<{ restoredFiles: string[]; records: StepRecord[] }, string>> {
  try {
    if (snapshot.persisted === null) await rm(snapshot.persistPath, { force: true });
    else {
      await mkdir(dirname(snapshot.persistPath), { recursive: true, mode: 0o755 });
      await writeFileAtomic(snapshot.persistPath, snapshot.persisted, 0o600);
    }
  } catch (error) {
    return { ok: false, error: `cannot put ${snapshot.persistPath} back: ${describeFsError(error)}` };
  }
  const why =
    snapshot.table === null
      ? `There was no table ${V6WALL_FAMILY} ${V6WALL_TABLE} before: remove it`
      : `Put table ${V6WALL_FAMILY} ${V6WALL_TABLE} back as it was, in one transaction`;
  const loaded = await record(['nft', '-f', '/dev/stdin'], why, replaceTableScript(snapshot.table));
  if (loaded.exitCode !== 0) {
    return {
      ok: false,
      error: `${snapshot.persistPath} was restored, but \`nft -f\` failed (exit ${loaded.exitCode}: ${loaded.stderr.trim()}); load it by hand: nft -f ${snapshot.persistPath}`,
    };
  }
  return { ok: true, value: { restoredFiles: [snapshot.persistPath], records: [loaded] } };
}
