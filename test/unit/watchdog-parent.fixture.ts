// A stand-in for the wizard in watchdog tests: applies a plan through the real runner (the fake
// ufw script comes first on PATH, set by the test), prints the outcome, then waits to be killed.
//   watchdog-parent.fixture.ts HOST_JSON CONFIRM_TIMEOUT_SEC [held|held-kill-parent]
import { applyPlan } from '../../src/apply/apply.js';
import { runCommand } from '../../src/host/run.js';
import { fakeWatchdogCommand, rootHost, sampleChoices, samplePlan, heldStepPlan, type FakeHost } from './apply-fake-ufw.js';

const host = JSON.parse(process.argv[2] ?? '{}') as FakeHost;
const confirmTimeoutSec = Number(process.argv[3] ?? '2');
// "held": a plan with a step that runs until the test releases it, for killing the apply while a
// command runs; "held-kill-parent": that command kills this process as soon as it starts.
const mode = process.argv[4];
const plan = mode === 'held' || mode === 'held-kill-parent' ? heldStepPlan(mode === 'held-kill-parent') : samplePlan();
const outcome = await applyPlan(plan, {
  stateDir: host.stateDir,
  confirmTimeoutSec,
  run: runCommand,
  choices: sampleChoices,
  host: rootHost,
  watchdogCommand: fakeWatchdogCommand(host),
  paths: host.paths,
});
process.stdout.write(`OUTCOME ${JSON.stringify(outcome)}\n`);
setInterval(() => undefined, 60_000);
