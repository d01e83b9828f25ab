// The Containers and Exposure screens: what is chosen, and how each port is reached.
import { type ExposureOption, sameOption } from '../exposure-rows.js';
import { exposureListRows, foreignPick, pickFor, sourcesFor, visibleContainers } from '../selectors.js';
import { parseSource } from '../../core/sources.js';
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
  const listed = exposureListRows(state)[state.exposure.cursor];
  if (listed === undefined) return state;
  if (listed.kind === 'foreign') {
    const flipped = foreignPick(state, listed.rule) === 'keep' ? 'remove' : 'keep';
    return { ...state, exposure: { ...state.exposure, foreign: { ...state.exposure.foreign, [listed.rule.key]: flipped } } };
  }
  const row = listed.row;
  const current = pickFor(state, row);
  const index = row.options.findIndex((option) => sameOption(option, current));
  const next = row.options[(index + direction + row.options.length) % row.options.length];
  if (next === undefined) return state;
  return { ...state, exposure: { ...state.exposure, picks: { ...state.exposure.picks, [row.key]: next } } };
}

/** Space on a port row with a choice to make opens its menu of exposures; on a rule v6wall did not make, it flips keep/remove. */
export function openExposureMenu(state: WizardState): WizardState {
  const listed = exposureListRows(state)[state.exposure.cursor];
  if (listed === undefined) return state;
  if (listed.kind === 'foreign') return cycleExposure(state, 1);
  if (listed.row.options.length < 2) return state;
  return { ...state, exposure: { ...state.exposure, menu: listed.row.key } };
}

/** The menu's choice for its port; the menu closes. */
export function chooseExposure(state: WizardState, key: string, option: ExposureOption): WizardState {
  if (state.exposure.menu !== key) return state;
  return { ...state, exposure: { ...state.exposure, menu: null, picks: { ...state.exposure.picks, [key]: option } } };
}

/** f on a port row: type where it may be reached from (stopped containers keep what they have). */
export function startSources(state: WizardState): WizardState {
  const listed = exposureListRows(state)[state.exposure.cursor];
  if (listed === undefined || listed.kind !== 'port' || listed.row.stopped) return state;
  return { ...state, exposure: { ...state.exposure, editing: { key: listed.row.key, draft: sourcesFor(state, listed.row).join(' '), error: null } } };
}

export function typeSources(state: WizardState, text: string): WizardState {
  const editing = state.exposure.editing;
  if (editing === null) return state;
  return { ...state, exposure: { ...state.exposure, editing: { ...editing, draft: editing.draft + text, error: null } } };
}

export function eraseSources(state: WizardState): WizardState {
  const editing = state.exposure.editing;
  if (editing === null) return state;
  return { ...state, exposure: { ...state.exposure, editing: { ...editing, draft: editing.draft.slice(0, -1), error: null } } };
}

/** Enter in the "from" field: every address or network must be IPv6; empty means anywhere. */
export function commitSources(state: WizardState): WizardState {
  const editing = state.exposure.editing;
  if (editing === null) return state;
  const words = editing.draft.split(/[\s,]+/).filter((word) => word !== '' && word !== 'anywhere' && word !== 'any');
  const sources: string[] = [];
  for (const word of words) {
    const parsed = parseSource(word);
    if (!parsed.ok) return { ...state, exposure: { ...state.exposure, editing: { ...editing, error: parsed.error } } };
    if (!sources.includes(parsed.value)) sources.push(parsed.value);
  }
  return { ...state, exposure: { ...state.exposure, editing: null, sources: { ...state.exposure.sources, [editing.key]: sources } } };
}

export function cancelSources(state: WizardState): WizardState {
  return { ...state, exposure: { ...state.exposure, editing: null } };
}
