// Preview, apply and confirm: from the plan to changes proven safe (or rolled back).
import type { ApplyEvent, ApplyOutcome } from '../../core/types/apply-events.js';
import { applyBlocker } from '../selectors.js';
import { IDLE_CHECKS, initialState, type StepProgress, type WizardState } from '../wizard-state.js';
import { goTo } from './navigation.js';

/** Exit codes of the wizard: 0 also for a quit before anything changed, 130 for ctrl+c as for any interrupted program. */
export const EXIT = { done: 0, failed: 1, interrupted: 130 } as const;

export function previewNext(state: WizardState): WizardState {
  const preview = state.preview;
  if (preview.savePath !== null) {
    if (preview.savePath.trim() === '') return { ...state, preview: { ...preview, saveMessage: 'Type a file name for the script.' } };
    return { ...state, preview: { ...preview, saving: true, saveMessage: null } };
  }
  if (preview.plan === null || !preview.plan.ok || applyBlocker(state.facts) !== null) return state;
  const pending = preview.plan.value.steps.filter((step) => !step.satisfied);
  if (pending.length === 0) return goTo(state, 'done');
  if (!preview.armed) return { ...state, preview: { ...preview, armed: true } };
  const steps: StepProgress[] = preview.plan.value.steps.map((step) => ({ step, status: step.satisfied ? 'skipped' : 'pending', record: null }));
  return {
    ...state,
    screen: 'apply',
    preview: { ...preview, armed: false },
    apply: { status: 'requested', steps, events: [], outcome: null, rolledBackReason: null, crash: null },
  };
}

export function applyEvent(state: WizardState, event: ApplyEvent): WizardState {
  const apply = { ...state.apply, events: [...state.apply.events, event] };
  const setStep = (index: number, patch: Partial<StepProgress>): StepProgress[] =>
    apply.steps.map((progress, position) => (position === index ? { ...progress, ...patch } : progress));
  switch (event.type) {
    case 'snapshot':
    case 'armed':
      break;
    case 'step-start':
      apply.steps = setStep(event.index, { status: 'running' });
      break;
    case 'step-done':
      apply.steps = setStep(event.index, { status: 'done', record: event.record });
      break;
    case 'step-failed':
      apply.steps = setStep(event.index, { status: 'failed', record: event.record });
      break;
    case 'rolled-back':
      apply.rolledBackReason = event.reason;
      break;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
  return { ...state, apply };
}

export function applyFinished(state: WizardState, outcome: ApplyOutcome): WizardState {
  const apply = { ...state.apply, status: 'finished' as const, outcome };
  if (outcome.ok && outcome.confirmCode !== null) {
    return { ...state, apply, screen: 'confirm', confirm: { status: 'waiting', askingKeep: false, keepError: null, checks: IDLE_CHECKS, rollback: null } };
  }
  return { ...state, apply };
}

export function applyNext(state: WizardState): WizardState {
  if (state.apply.status !== 'finished') return state;
  const outcome = state.apply.outcome;
  if (outcome !== null && outcome.ok && outcome.confirmCode !== null) return goTo(state, 'confirm');
  return goTo(state, 'done');
}

export function confirmNext(state: WizardState): WizardState {
  const confirm = state.confirm;
  if (confirm.status === 'confirmed' || confirm.status === 'kept' || confirm.status === 'expired' || confirm.status === 'rolled-back')
    return goTo(state, 'done');
  return state;
}

/** The answer of the keep menu: keeping disarms the rollback (the effect runs it), anything else goes on waiting. */
export function keepChosen(state: WizardState, keep: boolean): WizardState {
  if (state.screen !== 'confirm' || !state.confirm.askingKeep) return state;
  if (!keep || state.confirm.status !== 'waiting') return { ...state, confirm: { ...state.confirm, askingKeep: false } };
  return { ...state, confirm: { ...state.confirm, status: 'keeping', askingKeep: false, keepError: null } };
}

/** Back from the done screen to change the choices, the firewall being as it was: the next apply starts afresh. */
export function changeChoices(state: WizardState): WizardState {
  const fresh = initialState();
  return goTo(
    { ...state, preview: { ...state.preview, plan: null, armed: false, saveMessage: null }, apply: fresh.apply, confirm: fresh.confirm },
    state.facts?.docker.available ? 'exposure' : 'ssh',
  );
}

export function finishedCode(state: WizardState): number {
  if (state.confirm.status === 'expired' || state.confirm.status === 'rolled-back') return EXIT.failed;
  const outcome = state.apply.outcome;
  if (state.apply.crash !== null || (outcome !== null && !outcome.ok)) return EXIT.failed;
  return EXIT.done;
}
