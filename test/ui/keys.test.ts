import { describe, expect, it } from 'vitest';
import type { Key } from 'ink';
import { keyToAction } from '../../src/ui/keys.js';
import { BINDINGS, keyHelp, pressLabel, reachableOn, worksOn, type KeyPress } from '../../src/ui/key-bindings.js';
import { SCREENS, type Screen } from '../../src/ui/wizard-state.js';
import { commandHelp } from '../../src/cli/help.js';
import { manPage } from '../../src/cli/man-page.js';
import { wizardCommand } from '../../src/cli/spec.js';

const none: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};
const key = (patch: Partial<Key>): Key => ({ ...none, ...patch });
const list = { typing: false, askingQuit: false, menu: false, screen: 'containers' as const };
const ssh = { ...list, screen: 'ssh' as const };

/** What Ink hands the wizard for a press. */
function inkPress(press: KeyPress): [string, Key] {
  if ('special' in press) return ['', key({ [press.special]: true })];
  if ('ctrl' in press) return [press.ctrl, key({ ctrl: true })];
  return [press.text, none];
}

describe('key bindings', () => {
  it('moves with arrows and j/k, toggles with space, goes on with enter, back with esc', () => {
    expect(keyToAction('', key({ downArrow: true }), list)).toEqual({ type: 'move', delta: 1 });
    expect(keyToAction('j', none, ssh)).toEqual({ type: 'move', delta: 1 });
    expect(keyToAction('k', none, ssh)).toEqual({ type: 'move', delta: -1 });
    expect(keyToAction(' ', none, list)).toEqual({ type: 'toggle' });
    expect(keyToAction('', key({ return: true }), list)).toEqual({ type: 'next' });
    expect(keyToAction('', key({ escape: true }), list)).toEqual({ type: 'back' });
    expect(keyToAction('q', none, ssh)).toEqual({ type: 'quit', interrupted: false });
    expect(keyToAction('c', key({ ctrl: true }), list)).toEqual({ type: 'quit', interrupted: true });
    expect(keyToAction('?', none, list)).toEqual({ type: 'toggle-help' });
  });

  it('on the container list, every key that can be part of a name filters: q, j and k included', () => {
    for (const letter of ['q', 'j', 'k', 'w', '7', '-', '.', '_']) expect(keyToAction(letter, none, list)).toEqual({ type: 'type', text: letter });
    expect(keyToAction('/', none, list)).toEqual({ type: 'start-filter' });
    expect(keyToAction('j', none, { ...list, typing: true })).toEqual({ type: 'type', text: 'j' });
    expect(keyToAction('q', none, { ...list, typing: true })).toEqual({ type: 'type', text: 'q' });
    expect(keyToAction(' ', none, { ...list, typing: true })).toEqual({ type: 'toggle' });
  });

  it('binds s on the preview and k (keep) on the confirm screen only', () => {
    expect(keyToAction('s', none, { ...list, screen: 'preview' })).toEqual({ type: 'start-save' });
    expect(keyToAction('s', none, ssh)).toEqual({ type: 'type', text: 's' });
    expect(keyToAction('k', none, { ...list, screen: 'confirm' })).toEqual({ type: 'start-keep' });
  });

  it('in an open menu, the menu answers ↑↓ j k, enter and numbers; esc, ? and q keep their meaning', () => {
    const menu = { ...list, screen: 'exposure' as const, menu: true };
    for (const [input, ink] of [
      ['', key({ downArrow: true })],
      ['', key({ upArrow: true })],
      ['j', none],
      ['k', none],
      ['', key({ return: true })],
      ['2', none],
    ] as const)
      expect(keyToAction(input, ink, menu)).toEqual({ type: 'menu-key' });
    expect(keyToAction('', key({ escape: true }), menu)).toEqual({ type: 'back' });
    expect(keyToAction('?', none, menu)).toEqual({ type: 'toggle-help' });
    expect(keyToAction('q', none, menu)).toEqual({ type: 'quit', interrupted: false });
    // Without a menu the same keys do what the screen says.
    expect(keyToAction('', key({ return: true }), { ...menu, menu: false })).toEqual({ type: 'next' });
    expect(keyToAction('k', none, { ...menu, screen: 'confirm', menu: false })).toEqual({ type: 'start-keep' });
  });

  it('answers only y or n while asking to quit', () => {
    const asking = { ...list, askingQuit: true };
    expect(keyToAction('y', none, asking)).toEqual({ type: 'quit-anyway' });
    expect(keyToAction('n', none, asking)).toEqual({ type: 'cancel-quit' });
    expect(keyToAction('', key({ escape: true }), asking)).toEqual({ type: 'cancel-quit' });
    expect(keyToAction('j', none, asking)).toBeNull();
  });
});

describe('the key table', () => {
  it('every press of every binding reaches its action on each screen it claims', () => {
    for (const bound of BINDINGS) {
      const screens: readonly Screen[] = bound.screens === 'every' ? SCREENS : bound.screens;
      for (const screen of screens) {
        for (const { press, action } of bound.presses) {
          if (!reachableOn(press, screen)) continue;
          const [input, ink] = inkPress(press);
          expect(
            keyToAction(input, ink, { typing: false, askingQuit: bound.question === true, menu: bound.menu === true, screen }),
            `${bound.id} ${pressLabel(press)} on ${screen}`,
          ).toEqual(action);
        }
      }
    }
  });

  it('every binding is reachable somewhere, and no press means two things on one screen', () => {
    for (const bound of BINDINGS) {
      const screens: readonly Screen[] = bound.screens === 'every' ? SCREENS : bound.screens;
      expect(
        screens.some((screen) => bound.presses.some(({ press }) => reachableOn(press, screen))),
        bound.id,
      ).toBe(true);
    }
    for (const screen of SCREENS) {
      for (const question of [false, true]) {
        // Outside menus: the screen's keys; in a menu, its own keys (which come first there) among themselves.
        for (const menu of [false, true]) {
          const labels = BINDINGS.filter((bound) => (bound.question === true) === question && (bound.menu === true) === menu && worksOn(bound, screen)).flatMap(
            (bound) => bound.presses.map(({ press }) => pressLabel(press)),
          );
          expect(new Set(labels).size, `${screen}${question ? ' (quit question)' : ''}${menu ? ' (menu)' : ''}: ${labels.join(' ')}`).toBe(labels.length);
        }
      }
    }
  });

  it('documents every binding in the help overlay, `v6wall wizard --help` and the man page', () => {
    const help = commandHelp(wizardCommand);
    const man = manPage('0');
    expect(keyHelp()).toHaveLength(BINDINGS.length);
    for (const [keys, meaning] of keyHelp(true)) {
      expect(help).toContain(`  ${keys}`);
      expect(help.replace(/\s+/g, ' ')).toContain(meaning);
      expect(man).toContain(keys.replace(/-/g, '\\-'));
    }
  });
});
