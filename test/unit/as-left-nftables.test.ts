// How v6wall left its nftables table (as-left.json), and what a later `rollback --to` sees changed.
// The table is the one captured after a real apply (fixtures/nftables/v6wall/applied.nft); nft is
// a FAKE runner answering `nft list table inet v6wall` with it, and the boot file lives in a temp
// folder instead of /etc/v6wall.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changesSince, describeChanges, readAsLeft, recordAsLeft, recordNftAsLeft } from '../../src/apply/as-left.js';
import type { CommandResult, Runner } from '../../src/core/types/runner.js';

const persisted = await readFile(join(import.meta.dirname, '../fixtures/nftables/v6wall/applied.nft'), 'utf8');
/** What `nft list table inet v6wall` prints for the loaded file: the table without the preamble. */
const listed = persisted.slice(persisted.indexOf('table inet v6wall {'));

/** A FAKE nft: lists the table it is given, or says there is none. */
function fakeNft(table: () => string | null): Runner {
  return async (argv): Promise<CommandResult> => {
    const result = { argv: [...argv], durationMs: 1, notFound: false };
    if (argv.join(' ') !== 'nft list table inet v6wall') return { ...result, exitCode: 127, stdout: '', stderr: `${argv[0]}: not expected here` };
    const now = table();
    return now === null
      ? { ...result, exitCode: 1, stdout: '', stderr: 'Error: No such file or directory; did you mean table ‘v6wall’ in family inet?\n' }
      : { ...result, exitCode: 0, stdout: now, stderr: '' };
  };
}

let dir: string;
let stateDir: string;
let persistPath: string;
const paths = () => ({ ufwDir: join(dir, 'no-ufw'), defaultsFile: join(dir, 'no-default-ufw') });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'v6wall-as-left-'));
  stateDir = dir;
  persistPath = join(dir, 'v6wall.nft');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function leave(table: string | null, file: string | null): Promise<void> {
  if (file !== null) await writeFile(persistPath, file);
  const recorded = await recordNftAsLeft(
    stateDir,
    fakeNft(() => table),
    paths(),
    '20261206T190000.000Z-abcd',
    new Date('2026-12-06T19:00:00Z'),
    persistPath,
  );
  expect(recorded).toEqual({ ok: true, value: true });
}

async function changesNow(table: string | null): Promise<ReturnType<typeof changesSince>> {
  const asLeft = await readAsLeft(stateDir);
  if (!asLeft.ok || asLeft.value === null) throw new Error('no as-left record');
  return changesSince(
    asLeft.value,
    fakeNft(() => table),
  );
}

describe('as-left.json with the nftables backend', () => {
  it('records the live table and the boot file, without any UFW file (UFW need not be installed)', async () => {
    await leave(listed, persisted);
    const read = await readAsLeft(stateDir);
    expect(read.ok && read.value).toMatchObject({ transcriptId: '20261206T190000.000Z-abcd', files: [], nftables: { table: listed, persistPath, persisted } });
    expect(await changesNow(listed)).toEqual([]);
  });

  it('counters are no change; a rule added by hand is, line by line', async () => {
    await leave(listed.replace('ct state invalid drop', 'ct state invalid counter packets 0 bytes 0 drop'), persisted);
    expect(await changesNow(listed.replace('ct state invalid drop', 'ct state invalid counter packets 31 bytes 2480 drop'))).toEqual([]);
    const byHand = listed.replace('\t\tct state invalid', '\t\ttcp dport 9999 accept\n\t\tct state invalid');
    const changes = await changesNow(byHand.replace('ct state invalid drop', 'ct state invalid counter packets 31 bytes 2480 drop'));
    expect(changes.map((c) => [c.file, c.state])).toEqual([['table inet v6wall (live)', 'changed']]);
    expect(describeChanges(changes)).toContain('+ \t\ttcp dport 9999 accept');
  });

  it('the table deleted, or the boot file changed or removed, by hand: each named', async () => {
    await leave(listed, persisted);
    expect((await changesNow(null)).map((c) => [c.file, c.state])).toEqual([['table inet v6wall (live)', 'deleted']]);
    await writeFile(persistPath, `${persisted}# edited\n`);
    expect((await changesNow(listed)).map((c) => [c.file, c.state])).toEqual([[persistPath, 'changed']]);
    await rm(persistPath);
    expect((await changesNow(listed)).map((c) => [c.file, c.state])).toEqual([[persistPath, 'deleted']]);
  });

  it('left with no table at all: a table loaded since is a change', async () => {
    await leave(null, null);
    expect(await changesNow(null)).toEqual([]);
    expect((await changesNow(listed)).map((c) => [c.file, c.state])).toEqual([['table inet v6wall (live)', 'created']]);
  });

  it('nft cannot say: counted as a change, so a rollback asks for --force rather than guess', async () => {
    await leave(listed, persisted);
    const asLeft = await readAsLeft(stateDir);
    if (!asLeft.ok || asLeft.value === null) throw new Error('no as-left record');
    const broken: Runner = async (argv) => ({
      argv: [...argv],
      exitCode: 1,
      stdout: '',
      stderr: 'netlink: Error: Operation not permitted\n',
      durationMs: 1,
      notFound: false,
    });
    const changes = await changesSince(asLeft.value, broken);
    expect(changes).toHaveLength(1);
    expect(describeChanges(changes)).toContain('cannot be read now');
  });

  it('a UFW record stays a UFW record (no nftables part)', async () => {
    await writeFile(join(dir, 'default-ufw'), 'IPV6=yes\n');
    const ufwDir = join(dir, 'ufw');
    await mkdir(ufwDir);
    await writeFile(join(ufwDir, 'user6.rules'), '*filter\n');
    expect((await recordAsLeft(stateDir, { ufwDir, defaultsFile: join(dir, 'default-ufw') }, '20261206T190000.000Z-abcd', new Date())).ok).toBe(true);
    const read = await readAsLeft(stateDir);
    expect(read.ok && read.value !== null && read.value.nftables).toBe(undefined);
  });
});
