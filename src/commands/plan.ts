import { planCommand } from '../cli/spec.js';
import { commandEntry } from './command-line.js';
import type { Facts } from '../core/types/facts.js';
import { resolveChoices } from '../core/choices.js';
import { buildPlan } from '../core/plan.js';
import { withBackend } from '../core/backend.js';
import { formatChoiceErrors } from '../core/choice-errors.js';
import { factWarnings } from '../core/fact-warnings.js';
import { formatPlanText } from '../core/plan-text.js';
import { openingLabel, openingsOf, sourcesText } from '../core/openings.js';
import type { Choices } from '../core/types/choices.js';
import { toSelectionFlags } from './selection-flags.js';

export const run = commandEntry(planCommand, async ({ values, usage, io }, discover: () => Promise<Facts>): Promise<number> => {
  const flags = toSelectionFlags(values);
  if (typeof flags === 'string') return usage(flags);
  const facts = withBackend(await discover(), values.backend);
  const choices = resolveChoices(facts, flags);
  const plan = choices.ok ? buildPlan(facts, choices.value) : choices;
  if (plan.ok) plan.value.notes.push(...(choices.notes ?? []));
  if (!plan.ok) {
    if (values.json) io.stdout(`${JSON.stringify({ ok: false, errors: plan.errors }, null, 2)}\n`);
    io.stderr(formatChoiceErrors(plan.errors));
    return 2;
  }
  const warnings = factWarnings(facts);
  if (values.json) {
    io.stdout(`${JSON.stringify({ ok: true, ...plan.value, warnings }, null, 2)}\n`);
  } else {
    io.stdout(formatPlanText(plan.value) + staysOpen(facts, choices.ok ? choices.value : null) + warnings.map((warning) => `Warning: ${warning}\n`).join(''));
  }
  return 0;
});

/** What is open once the plan has run: openings not named stay as they are, and the reader should see them. */
function staysOpen(facts: Facts, choices: Choices | null): string {
  if (choices === null) return '';
  const openings = openingsOf(facts, choices);
  if (!openings.ok) return '';
  const lines = openings.value.map((opening) => `  ${openingLabel(opening)} from ${sourcesText(opening)}\n`);
  return `\nOpen after this plan (v6wall's openings not named stay as they are; --close or --exact closes them):\n${lines.join('') || '  nothing but what the defaults allow\n'}`;
}
