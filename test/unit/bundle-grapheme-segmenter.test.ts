// The bundles put a stand-in in place of the Intl.Segmenter that string-width, wrap-ansi's
// string-width, slice-ansi and @alcalzone/ansi-tokenize create when they load, and build
// string-width's \p{RGI_Emoji} expression on first use (scripts/bundle-options.mjs), so that the
// wizard's first frame does not pay for ICU's break rules and V8's emoji tables. Checked here:
// the stand-in segments as Intl.Segmenter does; each patched module answers as its original on
// strings of every kind; the wizard draws its first frame without a real segmenter or that
// expression (which fails if a dependency starts creating them at load again).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { build, type Plugin } from 'esbuild';
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
// @ts-expect-error: a build script without type declarations
import { lazyLoadCosts } from '../../scripts/bundle-options.mjs';
// @ts-expect-error: a build script without type declarations
import { GraphemeSegmenter as UntypedGraphemeSegmenter, NARROW_CHARACTERS } from '../../scripts/grapheme-segmenter.mjs';
import { spawnCli } from '../ui/pty-helpers.js';

const GraphemeSegmenter = UntypedGraphemeSegmenter as typeof Intl.Segmenter;

const ownClusters: string[] = ['\t', '\n', '\u001B'];
const narrowPattern = new RegExp(`^[\\u0020-\\u007E${NARROW_CHARACTERS as string}]$`);
for (let code = 0; code <= 0xffff; code += 1) {
  if (narrowPattern.test(String.fromCharCode(code))) ownClusters.push(String.fromCharCode(code));
}

// Characters that join others into one cluster, or are wide, or take the real segmenter.
const others = [
  '\r',
  '\r\n',
  '\u0301',
  '\u200D',
  '\uFE0F',
  '\u00AD',
  '\u4E2D',
  '\uD83D\uDE00',
  '\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67',
  '\uD83C\uDDE9\uD83C\uDDEA',
  '\u2714',
  '\u1100',
  '\u1161',
  '\u11A8',
  '\uAC00',
  '\u0915\u094D\u0937',
  '\u0E33',
  '\uD800',
  '1\u20E3',
];
const ansi = [
  '\u001B[31m',
  '\u001B[39m',
  '\u001B[1m',
  '\u001B[22m',
  '\u001B[2m',
  '\u001B]8;;https://example.org\u0007',
  '\u001B]8;;\u0007',
  '\u001B[38;5;208m',
];
const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ownClusters) },
  { weight: 1, arbitrary: fc.constantFrom(...others) },
  { weight: 1, arbitrary: fc.constantFrom(...ansi) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 3 }) },
);
const text = fc.array(piece, { maxLength: 16 }).map((pieces) => pieces.join(''));

function segments(segmenter: Intl.Segmenter, input: string): { segment: string; index: number; input: string }[] {
  return [...segmenter.segment(input)].map(({ segment, index, input: whole }) => ({ segment, index, input: whole }));
}

