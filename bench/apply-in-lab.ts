// The v6wall side of the apply bench, run inside the lab's server namespace. apply.bench.ts
// bundles this file the way the CLI is bundled, so it measures the code operators run.
//   node apply-in-lab.mjs PLAN.json STATE_DIR WATCHDOG_JS
import { readFile } from 'node:fs/promises';
import { applyPlan } from '../src/apply/apply.js';
import { confirmPending } from '../src/apply/confirm.js';
import type { Plan } from '../src/core/types/plan.js';
import { runCommand } from '../src/host/run.js';

export interface ApplyRoundReport {
  ms: number;
  ok: boolean;
  error: string | null;
  /** From the call to the first command: lock, state, snapshot and the watchdog's start. */
  beforeFirstStep: number;
  /** The ufw commands themselves, as the runner timed them. */
  commandsMs: number;
}

const [planFile, stateDir, watchdogJs] = process.argv.slice(2);
if (planFile === undefined || stateDir === undefined || watchdogJs === undefined) {
  process.stderr.write('usage: apply-in-lab PLAN.json STATE_DIR WATCHDOG_JS\n');
  process.exit(2);
}
const plan = JSON.parse(await readFile(planFile, 'utf8')) as Plan;
const started = performance.now();
let firstStep = 0;
let commandsMs = 0;
const outcome = await applyPlan(
  plan,
  {
    stateDir,
    confirmTimeoutSec: 600,
    run: runCommand,
    choices: { sshPorts: [], exposures: [] },
    host: { hostname: 'bench', user: 'bench', root: true, ufwInstalled: true, ufwInstallHint: null },
    // The watchdog as an operator gets it: the built CLI.
    watchdogCommand: [process.execPath, watchdogJs],
  },
  (event) => {
    if (event.type === 'step-start' && firstStep === 0) firstStep = performance.now() - started;
    if (event.type === 'step-done') commandsMs += event.record.durationMs;
  },
);
const ms = performance.now() - started;
if (outcome.confirmCode !== null) await confirmPending(stateDir, outcome.confirmCode);
const report: ApplyRoundReport = { ms, ok: outcome.ok, error: outcome.error, beforeFirstStep: firstStep, commandsMs };
process.stdout.write(`${JSON.stringify(report)}\n`);
