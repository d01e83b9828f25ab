// What the wizard prints after its last frame when it ends with changes awaiting confirmation:
// the screen that said it is gone, and the operator must still know the code and the deadline.
import { formatCountdown } from './countdown.js';
import { awaitingConfirmation, confirmCode } from './selectors.js';
import type { WizardState } from './wizard-state.js';

function deadlineOf(state: WizardState): string | null {
  if (state.apply.outcome !== null) return state.apply.outcome.deadline;
  const armed = state.apply.events.find((event) => event.type === 'armed');
  return armed?.type === 'armed' ? armed.deadline : null;
}

/** "19:45:00 UTC", the clock the confirm screen shows. */
export function clockUtc(iso: string): string {
  return `${new Date(iso).toISOString().slice(11, 19)} UTC`;
}

export function partingWords(state: WizardState, now: number, confirmLine: (code: string) => string = (code) => `sudo v6wall confirm ${code}`): string | null {
  if (!awaitingConfirmation(state)) return null;
  const code = confirmCode(state);
  const deadline = deadlineOf(state);
  if (state.apply.status !== 'finished' || code === null || deadline === null) {
    return [
      'v6wall quit while applying: nothing will confirm these changes, so the rollback',
      'watchdog restores the firewall as it was before this apply (`sudo v6wall status`',
      'shows when).',
      '',
    ].join('\n');
  }
  return [
    'v6wall quit: the changes are applied but not confirmed.',
    `From a NEW SSH session, before ${clockUtc(deadline)} (in ${formatCountdown(Date.parse(deadline) - now)}), run:`,
    `  ${confirmLine(code)}`,
    `Otherwise, at ${clockUtc(deadline)}, the armed rollback restores the firewall as it was`,
    'before this apply.',
    '',
  ].join('\n');
}
