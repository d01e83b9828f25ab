// Plain-text frames under snapshots/<screen>--<state>.txt: written when missing
// or with UPDATE_SNAPSHOTS=1, otherwise compared.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'snapshots');

export function normalizeFrame(frame: string): string {
  return `${frame.split('\n').map((line) => line.trimEnd()).join('\n').trimEnd()}\n`;
}

export function expectFrame(name: string, frame: string): void {
  const path = join(ROOT, `${name}.txt`);
  const text = normalizeFrame(frame);
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(path)) {
    mkdirSync(ROOT, { recursive: true });
    writeFileSync(path, text);
    return;
  }
  expect(text, `snapshots/${name}.txt differs (UPDATE_SNAPSHOTS=1 rewrites it)`).toBe(readFileSync(path, 'utf8'));
}
