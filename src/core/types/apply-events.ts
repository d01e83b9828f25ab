// What an apply reports as it goes (the wizard's progress, the transcript) and how it ended.
import type { PlanStep } from './plan.js';

/** What one command did, as recorded in the transcript. */
export interface StepRecord {
  index: number;
  why: string;
  argv: string[];
  /** The standard input the command was given, when it had one. */
  input?: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  startedAt: string;
}

export type ApplyEvent =
  | { type: 'snapshot'; snapshotId: string }
  | { type: 'armed'; confirmCode: string; deadline: string }
  | { type: 'step-start'; index: number; step: PlanStep }
  | { type: 'step-done'; index: number; record: StepRecord }
  | { type: 'step-failed'; index: number; record: StepRecord }
  | { type: 'rolled-back'; reason: string };

export interface ApplyOutcome {
  ok: boolean;
  /** Index into plan.steps of the step that failed, when one did. */
  failedStep: number | null;
  records: StepRecord[];
  rolledBack: boolean;
  /** The code `v6wall confirm CODE` takes; null when nothing awaits confirmation. */
  confirmCode: string | null;
  /** ISO time when the armed rollback fires; null when none is armed. */
  deadline: string | null;
  transcriptId: string;
  transcriptPath: string;
  /** A person-readable error when the apply was refused or failed. */
  error: string | null;
}
