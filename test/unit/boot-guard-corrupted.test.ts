// The boot guard finding the pending file damaged (with the fake ufw of apply-fake-ufw.ts, a FAKE:
// the real reboot is test/lab/systemd/nftables-reboot.test.ts). The guard still exists, and only
// confirm or a rollback remove it, so its apply was not confirmed: it rolls back to that apply's
// own snapshot, and does nothing only when that snapshot cannot be used. Each case starts from the
// same apply, copied back before every run, with its watchdog gone as after a power cut.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyPlan } from '../../src/apply/apply.js';
import { bootGuardUnitName } from '../../src/apply/boot-guard-unit.js';
import { guardAtBoot } from '../../src/apply/boot-guard.js';
import { confirmPending } from '../../src/apply/confirm.js';
import { stateLayout } from '../../src/apply/paths.js';
import { isProcessAlive, readPending } from '../../src/apply/pending.js';
import { readTranscript } from '../../src/apply/transcript.js';
import {
  ORIGINAL_CONF,
  ORIGINAL_DEFAULTS,
  ORIGINAL_USER6,
  fakeUfwRunner,
  fakeWatchdogCommand,
  makeFakeHost,
  rootHost,
  sampleChoices,
  samplePlan,
  waitFor,
  type FakeHost,
} from './apply-fake-ufw.js';

let host: FakeHost;
let unitDir: string;
let id: string;
let confirmCode = '';
let pristine: string;
let pendingText: Buffer;
/** UFW's files as the unconfirmed apply left them. */
let asApplied: string[];

const unitPath = () => join(unitDir, bootGuardUnitName(id));
const ufwFiles = () =>
  Promise.all([join(host.paths.ufwDir, 'user6.rules'), join(host.paths.ufwDir, 'ufw.conf'), host.paths.defaultsFile].map((f) => readFile(f, 'utf8')));

beforeAll(async () => {
  // The guard writes to the journal through stdout and stderr: hundreds of runs here.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  host = await makeFakeHost();
  unitDir = join(host.root, 'etc-systemd-system');
  await mkdir(unitDir);
  const applied = await applyPlan(samplePlan(), {
    stateDir: host.stateDir,
    confirmTimeoutSec: 600,
    run: fakeUfwRunner(host),
    choices: sampleChoices,
    host: rootHost,
    watchdogCommand: fakeWatchdogCommand(host),
    bootGuardDir: unitDir,
    paths: host.paths,
  });
  if (!applied.ok) throw new Error('the apply failed');
  id = applied.transcriptId;
  confirmCode = applied.confirmCode ?? '';
  const pending = await readPending(host.stateDir);
  const pid = pending.kind === 'pending' ? pending.pending.watchdogPid : null;
  process.kill(pid ?? 0, 'SIGKILL');
  await waitFor(async () => !isProcessAlive(pid), 5_000, 'the watchdog to die');
  pendingText = await readFile(stateLayout.pending(host.stateDir));
  asApplied = await ufwFiles();
  expect(asApplied).not.toEqual([ORIGINAL_USER6, ORIGINAL_CONF, ORIGINAL_DEFAULTS]);
  pristine = `${host.root}-pristine`;
  await cp(host.root, pristine, { recursive: true, verbatimSymlinks: true });
}, 30_000);

afterAll(async () => {
  vi.restoreAllMocks();
  await rm(host.root, { recursive: true, force: true });
  await rm(pristine, { recursive: true, force: true });
  await rm(`${host.root}-probe`, { recursive: true, force: true });
});

/** Back to the machine as it was at the power cut. */
async function reset(): Promise<void> {
  await rm(host.root, { recursive: true, force: true });
  await cp(pristine, host.root, { recursive: true, verbatimSymlinks: true });
}

const guardPresent = () => existsSync(unitPath()) && existsSync(join(unitDir, 'sysinit.target.wants', bootGuardUnitName(id)));

