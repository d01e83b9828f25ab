// Values derived from the wizard state; pure, shared by the reducer and the screens.
import type { Choices } from '../core/types/choices.js';
import type { Container, Facts } from '../core/types/facts.js';
import { requiredSshPorts } from '../core/ssh-ports.js';
import { dockerFirewallMode } from '../core/docker-mode.js';
import { backendOf } from '../core/backend.js';
import { type ForeignRule, foreignRules } from '../core/foreign-rules.js';
import { type ExposureOption, type ExposureRow, exposureRows, suggestedOption, toExposureChoices } from './exposure-rows.js';
import type { WizardState } from './wizard-state.js';
import { type Remembered, rememberChoices } from './remembered.js';

export function filterContainers(containers: readonly Container[], filter: string): Container[] {
  const needle = filter.trim().toLowerCase();
  if (needle === '') return [...containers];
  return containers.filter((container) => container.name.toLowerCase().includes(needle) || container.image.toLowerCase().includes(needle));
}

export function visibleContainers(state: WizardState): Container[] {
  return filterContainers(state.facts?.docker.containers ?? [], state.containers.filter);
}

export function currentExposureRows(state: WizardState): ExposureRow[] {
  return state.facts === null ? [] : exposureRows(state.facts, state.containers.selected);
}

export function pickFor(state: WizardState, row: ExposureRow): ExposureOption {
  return state.exposure.picks[row.key] ?? suggestedOption(row);
}

/** Where the port may be reached from: its sources, or none for anywhere. */
export function sourcesFor(state: WizardState, row: ExposureRow): string[] {
  return state.exposure.sources[row.key] ?? [];
}

/** Rules v6wall did not make that open a container, as the exposure screen lists them. */
export function currentForeignRules(state: WizardState): ForeignRule[] {
  return state.facts === null ? [] : foreignRules(state.facts, dockerFirewallMode(state.facts.docker, backendOf(state.facts).kind));
}

/** The exposure screen's list: one row per port of the chosen containers, then the rules v6wall did not make. */
export type ExposureListRow = { kind: 'port'; row: ExposureRow } | { kind: 'foreign'; rule: ForeignRule };

export function exposureListRows(state: WizardState): ExposureListRow[] {
  return [
    ...currentExposureRows(state).map((row): ExposureListRow => ({ kind: 'port', row })),
    ...currentForeignRules(state).map((rule): ExposureListRow => ({ kind: 'foreign', rule })),
  ];
}

export function foreignPick(state: WizardState, rule: ForeignRule): 'keep' | 'remove' {
  return state.exposure.foreign[rule.key] ?? 'keep';
}

export function checkedSshPorts(state: WizardState): number[] {
  return state.ssh.rows.filter((row) => row.checked).map((row) => row.port);
}

/** The operator's choices as the planner takes them. */
export function currentChoices(state: WizardState): Choices {
  const removeForeign = currentForeignRules(state)
    .filter((rule) => foreignPick(state, rule) === 'remove')
    .map((rule) => rule.key);
  return {
    sshPorts: checkedSshPorts(state),
    exposures: currentExposureRows(state).flatMap((row) => toExposureChoices(row, pickFor(state, row), sourcesFor(state, row))),
    // The wizard's choices are the whole set of v6wall's openings: what is not chosen is closed.
    scope: 'exact',
    removeStale: state.preview.removeStale,
    ...(removeForeign.length > 0 ? { removeForeign } : {}),
  };
}

/** What to remember of this run's choices (the port menus' picks and the sources typed). */
export function rememberedNow(state: WizardState): Remembered {
  if (state.facts === null) return state.remembered;
  const chosen = currentExposureRows(state)
    .filter((row) => !row.stopped)
    .map((row) => ({ key: row.key, container: row.container, port: row.port, proto: row.proto, option: pickFor(state, row), sources: sourcesFor(state, row) }));
  return rememberChoices(state.remembered, state.facts, chosen);
}

/** SSH ports in use that the current choice would not allow, with why they matter. */
export function missingSshPorts(state: WizardState): { port: number; reason: string }[] {
  if (state.facts === null) return [];
  const chosen = new Set(checkedSshPorts(state));
  return requiredSshPorts(state.facts.ssh).filter((required) => !chosen.has(required.port));
}

/** Why apply cannot run here, or null when it can. */
export function applyBlocker(facts: Facts | null): string | null {
  if (facts === null) return 'the host has not been read yet';
  if (!facts.host.root) return 'applying changes the firewall and needs root: run `sudo v6wall` (preview and saving the script work without it)';
  return null;
}

/** Changes are on the host and no new connection has proven them safe yet. */
export function awaitingConfirmation(state: WizardState): boolean {
  if (state.apply.status === 'running' || state.apply.status === 'requested') return true;
  if (state.screen !== 'confirm') return false;
  return state.confirm.status === 'waiting' || state.confirm.status === 'keeping';
}

/** The code `v6wall confirm` takes, as soon as the apply armed its rollback. */
export function confirmCode(state: WizardState): string | null {
  if (state.apply.outcome?.confirmCode) return state.apply.outcome.confirmCode;
  const armed = state.apply.events.find((event) => event.type === 'armed');
  return armed?.type === 'armed' ? armed.confirmCode : null;
}

/** Whether printable keys are text (a field has focus) rather than commands. */
export function typingText(state: WizardState): boolean {
  if (state.overlay !== 'none') return false;
  if (state.screen === 'containers') return state.containers.filtering;
  if (state.screen === 'preview') return state.preview.savePath !== null;
  if (state.screen === 'exposure') return state.exposure.editing !== null;
  return false;
}

/** What the done screen offers: exit, and going back to change the choices while the firewall is as it was before. */
export function doneChoices(state: WizardState): ('exit' | 'change')[] {
  const outcome = state.apply.outcome;
  const unchanged = state.apply.crash === null && (outcome === null || !outcome.ok || state.confirm.status === 'rolled-back');
  return unchanged ? ['exit', 'change'] : ['exit'];
}

/** A single-choice menu is on screen and answers its keys (move, enter, an item's number). */
export function menuHasFocus(state: WizardState): boolean {
  if (state.overlay !== 'none') return false;
  if (state.screen === 'exposure') return state.exposure.menu !== null;
  if (state.screen === 'confirm') return state.confirm.askingKeep;
  if (state.screen === 'done') return doneChoices(state).length > 1;
  return false;
}

/** Containers shown at once: two lines each, after the screen's other lines. */
export function containerListHeight(viewRows: number): number {
  return Math.max(3, Math.floor((viewRows - 17) / 2));
}
