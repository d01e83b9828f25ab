// A stand-in for the wizard in watchdog tests: applies a plan through the real runner (the fake
// ufw script comes first on PATH, set by the test), prints the outcome, then waits to be killed.
import { applyPlan } from '../../src/apply/apply.js';
import { runCommand } from '../../src/host/run.js';
import { fakeWatchdogCommand, rootHost, sampleChoices, samplePlan, type FakeHost } from './apply-fake-ufw.js';

const host = JSON.parse(process.argv[2] ?? '{}') as FakeHost;
const confirmTimeoutSec = Number(process.argv[3] ?? '2');
const outcome = await applyPlan(samplePlan(), {
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
