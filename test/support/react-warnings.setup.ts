// React reports list items with the same key on console.error and renders on; such an item may be
// dropped or repeated on a later update, so a screen that triggers it fails its test instead.
import { afterEach, beforeEach, expect, vi, type MockInstance } from 'vitest';

const KEY_WARNINGS = /Encountered two children with the same key|should have a unique "key" prop/;
let warnings: string[] = [];
let spy: MockInstance<typeof console.error> | undefined;

beforeEach(() => {
  warnings = [];
  const original = console.error.bind(console);
  spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    const text = args.map(String).join(' ');
    if (KEY_WARNINGS.test(text)) warnings.push(text);
    original(...args);
  });
});

afterEach(() => {
  // A test file may have restored every mock already (vi.restoreAllMocks): restoring twice is harmless.
  spy?.mockRestore();
  expect(warnings, 'React warned about list keys while rendering').toEqual([]);
});
