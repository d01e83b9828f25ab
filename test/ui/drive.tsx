// Drives the real Wizard through keystrokes, as a person would, and returns its frames.
import React from 'react';
import type { Facts } from '../../src/core/types.js';
import type { UiOptions, WizardDeps } from '../../src/ui/deps.js';
import { Wizard } from '../../src/ui/wizard.js';
import { type Rendered, renderAt, tick } from './ink-harness.js';
import { fakeDeps, testUiOptions } from './fake-deps.js';

/** A key to press, or a pause (ms) for effects such as the apply to finish. */
export type Step = string | { wait: number };

export interface Driven {
  app: Rendered;
  exitCode: () => number | null;
}

export async function drive(
  facts: Facts,
  steps: readonly Step[],
  options: { columns?: number; rows?: number; deps?: WizardDeps; ui?: Partial<UiOptions> } = {},
): Promise<Driven> {
  const deps = options.deps ?? fakeDeps(facts).deps;
  let code: number | null = null;
  const app = renderAt(
    <Wizard deps={deps} options={{ ...testUiOptions, ...options.ui }} onExit={(value) => (code = value)} />,
    { columns: options.columns ?? 80, rows: options.rows ?? 30 },
  );
  await tick(10);
  for (const step of steps) {
    if (typeof step === 'string') await app.press(step);
    else await tick(step.wait);
  }
  await tick(10);
  return { app, exitCode: () => code };
}
