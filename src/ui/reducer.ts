// The wizard as a pure reducer: components render the state and dispatch
// actions; effects (discovery, apply, polling) report back through actions.
import type { Key } from 'ink';
import type { ApplyEvent, ApplyOutcome, Choices, Facts, Plan, Result } from '../core/types.js';
import { keyToAction } from './keys.js';
import { parsePort } from '../core/validate.js';
import { type ExposureOption, optionFromChoice, portKey, sameOption } from './exposure-rows.js';
import {
  applyBlocker,
  awaitingConfirmation,
  checkedSshPorts,
  containerListHeight,
  currentExposureRows,
  pickFor,
  typingText,
  visibleContainers,
} from './selectors.js';
import { SCREENS, type Screen, type SshPortRow, type StepProgress, type WizardState } from './wizard-state.js';

export type WizardAction =
  /** A key as Ink reports it; read against the newest state, so keys typed faster than frames stay right. */
  | { type: 'key'; input: string; key: Key }
  | { type: 'facts-loaded'; facts: Facts; choices: Choices }
  | { type: 'discovery-failed'; message: string }
  | { type: 'resize'; viewRows: number }
  | { type: 'move'; delta: number }
  | { type: 'page'; direction: 1 | -1 }
  | { type: 'move-to'; position: 'first' | 'last' }
  | { type: 'toggle' }
  | { type: 'cycle'; direction: 1 | -1 }
  | { type: 'type'; text: string }
  | { type: 'erase' }
  | { type: 'next' }
  | { type: 'back' }
  | { type: 'start-filter' }
  | { type: 'plan-built'; plan: Result<Plan> }
  | { type: 'start-save' }
  | { type: 'save-finished'; message: string }
  | { type: 'apply-started' }
  | { type: 'apply-event'; event: ApplyEvent }
  | { type: 'apply-finished'; outcome: ApplyOutcome }
  | { type: 'apply-crashed'; message: string }
  | { type: 'start-keep' }
  | { type: 'confirmed' }
  | { type: 'kept' }
  | { type: 'keep-failed'; message: string }
  | { type: 'deadline-passed' }
  | { type: 'toggle-help' }
  | { type: 'quit' }
  | { type: 'cancel-quit' }
  | { type: 'quit-anyway' };

/** Exit codes of the wizard. */
export const EXIT = { done: 0, failed: 1, quit: 130 } as const;

const KEEP_WORD = 'keep';

function clamp(value: number, length: number): number {
  if (length <= 0) return 0;
  return Math.min(Math.max(value, 0), length - 1);
}

function goTo(state: WizardState, screen: Screen): WizardState {
  return { ...state, screen };
}

function screenBefore(screen: Screen): Screen {
  return SCREENS[Math.max(SCREENS.indexOf(screen) - 1, 0)] ?? screen;
}

// ---------- discovery ----------

function sshRowsFrom(facts: Facts, choices: Choices): SshPortRow[] {
  const ports = [...new Set([...facts.ssh.ports, ...choices.sshPorts, ...(facts.ssh.sessionPort === null ? [] : [facts.ssh.sessionPort])])];
  return ports
    .sort((a, b) => a - b)
    .map((port) => ({
      port,
      checked: choices.sshPorts.includes(port) || port === facts.ssh.sessionPort,
      sources: facts.ssh.evidence.filter((evidence) => evidence.port === port).map((evidence) => `${evidence.source}: ${evidence.detail}`),
    }));
}

function factsLoaded(state: WizardState, facts: Facts, choices: Choices): WizardState {
  const picks: Record<string, ExposureOption> = {};
  for (const choice of choices.exposures) picks[portKey(choice.container, choice.port, choice.proto)] = optionFromChoice(choice);
  const selected = facts.docker.containers
    .map((container) => container.name)
    .filter((name) => choices.exposures.some((choice) => choice.container === name && choice.exposure !== 'skip'));
  return {
    ...state,
    facts,
    discoveryError: null,
    ssh: { ...state.ssh, rows: sshRowsFrom(facts, choices), cursor: 0 },
    containers: { ...state.containers, selected },
    exposure: { ...state.exposure, picks },
  };
}

// ---------- ssh ----------

function addSshPort(state: WizardState): WizardState {
  const ssh = state.ssh;
  const port = parsePort(ssh.draft);
  if (port === null) return { ...state, ssh: { ...ssh, error: `"${ssh.draft}" is not a port: type a number from 1 to 65535` } };
  const existing = ssh.rows.findIndex((row) => row.port === port);
  if (existing >= 0) {
    const rows = ssh.rows.map((row, index) => (index === existing ? { ...row, checked: true } : row));
    return { ...state, ssh: { rows, cursor: existing, draft: '', error: null } };
  }
  const rows = [...ssh.rows, { port, checked: true, sources: [] }].sort((a, b) => a.port - b.port);
  return { ...state, ssh: { rows, cursor: rows.findIndex((row) => row.port === port), draft: '', error: null } };
}

