/**
 * Captures `nft -j list ruleset` fixtures (re-runnable, needs root and nft):
 *   npx tsx test/lab/capture-nftables.ts [moby] [designed] [iptables-nft] [lab]
 * - moby: Docker's own golden rulesets (test/fixtures/nftables/moby/, verbatim from moby/moby),
 *   each loaded with `nft -f` into an empty network namespace and read back as JSON;
 * - designed: the hand-written inputs in test/fixtures/nftables/designed/*.nft, loaded and read
 *   back the same way (the JSON is nft's own rendering);
 * - iptables-nft: test/fixtures/ip6tables/designed-matches.restore loaded with ip6tables-restore
 *   (iptables-nft), read back by both ip6tables-save and nft;
 * - lab: every scenario of nftables-scenarios.ts in a real lab (UFW, Docker 20.10 / 28, Docker 29's
 *   backend emulated), with what real connections showed.
 * With no argument, everything. Each folder's captured.json names the argv and the source.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { run } from './exec.js';
import { REPO_ROOT, labAvailable } from './harness.js';
import { MOBY_COMMIT, NFT_1_0_6_SPELLING, nftablerIp6Goldens, nftablesdocRulesets, type GoldenRuleset } from './nft-golden.js';
import { captureLabScenarios } from './nftables-scenarios.js';

const OUT = join(REPO_ROOT, 'test/fixtures/nftables');

interface Manifest {
  [file: string]: Record<string, unknown>;
}

function writeManifest(dir: string, manifest: Manifest): void {
  const file = join(dir, 'captured.json');
  let previous: Manifest = {};
  try {
    previous = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  } catch {
    // first capture
  }
  writeFileSync(file, `${JSON.stringify({ ...previous, ...manifest }, null, 2)}\n`);
}

async function must(argv: string[], input?: string): Promise<string> {
  const r = await run(argv, input === undefined ? {} : { input });
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
  return r.stdout;
}

/** An empty network namespace for one load-and-read, removed afterwards. */
async function inFreshNamespace<T>(use: (exec: (argv: string[], input?: string) => Promise<string>) => Promise<T>): Promise<T> {
  const ns = `v6wall-nftcap-${randomBytes(3).toString('hex')}`;
  await must(['ip', 'netns', 'add', ns]);
  try {
    return await use((argv, input) => must(['ip', 'netns', 'exec', ns, ...argv], input));
  } finally {
    await run(['ip', 'netns', 'del', ns]);
  }
}

async function nftVersion(): Promise<string> {
  return (await must(['nft', '--version'])).trim();
}

async function captureMoby(): Promise<void> {
  const dir = join(OUT, 'moby-json');
  mkdirSync(dir, { recursive: true });
  const manifest: Manifest = {};
  const version = await nftVersion();
  const load = async (golden: GoldenRuleset, name: string): Promise<void> => {
    let text = golden.text;
    for (const [from, to] of NFT_1_0_6_SPELLING) text = text.split(from).join(to);
    const json = await inFreshNamespace(async (exec) => {
      await exec(['nft', '-f', '-'], text);
      return exec(['nft', '-j', 'list', 'ruleset']);
    });
    writeFileSync(join(dir, name), json);
    manifest[name] = {
      source: `moby/moby@${MOBY_COMMIT}: ${golden.source}`,
      loadedWith: ['nft', '-f', '-'],
      respelled: text === golden.text ? [] : NFT_1_0_6_SPELLING,
      argv: ['nft', '-j', 'list', 'ruleset'],
      nft: version,
      capturedAt: new Date().toISOString(),
    };
  };
  for (const golden of nftablesdocRulesets()) await load(golden, `nftablesdoc-${basename(golden.source, '.md')}.json`);
  for (const golden of nftablerIp6Goldens()) {
    const name = basename(golden.source, '__ip6.golden').replace(/,/g, '_').replace(/=/g, '-');
    await load(golden, `nftabler-ip6-${name}.json`);
  }
  writeManifest(dir, manifest);
}

async function captureDesigned(): Promise<void> {
  const dir = join(OUT, 'designed');
  const manifest: Manifest = {};
  const version = await nftVersion();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.nft'))
    .sort()) {
    const json = await inFreshNamespace(async (exec) => {
      await exec(['nft', '-f', join(dir, file)]);
      return exec(['nft', '-j', 'list', 'ruleset']);
    });
    const name = file.replace(/\.nft$/, '.json');
    writeFileSync(join(dir, name), json);
    manifest[name] = {
      loaded: file,
      loadedWith: ['nft', '-f', file],
      argv: ['nft', '-j', 'list', 'ruleset'],
      nft: version,
      capturedAt: new Date().toISOString(),
    };
  }
  writeManifest(dir, manifest);
}

async function captureIptablesNft(): Promise<void> {
  const dir = join(OUT, 'iptables-nft');
  mkdirSync(dir, { recursive: true });
  const restore = readFileSync(join(REPO_ROOT, 'test/fixtures/ip6tables/designed-matches.restore'), 'utf8');
  const [save, json] = await inFreshNamespace(async (exec) => {
    await exec(['ip6tables-restore'], restore);
    return [await exec(['ip6tables-save']), await exec(['nft', '-j', 'list', 'ruleset'])];
  });
  writeFileSync(join(dir, 'designed-matches.ip6tables-save'), save);
  writeFileSync(join(dir, 'designed-matches.nft.json'), json);
  const at = new Date().toISOString();
  const loaded = 'test/fixtures/ip6tables/designed-matches.restore, loaded with ip6tables-restore (iptables-nft)';
  writeManifest(dir, {
    'designed-matches.ip6tables-save': { loaded, argv: ['ip6tables-save'], capturedAt: at },
    'designed-matches.nft.json': { loaded, argv: ['nft', '-j', 'list', 'ruleset'], nft: await nftVersion(), capturedAt: at },
  });
}

async function main(): Promise<void> {
  const availability = labAvailable();
  if (!availability.ok) throw new Error(`cannot capture: ${availability.reason}`);
  const wanted = new Set(process.argv.slice(2));
  const want = (what: string): boolean => wanted.size === 0 || wanted.has(what);
  if (want('moby')) await captureMoby();
  if (want('designed')) await captureDesigned();
  if (want('iptables-nft')) await captureIptablesNft();
  if (want('lab')) await captureLabScenarios(join(OUT, 'lab'));
}

await main();
