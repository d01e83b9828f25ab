// The files v6wall reads back (pending.json, a snapshot's manifest.json, state.json, as-left.json, transcript
// lines), corrupted at random: every reader names the file and the field, and nothing on the
// host changes. Only fake ufw runs (apply-fake-ufw.ts).
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import fc from 'fast-check';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { InferOutput } from 'valibot';
import { applyPlan } from '../../src/apply/apply.js';
import { readAsLeft, recordAsLeft } from '../../src/apply/as-left.js';
import { proposeAppliedState } from '../../src/apply/applied-state.js';
import { confirmPending } from '../../src/apply/confirm.js';
import { claimPending, readPending, writePending, type PendingApply } from '../../src/apply/pending.js';
import { stateLayout } from '../../src/apply/paths.js';
import { rollbackByHand } from '../../src/apply/rollback.js';
import { loadSnapshot, takeSnapshot } from '../../src/apply/snapshot.js';
import { loadAppliedState, saveAppliedState, stateFilePath } from '../../src/apply/state.js';
import { ChoicesSchema, StepRecordSchema } from '../../src/apply/stored-schemas.js';
import { readTranscript, startTranscript } from '../../src/apply/transcript.js';
import type { StepRecord } from '../../src/core/types/apply-events.js';
import type { Choices } from '../../src/core/types/choices.js';
import { fakeUfwRunner, fakeWatchdogCommand, makeFakeHost, rootHost, sampleChoices, samplePlan, type FakeHost } from './apply-fake-ufw.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

/** Every path to a value inside a JSON document, the root excluded. */
function pathsOf(value: Json, prefix: Path = []): Path[] {
  const children: [string | number, Json][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : value !== null && typeof value === 'object'
      ? Object.entries(value)
      : [];
  return children.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

function edit(doc: Json, path: Path, change: { set: Json } | { remove: true }): Json {
  const copy = structuredClone(doc);
  let parent: Json = copy;
  for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, Json>)[key] as Json;
  const last = path.at(-1) as string | number;
  if ('set' in change) (parent as Record<string | number, Json>)[last] = change.set;
  else if (Array.isArray(parent)) parent.splice(last as number, 1);
  else delete (parent as Record<string, Json>)[last as string];
  return copy;
}

/** A corruption of a JSON text: a value replaced or removed, the text cut short, or other text. */
function corruptions(text: string): fc.Arbitrary<string> {
  const doc = JSON.parse(text) as Json;
  const paths = pathsOf(doc);
  const path = fc.constantFrom(...paths);
  return fc.oneof(
    fc.tuple(path, fc.jsonValue()).map(([p, value]) => JSON.stringify(edit(doc, p, { set: value as Json }), null, 2)),
    path.map((p) => JSON.stringify(edit(doc, p, { remove: true }), null, 2)),
    fc.integer({ min: 0, max: text.length - 2 }).map((cut) => text.slice(0, cut)),
    fc.oneof(
      fc.string(),
      fc.jsonValue().map((value) => JSON.stringify(value)),
    ),
  );
}

/** Every file under root with its content: "nothing changed" is this, equal before and after. */
async function tree(root: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else files[relative(root, path)] = await readFile(path, 'latin1');
    }
  }
  await walk(root);
  return files;
}

