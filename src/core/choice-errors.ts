import type { ChoiceError } from './types/choices.js';

/** Refused choices as the command line reports them, one line each. */
export function formatChoiceErrors(errors: readonly ChoiceError[]): string {
  return `${errors.map((error) => `v6wall: ${error.choice}: ${error.message}`).join('\n')}\n`;
}
