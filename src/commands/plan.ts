import { parseArgs } from 'node:util';
import { usageError, type CommandIo } from './io.js';
import type { Facts } from '../core/types.js';
import { resolveChoices } from '../core/choices.js';
import { buildPlan } from '../core/plan.js';
import { factWarnings, formatChoiceErrors, formatPlanText } from '../core/format-plan.js';
import { selectionHelp, selectionOptions, toSelectionFlags } from './selection-flags.js';

export const planHelp = `Usage: v6wall plan [selection] [--json]

Prints the commands v6wall would run on this host, in order, and changes nothing.

${selectionHelp}
Output:
  --json                    the plan as JSON (steps with why, argv, undoArgv, satisfied)
  -h, --help                this help

Exit codes: 0 plan printed, 2 bad or impossible choice (the message names it).
`;

export async function run(args: string[], io: CommandIo, discover: () => Promise<Facts>): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args, options: { ...selectionOptions, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (error) {
    return usageError(io, 'plan', error);
  }
  if (values.help) {
    io.stdout(planHelp);
    return 0;
  }
  const flags = toSelectionFlags(values);
  if (typeof flags === 'string') {
    io.stderr(`v6wall plan: ${flags}\n`);
    return 2;
  }
  const facts = await discover();
  const choices = resolveChoices(facts, flags);
  const plan = choices.ok ? buildPlan(facts, choices.value) : choices;
  if (!plan.ok) {
    if (values.json) io.stdout(`${JSON.stringify({ ok: false, errors: plan.errors }, null, 2)}\n`);
    io.stderr(formatChoiceErrors(plan.errors));
    return 2;
  }
  const warnings = factWarnings(facts);
  if (values.json) {
    io.stdout(`${JSON.stringify({ ok: true, ...plan.value, warnings }, null, 2)}\n`);
  } else {
    io.stdout(formatPlanText(plan.value) + warnings.map((warning) => `Warning: ${warning}\n`).join(''));
  }
  return 0;
}
