// The wizard as a pure reducer: components render the state and dispatch
// actions; effects (discovery, apply, polling) report back through actions.
import { staleRules } from '../core/stale-rules.js';
import { isKeyAction, type WizardAction } from './actions.js';
import { keyToAction } from './keys.js';
import { awaitingConfirmation, containerListHeight, exposureListRows, menuHasFocus, typingText, visibleContainers } from './selectors.js';
import type { MenuChoice } from './actions.js';
import { SCREENS, type ConfirmChecks, type Screen, type WizardState } from './wizard-state.js';
import { clamp, goTo } from './transitions/navigation.js';
import { factsLoaded, sshNext, sshType } from './transitions/ssh.js';
import {
  cancelSources,
  chooseExposure,
  commitSources,
  cycleExposure,
  eraseSources,
  openExposureMenu,
  setFilter,
  startSources,
  toggleContainer,
  typeSources,
} from './transitions/containers.js';
import { EXIT, applyEvent, applyFinished, applyNext, changeChoices, confirmNext, finishedCode, keepChosen, previewNext } from './transitions/apply.js';

export { EXIT } from './transitions/apply.js';

function withChecks(state: WizardState, checks: ConfirmChecks): WizardState {
  return { ...state, confirm: { ...state.confirm, checks } };
}

function screenBefore(screen: Screen): Screen {
  return SCREENS[Math.max(SCREENS.indexOf(screen) - 1, 0)] ?? screen;
}

function move(state: WizardState, delta: number): WizardState {
  switch (state.screen) {
    case 'ssh':
      return { ...state, ssh: { ...state.ssh, cursor: clamp(state.ssh.cursor + delta, state.ssh.rows.length) } };
    case 'containers':
      return { ...state, containers: { ...state.containers, cursor: clamp(state.containers.cursor + delta, visibleContainers(state).length) } };
    case 'exposure':
      if (state.exposure.editing !== null || state.exposure.menu !== null) return state;
      return { ...state, exposure: { ...state.exposure, cursor: clamp(state.exposure.cursor + delta, exposureListRows(state).length) } };
    case 'preview': {
      const steps = state.preview.plan?.ok ? state.preview.plan.value.steps.length : 0;
      return { ...state, preview: { ...state.preview, scroll: clamp(state.preview.scroll + delta, steps) } };
    }
    case 'discovery':
    case 'defaults':
    case 'apply':
    case 'confirm':
    case 'done':
      return state;
    default: {
      const unknown: never = state.screen;
      return unknown;
    }
  }
}

function next(state: WizardState): WizardState {
  switch (state.screen) {
    case 'discovery':
      return state.facts === null ? state : goTo(state, 'ssh');
    case 'ssh':
      return sshNext(state);
    case 'defaults':
      return goTo(state, state.facts?.docker.available ? 'containers' : 'preview');
    case 'containers':
      if (state.containers.filtering) return { ...state, containers: { ...state.containers, filtering: false } };
      return goTo(state, 'exposure');
    case 'exposure':
      if (state.exposure.editing !== null) return commitSources(state);
      return { ...state, screen: 'preview', preview: { ...state.preview, plan: null, scroll: 0, armed: false, saveMessage: null } };
    case 'preview':
      return previewNext(state);
    case 'apply':
      return applyNext(state);
    case 'confirm':
      return confirmNext(state);
    case 'done':
      return { ...state, exitCode: finishedCode(state) };
    default: {
      const unknown: never = state.screen;
      return unknown;
    }
  }
}

function back(state: WizardState): WizardState {
  switch (state.screen) {
    case 'discovery':
    case 'done':
      return state;
    case 'ssh':
      if (state.ssh.draft !== '' || state.ssh.error !== null) return { ...state, ssh: { ...state.ssh, draft: '', error: null } };
      return goTo(state, 'discovery');
    case 'containers':
      if (state.containers.filtering || state.containers.filter !== '') return setFilter(state, '', false);
      return goTo(state, 'defaults');
    case 'preview':
      if (state.preview.savePath !== null) return { ...state, preview: { ...state.preview, savePath: null, saveMessage: null } };
      if (state.preview.armed) return { ...state, preview: { ...state.preview, armed: false } };
      return goTo(state, state.facts?.docker.available ? 'exposure' : 'defaults');
    case 'apply':
      // Only a finished, failed (and rolled back) apply may return to the preview to try again.
      if (state.apply.status !== 'finished') return state;
      if (state.apply.outcome?.ok && state.apply.outcome.confirmCode !== null) return state;
      return { ...state, screen: 'preview', preview: { ...state.preview, armed: false } };
    case 'confirm':
      if (state.confirm.askingKeep) return { ...state, confirm: { ...state.confirm, askingKeep: false } };
      return state;
    case 'exposure':
      if (state.exposure.menu !== null) return { ...state, exposure: { ...state.exposure, menu: null } };
      if (state.exposure.editing !== null) return cancelSources(state);
      return goTo(state, screenBefore(state.screen));
    case 'defaults':
      return goTo(state, screenBefore(state.screen));
    default: {
      const unknown: never = state.screen;
      return unknown;
    }
  }
}

