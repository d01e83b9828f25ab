import type { PlanStep } from './types/plan.js';

/**
 * For a step that writes a file from its standard input: the lines it adds to
 * what was there before, so a person can review the change, not the whole file.
 */
export function linesAddedByStep(step: PlanStep): string[] {
  if (step.input === undefined) return [];
  const before = new Set((step.undoInput ?? '').split('\n'));
  return step.input.split('\n').filter((line) => line.trim() !== '' && !before.has(line));
}