function sshNext(state: WizardState): WizardState {
  if (state.ssh.draft !== '') return addSshPort(state);
  if (checkedSshPorts(state).length === 0) {
    return { ...state, ssh: { ...state.ssh, error: 'Choose at least one SSH port (space), or type one and press enter: without it the firewall would shut you out.' } };
  }
  return goTo({ ...state, ssh: { ...state.ssh, error: null } }, 'defaults');
}

function sshType(state: WizardState, text: string): WizardState {
  const digits = text.replace(/[^0-9]/g, '');
  if (digits === '') return state;
  return { ...state, ssh: { ...state.ssh, draft: (state.ssh.draft + digits).slice(0, 5), error: null } };
}

// ---------- containers ----------

function toggleContainer(state: WizardState): WizardState {
  const container = visibleContainers(state)[state.containers.cursor];
  if (container === undefined) return state;
  const selected = state.containers.selected.includes(container.name)
    ? state.containers.selected.filter((name) => name !== container.name)
    : [...state.containers.selected, container.name];
  const order = new Map((state.facts?.docker.containers ?? []).map((item, index) => [item.name, index]));
  selected.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  return { ...state, containers: { ...state.containers, selected } };
}

function setFilter(state: WizardState, filter: string, filtering: boolean): WizardState {
  return { ...state, containers: { ...state.containers, filter, filtering, cursor: 0 } };
}

// ---------- exposure ----------

function cycleExposure(state: WizardState, direction: 1 | -1): WizardState {
  const row = currentExposureRows(state)[state.exposure.cursor];
  if (row === undefined) return state;
  const current = pickFor(state, row);
  const index = row.options.findIndex((option) => sameOption(option, current));
  const next = row.options[(index + direction + row.options.length) % row.options.length];
  if (next === undefined) return state;
  return { ...state, exposure: { ...state.exposure, picks: { ...state.exposure.picks, [row.key]: next } } };
}

// ---------- preview ----------

