import type { Plan } from './types/plan.js';
import { shellCommand, shellJoin } from './shell-quote.js';

/** The plan's pending commands as a POSIX script an operator can read, keep, or run elsewhere. */
export function planScript(plan: Plan, header: string[]): string {
  const lines = ['#!/bin/sh', ...header.map((line) => `# ${line.replace(/[\r\n]+/g, ' ')}`), 'set -eu', ''];
  for (const step of plan.steps) {
    if (step.satisfied) {
      lines.push(`# already in place, skipped: ${step.why}`, `# ${shellJoin(step.argv)}`, '');
    } else {
      lines.push(`# ${step.why}`, shellCommand(step.argv, step.input), '');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
