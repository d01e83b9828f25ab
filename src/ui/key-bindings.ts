// The wizard's keys, declared once. The key matcher (keys.ts), the help overlay, every screen's
// hint line and the CLI's `v6wall wizard --help` read this table, so they cannot disagree.
// A leaf module (type imports only): the command-line spec imports it on every start-up.
import type { KeyAction } from './actions.js';
import type { Screen } from './wizard-state.js';

/** Keys Ink reports as flags rather than text. */
export type SpecialKey =
  'upArrow' | 'downArrow' | 'leftArrow' | 'rightArrow' | 'pageUp' | 'pageDown' | 'home' | 'end' | 'return' | 'escape' | 'backspace' | 'delete';

export const SPECIAL_KEYS: readonly SpecialKey[] = [
  'upArrow',
  'downArrow',
  'leftArrow',
  'rightArrow',
  'pageUp',
  'pageDown',
  'home',
  'end',
  'return',
  'escape',
  'backspace',
  'delete',
];

export type KeyPress = { special: SpecialKey } | { text: string } | { ctrl: string };

export type BindingId =
  | 'move'
  | 'page'
  | 'toggle'
  | 'cycle'
  | 'sources'
  | 'next'
  | 'back'
  | 'erase'
  | 'filter'
  | 'save'
  | 'stale'
  | 'keep'
  | 'help'
  | 'quit'
  | 'quit-yes'
  | 'quit-no'
  | 'menu-move'
  | 'menu-choose';

export interface Binding {
  readonly id: BindingId;
  readonly presses: readonly { readonly press: KeyPress; readonly action: KeyAction }[];
  /** Where the keys mean this; a letter is text elsewhere. */
  readonly screens: 'every' | readonly Screen[];
  /** An answer to the quit question, which takes only its own keys. */
  readonly question?: true;
  /** Keys of an open single-choice menu: they come first while it has focus, and mean nothing elsewhere. */
  readonly menu?: true;
  /** Printable keys that keep their meaning while a text field has focus on these screens. */
  readonly whileTyping?: readonly Screen[];
  /** How many of the presses a screen's hint line shows (the first ones); all when absent. */
  readonly hintPresses?: number;
  /** The words after the keys on a screen's hint line. */
  readonly hint: string;
  /** The line in the help overlay and in `v6wall wizard --help`. */
  readonly help: string;
}

/**
 * Screens where typing a name filters a list: there every key that can be part of a name
 * (letters, digits, `_ . -`, as Docker allows in container names) is text, never a command.
 */
export const TYPE_TO_FILTER: readonly Screen[] = ['containers'];

const LISTS: readonly Screen[] = ['ssh', 'containers', 'exposure', 'preview'];

/** Screens with single-choice menus: a port's exposures, keep without proof, what to do when done. */
export const MENU_SCREENS: readonly Screen[] = ['exposure', 'confirm', 'done'];

/** The keys ink-select-input answers in a menu: it moves with ↑↓ and j k, and chooses with enter or an item's number. */
const MENU_NUMBERS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

const special = (key: SpecialKey, action: KeyAction) => ({ press: { special: key }, action }) as const;
const text = (input: string, action: KeyAction) => ({ press: { text: input }, action }) as const;

