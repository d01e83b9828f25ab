// Bundles the CLI into one file: the fastest start, and nothing to resolve at run time.
import { build } from 'esbuild';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';

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

await mkdir('dist', { recursive: true });

await writeFile('dist/.devtools-stub.js', 'export default {};\n');
await build({
  entryPoints: ['src/cli.tsx'],
  outfile: 'dist/v6wall.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  // Ink loads its devtools (react-devtools-core, ws) only with DEV=true; the bundle carries neither.
  alias: { 'react-devtools-core': './dist/.devtools-stub.js', ws: './dist/.devtools-stub.js' },
  define: { 'process.env.NODE_ENV': '"production"' },
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __v6wallCreateRequire } from 'node:module'; const require = __v6wallCreateRequire(import.meta.url);",
  },
  plugins: [yogaWithoutFetch],
  logLevel: 'warning',
});
await chmod('dist/v6wall.js', 0o755);
