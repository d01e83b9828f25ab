// The bundles widen string-width's fast path (scripts/bundle-options.mjs) so that the first frame
// does not pay for Intl.Segmenter and Unicode property regular expressions. The widened function
// must measure every string as the original does: checked on each widened character, and on random
// strings that mix them with ASCII, escapes, marks, joiners, emoji and wide characters.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import originalStringWidth from 'string-width';
// @ts-expect-error: a build script without type declarations
import { NARROW_CHARACTERS, stringWidthFastPath } from '../../scripts/bundle-options.mjs';

type StringWidth = (text: string, options?: { ambiguousIsNarrow?: boolean; countAnsiEscapeCodes?: boolean }) => number;

async function widenedStringWidth(): Promise<StringWidth> {
  const entry = createRequire(import.meta.url).resolve('string-width');
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    plugins: [stringWidthFastPath],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text ?? '';
  expect(code).toContain(NARROW_CHARACTERS as string);
  const module = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default: StringWidth };
  return module.default;
}

const narrow: string[] = [];
const pattern = new RegExp(`^[${NARROW_CHARACTERS as string}]$`);
for (let code = 0; code <= 0xffff; code += 1) {
  if (pattern.test(String.fromCharCode(code))) narrow.push(String.fromCharCode(code));
}

const others = [
  'a',
  ' ',
  '~',
  '\u001B[2m',
  '\u001B[22m',
  '\u0301',
  '\u200D',
  '\uFE0F',
  '\u00AD',
  '\u00A0',
  '\u4E2D',
  '\uD83D\uDE00',
  '\u2714',
  '\u2194',
  '\u00A9',
  '\u1100',
  '\u1161',
  '\t',
  '\u0000',
];

describe("the bundles' string-width", () => {
  it('takes the fast path for each widened character, one column wide as the original says', async () => {
    const widened = await widenedStringWidth();
    expect(narrow.length).toBeGreaterThan(500);
    for (const character of narrow) {
      expect([character, widened(character)]).toEqual([character, 1]);
      expect([character, originalStringWidth(character)]).toEqual([character, 1]);
    }
  });

  it('measures any string as the original does, whatever the options', async () => {
    const widened = await widenedStringWidth();
    const piece = fc.oneof(fc.constantFrom(...narrow), fc.constantFrom(...others), fc.string({ unit: 'grapheme', maxLength: 3 }));
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }),
        fc.record({ ambiguousIsNarrow: fc.boolean(), countAnsiEscapeCodes: fc.boolean() }, { requiredKeys: [] }),
        (pieces, options) => {
          const text = pieces.join('');
          expect(widened(text, options)).toBe(originalStringWidth(text, options));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
