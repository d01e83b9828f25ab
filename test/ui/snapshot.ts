// Plain-text frames under snapshots/<screen>--<state>.txt, compared with what the screen shows.
// A missing frame is written (for a person to read and commit) only outside CI; under CI it
// fails, so a deleted frame or a renamed case cannot pass without checking anything.
// UPDATE_SNAPSHOTS=1 rewrites frames that differ.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const SNAPSHOTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'snapshots');

export function normalizeFrame(frame: string): string {
  return `${frame
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trimEnd()}\n`;
}

/**
 * CI as the project defines it: `CI` set to anything but "" / "0" / "false" (what CI services
 * set, and what .ci/run runs under), or `V6WALL_LAB=required` (which .ci/run exports).
 */
export function underCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env['CI'] ?? '').trim().toLowerCase();
  return (ci !== '' && ci !== '0' && ci !== 'false') || env['V6WALL_LAB'] === 'required';
}

export function expectFrame(name: string, frame: string, options: { dir?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const dir = options.dir ?? SNAPSHOTS_DIR;
  const env = options.env ?? process.env;
  const path = join(dir, `${name}.txt`);
  const text = normalizeFrame(frame);
  const missing = !existsSync(path);
  if (missing && underCi(env)) {
    throw new Error(`snapshots/${name}.txt is missing: frames are never written under CI; run the test outside CI to write it, read it, and commit it`);
  }
  if (missing || env['UPDATE_SNAPSHOTS'] === '1') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, text);
    return;
  }
  expect(text, `snapshots/${name}.txt differs (UPDATE_SNAPSHOTS=1 rewrites it)`).toBe(readFileSync(path, 'utf8'));
}

/** The names of the committed frames (file names without .txt). */
export function committedFrames(dir: string = SNAPSHOTS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => f.slice(0, -'.txt'.length))
    .sort();
}