/** The reader said which file, and either which field or that it is not JSON at all. */
function expectClearMessage(message: string, file: string): void {
  expect(message).toContain(file);
  expect(message).toMatch(/is corrupted: ((field "[^"]+"|its content) .+, not |field "[^"]+" is missing|it is not valid JSON)/);
}

const RUNS = { numRuns: 60 };
let host: FakeHost;
let valid: { pending: string; manifest: string; state: string; transcript: string; asLeft: string };

beforeAll(async () => {
  host = await makeFakeHost();
  const now = new Date('2026-11-22T19:03:00.000Z');
  const id = '20261122T190300.000Z-ab12';
  const proposed = proposeAppliedState({ previous: null, plan: samplePlan(), choices: sampleChoices, ranStepIndexes: [0, 1, 3], transcriptId: id, now });
  await saveAppliedState(host.stateDir, proposed);
  const snap = await takeSnapshot({ stateDir: host.stateDir, id, now, paths: host.paths, run: fakeUfwRunner(host), previousState: proposed });
  if (!snap.ok) throw new Error(snap.error);
  const t = await startTranscript(host.stateDir, {
    type: 'start',
    version: 1,
    id,
    kind: 'apply',
    when: now.toISOString(),
    who: 'alice',
    hostname: 'h',
    choices: sampleChoices,
    plan: samplePlan().steps.map((s) => ({ kind: s.kind, why: s.why, argv: s.argv, undoArgv: s.undoArgv, satisfied: s.satisfied })),
    confirmTimeoutSec: 60,
  });
  if (!t.ok) throw new Error(t.error);
  await t.value.append({
    type: 'step',
    when: now.toISOString(),
    phase: 'apply',
    kind: 'ssh',
    undoArgv: ['ufw', 'delete', 'allow', '22'],
    record: {
      index: 0,
      why: 'ssh',
      argv: ['ufw', 'allow', '22'],
      exitCode: 0,
      stdout: 'Rule added\n',
      stderr: '',
      durationMs: 140,
      startedAt: now.toISOString(),
    },
  });
  await t.value.append({ type: 'outcome', when: now.toISOString(), outcome: 'pending', detail: 'awaiting', failedStep: null, by: 'alice' });
  const pending: PendingApply = {
    version: 1,
    id,
    phase: 'awaiting-confirmation',
    code: 'K7P2QX',
    deadline: '2099-01-01T00:00:00.000Z',
    snapshotId: id,
    transcriptId: id,
    watchdogPid: null,
    applyPid: 4242,
    createdAt: now.toISOString(),
    proposedState: proposed,
  };
  await writePending(host.stateDir, pending);
  const recorded = await recordAsLeft(host.stateDir, host.paths, id, now);
  if (!recorded.ok) throw new Error(recorded.error);
  valid = {
    asLeft: await readFile(stateLayout.asLeft(host.stateDir), 'utf8'),
    pending: await readFile(stateLayout.pending(host.stateDir), 'utf8'),
    manifest: await readFile(join(stateLayout.snapshot(host.stateDir, id), 'manifest.json'), 'utf8'),
    state: await readFile(stateFilePath(host.stateDir), 'utf8'),
    transcript: await readFile(stateLayout.transcript(host.stateDir, id), 'utf8'),
  };
});

afterAll(async () => {
  await rm(host.root, { recursive: true, force: true });
});

describe('the stored files', () => {
  it('have types derived from their schemas that match the core types they carry', () => {
    expectTypeOf<InferOutput<typeof ChoicesSchema>>().toEqualTypeOf<Choices>();
    expectTypeOf<InferOutput<typeof StepRecordSchema>>().toEqualTypeOf<StepRecord>();
  });

  it('as written by v6wall, read back whole', async () => {
    expect((await readPending(host.stateDir)).kind).toBe('pending');
    const snap = await loadSnapshot(host.stateDir, '20261122T190300.000Z-ab12');
    expect(snap.ok).toBe(true);
    expect((await loadAppliedState(host.stateDir)).ok).toBe(true);
    expect((await readTranscript(host.stateDir, '20261122T190300.000Z-ab12')).ok).toBe(true);
  });
});

describe('a corrupted pending.json', () => {
  it('is named with its field by every reader, and confirm, apply and the claim change nothing', async () => {
    const file = stateLayout.pending(host.stateDir);
    await fc.assert(
      fc.asyncProperty(corruptions(valid.pending), async (text) => {
        await writeFile(file, text);
        try {
          const read = await readPending(host.stateDir);
          if (read.kind === 'pending') return; // the change happened to keep it valid
          expect(read.kind).toBe('corrupted');
          if (read.kind !== 'corrupted') return;
          expectClearMessage(read.message, file);
          const before = await tree(host.root);
          const run = fakeUfwRunner(host);
          const confirmed = await confirmPending(host.stateDir, 'K7P2QX');
          expect(!confirmed.ok && confirmed.error).toContain(file);
          const claimed = await claimPending(host.stateDir, '20261122T190300.000Z-ab12', 'test');
          expect(claimed.ok).toBe(false);
          const applied = await applyPlan(samplePlan(), {
            stateDir: host.stateDir,
            confirmTimeoutSec: 60,
            run,
            choices: sampleChoices,
            host: rootHost,
            watchdogCommand: fakeWatchdogCommand(host),
            paths: host.paths,
          });
          expect(applied.ok).toBe(false);
          expect(applied.error).toContain(file);
          expect(run.calls).toEqual([]);
          expect(await tree(host.root)).toEqual(before);
        } finally {
          await writeFile(file, valid.pending);
        }
      }),
      RUNS,
    );
  }, 120_000);
});

describe('a corrupted snapshot manifest', () => {
  it('is named with its field, and rollback restores nothing and writes no transcript', async () => {
    const id = '20261122T190300.000Z-ab12';
    const file = join(stateLayout.snapshot(host.stateDir, id), 'manifest.json');
    const pendingFile = stateLayout.pending(host.stateDir);
    await rm(pendingFile);
    try {
      await fc.assert(
        fc.asyncProperty(corruptions(valid.manifest), async (text) => {
          await writeFile(file, text);
          try {
            const loaded = await loadSnapshot(host.stateDir, id);
            if (loaded.ok) return;
            expectClearMessage(loaded.error, file);
            const before = await tree(host.root);
            const run = fakeUfwRunner(host);
            const done = await rollbackByHand(host.stateDir, run, 'test');
            expect(!done.ok && done.error).toContain(file);
            expect(run.calls).toEqual([]);
            expect(await tree(host.root)).toEqual(before);
          } finally {
            await writeFile(file, valid.manifest);
          }
        }),
        RUNS,
      );
    } finally {
      await writeFile(pendingFile, valid.pending);
    }
  }, 120_000);

  it("never lets a restore write outside UFW's files", async () => {
    const id = '20261122T190300.000Z-ab12';
    const file = join(stateLayout.snapshot(host.stateDir, id), 'manifest.json');
    const manifest = JSON.parse(valid.manifest) as { files: { original: string }[] };
    for (const original of [
      join(host.root, 'elsewhere'),
      join(host.paths.ufwDir, '..', 'escape.rules'),
      join(host.paths.ufwDir, 'sub', 'x.rules'),
      host.paths.ufwDir,
    ]) {
      const bad = structuredClone(manifest);
      bad.files[0] = { ...bad.files[0], original } as { original: string };
      await writeFile(file, JSON.stringify(bad));
      const loaded = await loadSnapshot(host.stateDir, id);
      expect(!loaded.ok && loaded.error).toMatch(/field "files" should name only UFW's own files/);
    }
    await writeFile(file, valid.manifest);
  });
});

describe('a corrupted as-left.json', () => {
  it('is named with its field, and rollback restores nothing and writes no transcript', async () => {
    const file = stateLayout.asLeft(host.stateDir);
    const pendingFile = stateLayout.pending(host.stateDir);
    await rm(pendingFile);
    try {
      await fc.assert(
        fc.asyncProperty(corruptions(valid.asLeft), async (text) => {
          await writeFile(file, text);
          try {
            const read = await readAsLeft(host.stateDir);
            if (read.ok) return;
            expectClearMessage(read.error, file);
            const before = await tree(host.root);
            const run = fakeUfwRunner(host);
            const done = await rollbackByHand(host.stateDir, run, 'test');
            expect(!done.ok && done.error).toContain(file);
            expect(run.calls).toEqual([]);
            expect(await tree(host.root)).toEqual(before);
          } finally {
            await writeFile(file, valid.asLeft);
          }
        }),
        RUNS,
      );
    } finally {
      await writeFile(pendingFile, valid.pending);
    }
  }, 120_000);
});

describe('a corrupted state.json', () => {
  it('is named with its field, and apply refuses before running anything', async () => {
    const file = stateFilePath(host.stateDir);
    const pendingFile = stateLayout.pending(host.stateDir);
    await rm(pendingFile);
    try {
      await fc.assert(
        fc.asyncProperty(corruptions(valid.state), async (text) => {
          await writeFile(file, text);
          try {
            const loaded = await loadAppliedState(host.stateDir);
            if (loaded.ok) return;
            expectClearMessage(loaded.error, file);
            const before = await tree(host.root);
            const run = fakeUfwRunner(host);
            const applied = await applyPlan(samplePlan(), {
              stateDir: host.stateDir,
              confirmTimeoutSec: 60,
              run,
              choices: sampleChoices,
              host: rootHost,
              watchdogCommand: fakeWatchdogCommand(host),
              paths: host.paths,
            });
            expect(applied.error).toContain(file);
            expect(run.calls).toEqual([]);
            expect(await tree(host.root)).toEqual(before);
          } finally {
            await writeFile(file, valid.state);
          }
        }),
        RUNS,
      );
    } finally {
      await writeFile(pendingFile, valid.pending);
    }
  }, 120_000);
});

describe('a corrupted transcript line', () => {
  it('is named with its line and field', async () => {
    const id = '20261122T190300.000Z-ab12';
    const file = stateLayout.transcript(host.stateDir, id);
    const lines = valid.transcript.trimEnd().split('\n');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: lines.length - 1 }).chain((at) => corruptions(lines[at] ?? '{}').map((line) => ({ at, line }))),
        async ({ at, line }) => {
          const text = `${lines.map((l, i) => (i === at ? line.replace(/\n/g, ' ') : l)).join('\n')}\n`;
          await writeFile(file, text);
          try {
            const before = await tree(host.root);
            const read = await readTranscript(host.stateDir, id);
            expect(await tree(host.root)).toEqual(before);
            if (read.ok) return;
            expect(read.error).toContain(file);
            expect(read.error).toMatch(new RegExp(`line ${at + 1} of |does not begin with a start line`));
          } finally {
            await writeFile(file, valid.transcript);
          }
        },
      ),
      RUNS,
    );
  }, 120_000);
});
