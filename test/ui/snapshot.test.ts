// The frame helper must be able to fail: under CI a missing frame is an error, never a new file.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectFrame, underCi } from './snapshot.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'v6wall-frames-'));
  dirs.push(dir);
  return dir;
}

describe('expectFrame', () => {
  it('fails on a missing frame under CI and writes nothing', () => {
    const dir = scratch();
    for (const env of [{ CI: 'true' }, { CI: '1' }, { V6WALL_LAB: 'required' }, { CI: 'true', UPDATE_SNAPSHOTS: '1' }]) {
      expect(() => expectFrame('confirm--gone', 'a frame', { dir, env })).toThrow(/snapshots\/confirm--gone\.txt is missing/);
      expect(existsSync(join(dir, 'confirm--gone.txt'))).toBe(false);
    }
  });

  it('writes a missing frame outside CI, then compares with it', () => {
    const dir = scratch();
    for (const env of [{}, { CI: 'false' }, { CI: '0' }, { V6WALL_LAB: 'skip' }]) expect(underCi(env)).toBe(false);
    expectFrame('ssh--new', 'line one   \nline two\n\n', { dir, env: {} });
    expect(readFileSync(join(dir, 'ssh--new.txt'), 'utf8')).toBe('line one\nline two\n');
    expect(() => expectFrame('ssh--new', 'line one\nline 2', { dir, env: { CI: 'true' } })).toThrow(/ssh--new\.txt differs/);
    expectFrame('ssh--new', 'line one\nline two', { dir, env: { CI: 'true' } });
  });
});
