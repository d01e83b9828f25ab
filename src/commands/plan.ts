import { planCommand } from '../cli/spec.js';
import { commandEntry } from './command-line.js';
import type { Facts } from '../core/types/facts.js';
import { withBackend } from '../core/backend.js';
import { factWarnings } from '../core/fact-warnings.js';
import { formatPlanText } from '../core/plan-text.js';
import { openingLabel, openingsOf, sourcesText } from '../core/openings.js';
import type { Choices } from '../core/types/choices.js';
import { planSelection, toSelectionFlags } from './selection-flags.js';

export const run = commandEntry(planCommand, async ({ values, usage, refuse, io }, discover: () => Promise<Facts>): Promise<number> => {
  const flags = toSelectionFlags(values);
  if (typeof flags === 'string') return usage(flags);
  const facts = withBackend(await discover(), values.backend);
  const planned = planSelection(facts, flags);
  if (!planned.ok) {
    if (values.json) io.stdout(`${JSON.stringify({ ok: false, errors: planned.errors }, null, 2)}\n`);
    return refuse(planned.errors);
  }
  const { choices, plan, notes } = planned.value;
  plan.notes.push(...notes);
  const warnings = factWarnings(facts);
  if (values.json) {
    io.stdout(`${JSON.stringify({ ok: true, ...plan, warnings }, null, 2)}\n`);
  } else {
    io.stdout(formatPlanText(plan) + staysOpen(facts, choices) + warnings.map((warning) => `Warning: ${warning}\n`).join(''));
  }
  return 0;
});

/** What is open once the plan has run: openings not named stay as they are, and the reader should see them. */
function staysOpen(facts: Facts, choices: Choices): string {
  const openings = openingsOf(facts, choices);
  if (!openings.ok) return '';
  const lines = openings.value.map((opening) => `  ${openingLabel(opening)} from ${sourcesText(opening)}\n`);
  return `\nOpen after this plan (v6wall's openings not named stay as they are; --close or --exact closes them):\n${lines.join('') || '  nothing but what the defaults allow\n'}`;
}
