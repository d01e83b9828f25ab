// Drives the real Wizard through keystrokes, as a person would, and returns its frames.
import type { Facts } from '../../src/core/types/facts.js';
import type { UiOptions, WizardDeps } from '../../src/ui/deps.js';
import { Wizard } from '../../src/ui/wizard.js';
import { type Rendered, renderAt, tick } from './ink-harness.js';
import { fakeDeps, testUiOptions } from './fake-deps.js';

/** A key to press, a pause (ms), or words to wait for (effects such as the apply finishing). */
export type Step = string | { wait: number } | { until: string };

async function waitUntil(app: Rendered, words: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!app.lastFrame().includes(words)) {
    if (Date.now() - start > timeoutMs) throw new Error(`the wizard never showed "${words}"; it shows:\n${app.lastFrame()}`);
    await tick(10);
  }
}

/**
 * A menu is up and listening: its first item is drawn (ink-select-input is loaded after the first
 * frame), then a pause, since it listens to keys from an effect React runs a moment after each frame
 * (also after each move: use MENU_SETTLE alone there).
 */
export const MENU_SETTLE: Step = { wait: 100 };
export const menuUp = (firstItem: string): Step[] => [{ until: `1. ${firstItem}` }, MENU_SETTLE];

export interface Driven {
  app: Rendered;
  exitCode: () => number | null;
  /** What the wizard prints after its last frame. */
  parting: () => string | null;
}

export async function drive(
  facts: Facts,
  steps: readonly Step[],
  options: { columns?: number; rows?: number; deps?: WizardDeps; ui?: Partial<UiOptions> } = {},
): Promise<Driven> {
  const deps = options.deps ?? fakeDeps(facts).deps;
  let code: number | null = null;
  let parting: string | null = null;
  const app = renderAt(
    <Wizard
      deps={deps}
      options={{ ...testUiOptions, ...options.ui }}
      onExit={(value, words) => {
        code = value;
        parting = words;
      }}
    />,
    { columns: options.columns ?? 80, rows: options.rows ?? 30 },
  );
  await tick(10);
  // Discovery reports once the wizard's store has answered too (its first import takes a moment):
  // wait for it, as a person reads the first screen before pressing enter.
  const start = Date.now();
  while (app.lastFrame().includes('Reading the firewall') && Date.now() - start < 1000) await tick(10);
  for (const step of steps) {
    if (typeof step === 'string') await app.press(step);
    else if ('wait' in step) await tick(step.wait);
    else await waitUntil(app, step.until);
  }
  await tick(10);
  return { app, exitCode: () => code, parting: () => parting };
}