/** Damage as a disk or a hand editor leaves it: cut short, bytes flipped, garbage, empty. */
const corruption = (original: Buffer): fc.Arbitrary<Buffer> =>
  fc.oneof(
    fc.nat({ max: original.length - 2 }).map((n) => original.subarray(0, n)),
    fc.array(fc.tuple(fc.nat({ max: original.length - 1 }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }).map((flips) => {
      const copy = Buffer.from(original);
      for (const [at, mask] of flips) copy[at] = (copy[at] ?? 0) ^ mask;
      return copy;
    }),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.constant(Buffer.alloc(0)),
  );

describe('at boot, with a corrupted pending file', () => {
  it("whatever the damage, rolls back to the apply's own snapshot, says so loudly, keeps the damaged file aside and removes itself", async () => {
    await fc.assert(
      fc.asyncProperty(corruption(pendingText), async (damaged) => {
        await reset();
        await writeFile(stateLayout.pending(host.stateDir), damaged);
        expect(await guardAtBoot(host.stateDir, id, fakeUfwRunner(host), unitPath())).toBe('rolled-back');
        expect(await ufwFiles()).toEqual([ORIGINAL_USER6, ORIGINAL_CONF, ORIGINAL_DEFAULTS]);
        expect((await readPending(host.stateDir)).kind).toBe('none');
        expect(guardPresent()).toBe(false);
        const transcript = await readTranscript(host.stateDir, id);
        if (!transcript.ok) throw new Error(transcript.error);
        const outcome = transcript.value.entries.at(-1);
        expect(outcome?.type === 'outcome' && [outcome.outcome, outcome.by]).toEqual(['rolled-back', 'boot-guard']);
        expect(outcome?.type === 'outcome' && outcome.detail).toMatch(/^rolled back at boot: /);
        const aside = (await readdir(host.stateDir)).filter((name) => name.startsWith('pending.json.corrupted-'));
        if (aside.length > 0) {
          // The damaged file is kept for a person, byte for byte, and the warning names it.
          expect(aside).toHaveLength(1);
          expect(await readFile(join(host.stateDir, aside[0] ?? ''))).toEqual(damaged);
          expect(await readFile(stateLayout.watchdogLog(host.stateDir), 'utf8')).toContain(`WARNING: the pending file is corrupted`);
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('does nothing, and says so, when the snapshot itself cannot be used: unreadable manifest or no snapshot at all', async () => {
    const manifestPath = join(stateLayout.snapshot(host.stateDir, id), 'manifest.json');
    const manifest = await readFile(join(pristine, manifestPath.slice(host.root.length)));
    const damagedManifest = fc.oneof(
      fc.nat({ max: manifest.toString('utf8').trimEnd().length - 1 }).map((n): Buffer | null => manifest.subarray(0, n)),
      fc.uint8Array({ maxLength: 300 }).map((bytes): Buffer | null => Buffer.from(bytes)),
      fc.constant<Buffer | null>(null),
    );
    await fc.assert(
      fc.asyncProperty(corruption(pendingText), damagedManifest, async (damaged, badManifest) => {
        // Only a pending file that no longer parses: one that still does is handled as in the test above.
        fc.pre(!(await parses(damaged)));
        await reset();
        await writeFile(stateLayout.pending(host.stateDir), damaged);
        if (badManifest === null) await rm(stateLayout.snapshot(host.stateDir, id), { recursive: true });
        else await writeFile(manifestPath, badManifest);
        expect(await guardAtBoot(host.stateDir, id, fakeUfwRunner(host), unitPath())).toBe('corrupted');
        expect(await ufwFiles()).toEqual(asApplied);
        expect(await readFile(stateLayout.pending(host.stateDir))).toEqual(damaged);
        expect(guardPresent()).toBe(true);
        expect(await readFile(stateLayout.watchdogLog(host.stateDir), 'utf8')).toMatch(/NOTHING WAS ROLLED BACK.*run `v6wall rollback` once you have looked/);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('does nothing when a later apply took a snapshot since: rolling back to this one might undo more than this apply', async () => {
    await reset();
    await writeFile(stateLayout.pending(host.stateDir), '{"version": 1, "id": ');
    await writeFile(stateLayout.latestSnapshot(host.stateDir), '20991231T000000.000Z-aaaa\n');
    expect(await guardAtBoot(host.stateDir, id, fakeUfwRunner(host), unitPath())).toBe('corrupted');
    expect(await ufwFiles()).toEqual(asApplied);
    expect(guardPresent()).toBe(true);
    expect(await readFile(stateLayout.watchdogLog(host.stateDir), 'utf8')).toContain('a later apply took snapshot 20991231T000000.000Z-aaaa');
  });

  it('a guard left behind by a confirmed apply leaves the firewall alone and removes itself, corrupted pending file or not', async () => {
    await reset();
    const unitText = await readFile(unitPath(), 'utf8');
    expect((await confirmPending(host.stateDir, confirmCode)).ok).toBe(true);
    expect(guardPresent()).toBe(false);
    // As if removing it had failed, and some later file were damaged.
    await writeFile(unitPath(), unitText);
    await mkdir(join(unitDir, 'sysinit.target.wants'), { recursive: true });
    await symlink(unitPath(), join(unitDir, 'sysinit.target.wants', bootGuardUnitName(id)));
    await writeFile(stateLayout.pending(host.stateDir), 'garbage');
    expect(await guardAtBoot(host.stateDir, id, fakeUfwRunner(host), unitPath())).toBe('nothing-pending');
    expect(await ufwFiles()).toEqual(asApplied);
    expect(guardPresent()).toBe(false);
    expect(await readFile(stateLayout.pending(host.stateDir), 'utf8')).toBe('garbage');
  });
});

async function parses(text: Buffer): Promise<boolean> {
  const probe = `${host.root}-probe`;
  await rm(probe, { recursive: true, force: true });
  await mkdir(probe);
  await writeFile(stateLayout.pending(probe), text);
  return (await readPending(probe)).kind === 'pending';
}