function previewNext(state: WizardState): WizardState {
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

// ---------- apply ----------

function applyEvent(state: WizardState, event: ApplyEvent): WizardState {
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

function applyFinished(state: WizardState, outcome: ApplyOutcome): WizardState {
  const apply = { ...state.apply, status: 'finished' as const, outcome };
  if (outcome.ok && outcome.confirmCode !== null) {
    return { ...state, apply, screen: 'confirm', confirm: { status: 'waiting', keepDraft: null, keepError: null } };
  }
  return { ...state, apply };
}

function applyNext(state: WizardState): WizardState {
  if (state.apply.status !== 'finished') return state;
  const outcome = state.apply.outcome;
  if (outcome !== null && outcome.ok && outcome.confirmCode !== null) return goTo(state, 'confirm');
  return goTo(state, 'done');
}

// ---------- confirm ----------

function confirmNext(state: WizardState): WizardState {
  const confirm = state.confirm;
  if (confirm.keepDraft !== null) {
    if (confirm.keepDraft.trim().toLowerCase() !== KEEP_WORD) {
      return { ...state, confirm: { ...confirm, keepError: `Type the word "${KEEP_WORD}" to keep the changes without proof, or esc to go on waiting.` } };
    }
    return { ...state, confirm: { ...confirm, status: 'keeping', keepDraft: null, keepError: null } };
  }
  if (confirm.status === 'confirmed' || confirm.status === 'kept' || confirm.status === 'expired') return goTo(state, 'done');
  return state;
}

function finishedCode(state: WizardState): number {
  if (state.confirm.status === 'expired') return EXIT.failed;
  const outcome = state.apply.outcome;
  if (state.apply.crash !== null || (outcome !== null && !outcome.ok)) return EXIT.failed;
  return EXIT.done;
}

// ---------- keys shared by every screen ----------

function move(state: WizardState, delta: number): WizardState {
  switch (state.screen) {
    case 'ssh':
      return { ...state, ssh: { ...state.ssh, cursor: clamp(state.ssh.cursor + delta, state.ssh.rows.length) } };
    case 'containers':
      return { ...state, containers: { ...state.containers, cursor: clamp(state.containers.cursor + delta, visibleContainers(state).length) } };
    case 'exposure':
      return { ...state, exposure: { ...state.exposure, cursor: clamp(state.exposure.cursor + delta, currentExposureRows(state).length) } };
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
      if (state.confirm.keepDraft !== null) return { ...state, confirm: { ...state.confirm, keepDraft: null, keepError: null } };
      return state;
    case 'defaults':
    case 'exposure':
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
      return cycleExposure(state, 1);
    default:
      return state;
  }
}

function typeText(state: WizardState, text: string): WizardState {
  if (state.screen === 'ssh') return sshType(state, text);
  if (state.screen === 'containers') return setFilter(state, state.containers.filter + text.replace(/\s/g, ''), true);
  if (state.screen === 'preview' && state.preview.savePath !== null) {
    return { ...state, preview: { ...state.preview, savePath: state.preview.savePath + text, saveMessage: null } };
  }
  if (state.screen === 'confirm' && state.confirm.keepDraft !== null) {
    return { ...state, confirm: { ...state.confirm, keepDraft: state.confirm.keepDraft + text, keepError: null } };
  }
  return state;
}

function erase(state: WizardState): WizardState {
  if (state.screen === 'ssh') return { ...state, ssh: { ...state.ssh, draft: state.ssh.draft.slice(0, -1), error: null } };
  if (state.screen === 'containers') return setFilter(state, state.containers.filter.slice(0, -1), state.containers.filtering);
  if (state.screen === 'preview' && state.preview.savePath !== null) {
    return { ...state, preview: { ...state.preview, savePath: state.preview.savePath.slice(0, -1) } };
  }
  if (state.screen === 'confirm' && state.confirm.keepDraft !== null) {
    return { ...state, confirm: { ...state.confirm, keepDraft: state.confirm.keepDraft.slice(0, -1) } };
  }
  return state;
}

function quit(state: WizardState): WizardState {
  if (awaitingConfirmation(state)) return { ...state, overlay: 'quit-confirm' };
  // Once something ran, the exit code says how it ended; before that, quitting is an abort.
  const ran = state.apply.status === 'finished' || state.screen === 'done';
  return { ...state, exitCode: ran ? finishedCode(state) : EXIT.quit };
}

/** While the help or quit question is shown, only its own keys count. */
function overlayReducer(state: WizardState, action: WizardAction): WizardState | null {
  if (state.overlay === 'help') {
    if (action.type === 'toggle-help' || action.type === 'back' || action.type === 'next') return { ...state, overlay: 'none' };
    if (action.type === 'quit') return quit({ ...state, overlay: 'none' });
  }
  if (state.overlay === 'quit-confirm') {
    if (action.type === 'cancel-quit' || action.type === 'back') return { ...state, overlay: 'none' };
    if (action.type === 'quit-anyway') return { ...state, overlay: 'none', exitCode: EXIT.quit };
  }
  return null;
}

/** Actions a person causes by pressing keys; the rest come from effects and always apply. */
const KEY_ACTIONS = new Set<WizardAction['type']>([
  'move', 'page', 'move-to', 'toggle', 'cycle', 'type', 'erase', 'next', 'back', 'start-filter', 'start-save', 'start-keep', 'toggle-help', 'quit', 'cancel-quit', 'quit-anyway',
]);

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  if (state.overlay !== 'none' && KEY_ACTIONS.has(action.type)) return overlayReducer(state, action) ?? state;
  switch (action.type) {
    case 'key': {
      const context = { typing: typingText(state), askingQuit: state.overlay === 'quit-confirm', screen: state.screen };
      const mapped = keyToAction(action.input, action.key, context);
      return mapped === null ? state : wizardReducer(state, mapped);
    }
    case 'facts-loaded':
      return factsLoaded(state, action.facts, action.choices);
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
      return state.screen === 'exposure' ? cycleExposure(state, action.direction) : state;
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
    case 'plan-built':
      return state.screen === 'preview' ? { ...state, preview: { ...state.preview, plan: action.plan, scroll: 0 } } : state;
    case 'start-save':
      if (state.screen !== 'preview' || state.preview.plan === null || !state.preview.plan.ok) return state;
      return { ...state, preview: { ...state.preview, savePath: state.defaultScriptPath, armed: false, saveMessage: null } };
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
      return { ...state, confirm: { ...state.confirm, keepDraft: '', keepError: null } };
    case 'confirmed':
      return state.confirm.status === 'waiting' || state.confirm.status === 'keeping'
        ? { ...state, confirm: { status: 'confirmed', keepDraft: null, keepError: null } }
        : state;
    case 'kept':
      return { ...state, confirm: { status: 'kept', keepDraft: null, keepError: null } };
    case 'keep-failed':
      return { ...state, confirm: { ...state.confirm, status: 'waiting', keepError: action.message } };
    case 'deadline-passed':
      return state.confirm.status === 'waiting' ? { ...state, confirm: { status: 'expired', keepDraft: null, keepError: null } } : state;
    case 'toggle-help':
      return { ...state, overlay: 'help' };
    case 'quit':
      return quit(state);
    case 'cancel-quit':
    case 'quit-anyway':
      return state;
    default: {
      const unknown: never = action;
      return unknown;
    }
  }
}