export const BINDINGS: readonly Binding[] = [
  {
    id: 'move',
    presses: [
      special('upArrow', { type: 'move', delta: -1 }),
      special('downArrow', { type: 'move', delta: 1 }),
      text('j', { type: 'move', delta: 1 }),
      text('k', { type: 'move', delta: -1 }),
    ],
    screens: LISTS,
    hintPresses: 2,
    hint: 'move',
    help: 'move (on the container list j and k are text)',
  },
  {
    id: 'page',
    presses: [
      special('pageUp', { type: 'page', direction: -1 }),
      special('pageDown', { type: 'page', direction: 1 }),
      special('home', { type: 'move-to', position: 'first' }),
      special('end', { type: 'move-to', position: 'last' }),
    ],
    screens: LISTS,
    hint: 'page',
    help: 'move by a page, to the ends',
  },
  {
    id: 'toggle',
    presses: [text(' ', { type: 'toggle' })],
    screens: ['ssh', 'containers', 'exposure'],
    whileTyping: ['containers'],
    hint: 'toggle',
    help: 'tick the port, choose the container, or open the menu of exposures of the port under the cursor',
  },
  {
    id: 'cycle',
    presses: [special('leftArrow', { type: 'cycle', direction: -1 }), special('rightArrow', { type: 'cycle', direction: 1 })],
    screens: ['exposure'],
    hint: 'change',
    help: 'change the exposure of a port, or keep/remove a rule v6wall did not make',
  },
  {
    id: 'sources',
    presses: [text('f', { type: 'start-sources' })],
    screens: ['exposure'],
    hint: 'from where',
    help: 'where a port may be reached from: IPv6 addresses or networks, empty for anywhere (exposure)',
  },
  { id: 'next', presses: [special('return', { type: 'next' })], screens: 'every', hint: 'go on', help: 'go on' },
  { id: 'back', presses: [special('escape', { type: 'back' })], screens: 'every', hint: 'back', help: 'go back (nothing chosen is lost)' },
  {
    id: 'erase',
    presses: [special('backspace', { type: 'erase' }), special('delete', { type: 'erase' })],
    screens: 'every',
    hintPresses: 1,
    hint: 'erase',
    help: 'erase the last character typed',
  },
  {
    id: 'filter',
    presses: [text('/', { type: 'start-filter' })],
    screens: ['containers'],
    hint: 'filter',
    help: 'filter the containers (or just type a name: there every letter and digit filters)',
  },
  { id: 'save', presses: [text('s', { type: 'start-save' })], screens: ['preview'], hint: 'save as script', help: 'save the plan as a script (preview)' },
  {
    id: 'stale',
    presses: [text('r', { type: 'toggle-stale' })],
    screens: ['preview'],
    hint: 'old rules',
    help: 'remove or keep old v6wall rules of gone or changed containers (preview)',
  },
  {
    id: 'keep',
    presses: [text('k', { type: 'start-keep' })],
    screens: ['confirm'],
    hint: 'keep without proof',
    help: 'keep the changes without proof: a menu asks first (confirm)',
  },
  { id: 'help', presses: [text('?', { type: 'toggle-help' })], screens: 'every', hint: 'help', help: 'this help' },
  {
    id: 'quit',
    presses: [text('q', { type: 'quit', interrupted: false }), { press: { ctrl: 'c' }, action: { type: 'quit', interrupted: true } }],
    screens: 'every',
    hintPresses: 1,
    hint: 'quit',
    help: 'quit (asks first while changes await confirmation; on the container list q is text: ctrl+c)',
  },
  {
    id: 'quit-yes',
    presses: [text('y', { type: 'quit-anyway' }), text('Y', { type: 'quit-anyway' })],
    screens: 'every',
    question: true,
    hintPresses: 1,
    hint: 'quit anyway',
    help: 'quit anyway (the quit question)',
  },
  {
    id: 'quit-no',
    presses: [text('n', { type: 'cancel-quit' }), text('N', { type: 'cancel-quit' }), special('escape', { type: 'cancel-quit' })],
    screens: 'every',
    question: true,
    hint: 'stay',
    help: 'stay in the wizard (the quit question)',
  },
  {
    id: 'menu-move',
    presses: [
      special('upArrow', { type: 'menu-key' }),
      special('downArrow', { type: 'menu-key' }),
      text('j', { type: 'menu-key' }),
      text('k', { type: 'menu-key' }),
    ],
    screens: MENU_SCREENS,
    menu: true,
    hintPresses: 2,
    hint: 'move',
    help: 'move in a menu',
  },
  {
    id: 'menu-choose',
    presses: [special('return', { type: 'menu-key' }), ...MENU_NUMBERS.map((number) => text(number, { type: 'menu-key' }))],
    screens: MENU_SCREENS,
    menu: true,
    hintPresses: 1,
    hint: 'choose',
    help: 'choose in a menu: the item under the cursor, or the item of that number',
  },
];

