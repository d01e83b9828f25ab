// UFW's files as v6wall last left them (as-left.json), so that a rollback can tell whether
// someone else changed the rules since, and show what it would overwrite.
import { readFile } from 'node:fs/promises';
import type { InferOutput } from 'valibot';
import { diffLines, type DiffLine } from '../core/line-diff.js';
import type { Result } from '../core/types/result.js';
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

/** What differs between UFW's files now and as v6wall left them, file by file (empty: nothing). */
export async function changesSince(asLeft: AsLeft): Promise<FileChange[]> {
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
