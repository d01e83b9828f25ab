import type { ApplyEvent } from '../core/types/apply-events.js';
import type { Choices } from '../core/types/choices.js';
import type { Facts } from '../core/types/facts.js';
import type { Runner } from '../core/types/runner.js';
import type { Proof } from '../core/proof.js';
import { withBackend } from '../core/backend.js';
import { formatChoiceErrors } from '../core/choice-errors.js';
import { formatPlanText } from '../core/plan-text.js';
import { shellJoin } from '../core/shell-quote.js';
import type { UfwPaths } from '../apply/paths.js';
import { resolveStateDir } from '../apply/paths.js';
import type { CommandIo } from './command-io.js';
import { parseConfirmTimeout } from './confirm-timeout.js';
import { planSelection, toSelectionFlags } from './selection-flags.js';
import { applyCommand } from '../cli/spec.js';
import { commandEntry, type FlagValues } from './command-line.js';

export interface ApplyCommandDeps {
  discover: () => Promise<Facts>;
  run: Runner;
  watchdogCommand: string[];
  /** See ApplyOptions.bootGuardDir. */
  bootGuardDir?: string | null;
  paths?: UfwPaths;
  isTty: boolean;
}

async function defaultDeps(): Promise<ApplyCommandDeps> {
  const [{ discoverHostFacts }, { runCommand }, { defaultWatchdogCommand, defaultBootGuardDir }] = await Promise.all([
    import('../host/discover.js'),
    import('../host/run.js'),
    import('../apply/apply.js'),
  ]);
  return {
    discover: discoverHostFacts,
    run: runCommand,
    watchdogCommand: defaultWatchdogCommand(),
    bootGuardDir: defaultBootGuardDir(),
    isTty: process.stdout.isTTY === true,
  };
}

function describeEvent(e: ApplyEvent): string | null {
  switch (e.type) {
    case 'snapshot':
      return `Saved the current firewall as snapshot ${e.snapshotId}; the rollback is armed.\n`;
    case 'step-start':
    case 'armed':
      return null;
    case 'step-done':
      return `  ok    ${shellJoin(e.record.argv)}\n`;
    case 'step-failed':
      return `  FAIL  ${shellJoin(e.record.argv)} (exit ${e.record.exitCode})\n`;
    case 'rolled-back':
      return 'Rolled back to the snapshot.\n';
    default: {
      const unreachable: never = e;
      return String(unreachable);
    }
  }
}

/** What `apply --json` prints: one object, whatever happened. */
export interface ApplyReport {
  ok: boolean;
  /** Commands ran (and await confirmation, unless they failed and were rolled back). */
  changed: boolean;
  host: string;
  /** Commands that ran, in order, with their exit codes. */
  steps: { why: string; argv: string[]; exitCode: number }[];
  /** Plan steps already in place (not run). */
  inPlace: number;
  confirmCode: string | null;
  deadline: string | null;
  transcriptId: string | null;
  rolledBack: boolean;
  notes: string[];
  /** After a successful apply: what the live firewall does that differs from the choices, in plain words; null when it was not checked. */
  differences: string[] | null;
  errors: { choice: string; message: string }[];
}

function emptyReport(host: string): ApplyReport {
  return {
    ok: false,
    changed: false,
    host,
    steps: [],
    inPlace: 0,
    confirmCode: null,
    deadline: null,
    transcriptId: null,
    rolledBack: false,
    notes: [],
    differences: null,
    errors: [],
  };
}

/**
 * Before the operator confirms: what the live firewall now does, held against what was chosen
 * (with --exact, exactly the chosen openings; otherwise also every opening of v6wall's kept in place).
 */
export async function checkAgainstLive(d: Pick<ApplyCommandDeps, 'discover'>, choices: Choices, backendFlag: string | undefined): Promise<Proof | string> {
  let after: Facts;
  try {
    // The backend chosen for the apply: without it, a loaded table inet v6wall would be read as the firewall in force.
    after = withBackend(await d.discover(), backendFlag);
  } catch (error) {
    return `could not read the firewall again to check it: ${error instanceof Error ? error.message : String(error)}`;
  }
  const { intendedFromChoices, intendedFromRules, proveIntended } = await import('../core/proof.js');
  const intended = choices.scope === 'exact' ? intendedFromChoices(choices) : [...intendedFromRules(after), ...intendedFromChoices(choices)];
  return proveIntended(after, choices.sshPorts, intended);
}

function describeCheck(check: Proof | string): string {
  if (typeof check === 'string') return `\nNot checked: ${check}\n`;
  const lines = [''];
  if (check.note !== null) lines.push(`Note: ${check.note}`);
  if (check.differences.length === 0 && check.rows.length > 0) {
    lines.push(
      "Checked against the live firewall: no difference. Each of v6wall's openings is open from its sources only, every other container port is closed, and the containers can start connections out.",
    );
  } else if (check.differences.length > 0) {
    lines.push('The live firewall differs from what you chose (confirm only if you accept this; otherwise let it roll back, or run `v6wall rollback`):');
    for (const difference of check.differences) lines.push(`  - ${difference}`);
  }
  return `${lines.join('\n')}\n`;
}

