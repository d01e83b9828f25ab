// The single executable's main script: a few lines that answer `--version` at once and otherwise
// run the CommonJS bundle, stored as an asset, with a V8 code cache made by running it.
//
// Why not Node's own `useCodeCache`: Node makes that cache by compiling the script without running
// it, so it holds the top level only; every module body of the bundle (esbuild runs them lazily) and
// Ink's and React's functions were still compiled from source on each start. A cache taken after a
// real run to the wizard's first frame (scripts/sea-code-cache.mjs) holds what that path compiled.

/** How the bundle is wrapped, the same when the cache is made and when it is used (V8 checks the source). */
export function wrapBundle(source) {
  return `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
}

export const BUNDLE_ASSET = 'v6wall.cjs';
export const CODE_CACHE_ASSET = 'v6wall.code-cache';

/**
 * The loader's source. `version` is printed for `--version` and `-V` without reading the bundle
 * (the same answer src/cli.tsx gives); `codeCache` says whether the executable carries a cache.
 */
export function seaLoaderSource({ version, codeCache }) {
  return `'use strict';
const first = process.argv[2];
if (first === '--version' || first === '-V') {
  process.stdout.write(${JSON.stringify(`${version}\n`)});
} else {
  const { getAsset } = require('node:sea');
  const { Script } = require('node:vm');
  const wrap = ${wrapBundle.toString()};
  const cachedData = ${codeCache ? `Buffer.from(getAsset(${JSON.stringify(CODE_CACHE_ASSET)}))` : 'undefined'};
  const script = new Script(wrap(getAsset(${JSON.stringify(BUNDLE_ASSET)}, 'utf8')), { filename: ${JSON.stringify(BUNDLE_ASSET)}, cachedData });
  // NODE_DEBUG=v6wall says whether V8 took the cache (it refuses one made by another V8 or other V8 flags).
  require('node:util').debuglog('v6wall')(cachedData === undefined ? 'no code cache' : script.cachedDataRejected ? 'code cache rejected' : 'code cache accepted');
  script.runInThisContext()(exports, require, module, __filename, __dirname);
}
`;
}
