// UFW's files as v6wall last left them (as-left.json), or with the nftables backend its table and
// boot file, so that a rollback can tell whether someone else changed the rules since, and show
// what it would overwrite.
import { readFile } from 'node:fs/promises';
import type { InferOutput } from 'valibot';
import { diffLines, type DiffLine } from '../core/line-diff.js';
import type { Result } from '../core/types/result.js';
import type { Runner } from '../core/types/runner.js';
import { NFT_PERSIST_PATH } from '../core/plan-nftables.js';
import { V6WALL_FAMILY, V6WALL_TABLE } from '../core/nftables/v6wall-table.js';
import { readNftState } from './nftables-backend.js';
import { writeFileAtomic } from './atomic-write.js';
import { describeFsError } from './fs-error.js';
import { stateLayout, type UfwPaths } from './paths.js';
import { filesToSave } from './snapshot.js';
import { AsLeftSchema, parseStored } from './stored-schemas.js';

export type AsLeft = InferOutput<typeof AsLeftSchema>;
type UfwFile = AsLeft['files'][number];

/** UFW's files as they are now (the same set a snapshot saves). */
export async function readUfwFiles(paths: UfwPaths): Promise<UfwFile[]> {
  const wanted = await filesToSave(paths);
  return Promise.all(wanted.map(async (w) => ({ original: w.original, content: await readFile(w.original, 'utf8') })));
}

/** Records UFW's files as they are now (or as given), as left by the apply or rollback `transcriptId`. */
export async function recordAsLeft(stateDir: string, paths: UfwPaths, transcriptId: string, now: Date, files?: UfwFile[]): Promise<Result<true, string>> {
  try {
    const record: AsLeft = { version: 1, when: now.toISOString(), transcriptId, paths, files: files ?? (await readUfwFiles(paths)) };
    await writeFileAtomic(stateLayout.asLeft(stateDir), `${JSON.stringify(record)}\n`);
    return { ok: true, value: true };
  } catch (error) {
    return { ok: false, error: `cannot record UFW's files in ${stateLayout.asLeft(stateDir)}: ${describeFsError(error)}` };
  }
}

/**
 * The nftables backend: records table inet v6wall and its boot file as they are now, as left by
 * the apply or rollback `transcriptId`.
 */
export async function recordNftAsLeft(
  stateDir: string,
  run: Runner,
  paths: UfwPaths,
  transcriptId: string,
  now: Date,
  persistPath: string = NFT_PERSIST_PATH,
): Promise<Result<true, string>> {
  const state = await readNftState(run, persistPath);
  if (!state.ok) return { ok: false, error: `cannot record how v6wall left its table: ${state.error}` };
  try {
    const record: AsLeft = { version: 1, when: now.toISOString(), transcriptId, paths, files: [], nftables: { ...state.value, persistPath } };
    await writeFileAtomic(stateLayout.asLeft(stateDir), `${JSON.stringify(record)}\n`);
    return { ok: true, value: true };
  } catch (error) {
    return { ok: false, error: `cannot record how v6wall left its table in ${stateLayout.asLeft(stateDir)}: ${describeFsError(error)}` };
  }
}

/** null when v6wall has not recorded them yet (nothing applied since this record was introduced). */
export async function readAsLeft(stateDir: string): Promise<Result<AsLeft | null, string>> {
  const path = stateLayout.asLeft(stateDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, value: null };
    return { ok: false, error: `${path} cannot be read: ${describeFsError(error)}` };
  }
  return parseStored(AsLeftSchema, text, path);
}

export interface FileChange {
  file: string;
  /** Lines removed and added since v6wall left the file; a whole file for one created or deleted. */
  lines: DiffLine[];
  state: 'changed' | 'created' | 'deleted';
}

/** Counters change with every packet; they are no change to the rules. */
function withoutCounters(listing: string): string {
  return listing.replace(/counter packets \d+ bytes \d+/g, 'counter');
}

/** One text then and now: created, deleted, changed, or nothing (null). */
function textChange(file: string, then: string | null, now: string | null): FileChange | null {
  if (then === now) return null;
  if (then === null) return { file, state: 'created', lines: diffLines('', now ?? '') };
  if (now === null) return { file, state: 'deleted', lines: diffLines(then, '') };
  return { file, state: 'changed', lines: diffLines(then, now) };
}

/** What differs between table inet v6wall and its boot file now and as v6wall left them. */
async function nftChangesSince(left: NonNullable<AsLeft['nftables']>, run: Runner): Promise<FileChange[]> {
  const now = await readNftState(run, left.persistPath);
  if (!now.ok) return [{ file: `table ${V6WALL_FAMILY} ${V6WALL_TABLE}`, state: 'changed', lines: diffLines('', `(cannot be read now: ${now.error})`) }];
  const table = textChange(
    `table ${V6WALL_FAMILY} ${V6WALL_TABLE} (live)`,
    left.table === null ? null : withoutCounters(left.table),
    now.value.table === null ? null : withoutCounters(now.value.table),
  );
  const persisted = textChange(left.persistPath, left.persisted, now.value.persisted);
  return [table, persisted].filter((change): change is FileChange => change !== null);
}

/**
 * What differs between UFW's files (or, for the nftables backend, v6wall's table and its boot
 * file) now and as v6wall left them, file by file (empty: nothing).
 */
export async function changesSince(asLeft: AsLeft, run: Runner): Promise<FileChange[]> {
  if (asLeft.nftables !== undefined) return nftChangesSince(asLeft.nftables, run);
  const now = await readUfwFiles(asLeft.paths).catch(() => null);
  const current = new Map((now ?? []).map((f) => [f.original, f.content]));
  const left = new Map(asLeft.files.map((f) => [f.original, f.content]));
  const changes: FileChange[] = [];
  for (const [file, content] of left) {
    const nowContent = current.get(file) ?? (await readFile(file, 'utf8').catch(() => null));
    if (nowContent === null) changes.push({ file, state: 'deleted', lines: diffLines(content, '') });
    else if (nowContent !== content) changes.push({ file, state: 'changed', lines: diffLines(content, nowContent) });
  }
  for (const [file, content] of current) {
    if (!left.has(file)) changes.push({ file, state: 'created', lines: diffLines('', content) });
  }
  return changes;
}

/** The changes as a person reads them: per file, `-` lines v6wall left that are gone, `+` lines added since. */
export function describeChanges(changes: readonly FileChange[], maxLinesPerFile = 20): string {
  const out: string[] = [];
  for (const change of changes) {
    out.push(`  ${change.file} (${change.state} since v6wall left it):`);
    for (const line of change.lines.slice(0, maxLinesPerFile)) out.push(`    ${line.kind === 'removed' ? '-' : '+'} ${line.text}`);
    if (change.lines.length > maxLinesPerFile) out.push(`    … ${change.lines.length - maxLinesPerFile} more line(s)`);
  }
  return out.join('\n');
}
