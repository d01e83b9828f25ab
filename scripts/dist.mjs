// `npm run dist`: what operators install on a server, in release/:
//   v6wall-linux-x64 (and -arm64)      one self-contained executable: a Node single executable
//                                      application whose main script (sea-loader.mjs) runs the
//                                      bundle, with (x64) a V8 code cache taken after a real run
//   v6wall_VERSION_amd64.deb (arm64)   that executable, the man page v6wall(8), bash and zsh
//                                      completions, built with dpkg-deb
// Needs `npm run build` first (the man page and completions come from dist/).
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { executableBundleOptions } from './bundle-options.mjs';
import { debianPackage } from './debian-package.mjs';
import { warmCodeCache } from './sea-code-cache.mjs';
import { BUNDLE_ASSET, CODE_CACHE_ASSET, seaLoaderSource } from './sea-loader.mjs';

const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const RELEASE = resolve('release');
const WORK = join(RELEASE, 'build');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const started = Date.now();
const only = process.argv.slice(2);

/** Node's arch name, Debian's, and where that arch's node binary comes from. */
const TARGETS = [
  { arch: 'x64', debian: 'amd64' },
  { arch: 'arm64', debian: 'arm64' },
].filter((target) => only.length === 0 || only.includes(target.arch));

// Output is kept for failures only (postject's ELF library warns about node's many note sections).
function run(file, args, options = {}) {
  try {
    return execFileSync(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  } catch (error) {
    process.stderr.write(error.stderr ?? '');
    throw error;
  }
}

function log(message) {
  console.log(`dist: ${message} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

/**
 * The node binary the executable is made of: this machine's own for its architecture (the code
 * cache must come from the very V8 that runs it), otherwise the official build of the same Node
 * version from the npm registry (package node-linux-ARCH), cached outside the checkout.
 */
function nodeBinary(arch) {
  if (arch === process.arch) return process.execPath;
  const version = process.versions.node;
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'v6wall-dist', `node-linux-${arch}-${version}`);
  const binary = join(cache, 'package', 'bin', 'node');
  if (existsSync(binary)) return binary;
  mkdirSync(cache, { recursive: true });
  log(`fetching node-linux-${arch}@${version} from the npm registry`);
  const tarball = run('npm', ['pack', `node-linux-${arch}@${version}`, '--pack-destination', cache, '--silent'], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .at(-1);
  run('tar', ['-xzf', join(cache, tarball), '-C', cache, 'package/bin/node']);
  rmSync(join(cache, tarball));
  return binary;
}

function stripTool(arch) {
  if (arch === process.arch) return 'strip';
  const cross = arch === 'arm64' ? 'aarch64-linux-gnu-strip' : null;
  return cross !== null && run('sh', ['-c', `command -v ${cross} || true`], { encoding: 'utf8' }).trim() !== '' ? cross : null;
}

function executable({ arch }, codeCache) {
  const blob = join(WORK, `v6wall-${arch}.blob`);
  const config = join(WORK, `sea-config-${arch}.json`);
  const loader = join(WORK, `sea-loader-${arch}.cjs`);
  // A code cache is V8's compiled form of the script: valid only for the V8 that made it, so only
  // for this machine's architecture. Node's own (useCodeCache) would cover the small loader only.
  const withCache = arch === process.arch;
  writeFileSync(loader, seaLoaderSource({ version: pkg.version, codeCache: withCache }));
  const assets = { [BUNDLE_ASSET]: join(WORK, 'v6wall.cjs'), ...(withCache ? { [CODE_CACHE_ASSET]: codeCache } : {}) };
  writeFileSync(config, JSON.stringify({ main: loader, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false, assets }));
  run(process.execPath, ['--experimental-sea-config', config]);
  const out = join(RELEASE, `v6wall-linux-${arch}`);
  rmSync(out, { force: true });
  copyFileSync(nodeBinary(arch), out);
  chmodSync(out, 0o755);
  // Debug symbols are most of an unstripped node binary's size and nothing v6wall needs.
  const strip = stripTool(arch);
  if (strip !== null) run(strip, [out]);
  run(process.execPath, [resolve('node_modules/postject/dist/cli.js'), out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE]);
  if (withCache) checkCodeCacheAccepted(out);
  log(
    `${out}: ${(statSync(out).size / 1e6).toFixed(1)} MB${withCache ? ', with a code cache' : ', no code cache (built on another architecture)'}${strip === null ? ', not stripped' : ''}`,
  );
  return out;
}

/** A rejected cache still runs, only slower: the build says so instead of shipping it. */
function checkCodeCacheAccepted(executablePath) {
  const env = { ...process.env, NODE_DEBUG: 'v6wall' };
  delete env.NODE_OPTIONS;
  const result = spawnSync(executablePath, ['--help'], { env, encoding: 'utf8' });
  if (result.status !== 0 || !result.stderr.includes('code cache accepted')) {
    throw new Error(`${executablePath}: V8 did not take the code cache (exit ${result.status}): ${result.stderr.trim()}`);
  }
}

if (!existsSync('dist/man/v6wall.8')) throw new Error('dist/ is missing: run `npm run build` first');
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });
await build(executableBundleOptions('src/cli.tsx', join(WORK, 'v6wall.cjs')));
log('bundled for the executable');
const codeCache = join(WORK, 'v6wall.code-cache');
if (TARGETS.some((target) => target.arch === process.arch)) {
  const size = await warmCodeCache({ bundle: join(WORK, 'v6wall.cjs'), out: codeCache, workDir: WORK });
  log(`code cache after a run to the wizard's first frame and discovery: ${(size / 1e6).toFixed(1)} MB`);
}
for (const target of TARGETS) {
  const binary = executable(target, codeCache);
  rmSync(join(RELEASE, `v6wall_${pkg.version}_${target.debian}.deb`), { force: true });
  const deb = debianPackage({ binary, arch: target.debian, version: pkg.version, description: pkg.description, workDir: WORK, outDir: RELEASE });
  log(`${deb}: ${(statSync(deb).size / 1e6).toFixed(1)} MB`);
}
rmSync(WORK, { recursive: true, force: true });