export function binding(id: BindingId): Binding {
  const found = BINDINGS.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no key binding ${id}`);
  return found;
}

export function worksOn(bound: Binding, screen: Screen): boolean {
  return bound.screens === 'every' || bound.screens.includes(screen);
}

/** A key that can be part of a container name, so it filters on a type-to-filter screen. */
export function isNameKey(input: string): boolean {
  return /^[A-Za-z0-9_.-]$/.test(input);
}

/** Whether pressing this on the screen reaches the binding (a name key filters instead on a filter screen). */
export function reachableOn(press: KeyPress, screen: Screen): boolean {
  return !('text' in press && TYPE_TO_FILTER.includes(screen) && isNameKey(press.text));
}

const SCREEN_LABELS: Record<SpecialKey, string> = {
  upArrow: '↑',
  downArrow: '↓',
  leftArrow: '←',
  rightArrow: '→',
  pageUp: 'PgUp',
  pageDown: 'PgDn',
  home: 'Home',
  end: 'End',
  return: 'enter',
  escape: 'esc',
  backspace: 'backspace',
  delete: 'delete',
};

const ARROWS = ['↑', '↓', '←', '→'];

/** In `--help` and the man page: plain words, no arrows that a terminal or roff might not show. */
const PLAIN_LABELS: Record<SpecialKey, string> = { ...SCREEN_LABELS, upArrow: 'up', downArrow: 'down', leftArrow: 'left', rightArrow: 'right' };

export function pressLabel(press: KeyPress, plain = false): string {
  if ('special' in press) return (plain ? PLAIN_LABELS : SCREEN_LABELS)[press.special];
  if ('ctrl' in press) return `ctrl+${press.ctrl}`;
  return press.text === ' ' ? 'space' : press.text;
}

/** Presses that differ only in case show once (y, not y Y); the numbers of a menu show as 1-9. */
function distinctLabels(presses: readonly { press: KeyPress }[], plain: boolean): string[] {
  const labels: string[] = [];
  for (const { press } of presses) {
    const label = pressLabel(press, plain);
    if (!labels.some((seen) => seen.toLowerCase() === label.toLowerCase() && seen.length === 1)) labels.push(label);
  }
  if (!MENU_NUMBERS.every((number) => labels.includes(number))) return labels;
  return [...labels.filter((label) => !MENU_NUMBERS.includes(label)), `${MENU_NUMBERS[0]}-${MENU_NUMBERS.at(-1)}`];
}

/** The help overlay's lines (and the CLI's, with plain labels): every key of the table. */
export function keyHelp(plain = false): [keys: string, meaning: string][] {
  return BINDINGS.map((bound) => [distinctLabels(bound.presses, plain).join(' '), bound.help]);
}

/** One item of a hint line: a binding with its own words, bindings sharing other words, or words without a key. */
export type HintItem = BindingId | readonly [BindingId | readonly BindingId[], string] | { readonly say: string };

function hintKeys(id: BindingId, screen: Screen): string {
  const bound = binding(id);
  if (!worksOn(bound, screen)) throw new Error(`key binding ${id} does not work on the ${screen} screen`);
  const reachable = bound.presses.filter(({ press }) => reachableOn(press, screen));
  const labels = distinctLabels(reachable, false).slice(0, bound.hintPresses);
  // Arrows read as one pair (↑↓); words as alternatives (n or esc).
  return labels.every((label) => ARROWS.includes(label)) ? labels.join('') : labels.join(' or ');
}

function hintItem(screen: Screen, item: HintItem): string {
  if (typeof item === 'string') return `${hintKeys(item, screen)} ${binding(item).hint}`;
  if ('say' in item) return item.say;
  const [ids, words] = item;
  const list: readonly BindingId[] = typeof ids === 'string' ? [ids] : ids;
  return `${list.map((id) => hintKeys(id, screen)).join(' or ')} ${words}`;
}

/** A screen's hint line, e.g. "space toggle · enter go on · esc back · ? help", with the keys from the table. */
export function keyHints(screen: Screen, items: readonly HintItem[]): string {
  return items.map((item) => hintItem(screen, item)).join(' · ');
}
