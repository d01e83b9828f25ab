import type { BackendKind } from '../core/types/facts.js';
import { readdir, readFile, stat, mkdir, writeFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferOutput } from 'valibot';
import type { Result } from '../core/types/result.js';
import type { Runner } from '../core/types/runner.js';
import type { AppliedState } from './applied-state.js';
import { writeFileAtomic } from './atomic-write.js';
import { ensurePrivateDir, freeBytes } from './directories.js';
import { describeFsError } from './fs-error.js';
import { isSafeId } from './ids.js';
import { stateLayout, type UfwPaths } from './paths.js';
import { ManifestSchema, parseStored } from './stored-schemas.js';

import { readNftSnapshot } from './nftables-backend.js';

/** snapshots/ID/manifest.json: what a rollback restores; see ManifestSchema. */
export type SnapshotManifest = InferOutput<typeof ManifestSchema>;
type SnapshotFile = SnapshotManifest['files'][number];

const MANIFEST = 'manifest.json';
// Room for the snapshot itself plus the transcript and state written around it.
const SPARE_BYTES = 1024 * 1024;

export function parseUfwEnabled(ufwConf: string): boolean {
  return /^\s*ENABLED\s*=\s*"?yes"?\s*$/m.test(ufwConf);
}

/** UFW's files a snapshot saves: every *.rules and ufw.conf in the UFW folder, and the defaults file. */
export async function filesToSave(paths: UfwPaths): Promise<{ original: string; stored: string }[]> {
  const names = (await readdir(paths.ufwDir)).filter((n) => n.endsWith('.rules') || n === 'ufw.conf').sort();
  return [...names.map((n) => ({ original: join(paths.ufwDir, n), stored: `ufw-${n}` })), { original: paths.defaultsFile, stored: 'default-ufw' }];
}

export interface TakeSnapshotInput {
  stateDir: string;
  id: string;
  now: Date;
  paths: UfwPaths;
  run: Runner;
  previousState: AppliedState | null;
  /** 'nftables': v6wall's own table and boot file instead of UFW's files. Default 'ufw'. */
  backend?: BackendKind;
}

/**
 * Saves everything apply can change. Written to a temporary folder and renamed into place,
 * then `latest` is switched atomically: a failure never touches the last good snapshot.
 */
