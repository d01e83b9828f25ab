// WizardDeps for tests: the real pure core (defaultChoices, buildPlan) and
// fakes only for what touches a host (apply, confirmation, saving, probing).
import type { ApplyEvent, ApplyOutcome, StepRecord } from '../../src/core/types/apply-events.js';
import type { Facts } from '../../src/core/types/facts.js';
import type { Plan } from '../../src/core/types/plan.js';
import { buildPlan } from '../../src/core/plan.js';
import { defaultChoices } from '../../src/core/choices.js';
import type { ApplyFate, WizardDeps } from '../../src/ui/deps.js';
import { DEFAULT_UI_OPTIONS, type UiOptions } from '../../src/ui/deps.js';
import { recallWizardMemory, rememberWizardChoices } from '../../src/apply/wizard-memory.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXED_NOW = Date.parse('2026-11-22T19:40:00Z');
export const DEADLINE = '2026-11-22T19:45:00Z';

export interface FakeDepsControl {
  deps: WizardDeps;
  saved: { path: string; plan: Plan }[];
  applied: Plan[];
  kept: number;
  /** Flip to true to make the next poll report a confirmation. */
  confirmed: boolean;
  /** Set to make the next poll report the rollback done. */
  rolledBack: ApplyFate | null;
  /** Every host probe asked for, as "[address]:port/proto". */
  probed: string[];
}

function record(index: number, argv: string[], exitCode: number, stderr = ''): StepRecord {
  return { index, why: '', argv, exitCode, stdout: '', stderr, durationMs: 180, startedAt: '2026-11-22T19:39:00.000Z' };
}

export interface FakeDepsOptions {
  failAt?: number;
  failOutput?: string;
  discoverError?: string;
  /** What the host probe answers (default: every service answers). */
  probe?: (address: string, port: number) => 'open' | 'closed';
  /** Discovery after the apply never finishes ('hang': the confirm step stays "reading") or fails with this message. */
  afterApply?: 'hang' | { error: string };
  /** Where the wizard's memory lives (a state directory); a new empty one when absent. */
  memoryDir?: string;
}

export function fakeDeps(facts: Facts, options: FakeDepsOptions = {}): FakeDepsControl {
  let ownMemoryDir: string | null = null;
  const memoryDir = (): string => options.memoryDir ?? (ownMemoryDir ??= mkdtempSync(join(tmpdir(), 'v6wall-memory-')));
  const control: FakeDepsControl = {
    saved: [],
    applied: [],
    kept: 0,
    confirmed: false,
    rolledBack: null,
    probed: [],
    deps: {
      discover: () => {
        if (options.discoverError) return Promise.reject(new Error(options.discoverError));
        const after = control.applied.length > 0 ? options.afterApply : undefined;
        if (after === 'hang') return new Promise<Facts>(() => undefined);
        if (after !== undefined) return Promise.reject(new Error(after.error));
        return Promise.resolve(facts);
      },
      defaultChoices,
      buildPlan,
      async apply(plan, _choices, onEvent: (event: ApplyEvent) => void): Promise<ApplyOutcome> {
        control.applied.push(plan);
        onEvent({ type: 'snapshot', snapshotId: 'snap-1' });
        onEvent({ type: 'armed', confirmCode: 'K7P2QX', deadline: DEADLINE });
        const records: StepRecord[] = [];
        for (const [index, step] of plan.steps.entries()) {
          if (step.satisfied) continue;
          onEvent({ type: 'step-start', index, step });
          if (index === options.failAt) {
            const failed = record(index, step.argv, 1, options.failOutput ?? 'ERROR: Could not load logging rules');
            records.push(failed);
            onEvent({ type: 'step-failed', index, record: failed });
            onEvent({ type: 'rolled-back', reason: 'a step failed' });
            return {
              ok: false,
              failedStep: index,
              records,
              rolledBack: true,
              confirmCode: null,
              deadline: null,
              transcriptId: 't-1',
              transcriptPath: '/var/lib/v6wall/transcripts/t-1.json',
              error: null,
            };
          }
          const done = record(index, step.argv, 0);
          records.push(done);
          onEvent({ type: 'step-done', index, record: done });
        }
        return {
          ok: true,
          failedStep: null,
          records,
          rolledBack: false,
          confirmCode: 'K7P2QX',
          deadline: DEADLINE,
          transcriptId: 't-1',
          transcriptPath: '/var/lib/v6wall/transcripts/t-1.json',
          error: null,
        };
      },
      // The wizard's real store, in a folder of its own unless a test shares one between runs.
      recall: () => recallWizardMemory(memoryDir()),
      remember: (remembered) => rememberWizardChoices(memoryDir(), remembered),
      pollOutcome: () => Promise.resolve(control.rolledBack ?? (control.confirmed ? { kind: 'confirmed' } : { kind: 'pending' })),
      confirmCommand: (code) => `sudo v6wall confirm ${code}`,
      keepWithoutProof: async () => {
        control.kept += 1;
      },
      probe: async (address, port, proto) => {
        control.probed.push(`[${address}]:${port}/${proto}`);
        return options.probe?.(address, port) ?? 'open';
      },
      savePlanScript: async (plan, path) => {
        control.saved.push({ path, plan });
        return `/root/${path.replace(/^\.\//, '')}`;
      },
    },
  };
  return control;
}

export const testUiOptions: UiOptions = { ...DEFAULT_UI_OPTIONS, color: false, animate: false, pollIntervalMs: 20, now: () => FIXED_NOW };
