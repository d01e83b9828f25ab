// Vitest global setup: tests that run the built CLI (dist/v6wall.js) get one built from the
// sources they test. Builds when the bundle is missing or older than any file under src/ or
// scripts/ (the build and its plugins), a second or so with esbuild, so `npm run test:unit` passes
// on a clean checkout too.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUNDLE = join(ROOT, 'dist', 'v6wall.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function bundleMtime(): number {
  try {
    return statSync(BUNDLE).mtimeMs;
  } catch {
    return -1;
  }
}

export default function setup(): void {
  const sources = Math.max(newestMtime(join(ROOT, 'src')), newestMtime(join(ROOT, 'scripts')), statSync(join(ROOT, 'package-lock.json')).mtimeMs);
  if (bundleMtime() >= sources) return;
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building dist/v6wall.js for the CLI tests failed:\n${built.stderr}${built.stdout}`);
}
