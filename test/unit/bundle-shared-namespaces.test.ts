// The bundles share one namespace object per CommonJS module among the ES modules that import it,
// where esbuild's helper made one per importing module (scripts/bundle-options.mjs). Checked here:
// the build finds esbuild's helper in the CLI's bundles (so this fails if esbuild changes it), and
// imports of CommonJS modules answer as they do without the change.
import { describe, expect, it } from 'vitest';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: a build script without type declarations
import { bundleOptions, executableBundleOptions } from '../../scripts/bundle-options.mjs';

const withOptions = executableBundleOptions as (entry: string, outfile: string) => BuildOptions;
const esmOptions = bundleOptions as (entry: string, outfile: string) => BuildOptions;

function withoutSharing(options: BuildOptions): BuildOptions {
  return { ...options, plugins: (options.plugins ?? []).filter((plugin: Plugin) => plugin.name !== 'shared-namespaces') };
}

async function bundledText(options: BuildOptions): Promise<string> {
  const result = await build({ ...options, write: false, logLevel: 'silent' });
  return result.outputFiles?.find((file) => /\.[cm]?js$/.test(file.path))?.text ?? '';
}

describe('shared namespaces of CommonJS modules', () => {
  it("are in the executable's bundle and the CLI's", async () => {
    for (const options of [withOptions('src/cli.tsx', 'out/v6wall.cjs'), esmOptions('src/cli.tsx', 'out/v6wall.js')]) {
      const code = await bundledText(options);
      expect(code).toContain('__v6wallNamespaces');
      expect(await bundledText(withoutSharing(options))).not.toContain('__v6wallNamespaces');
    }
  });

  it('answer imports as the fresh ones did: defaults, names, live values, namespaces, built-in modules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'v6wall-namespaces-'));
    try {
      writeFileSync(
        join(dir, 'counter.cjs'),
        'let n = 1;\nexports.count = () => n;\nexports.bump = () => { n += 1; exports.latest = n; };\nexports.latest = n;\n',
      );
      writeFileSync(
        join(dir, 'transpiled.cjs'),
        'Object.defineProperty(exports, "__esModule", { value: true });\nexports.default = "the default";\nexports.other = 2;\n',
      );
      const importer = (name: string): string =>
        `import counter, { count, bump, latest } from './counter.cjs';
import * as counterNamespace from './counter.cjs';
import transpiled, { other } from './transpiled.cjs';
import * as transpiledNamespace from './transpiled.cjs';
import fs, { existsSync } from 'node:fs';
export const ${name} = () => ({ counter, count, bump, latest, counterNamespace, transpiled, other, transpiledNamespace, fs, existsSync });
`;
      writeFileSync(join(dir, 'a.mjs'), importer('a'));
      writeFileSync(join(dir, 'b.mjs'), importer('b'));
      writeFileSync(
        join(dir, 'entry.mjs'),
        `import { a } from './a.mjs';
import { b } from './b.mjs';
const before = a();
before.bump();
const after = a();
const other = b();
export const observed = {
  defaultIsExports: before.counter === other.counter && before.counter.count === before.count,
  liveBefore: before.latest,
  liveAfter: after.latest,
  counted: other.count(),
  namespaceKeys: Object.keys(before.counterNamespace).sort(),
  namespaceLatest: other.counterNamespace.latest,
  namespaceDefault: before.counterNamespace.default === before.counter,
  transpiled: [before.transpiled, other.other, Object.keys(other.transpiledNamespace).sort(), other.transpiledNamespace.default],
  fs: [before.fs === other.fs, typeof before.fs.readFileSync, before.existsSync === other.fs.existsSync],
};
`,
      );
      const run = async (options: BuildOptions, file: string): Promise<unknown> => {
        const code = await bundledText({ ...options, absWorkingDir: dir, banner: {} });
        expect(code.includes('__v6wallNamespaces')).toBe(file.startsWith('shared'));
        writeFileSync(join(dir, file), code);
        const loaded = file.endsWith('.cjs') ? createRequire(import.meta.url)(join(dir, file)) : await import(join(dir, file));
        return (loaded as { observed: unknown }).observed;
      };
      for (const [options, ext] of [
        [withOptions('entry.mjs', 'out.cjs'), 'cjs'],
        [esmOptions('entry.mjs', 'out.mjs'), 'mjs'],
      ] as const) {
        const shared = await run(options, `shared.${ext}`);
        const fresh = await run(withoutSharing(options), `fresh.${ext}`);
        expect(shared).toEqual(fresh);
        expect(shared).toMatchObject({ defaultIsExports: true, liveBefore: 1, liveAfter: 2, counted: 2, namespaceLatest: 2, namespaceDefault: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
