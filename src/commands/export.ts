import type { Facts } from '../core/types/facts.js';
import { exportCommand } from '../cli/spec.js';
import { commandEntry } from './command-line.js';
import { resolveChoices } from '../core/choices.js';
import { buildPlan } from '../core/plan.js';
import { backendOf, withBackend } from '../core/backend.js';
import { formatChoiceErrors } from '../core/choice-errors.js';
import { openingsOf } from '../core/openings.js';
import { EXPORT_FORMATS, isExportFormat, renderExport } from '../core/export/formats.js';
import { toSelectionFlags } from './selection-flags.js';

export const run = commandEntry(exportCommand, async ({ values, usage, io }, discover: () => Promise<Facts>): Promise<number> => {
  const format = values.format;
  if (format === undefined || !isExportFormat(format)) return usage(`--format is needed: one of ${EXPORT_FORMATS.join(', ')}`);
  const flags = toSelectionFlags(values);
  if (typeof flags === 'string') return usage(flags);
  const facts = withBackend(await discover(), values.backend);
  const choices = resolveChoices(facts, flags);
  const plan = choices.ok ? buildPlan(facts, choices.value) : choices;
  if (!plan.ok || !choices.ok) {
    io.stderr(formatChoiceErrors(plan.ok ? [] : plan.errors));
    return 2;
  }
  const openings = openingsOf(facts, choices.value);
  if (!openings.ok) {
    io.stderr(formatChoiceErrors(openings.errors));
    return 2;
  }
  if (backendOf(facts).kind === 'nftables' && (format === 'ansible' || format === 'ip6tables-restore')) {
    return usage(`--format ${format} speaks UFW or ip6tables; with the nftables backend, \`v6wall plan --backend nftables\` prints the nft script itself`);
  }
  io.stdout(renderExport(format, plan.value, facts, openings.value));
  return 0;
});