export const run = commandEntry(applyCommand, async ({ values, usage, refuse, io }, deps?: Partial<ApplyCommandDeps>): Promise<number> => {
  if (values.json === true) return runJson(values, io, deps);
  const flags = toSelectionFlags(values);
  if (typeof flags === 'string') return usage(flags);
  const timeout = parseConfirmTimeout(values['confirm-timeout']);
  if (typeof timeout === 'string') return usage(timeout);
  const d: ApplyCommandDeps = { ...(await defaultDeps()), ...deps };
  const facts = withBackend(await d.discover(), values.backend);
  const planned = planSelection(facts, flags);
  if (!planned.ok) return refuse(planned.errors);
  const { choices, plan } = planned.value;
  plan.notes.push(...planned.value.notes);
  if (!values.yes) {
    io.stdout(formatPlanText(plan));
    io.stdout('\nNothing was changed. Run the same command with --yes to apply it.\n');
    return d.isTty ? 0 : 2;
  }
  const { applyPlan, applyHostFromFacts } = await import('../apply/apply.js');
  const stateDir = resolveStateDir(values['state-dir'], io.env);
  const total = plan.steps.filter((s) => !s.satisfied).length;
  if (total === 0) {
    io.stdout('Nothing to do: every step is already in place.\n');
    return 0;
  }
  io.stdout(`Applying ${total} command(s).\n`);
  const outcome = await applyPlan(
    plan,
    {
      stateDir,
      confirmTimeoutSec: timeout,
      run: d.run,
      choices,
      host: applyHostFromFacts(facts, io.env),
      watchdogCommand: d.watchdogCommand,
      bootGuardDir: d.bootGuardDir,
      paths: d.paths,
    },
    (e) => {
      const line = describeEvent(e);
      if (line !== null) io.stdout(line);
    },
  );
  if (!outcome.ok) {
    io.stderr(`v6wall apply: ${outcome.error ?? 'failed'}\n`);
    if (outcome.transcriptId !== '') io.stderr(`Transcript: v6wall transcript ${outcome.transcriptId}\n`);
    return 1;
  }
  if (outcome.confirmCode === null || outcome.deadline === null) {
    io.stdout('Nothing to do: every step is already in place.\n');
    return 0;
  }
  io.stdout(describeCheck(await checkAgainstLive(d, choices, values.backend)));
  const seconds = Math.max(0, Math.round((Date.parse(outcome.deadline) - Date.now()) / 1000));
  io.stdout(
    [
      '',
      `Applied. The firewall rolls back at ${outcome.deadline} (in ${seconds} s) unless you confirm.`,
      'Open a NEW SSH session to this server (that proves new connections still work) and run:',
      '',
      `    sudo v6wall confirm ${outcome.confirmCode}`,
      '',
      `Confirm code: ${outcome.confirmCode}`,
      `Deadline: ${outcome.deadline}`,
      `Transcript: v6wall transcript ${outcome.transcriptId}`,
      '',
    ].join('\n'),
  );
  if (outcome.error !== null) io.stderr(`v6wall apply: ${outcome.error}\n`);
  return 0;
});

type ApplyValues = FlagValues<typeof applyCommand>;

/** `apply --json`: the same apply, reported as one JSON object on stdout (messages for people still go to stderr). */
async function runJson(values: ApplyValues, io: CommandIo, deps?: Partial<ApplyCommandDeps>): Promise<number> {
  const print = (report: ApplyReport, code: number): number => {
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return code;
  };
  const flags = toSelectionFlags(values);
  const timeout = parseConfirmTimeout(values['confirm-timeout']);
  const bad = typeof flags === 'string' ? flags : typeof timeout === 'string' ? timeout : null;
  if (bad !== null || typeof flags === 'string' || typeof timeout === 'string') {
    return print({ ...emptyReport(''), errors: [{ choice: 'flags', message: bad ?? 'bad flags' }] }, 2);
  }
  const d: ApplyCommandDeps = { ...(await defaultDeps()), ...deps };
  const facts = withBackend(await d.discover(), values.backend);
  const report = emptyReport(facts.host.hostname);
  const planned = planSelection(facts, flags);
  if (!planned.ok) {
    io.stderr(formatChoiceErrors(planned.errors));
    return print({ ...report, errors: planned.errors }, 2);
  }
  const { choices, plan } = planned.value;
  report.notes = [...plan.notes, ...planned.value.notes];
  report.inPlace = plan.steps.filter((step) => step.satisfied).length;
  if (!values.yes) {
    return print({ ...report, errors: [{ choice: '--yes', message: 'nothing was changed: add --yes to apply' }] }, 2);
  }
  if (plan.steps.every((step) => step.satisfied)) return print({ ...report, ok: true }, 0);
  const { applyPlan, applyHostFromFacts } = await import('../apply/apply.js');
  const outcome = await applyPlan(plan, {
    stateDir: resolveStateDir(values['state-dir'], io.env),
    confirmTimeoutSec: timeout,
    run: d.run,
    choices,
    host: applyHostFromFacts(facts, io.env),
    watchdogCommand: d.watchdogCommand,
    bootGuardDir: d.bootGuardDir,
    paths: d.paths,
  });
  const final: ApplyReport = {
    ...report,
    ok: outcome.ok,
    changed: outcome.records.length > 0,
    steps: outcome.records.map((record) => ({ why: record.why, argv: record.argv, exitCode: record.exitCode })),
    confirmCode: outcome.confirmCode,
    deadline: outcome.deadline,
    transcriptId: outcome.transcriptId === '' ? null : outcome.transcriptId,
    rolledBack: outcome.rolledBack,
    errors: outcome.error === null ? [] : [{ choice: 'apply', message: outcome.error }],
  };
  if (outcome.ok && outcome.confirmCode !== null) {
    const check = await checkAgainstLive(d, choices, values.backend);
    final.differences = typeof check === 'string' ? null : check.differences;
    if (typeof check === 'string') final.notes = [...final.notes, `Not checked against the live firewall: ${check}`];
  }
  if (outcome.error !== null) io.stderr(`v6wall apply: ${outcome.error}\n`);
  return print(final, outcome.ok ? 0 : 1);
}
