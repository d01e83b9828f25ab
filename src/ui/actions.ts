// What can happen to the wizard, as data: the reducer reads these, the key table produces the
// key-caused ones, effects report the rest. A leaf: the reducer and the key table both import it.
import type { Key } from 'ink';
import type { ApplyEvent, ApplyOutcome } from '../core/types/apply-events.js';
import type { Choices } from '../core/types/choices.js';
import type { Facts } from '../core/types/facts.js';
import type { Plan } from '../core/types/plan.js';
import type { Result } from '../core/types/result.js';
import type { CheckRow, RollbackDone, Screen } from './wizard-state.js';
import type { ExposureOption } from './exposure-rows.js';
import type { Recalled } from './remembered.js';

/** Actions a person causes by pressing keys. */
export type KeyAction =
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
  /** The "from" field of the port under the cursor (exposure screen). */
  | { type: 'start-sources' }
  | { type: 'start-save' }
  | { type: 'toggle-stale' }
  | { type: 'start-keep' }
  | { type: 'toggle-help' }
  /** `interrupted`: ctrl+c, which ends with 130 like any interrupted program; q ends normally. */
  | { type: 'quit'; interrupted: boolean }
  | { type: 'cancel-quit' }
  | { type: 'quit-anyway' }
  /** A key an open menu answers itself (ink-select-input moves and chooses); the reducer lets it be. */
  | { type: 'menu-key' };

/** Every key action's type, for the reducer's overlay rule (checked complete by the compiler). */
export const KEY_ACTION_TYPES = {
  move: true,
  page: true,
  'move-to': true,
  toggle: true,
  cycle: true,
  type: true,
  erase: true,
  next: true,
  back: true,
  'start-filter': true,
  'start-sources': true,
  'start-save': true,
  'toggle-stale': true,
  'start-keep': true,
  'toggle-help': true,
  quit: true,
  'cancel-quit': true,
  'quit-anyway': true,
  'menu-key': true,
} as const satisfies Record<KeyAction['type'], true>;

export function isKeyAction(action: WizardAction): action is KeyAction {
  return action.type in KEY_ACTION_TYPES;
}

/** What a single-choice menu reports when an item is chosen (enter, or its number). */
export type MenuChoice =
  { menu: 'exposure'; key: string; option: ExposureOption } | { menu: 'keep'; keep: boolean } | { menu: 'done'; then: 'exit' | 'change' };

/** Actions the wizard's effects and menus report (discovery, plan, apply, polling, checks, a menu's choice). */
export type EffectAction =
  | { type: 'menu-chosen'; choice: MenuChoice }
  /** A key as Ink reports it; read against the newest state, so keys typed faster than frames stay right. */
  | { type: 'key'; input: string; key: Key }
  | { type: 'facts-loaded'; facts: Facts; choices: Choices; recalled?: Recalled }
  | { type: 'discovery-failed'; message: string }
  | { type: 'resize'; viewRows: number }
  | { type: 'plan-built'; plan: Result<Plan> }
  | { type: 'save-finished'; message: string }
  | { type: 'apply-started' }
  | { type: 'apply-event'; event: ApplyEvent }
  | { type: 'apply-finished'; outcome: ApplyOutcome }
  | { type: 'apply-crashed'; message: string }
  | { type: 'confirmed' }
  | { type: 'kept' }
  | { type: 'keep-failed'; message: string }
  | { type: 'deadline-passed' }
  /** The apply's transcript says it was rolled back (by the watchdog, or by hand from another session). */
  | { type: 'rolled-back'; rollback: RollbackDone }
  /** The confirm screen's checks: discovery again, the ruleset's verdicts, then a probe per row from the host. */
  | { type: 'checks-started' }
  | { type: 'checks-read'; rows: CheckRow[]; note: string | null; differences: string[] | null }
  | { type: 'checks-failed'; message: string }
  | { type: 'probe-finished'; key: string; result: 'open' | 'closed' };

export type WizardAction = KeyAction | EffectAction;

/** What a key means depends on where the wizard is. */
export interface KeyContext {
  /** A text field has focus: printable keys are text, not commands. */
  typing: boolean;
  /** The quit question is on screen: y/n answer it. */
  askingQuit: boolean;
  /** A single-choice menu has focus: it answers its own keys (move, enter, an item's number). */
  menu: boolean;
  screen: Screen;
}