function toggle(state: WizardState): WizardState {
  switch (state.screen) {
    case 'ssh': {
      const rows = state.ssh.rows.map((row, index) => (index === state.ssh.cursor ? { ...row, checked: !row.checked } : row));
      return { ...state, ssh: { ...state.ssh, rows, error: null } };
    }
    case 'containers':
      return toggleContainer(state);
    case 'exposure':
      return state.exposure.editing === null ? openExposureMenu(state) : typeSources(state, ' ');
    default:
      return state;
  }
}

function typeText(state: WizardState, text: string): WizardState {
  if (state.screen === 'ssh') return sshType(state, text);
  if (state.screen === 'containers') return setFilter(state, state.containers.filter + text.replace(/\s/g, ''), true);
  if (state.screen === 'exposure') return typeSources(state, text);
  if (state.screen === 'preview' && state.preview.savePath !== null) {
    return { ...state, preview: { ...state.preview, savePath: state.preview.savePath + text, saveMessage: null } };
  }
  return state;
}

function erase(state: WizardState): WizardState {
  if (state.screen === 'ssh') return { ...state, ssh: { ...state.ssh, draft: state.ssh.draft.slice(0, -1), error: null } };
  if (state.screen === 'containers') return setFilter(state, state.containers.filter.slice(0, -1), state.containers.filtering);
  if (state.screen === 'exposure') return eraseSources(state);
  if (state.screen === 'preview' && state.preview.savePath !== null) {
    return { ...state, preview: { ...state.preview, savePath: state.preview.savePath.slice(0, -1) } };
  }
  return state;
}

function menuChosen(state: WizardState, choice: MenuChoice): WizardState {
  switch (choice.menu) {
    case 'exposure':
      return state.screen === 'exposure' ? chooseExposure(state, choice.key, choice.option) : state;
    case 'keep':
      return keepChosen(state, choice.keep);
    case 'done':
      if (state.screen !== 'done') return state;
      return choice.then === 'exit' ? { ...state, exitCode: finishedCode(state) } : changeChoices(state);
    default: {
      const unknown: never = choice;
      return unknown;
    }
  }
}

function quit(state: WizardState, interrupted: boolean): WizardState {
  if (awaitingConfirmation(state)) return { ...state, overlay: 'quit-confirm', quitInterrupted: interrupted };
  if (interrupted) return { ...state, exitCode: EXIT.interrupted };
  // Once something ran, the exit code says how it ended; before that, quitting is a normal end.
  const ran = state.apply.status === 'finished' || state.screen === 'done';
  return { ...state, exitCode: ran ? finishedCode(state) : EXIT.done };
}

