// A key press becomes a wizard action (or nothing), read from the binding table.
import type { Key } from 'ink';
import type { KeyAction, KeyContext } from './actions.js';
import { BINDINGS, SPECIAL_KEYS, TYPE_TO_FILTER, isNameKey, worksOn, type Binding, type KeyPress } from './key-bindings.js';

function pressOf(input: string, key: Key): KeyPress | null {
  const special = SPECIAL_KEYS.find((name) => key[name]);
  if (special !== undefined) return { special };
  if (key.ctrl) return input === '' ? null : { ctrl: input };
  if (key.meta || input === '') return null;
  return { text: input };
}

function samePress(a: KeyPress, b: KeyPress): boolean {
  if ('special' in a) return 'special' in b && a.special === b.special;
  if ('ctrl' in a) return 'ctrl' in b && a.ctrl === b.ctrl;
  return 'text' in b && a.text === b.text;
}

/** In an open menu its own keys come first; elsewhere they mean nothing. */
const MENU_FIRST: readonly Binding[] = [...BINDINGS.filter((binding) => binding.menu === true), ...BINDINGS.filter((binding) => binding.menu !== true)];

function bound(press: KeyPress, context: KeyContext, accept: (binding: Binding) => boolean): KeyAction | null {
  for (const binding of MENU_FIRST) {
    if ((binding.question === true) !== context.askingQuit || (binding.menu === true && !context.menu)) continue;
    if (!worksOn(binding, context.screen) || !accept(binding)) continue;
    const found = binding.presses.find((candidate) => samePress(candidate.press, press));
    if (found !== undefined) return found.action;
  }
  return null;
}

export function keyToAction(input: string, key: Key, context: KeyContext): KeyAction | null {
  const press = pressOf(input, key);
  if (press === null) return null;
  if (!('text' in press) || context.askingQuit) return bound(press, context, () => true);
  if (context.typing) return bound(press, context, (binding) => binding.whileTyping?.includes(context.screen) === true) ?? { type: 'type', text: press.text };
  if (TYPE_TO_FILTER.includes(context.screen) && isNameKey(press.text)) return { type: 'type', text: press.text };
  return bound(press, context, () => true) ?? { type: 'type', text: press.text };
}
