import type { Facts } from '../core/types/facts.js';
import { exportCommand } from '../cli/spec.js';
import { commandEntry } from './command-line.js';
import { backendOf, withBackend } from '../core/backend.js';
import { openingsOf } from '../core/openings.js';
import { EXPORT_FORMATS, isExportFormat, renderExport } from '../core/export/formats.js';
import { planSelection, toSelectionFlags } from './selection-flags.js';

export const run = commandEntry(exportCommand, async ({ values, usage, refuse, io }, discover: () => Promise<Facts>): Promise<number> => {
  const format = values.format;
  if (format === undefined || !isExportFormat(format)) return usage(`--format is needed: one of ${EXPORT_FORMATS.join(', ')}`);
  const flags = toSelectionFlags(values);
  if (typeof flags === 'string') return usage(flags);
  const facts = withBackend(await discover(), values.backend);
  const planned = planSelection(facts, flags);
  if (!planned.ok) return refuse(planned.errors);
  const { choices, plan } = planned.value;
  const openings = openingsOf(facts, choices);
  if (!openings.ok) return refuse(openings.errors);
  if (backendOf(facts).kind === 'nftables' && (format === 'ansible' || format === 'ip6tables-restore')) {
    return usage(`--format ${format} speaks UFW or ip6tables; with the nftables backend, \`v6wall plan --backend nftables\` prints the nft script itself`);
  }
  io.stdout(renderExport(format, plan, facts, openings.value));
  return 0;
});
