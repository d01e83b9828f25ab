// The Containers and Exposure screens: what is chosen, and how each port is reached.
import { sameOption } from '../exposure-rows.js';
import { currentExposureRows, pickFor, visibleContainers } from '../selectors.js';
import type { WizardState } from '../wizard-state.js';

export function toggleContainer(state: WizardState): WizardState {
  const container = visibleContainers(state)[state.containers.cursor];
  if (container === undefined) return state;
  const selected = state.containers.selected.includes(container.name)
    ? state.containers.selected.filter((name) => name !== container.name)
    : [...state.containers.selected, container.name];
  const order = new Map((state.facts?.docker.containers ?? []).map((item, index) => [item.name, index]));
  selected.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  return { ...state, containers: { ...state.containers, selected } };
}

export function setFilter(state: WizardState, filter: string, filtering: boolean): WizardState {
  return { ...state, containers: { ...state.containers, filter, filtering, cursor: 0 } };
}

export function cycleExposure(state: WizardState, direction: 1 | -1): WizardState {
  const row = currentExposureRows(state)[state.exposure.cursor];
  if (row === undefined) return state;
  const current = pickFor(state, row);
  const index = row.options.findIndex((option) => sameOption(option, current));
  const next = row.options[(index + direction + row.options.length) % row.options.length];
  if (next === undefined) return state;
  return { ...state, exposure: { ...state.exposure, picks: { ...state.exposure.picks, [row.key]: next } } };
}
