// A stand-in for the wizard in watchdog tests: applies a plan through the real runner (the fake
// ufw script comes first on PATH, set by the test), prints the outcome, then waits to be killed.
//   watchdog-parent.fixture.ts HOST_JSON CONFIRM_TIMEOUT_SEC [slow]
import { applyPlan } from '../../src/apply/apply.js';
import { runCommand } from '../../src/host/run.js';
import { fakeWatchdogCommand, rootHost, sampleChoices, samplePlan, slowStepPlan, type FakeHost } from './apply-fake-ufw.js';

const host = JSON.parse(process.argv[2] ?? '{}') as FakeHost;
const confirmTimeoutSec = Number(process.argv[3] ?? '2');
// "slow": a plan with a 2 s step, for killing the apply while a command runs.
const plan = process.argv[4] === 'slow' ? slowStepPlan() : samplePlan();
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
