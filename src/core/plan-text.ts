import type { Plan } from './types/plan.js';
import { shellCommand, shellJoin } from './shell-quote.js';

/** The plan as a person reads it: numbered commands with their why; what is in place is shown, not run. */
export function formatPlanText(plan: Plan): string {
  const lines: string[] = [];
  const toRun = plan.steps.filter((step) => !step.satisfied).length;
  lines.push(toRun === 0 ? 'Nothing to do: every step is already in place.' : `${toRun} command${toRun === 1 ? '' : 's'} to run, in this order:`);
  let number = 0;
  for (const step of plan.steps) {
    lines.push('');
    if (step.satisfied) {
      lines.push(`   - already in place, skipped: ${step.why}`);
      lines.push(`     ${shellJoin(step.argv)}`);
    } else {
      number += 1;
      lines.push(`${String(number).padStart(3)}. ${step.why}`);
      lines.push(...`$ ${shellCommand(step.argv, step.input)}`.split('\n').map((line) => `     ${line}`));
    }
  }
  if (plan.notes.length > 0) {
    lines.push('');
    for (const note of plan.notes) lines.push(`Note: ${note}`);
  }
  return `${lines.join('\n')}\n`;
}