/** While the help or quit question is shown, only its own keys count. */
function overlayReducer(state: WizardState, action: WizardAction): WizardState | null {
  if (state.overlay === 'help') {
    if (action.type === 'toggle-help' || action.type === 'back' || action.type === 'next') return { ...state, overlay: 'none' };
    if (action.type === 'quit') return quit({ ...state, overlay: 'none' }, action.interrupted);
  }
  if (state.overlay === 'quit-confirm') {
    if (action.type === 'cancel-quit' || action.type === 'back') return { ...state, overlay: 'none' };
    // Left awaiting confirmation, as `v6wall apply` leaves it: a normal end unless ctrl+c asked.
    if (action.type === 'quit-anyway') return { ...state, overlay: 'none', exitCode: state.quitInterrupted ? EXIT.interrupted : EXIT.done };
  }
  return null;
}

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  if (state.overlay !== 'none' && isKeyAction(action)) return overlayReducer(state, action) ?? state;
  switch (action.type) {
    case 'key': {
      const context = { typing: typingText(state), askingQuit: state.overlay === 'quit-confirm', menu: menuHasFocus(state), screen: state.screen };
      const mapped = keyToAction(action.input, action.key, context);
      return mapped === null ? state : wizardReducer(state, mapped);
    }
    case 'facts-loaded':
      return factsLoaded(state, action.facts, action.choices, action.recalled);
    case 'discovery-failed':
      return { ...state, discoveryError: action.message };
    case 'resize':
      return { ...state, viewRows: Math.max(3, action.viewRows) };
    case 'move':
      return move(state, action.delta);
    case 'page':
      return move(state, action.direction * containerListHeight(state.viewRows));
    case 'move-to':
      return move(state, action.position === 'first' ? -Number.MAX_SAFE_INTEGER : Number.MAX_SAFE_INTEGER);
    case 'toggle':
      return toggle(state);
    case 'cycle':
      return state.screen === 'exposure' && state.exposure.editing === null && state.exposure.menu === null ? cycleExposure(state, action.direction) : state;
    case 'type':
      return typeText(state, action.text);
    case 'erase':
      return erase(state);
    case 'next':
      return next(state);
    case 'back':
      return back(state);
    case 'start-filter':
      return state.screen === 'containers' ? { ...state, containers: { ...state.containers, filtering: true } } : state;
    case 'start-sources':
      return state.screen === 'exposure' && state.exposure.menu === null ? startSources(state) : state;
    case 'menu-key':
      return state;
    case 'menu-chosen':
      return menuChosen(state, action.choice);
    case 'plan-built':
      return state.screen === 'preview' ? { ...state, preview: { ...state.preview, plan: action.plan, scroll: 0 } } : state;
    case 'start-save':
      if (state.screen !== 'preview' || state.preview.plan === null || !state.preview.plan.ok) return state;
      return { ...state, preview: { ...state.preview, savePath: state.defaultScriptPath, armed: false, saveMessage: null } };
    case 'toggle-stale':
      // The plan is built again with or without the removals; nothing armed survives the change.
      if (state.screen !== 'preview' || state.facts === null || staleRules(state.facts).length === 0 || state.preview.savePath !== null) return state;
      return { ...state, preview: { ...state.preview, removeStale: !state.preview.removeStale, plan: null, armed: false, scroll: 0 } };
    case 'save-finished':
      return { ...state, preview: { ...state.preview, savePath: null, saving: false, saveMessage: action.message } };
    case 'apply-started':
      return { ...state, apply: { ...state.apply, status: 'running' } };
    case 'apply-event':
      return applyEvent(state, action.event);
    case 'apply-finished':
      return applyFinished(state, action.outcome);
    case 'apply-crashed':
      return { ...state, apply: { ...state.apply, status: 'finished', crash: action.message } };
    case 'start-keep':
      if (state.screen !== 'confirm' || state.confirm.status !== 'waiting') return state;
      return { ...state, confirm: { ...state.confirm, askingKeep: true, keepError: null } };
    case 'confirmed':
      return state.confirm.status === 'waiting' || state.confirm.status === 'keeping'
        ? { ...state, confirm: { ...state.confirm, status: 'confirmed', askingKeep: false, keepError: null } }
        : state;
    case 'kept':
      return { ...state, confirm: { ...state.confirm, status: 'kept', askingKeep: false, keepError: null } };
    case 'keep-failed':
      return { ...state, confirm: { ...state.confirm, status: 'waiting', keepError: action.message } };
    case 'deadline-passed':
      return state.confirm.status === 'waiting' ? { ...state, confirm: { ...state.confirm, status: 'expired', askingKeep: false, keepError: null } } : state;
    case 'rolled-back':
      return state.confirm.status === 'waiting' || state.confirm.status === 'keeping' || state.confirm.status === 'expired'
        ? { ...state, confirm: { ...state.confirm, status: 'rolled-back', askingKeep: false, keepError: null, rollback: action.rollback } }
        : state;
    case 'checks-started':
      return withChecks(state, { status: 'reading', rows: [], note: null, differences: null, error: null });
    case 'checks-read':
      return withChecks(state, { status: 'done', rows: action.rows, note: action.note, differences: action.differences, error: null });
    case 'checks-failed':
      return withChecks(state, { status: 'failed', rows: [], note: null, differences: null, error: action.message });
    case 'probe-finished': {
      const rows = state.confirm.checks.rows.map((row) => (row.key === action.key ? { ...row, probe: action.result } : row));
      return withChecks(state, { ...state.confirm.checks, rows });
    }
    case 'toggle-help':
      return { ...state, overlay: 'help' };
    case 'quit':
      return quit(state, action.interrupted);
    case 'cancel-quit':
    case 'quit-anyway':
      return state;
    default: {
      const unknown: never = action;
      return unknown;
    }
  }
}