export async function takeSnapshot(input: TakeSnapshotInput): Promise<Result<SnapshotManifest, string>> {
  const { stateDir, id, paths, run } = input;
  const root = stateLayout.snapshots(stateDir);
  const tmpDir = join(root, `.tmp-${id}`);
  try {
    await ensurePrivateDir(root);
    const nftables = input.backend === 'nftables' ? await readNftSnapshot(run) : null;
    if (nftables !== null && !nftables.ok) return nftables;
    const wanted = nftables === null ? await filesToSave(paths) : [];
    const contents: { file: SnapshotFile; data: Buffer }[] = [];
    for (const w of wanted) {
      const [data, info] = await Promise.all([readFile(w.original), stat(w.original)]);
      contents.push({ file: { ...w, mode: info.mode & 0o7777 }, data });
    }
    const tables = await Promise.all(
      (['ip6tables-save', 'iptables-save'] as const).map(async (name) => {
        const result = await run([name], { timeoutMs: 30_000 });
        return { name, result };
      }),
    );
    const needed = contents.reduce((n, c) => n + c.data.length, 0) + tables.reduce((n, t) => n + t.result.stdout.length, 0) + SPARE_BYTES;
    const free = await freeBytes(root);
    if (free < needed) {
      return { ok: false, error: `the disk holding ${stateDir} is full (${free} bytes free, ${needed} needed)` };
    }

    await rm(tmpDir, { recursive: true, force: true });
    await mkdir(join(tmpDir, 'files'), { recursive: true, mode: 0o700 });
    for (const c of contents) await writeFile(join(tmpDir, 'files', c.file.stored), c.data, { mode: 0o600 });
    const manifestTables: SnapshotManifest['tables'] = [];
    for (const t of tables) {
      if (t.result.exitCode === 0) {
        const stored = `${t.name}.txt`;
        await writeFile(join(tmpDir, stored), t.result.stdout, { mode: 0o600 });
        manifestTables.push({ name: t.name, stored, error: null });
      } else {
        const why = t.result.notFound ? 'not installed' : `exit ${t.result.exitCode}: ${t.result.stderr.trim()}`;
        manifestTables.push({ name: t.name, stored: null, error: why });
      }
    }
    const ufwConf = contents.find((c) => c.file.stored === 'ufw-ufw.conf');
    const manifest: SnapshotManifest = {
      version: 1,
      id,
      createdAt: input.now.toISOString(),
      ufwEnabled: ufwConf !== undefined && parseUfwEnabled(ufwConf.data.toString('utf8')),
      paths,
      files: contents.map((c) => c.file),
      tables: manifestTables,
      previousState: input.previousState,
      ...(nftables === null ? {} : { nftables: nftables.value }),
    };
    await writeFileAtomic(join(tmpDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(tmpDir, stateLayout.snapshot(stateDir, id));
    await writeFileAtomic(stateLayout.latestSnapshot(stateDir), `${id}\n`);
    return { ok: true, value: manifest };
  } catch (error) {
    await rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
    return { ok: false, error: `could not save the snapshot: ${describeFsError(error)}` };
  }
}

export async function loadSnapshot(stateDir: string, id: string): Promise<Result<SnapshotManifest, string>> {
  if (!isSafeId(id)) return { ok: false, error: `"${id}" is not a snapshot id` };
  const path = join(stateLayout.snapshot(stateDir, id), MANIFEST);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, error: `snapshot ${id} cannot be read: ${describeFsError(error)}` };
  }
  const parsed = parseStored(ManifestSchema, text, path);
  if (!parsed.ok) return { ok: false, error: `snapshot ${id} cannot be restored: ${parsed.error}` };
  if (parsed.value.id !== id)
    return { ok: false, error: `snapshot ${id} cannot be restored: ${path} is corrupted: field "id" should be ${id}, not ${parsed.value.id}` };
  return { ok: true, value: parsed.value };
}

export async function latestSnapshotId(stateDir: string): Promise<string | null> {
  try {
    const id = (await readFile(stateLayout.latestSnapshot(stateDir), 'utf8')).trim();
    return id === '' ? null : id;
  } catch {
    return null;
  }
}

export async function loadLatestSnapshot(stateDir: string): Promise<Result<SnapshotManifest, string>> {
  const id = await latestSnapshotId(stateDir);
  if (id === null) return { ok: false, error: `there is no snapshot in ${stateLayout.snapshots(stateDir)}: v6wall has not applied anything here` };
  return loadSnapshot(stateDir, id);
}

// A file that is itself a mount point (a bind-mounted /etc/default/ufw) cannot be renamed over.
async function writeBack(path: string, data: Buffer, mode: number): Promise<void> {
  try {
    await writeFileAtomic(path, data, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EBUSY') throw error;
    await writeFile(path, data, { mode });
  }
}

/** Puts every saved file back where it was, with its mode, each one atomically. */
export async function restoreSnapshotFiles(stateDir: string, manifest: SnapshotManifest): Promise<Result<string[], string>> {
  const restored: string[] = [];
  try {
    for (const f of manifest.files) {
      const data = await readFile(join(stateLayout.snapshot(stateDir, manifest.id), 'files', f.stored));
      await writeBack(f.original, data, f.mode);
      restored.push(f.original);
    }
    return { ok: true, value: restored };
  } catch (error) {
    return { ok: false, error: `restoring the snapshot ${manifest.id} failed after ${restored.length} file(s): ${describeFsError(error)}` };
  }
}
