// The wizard's entry point for the CLI: refuses without a terminal before any
// React or Ink is loaded, then renders until the wizard says how it ended.
import type { WizardDeps, UiOptions } from './deps.js';
import { DEFAULT_UI_OPTIONS } from './deps.js';
import { wizardRefusal } from './tty-check.js';

export type { WizardDeps, UiOptions } from './deps.js';

/** The exit code the wizard ends with when it refuses to start (no terminal). */
export const NO_TTY_EXIT = 2;

/** NO_COLOR (any non-empty value, see no-color.org) turns colours off; everything still reads in plain text. */
export function uiOptionsFromEnv(env: NodeJS.ProcessEnv, overrides: Partial<UiOptions> = {}): UiOptions {
  return { ...DEFAULT_UI_OPTIONS, color: env.NO_COLOR === undefined || env.NO_COLOR === '', ...overrides };
}

/**
 * Runs the interactive wizard. Resolves with the exit code: 0 finished,
 * 1 the apply failed or was rolled back, 2 no terminal, 130 ctrl+c. A quit before anything
 * changed ends with 0, and so does a quit that leaves changes awaiting confirmation (as `apply` does).
 */
export async function runWizard(deps: WizardDeps, options: Partial<UiOptions> = {}): Promise<number> {
  const refusal = wizardRefusal({ stdin: process.stdin, stdout: process.stdout, env: process.env });
  if (refusal !== null) {
    process.stderr.write(refusal);
    return NO_TTY_EXIT;
  }
  // React is CommonJS: its module.exports is the default export both in Node and in the split bundle
  // (whose React chunk has no named exports).
  const [{ render }, { default: React }, { Wizard }] = await Promise.all([import('ink'), import('react'), import('./wizard.js')]);
  const ui = uiOptionsFromEnv(process.env, options);
  let exitCode: number = 0;
  let parting: string | null = null;
  const instance = render(
    React.createElement(Wizard, {
      deps,
      options: ui,
      onExit: (code: number, words: string | null) => {
        exitCode = code;
        parting = words;
        instance.unmount();
      },
    }),
    { exitOnCtrlC: false },
  );
  await instance.waitUntilExit();
  if (parting !== null) process.stdout.write(parting);
  return exitCode;
}
