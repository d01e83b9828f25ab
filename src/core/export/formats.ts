// `v6wall export --format FORMAT`: one renderer per format over the same plan and openings.
import type { Facts } from '../types/facts.js';
import type { Plan } from '../types/plan.js';
import type { Opening } from '../openings.js';
import { renderAnsible } from './ansible.js';
import { renderHetzner } from './hetzner.js';
import { renderIp6tablesRestore } from './ip6tables-restore.js';
import { renderList } from './list.js';
import { renderOpnsense } from './opnsense.js';
import { renderPfsense } from './pfsense.js';

export const EXPORT_FORMATS = ['ansible', 'list', 'pfsense', 'opnsense', 'hetzner', 'ip6tables-restore'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(text: string): text is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(text);
}

export function renderExport(format: ExportFormat, plan: Plan, facts: Facts, openings: readonly Opening[]): string {
  const hostname = facts.host.hostname;
  switch (format) {
    case 'ansible':
      return renderAnsible(plan, facts);
    case 'list':
      return renderList(openings, hostname);
    case 'pfsense':
      return renderPfsense(openings, hostname);
    case 'opnsense':
      return renderOpnsense(openings, hostname);
    case 'hetzner':
      return renderHetzner(openings);
    case 'ip6tables-restore':
      return renderIp6tablesRestore(plan, facts);
    default: {
      const unreachable: never = format;
      return unreachable;
    }
  }
}
