// Moving between screens and along lists: helpers every screen's transitions use.
import type { Screen, WizardState } from '../wizard-state.js';

export function clamp(value: number, length: number): number {
  if (length <= 0) return 0;
  return Math.min(Math.max(value, 0), length - 1);
}

export function goTo(state: WizardState, screen: Screen): WizardState {
  return { ...state, screen };
}
