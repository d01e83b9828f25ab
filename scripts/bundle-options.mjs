// esbuild settings shared by the CLI build and by benchmarks that must run the code the way
// operators do (bundled and minified, not through a TypeScript loader).
import { readFile } from 'node:fs/promises';

// Yoga (Ink's layout engine) ships its wasm inlined as a data: URL and reads it with fetch()
// when fetch exists, which makes Node load its whole fetch implementation (undici) before the
// first frame, about 30 ms. Without fetch in its scope it decodes the same bytes directly.
const yogaWithoutFetch = {
  name: 'yoga-without-fetch',
  setup(build) {
    build.onLoad({ filter: /yoga-layout[\\/].*yoga-wasm-base64-esm\.js$/ }, async (args) => ({
      contents: `var fetch;\n${await readFile(args.path, 'utf8')}`,
      loader: 'js',
    }));
  },
};

export const DEVTOOLS_STUB = 'dist/.devtools-stub.js';

/** One self-contained ESM file for Node 20; `npm run build` writes DEVTOOLS_STUB first. */
export function bundleOptions(entryPoint, outfile) {
  return {
    entryPoints: [entryPoint],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    // Ink loads its devtools (react-devtools-core, ws) only with DEV=true; the bundle carries neither.
    alias: { 'react-devtools-core': `./${DEVTOOLS_STUB}`, ws: `./${DEVTOOLS_STUB}` },
    define: { 'process.env.NODE_ENV': '"production"' },
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __v6wallCreateRequire } from 'node:module'; const require = __v6wallCreateRequire(import.meta.url);",
    },
    plugins: [yogaWithoutFetch],
    logLevel: 'warning',
  };
}
