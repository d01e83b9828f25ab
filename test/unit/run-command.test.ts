// The real runner with real tools: a step that writes a file from its standard input
// (`cp /dev/stdin FILE`, as the DOCKER-USER block step does) must work, not only in a shell.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/host/run.js';

describe('runCommand', () => {
  const dirs: string[] = [];
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'v6wall-run-test-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('gives input as a stdin that /dev/stdin can open: cp /dev/stdin FILE writes the file', async () => {
    const target = join(tempDir(), 'after6.rules');
    writeFileSync(target, 'old\n');
    const text = '*filter\n-A DOCKER-USER -j RETURN\nCOMMIT\n';
    const result = await runCommand(['cp', '/dev/stdin', target], { input: text });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe(text);
  });

  it('still passes input to a reading command, and none when there is no input', async () => {
    expect((await runCommand(['cat'], { input: 'a\nb\n' })).stdout).toBe('a\nb\n');
    expect((await runCommand(['cat'], { input: '' })).stdout).toBe('');
    expect((await runCommand(['cat'])).stdout).toBe('');
  });

  it('leaves no temporary input file behind', async () => {
    const before = new Set(readdir());
    await runCommand(['cat'], { input: 'x' });
    expect(readdir().filter((name) => !before.has(name))).toEqual([]);
  });
});

function readdir(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('v6wall-stdin-'));
}
