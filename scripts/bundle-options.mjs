// esbuild settings shared by the CLI build, the single executable and benchmarks that must run the
// code the way operators do (bundled and minified, not through a TypeScript loader).
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NARROW_CHARACTERS } from './grapheme-segmenter.mjs';

const YOGA_DATA_URL = /"data:application\/octet-stream;base64,[A-Za-z0-9+/=]+"/;

// Yoga (Ink's layout engine) ships its wasm inlined as a data: URL and its entry module awaits an
// asynchronous instantiation at top level (through fetch() when fetch exists, which loads Node's
// whole fetch implementation before the first frame). Top-level await cannot be bundled as
// CommonJS, which a single executable application needs. So: the emscripten loader gets the data
// URL as an export, and the entry instantiates the same bytes synchronously through the loader's
// own instantiateWasm hook; the loader then finishes its start-up before it returns.
const yogaSynchronous = {
  name: 'yoga-synchronous',
  setup(build) {
    build.onLoad({ filter: /yoga-layout[\\/].*yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const dataUrl = text.match(YOGA_DATA_URL)?.[0];
      if (dataUrl === undefined) throw new Error(`${args.path}: the inlined wasm was not found (yoga-layout changed?)`);
      return {
        contents: `const yogaWasmDataUrl = ${dataUrl};\n${text.replace(dataUrl, 'yogaWasmDataUrl').replace('import.meta.url', 'undefined')}\nexport { yogaWasmDataUrl };\n`,
        loader: 'js',
      };
    });
    build.onLoad({ filter: /yoga-layout[\\/]dist[\\/]src[\\/]index\.js$/ }, (args) => ({
      contents: `import loadYoga, { yogaWasmDataUrl } from '../binaries/yoga-wasm-base64-esm.js';
import wrapAssembly from './wrapAssembly.js';
const wasm = new WebAssembly.Module(Buffer.from(yogaWasmDataUrl.slice(yogaWasmDataUrl.indexOf(',') + 1), 'base64'));
const lib = {
  instantiateWasm(imports, receiveInstance) {
    const instance = new WebAssembly.Instance(wasm, imports);
    receiveInstance(instance);
    return instance.exports;
  },
};
loadYoga(lib);
if (!lib.calledRun) throw new Error('yoga-layout did not start synchronously');
export default wrapAssembly(lib);
export * from './generated/YGEnums.js';
`,
      loader: 'js',
      resolveDir: args.path.replace(/[\\/][^\\/]+$/, ''),
    }));
  },
};

// Ink's reconciler awaits at top level, only when DEV=true, to load React's devtools and its own
// package.json for them. The bundles carry no devtools (see `alias` below); without those two awaits
// the reconciler can also be bundled as CommonJS.
const inkWithoutDevtools = {
  name: 'ink-without-devtools',
  setup(build) {
    build.onLoad({ filter: /ink[\\/]build[\\/]reconciler\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const edits = [
        ["await import('./devtools.js')", 'undefined'],
        ['await loadPackageJson()', '{ name: undefined, version: undefined }'],
      ];
      let contents = text;
      for (const [from, to] of edits) {
        if (!contents.includes(from)) throw new Error(`${args.path}: "${from}" was not found (ink changed?)`);
        contents = contents.replace(from, to);
      }
      return { contents, loader: 'js' };
    });
  },
};

// string-width (Ink measures every line with it) answers "width = length" at once only for printable
// ASCII; any other character sends the string through Intl.Segmenter and Unicode property regular
// expressions (\p{RGI_Emoji} is compiled on its first use), and every screen's title has a "·".
// Its fast path is widened to characters that are one column wide and their own grapheme cluster
// (no marks, joiners, format or emoji characters): the ones v6wall's screens and Ink's borders draw.
// About 4% of the CPU time to the first frame (A/B, 15 rounds). test/unit/bundle-string-width.test.ts
// checks that the widened function gives the original's answer on strings of these and other characters.
export { NARROW_CHARACTERS };
const STRING_WIDTH_FAST_PATH = '/^[\\u0020-\\u007E]*$/.test(string)';

function widenStringWidthFastPath(path, text) {
  if (!/[\\/]node_modules[\\/]string-width[\\/]index\.js$/.test(path)) return text;
  // wrap-ansi's own older string-width has no fast path to widen; Ink calls it only to wrap.
  if (!text.includes('const segmenter') || text.includes('emoji-regex')) return text;
  if (!text.includes(STRING_WIDTH_FAST_PATH)) throw new Error(`${path}: its ASCII fast path was not found (string-width changed?)`);
  if (!text.includes('ambiguousIsNarrow = true')) throw new Error(`${path}: its ambiguousIsNarrow option was not found (string-width changed?)`);
  // Several of these characters are East Asian "ambiguous": two columns when asked to count them wide.
  const widened = `(ambiguousIsNarrow ? /^[\\u0020-\\u007E${NARROW_CHARACTERS}]*$/ : /^[\\u0020-\\u007E]*$/).test(string)`;
  return text.replace(STRING_WIDTH_FAST_PATH, widened);
}

