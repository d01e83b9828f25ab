import { describe, expect, it } from 'vitest';
import type { Key } from 'ink';
import { keyToAction } from '../../src/ui/keys.js';

const none: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};
const key = (patch: Partial<Key>): Key => ({ ...none, ...patch });
const list = { typing: false, askingQuit: false, screen: 'containers' as const };

describe('key bindings', () => {
  it('moves with arrows and j/k, toggles with space, goes on with enter, back with esc', () => {
    expect(keyToAction('', key({ downArrow: true }), list)).toEqual({ type: 'move', delta: 1 });
    expect(keyToAction('j', none, list)).toEqual({ type: 'move', delta: 1 });
    expect(keyToAction('k', none, list)).toEqual({ type: 'move', delta: -1 });
    expect(keyToAction(' ', none, list)).toEqual({ type: 'toggle' });
    expect(keyToAction('', key({ return: true }), list)).toEqual({ type: 'next' });
    expect(keyToAction('', key({ escape: true }), list)).toEqual({ type: 'back' });
    expect(keyToAction('q', none, list)).toEqual({ type: 'quit' });
    expect(keyToAction('c', key({ ctrl: true }), list)).toEqual({ type: 'quit' });
    expect(keyToAction('?', none, list)).toEqual({ type: 'toggle-help' });
  });

  it('turns other letters into text (they start the container filter), and every letter while typing', () => {
    expect(keyToAction('w', none, list)).toEqual({ type: 'type', text: 'w' });
    expect(keyToAction('/', none, list)).toEqual({ type: 'start-filter' });
    expect(keyToAction('j', none, { ...list, typing: true })).toEqual({ type: 'type', text: 'j' });
    expect(keyToAction('q', none, { ...list, typing: true })).toEqual({ type: 'type', text: 'q' });
    expect(keyToAction(' ', none, { ...list, typing: true })).toEqual({ type: 'toggle' });
  });

  it('binds s on the preview and k (keep) on the confirm screen only', () => {
    expect(keyToAction('s', none, { ...list, screen: 'preview' })).toEqual({ type: 'start-save' });
    expect(keyToAction('s', none, list)).toEqual({ type: 'type', text: 's' });
    expect(keyToAction('k', none, { ...list, screen: 'confirm' })).toEqual({ type: 'start-keep' });
  });

  it('answers only y or n while asking to quit', () => {
    const asking = { ...list, askingQuit: true };
    expect(keyToAction('y', none, asking)).toEqual({ type: 'quit-anyway' });
    expect(keyToAction('n', none, asking)).toEqual({ type: 'cancel-quit' });
    expect(keyToAction('', key({ escape: true }), asking)).toEqual({ type: 'cancel-quit' });
    expect(keyToAction('j', none, asking)).toBeNull();
  });
});
