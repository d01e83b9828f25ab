// Key bindings, in one place: a key press becomes a wizard action (or nothing).
import type { Key } from 'ink';
import type { WizardAction } from './reducer.js';
import type { Screen } from './wizard-state.js';

export interface KeyContext {
  /** A text field has focus: printable keys are text, not commands. */
  typing: boolean;
  /** The quit question is on screen: y/n answer it. */
  askingQuit: boolean;
  screen: Screen;
}

/** What the help overlay lists. */
export const KEY_HELP: readonly (readonly [string, string])[] = [
  ['↑ ↓  j k', 'move'],
  ['PgUp PgDn  Home End', 'move by a page, to the ends'],
  ['space', 'toggle the item under the cursor'],
  ['← →', 'change the exposure of a port, or keep/remove a rule v6wall did not make'],
  ['f', 'where a port may be reached from: IPv6 addresses or networks, empty for anywhere (exposure)'],
  ['enter', 'go on'],
  ['esc', 'go back (nothing chosen is lost)'],
  ['/', 'filter the containers (or just start typing a name)'],
  ['s', 'save the plan as a script (preview)'],
  ['r', 'remove or keep old v6wall rules of gone or changed containers (preview)'],
  ['k', 'keep the changes without proof (confirm)'],
  ['q  ctrl+c', 'quit (asks first while changes await confirmation)'],
  ['?', 'this help'],
];

function navigation(key: Key): WizardAction | null {
  if (key.upArrow) return { type: 'move', delta: -1 };
  if (key.downArrow) return { type: 'move', delta: 1 };
  if (key.pageUp) return { type: 'page', direction: -1 };
  if (key.pageDown) return { type: 'page', direction: 1 };
  if (key.home) return { type: 'move-to', position: 'first' };
  if (key.end) return { type: 'move-to', position: 'last' };
  if (key.leftArrow) return { type: 'cycle', direction: -1 };
  if (key.rightArrow) return { type: 'cycle', direction: 1 };
  if (key.return) return { type: 'next' };
  if (key.escape) return { type: 'back' };
  if (key.backspace || key.delete) return { type: 'erase' };
  return null;
}

const COMMANDS: Readonly<Record<string, WizardAction>> = {
  j: { type: 'move', delta: 1 },
  k: { type: 'move', delta: -1 },
  ' ': { type: 'toggle' },
  q: { type: 'quit' },
  '?': { type: 'toggle-help' },
};

/** Letters a screen binds besides the common ones; other letters are text (e.g. they start the container filter). */
const SCREEN_COMMANDS: Partial<Record<Screen, Readonly<Record<string, WizardAction>>>> = {
  containers: { '/': { type: 'start-filter' } },
  exposure: { f: { type: 'start-sources' } },
  preview: { s: { type: 'start-save' }, r: { type: 'toggle-stale' } },
  // No list to move in on the confirm screen: k means keep.
  confirm: { k: { type: 'start-keep' } },
};

export function keyToAction(input: string, key: Key, context: KeyContext): WizardAction | null {
  if (key.ctrl && input === 'c') return { type: 'quit' };
  if (context.askingQuit) {
    if (input === 'y' || input === 'Y') return { type: 'quit-anyway' };
    if (input === 'n' || input === 'N' || key.escape) return { type: 'cancel-quit' };
    return null;
  }
  const moved = navigation(key);
  if (moved !== null) return moved;
  if (key.ctrl || key.meta || input === '') return null;
  if (context.typing) return input === ' ' && context.screen === 'containers' ? { type: 'toggle' } : { type: 'type', text: input };
  return SCREEN_COMMANDS[context.screen]?.[input] ?? COMMANDS[input] ?? { type: 'type', text: input };
}