// string-width, wrap-ansi's string-width, slice-ansi and @alcalzone/ansi-tokenize (all loaded by Ink)
// each create an Intl.Segmenter when they load; the first one loads ICU's break rules (about 20 ms of
// CPU), and Ink segments every line it writes. Any dependency's `new Intl.Segmenter()` of graphemes
// becomes grapheme-segmenter.mjs's stand-in, which needs the real one only for strings that are not
// a grapheme cluster per character. test/unit/bundle-grapheme-segmenter.test.ts holds the stand-in
// and the patched modules to the originals' answers.
const GRAPHEME_SEGMENTER = fileURLToPath(new URL('./grapheme-segmenter.mjs', import.meta.url));
const NEW_GRAPHEME_SEGMENTER = /new Intl\.Segmenter\(\s*(?:undefined\s*,\s*\{\s*granularity:\s*(["'])grapheme\1\s*,?\s*\}\s*)?\)/g;

function lazyGraphemeSegmenters(path, text) {
  // Other segmenters (of words, valibot's) are created when first used, not at load; CommonJS files
  // could not import the stand-in and hold none of them today.
  if (!text.includes('Intl.Segmenter') || !/^\s*(?:import|export)\s/m.test(text)) return text;
  const replaced = text.replace(NEW_GRAPHEME_SEGMENTER, 'new __v6wallGraphemeSegmenter()');
  if (replaced === text) return text;
  return `import { GraphemeSegmenter as __v6wallGraphemeSegmenter } from ${JSON.stringify(GRAPHEME_SEGMENTER)};\n${replaced}`;
}

// string-width builds its RGI emoji expression when it loads: V8 expands \p{RGI_Emoji} into every
// emoji sequence there and then (about 20 ms of CPU), for the rare string outside the fast path.
// It is built on its first test instead.
const RGI_EMOJI = 'const rgiEmojiRegex = /^\\p{RGI_Emoji}$/v;';

function lazyRgiEmojiRegex(path, text) {
  if (!text.includes('rgiEmojiRegex') && !text.includes('/^\\p{RGI_Emoji}$/v')) return text;
  if (!text.includes(RGI_EMOJI)) throw new Error(`${path}: its \\p{RGI_Emoji} expression was not found as expected (string-width changed?)`);
  const uses = text.split('rgiEmojiRegex').length - 1;
  if (uses !== 1 + (text.split('rgiEmojiRegex.test(').length - 1))
    throw new Error(`${path}: rgiEmojiRegex is used other than by .test() (string-width changed?)`);
  return text.replace(RGI_EMOJI, 'let rgiEmojiRegexBuilt;\nconst rgiEmojiRegex = { test: (text) => (rgiEmojiRegexBuilt ??= /^\\p{RGI_Emoji}$/v).test(text) };');
}

/** An esbuild plugin that rewrites the text of dependencies' JavaScript files, each patch in turn. */
function dependencyPatches(name, patches) {
  return {
    name,
    setup(build) {
      build.onLoad({ filter: /[\\/]node_modules[\\/].*\.m?js$/ }, async (args) => {
        const text = await readFile(args.path, 'utf8');
        const patched = patches.reduce((contents, patch) => patch(args.path, contents), text);
        return patched === text ? undefined : { contents: patched, loader: 'js' };
      });
    },
  };
}

export const stringWidthFastPath = dependencyPatches('string-width-fast-path', [widenStringWidthFastPath]);
export const lazyLoadCosts = dependencyPatches('lazy-load-costs', [lazyGraphemeSegmenters, lazyRgiEmojiRegex]);
const allDependencyPatches = dependencyPatches('dependency-patches', [widenStringWidthFastPath, lazyGraphemeSegmenters, lazyRgiEmojiRegex]);

// Where an ES module imports a CommonJS one (React, its JSX runtime, ipaddr.js; Node's built-in
// modules in the executable), esbuild's helper builds a namespace object for that import: a getter
// per export, copied anew at every importing module (about 90 copies, 2,800 getters before the
// first frame: some 10 ms of CPU). Namespaces are shared instead, one per module as in real ES
// modules; the getters read the module's exports as before. test/unit/bundle-shared-namespaces.test.ts
// checks that the build finds esbuild's helper and that imports answer as without the change.
const TO_ESM_HELPER = /var ([\w$]+)\s*=\s*\(([\w$]+),\s*([\w$]+),\s*([\w$]+)\)\s*=>\s*\(\4\s*=\s*\2\s*!=\s*null\s*\?/;
const FRESH_NAMESPACE = '__v6wallFreshNamespace';
const NAMESPACES = '__v6wallNamespaces';

/** `code` with esbuild's namespace helper memoised per module; unchanged when it holds no such helper. */
function shareNamespaces(code) {
  const helper = code.match(TO_ESM_HELPER);
  if (helper === null) return code;
  if (code.includes(FRESH_NAMESPACE) || code.includes(NAMESPACES)) throw new Error(`the bundle already uses the names ${FRESH_NAMESPACE} or ${NAMESPACES}`);
  const [whole, name] = helper;
  const shared =
    `var ${NAMESPACES} = new WeakMap(), ${name} = (mod, isNodeMode) => {` +
    `if (mod === null || (typeof mod !== 'object' && typeof mod !== 'function')) return ${FRESH_NAMESPACE}(mod, isNodeMode);` +
    `let made = ${NAMESPACES}.get(mod); if (made === undefined) ${NAMESPACES}.set(mod, (made = []));` +
    `return (made[isNodeMode ? 1 : 0] ??= ${FRESH_NAMESPACE}(mod, isNodeMode)); };\n`;
  const fresh = whole.replace(/^var\s+[\w$]+/, () => `var ${FRESH_NAMESPACE}`);
  // A function, so that no "$" in a minified name is read as a replacement pattern.
  return code.replace(whole, () => `${shared}${fresh}`);
}

const sharedNamespaces = {
  name: 'shared-namespaces',
  setup(build) {
    build.initialOptions.metafile = true;
    build.onEnd(async (result) => {
      if (result.errors.length > 0) return;
      if (result.outputFiles !== undefined) {
        result.outputFiles = result.outputFiles.map((file) => {
          if (!/\.[cm]?js$/.test(file.path)) return file;
          const text = shareNamespaces(file.text);
          return text === file.text ? file : { path: file.path, hash: file.hash, contents: Buffer.from(text), text };
        });
        return;
      }
      const root = build.initialOptions.absWorkingDir ?? process.cwd();
      for (const output of Object.keys(result.metafile.outputs).filter((path) => /\.[cm]?js$/.test(path))) {
        const path = resolve(root, output);
        const code = await readFile(path, 'utf8');
        const shared = shareNamespaces(code);
        if (shared !== code) await writeFile(path, shared);
      }
    });
  },
};

export const DEVTOOLS_STUB = 'dist/.devtools-stub.js';

function common() {
  return {
    bundle: true,
    platform: 'node',
    target: 'node20',
    minify: true,
    legalComments: 'none',
    // Ink loads its devtools (react-devtools-core, ws) only with DEV=true; the bundle carries neither.
    alias: { 'react-devtools-core': `./${DEVTOOLS_STUB}`, ws: `./${DEVTOOLS_STUB}` },
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [yogaSynchronous, inkWithoutDevtools, allDependencyPatches, sharedNamespaces],
    logLevel: 'warning',
  };
}

const esmBanner = "import { createRequire as __v6wallCreateRequire } from 'node:module'; const require = __v6wallCreateRequire(import.meta.url);";

/** One self-contained ESM file for Node 20; `npm run build` writes DEVTOOLS_STUB first. */
export function bundleOptions(entryPoint, outfile) {
  return { ...common(), entryPoints: [entryPoint], outfile, format: 'esm', banner: { js: `#!/usr/bin/env node\n${esmBanner}` } };
}

/**
 * The CLI for Node: an entry file plus chunks loaded on demand, so that a command loads only what
 * it uses (`--version`, `plan` or the watchdog never parse React and Ink).
 */
export function splitBundleOptions(entryPoint, outdir) {
  return {
    ...common(),
    entryPoints: { v6wall: entryPoint },
    outdir,
    splitting: true,
    format: 'esm',
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: `#!/usr/bin/env node\n${esmBanner}` },
  };
}

/**
 * One CommonJS file for a single executable application (Node runs its main script as CommonJS
 * and can load only built-in modules from it). Dynamic imports become lazily run module bodies,
 * so a command still evaluates only what it uses.
 */
export function executableBundleOptions(entryPoint, outfile) {
  // A single executable's script has no dynamic import() at all (not even of node: modules):
  // esbuild turns those left after bundling into require().
  return { ...common(), entryPoints: [entryPoint], outfile, format: 'cjs', supported: { 'dynamic-import': false } };
}
