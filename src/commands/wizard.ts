// `v6wall` with no command: wires the real host into the Ink wizard.
import { withBackend } from '../core/backend.js';
import { parseConfirmTimeout } from './confirm-timeout.js';
import { wizardCommand } from '../cli/spec.js';
import { commandEntry } from './command-line.js';
import type { ApplyOutcome } from '../core/types/apply-events.js';
import type { Facts } from '../core/types/facts.js';
import type { WizardDeps } from '../ui/deps.js';
import { confirmCommandLine } from '../apply/confirm-command.js';

export const startWizard = commandEntry(wizardCommand, async ({ values, usage, io }): Promise<number> => {
  const timeout = parseConfirmTimeout(values['confirm-timeout']);
  if (typeof timeout === 'string') return usage(timeout);
  const { resolveStateDir } = await import('../apply/paths.js');
  const stateDir = resolveStateDir(values['state-dir'], io.env);
  const { runWizard } = await import('../ui/run-wizard.js');
  return runWizard(realDeps(stateDir, timeout, io.env, values.backend));
});

/**
 * The planner, loaded along with discovery: the wizard plans only from the facts discovery gives,
 * and its first frame (drawn while the host is read) needs none of it.
 */
async function loadPlanner() {
  const [{ defaultChoices }, { buildPlan }, { planScript }] = await Promise.all([
    import('../core/choices.js'),
    import('../core/plan.js'),
    import('../core/plan-script.js'),
  ]);
  return { defaultChoices, buildPlan, planScript };
}

function realDeps(stateDir: string, confirmTimeoutSec: number, env: NodeJS.ProcessEnv, backendFlag: string | undefined): WizardDeps {
  let facts: Facts | null = null;
  let last: ApplyOutcome | null = null;
  let planner: Awaited<ReturnType<typeof loadPlanner>> | null = null;
  const loadedPlanner = () => {
    if (planner === null) throw new Error('planning before discovery');
    return planner;
  };
  return {
    async discover() {
      const [{ discoverHostFacts }, loaded] = await Promise.all([import('../host/discover.js'), loadPlanner()]);
      planner = loaded;
      facts = withBackend(await discoverHostFacts(), backendFlag);
      return facts;
    },
    defaultChoices: (discovered) => loadedPlanner().defaultChoices(discovered),
    buildPlan: (discovered, choices) => loadedPlanner().buildPlan(discovered, choices),
    async apply(plan, choices, onEvent) {
      if (facts === null) throw new Error('apply before discovery');
      const [{ applyPlan, applyHostFromFacts, defaultWatchdogCommand, defaultBootGuardDir }, { runCommand }] = await Promise.all([
        import('../apply/apply.js'),
        import('../host/run.js'),
      ]);
      last = await applyPlan(
        plan,
        {
          stateDir,
          confirmTimeoutSec,
          run: runCommand,
          choices,
          host: applyHostFromFacts(facts, env),
          watchdogCommand: defaultWatchdogCommand(),
          bootGuardDir: defaultBootGuardDir(),
        },
        onEvent,
      );
      return last;
    },
    async pollOutcome() {
      if (last === null || last.transcriptId === '') return { kind: 'pending' };
      const { applyFate } = await import('../apply/history.js');
      return applyFate(stateDir, last.transcriptId);
    },
    confirmCommand: (code) => confirmCommandLine(code, stateDir, env),
    async keepWithoutProof() {
      const { keepWithoutProof } = await import('../apply/confirm.js');
      const kept = await keepWithoutProof(stateDir);
      if (!kept.ok) throw new Error(kept.error);
    },
    async probe(address, port, proto) {
      // A TCP connect cannot tell whether a UDP service answers.
      if (proto !== 'tcp') return 'closed';
      const { probeTcp } = await import('../host/tcp-probe.js');
      return probeTcp(address, port);
    },
    async recall() {
      const { recallWizardMemory } = await import('../apply/wizard-memory.js');
      return recallWizardMemory(stateDir);
    },
    async remember(remembered) {
      const { rememberWizardChoices } = await import('../apply/wizard-memory.js');
      await rememberWizardChoices(stateDir, remembered);
    },
    async savePlanScript(plan, path) {
      const header = [`v6wall plan for ${facts?.host.hostname ?? 'this host'}, ${new Date().toISOString()}`, 'Not applied: review, then run as root.'];
      // Loaded here: node:fs/promises is not needed before the first frame.
      const { writeFile } = await import('node:fs/promises');
      await writeFile(path, loadedPlanner().planScript(plan, header), { mode: 0o700 });
      return path;
    },
  };
}