describe('the grapheme segmenter stand-in', () => {
  const real = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const standIn = new GraphemeSegmenter(undefined, { granularity: 'grapheme' });

  it('segments each character it answers for alone, as Intl.Segmenter does', () => {
    expect(ownClusters.length).toBeGreaterThan(600);
    const all = ownClusters.join('');
    expect(segments(standIn, all)).toEqual(segments(real, all));
    expect(segments(real, all)).toHaveLength(all.length);
  });

  it('segments any string, and finds the segment containing any index, as Intl.Segmenter does', () => {
    fc.assert(
      fc.property(text, (input) => {
        expect(segments(standIn, input)).toEqual(segments(real, input));
        const mine = standIn.segment(input);
        const theirs = real.segment(input);
        for (const index of [-1, 0, 0.5, 1, 2, input.length - 1, input.length, undefined]) {
          expect([index, mine.containing(index)]).toEqual([index, theirs.containing(index)]);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

// The modules as Ink resolves them (wrap-ansi has its own string-width).
const inkFolder = dirname(createRequire(import.meta.url).resolve('ink'));

/** A dependency's export bundled with or without the build's patches: its code, and it loaded. */
async function bundled(name: string, exported: string, plugins: Plugin[]): Promise<{ code: string; fn: Fn }> {
  const result = await build({
    stdin: { contents: `export { ${exported} as fn } from '${name}';`, resolveDir: inkFolder },
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
    plugins,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.text ?? '';
  const module = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { fn: Fn };
  return { code, fn: module.fn };
}

type Fn = (...args: unknown[]) => unknown;

// Each module Ink loads that created a segmenter at load, and what to ask it.
const modules: { name: string; exported: string; call: (fn: Fn, input: string, a: number, b: number) => unknown }[] = [
  { name: 'string-width', exported: 'default', call: (fn, input, a) => fn(input, { ambiguousIsNarrow: a % 2 === 0 }) },
  { name: 'wrap-ansi', exported: 'default', call: (fn, input, a, b) => fn(input, 1 + a, { hard: b % 2 === 0, trim: b % 3 === 0 }) },
  { name: 'slice-ansi', exported: 'default', call: (fn, input, a, b) => fn(input, a, a + b) },
  { name: '@alcalzone/ansi-tokenize', exported: 'tokenize', call: (fn, input, a) => fn(input, a === 0 ? undefined : a) },
];

describe("the bundles' patched dependencies", () => {
  for (const { name, exported, call } of modules) {
    it(`${name} answers as the original does, on strings of every kind`, async () => {
      const mine = await bundled(name, exported, [lazyLoadCosts as Plugin]);
      const theirs = await bundled(name, exported, []);
      // The patch took: the module's segmenter is the stand-in, which holds the one real one.
      expect(theirs.code).toContain('new Intl.Segmenter(');
      expect(mine.code).toContain('// scripts/grapheme-segmenter.mjs');
      expect(mine.code.split('new Intl.Segmenter(')).toHaveLength(2);
      fc.assert(
        fc.property(text, fc.nat(12), fc.nat(12), (input, a, b) => {
          expect(call(mine.fn, input, a, b)).toEqual(call(theirs.fn, input, a, b));
        }),
        { numRuns: 1500 },
      );
    });
  }
});

// Counts what the first frame creates: real Intl.Segmenters and the \p{RGI_Emoji} expression.
const PROBE = `'use strict';
const { writeFileSync } = require('node:fs');
const counts = { segmenters: 0, rgiEmoji: 0 };
const RealSegmenter = Intl.Segmenter;
Intl.Segmenter = class extends RealSegmenter {
  constructor(...args) { super(...args); counts.segmenters += 1; }
};
globalThis.RegExp = new Proxy(RegExp, {
  construct(target, args, newTarget) {
    if (String(args[0]).includes('RGI_Emoji')) counts.rgiEmoji += 1;
    return Reflect.construct(target, args, newTarget);
  },
});
const original = Object.getOwnPropertyDescriptor(process, 'stdout');
Object.defineProperty(process, 'stdout', {
  configurable: true,
  get() {
    const stdout = original.get.call(process);
    Object.defineProperty(process, 'stdout', original);
    const write = stdout.write;
    stdout.write = function (chunk, ...rest) {
      if (String(chunk).includes('step 1 of 9')) writeFileSync(process.env.V6WALL_PROBE_OUT, JSON.stringify(counts));
      return write.call(this, chunk, ...rest);
    };
    return stdout;
  },
});
if (process.env.V6WALL_PROBE_SELF_TEST) {
  new Intl.Segmenter();
  new RegExp('^\\\\p{RGI_Emoji}$', 'v');
  writeFileSync(process.env.V6WALL_PROBE_OUT, JSON.stringify(counts));
}
`;

describe("the wizard's first frame", () => {
  it('is drawn without a real Intl.Segmenter or the \\p{RGI_Emoji} expression', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'v6wall-segmenter-probe-'));
    try {
      const probe = join(dir, 'probe.cjs');
      const out = join(dir, 'counts.json');
      writeFileSync(probe, PROBE);
      // The probe sees both when they are created.
      const self = spawnCli({
        file: process.execPath,
        args: ['-e', '0'],
        env: { NODE_OPTIONS: `--require ${probe}`, V6WALL_PROBE_OUT: out, V6WALL_PROBE_SELF_TEST: '1' },
      });
      await self.exited;
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ segmenters: 1, rgiEmoji: 1 });
      rmSync(out);

      const run = spawnCli({ args: ['--state-dir', dir], env: { NODE_OPTIONS: `--require ${probe}`, V6WALL_PROBE_OUT: out } });
      await run.waitFor('step 1 of 9', 20_000);
      run.kill();
      await run.exited;
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ segmenters: 0, rgiEmoji: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
