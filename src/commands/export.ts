import type { CommandIo } from './command-io.js';
import type { Facts } from '../core/types/facts.js';
import { exportCommand } from '../cli/spec.js';
import { parseCommandLine } from './command-line.js';
import { resolveChoices } from '../core/choices.js';
import { buildPlan } from '../core/plan.js';
import { backendOf, withBackend } from '../core/backend.js';
import { formatChoiceErrors } from '../core/choice-errors.js';
import { openingsOf } from '../core/openings.js';
import { EXPORT_FORMATS, isExportFormat, renderExport } from '../core/export/formats.js';
import { toSelectionFlags } from './selection-flags.js';

export async function run(args: string[], io: CommandIo, discover: () => Promise<Facts>): Promise<number> {
  const parsed = parseCommandLine(exportCommand, args, io);
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;
  const format = values.format;
  if (format === undefined || !isExportFormat(format)) {
    io.stderr(`v6wall export: --format is needed: one of ${EXPORT_FORMATS.join(', ')}\n`);
    return 2;
  }
  const flags = toSelectionFlags(values);
  if (typeof flags === 'string') {
    io.stderr(`v6wall export: ${flags}\n`);
    return 2;
  }
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
    io.stderr(
      `v6wall export: --format ${format} speaks UFW or ip6tables; with the nftables backend, \`v6wall plan --backend nftables\` prints the nft script itself\n`,
    );
    return 2;
  }
  io.stdout(renderExport(format, plan.value, facts, openings.value));
  return 0;
}
