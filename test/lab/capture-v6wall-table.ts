/**
 * Captures, from a real Docker 28.5 lab (re-runnable, needs root, under the lab lock; run
 * `npm run build` first):
 *   npx tsx test/lab/capture-v6wall-table.ts
 * - test/fixtures/nftables/v6wall/lab-applied.json: `nft -j list ruleset` on the lab host after
 *   `v6wall apply --backend nftables` and `v6wall confirm`, with the containers, names and
 *   addresses of docker/v28-nat-and-routed (what test/support/captured-facts.ts replays), UFW
 *   installed but inactive: the live table a re-run reads its openings from, next to Docker's
 *   own (iptables-nft) tables;
 * - test/fixtures/docker/api/v28-info/: the Engine API's GET /info body of Docker 28.5.2 with its
 *   firewall on (the default) and off ("iptables": false, "ip6tables": false, as the emulation of
 *   Docker 29's nftables backend starts it).
 * Each folder's captured.json names the argv.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_ADDRESSES, REPO_ROOT, labAvailable, startLab, type Lab } from './harness.js';
import { docker28Root } from './docker28.js';

const FIXTURES = join(REPO_ROOT, 'test/fixtures');

function record(dir: string, file: string, entry: Record<string, unknown>): void {
  const manifest = join(dir, 'captured.json');
  let previous: Record<string, unknown> = {};
  try {
    previous = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, unknown>;
  } catch {
    // first capture
  }
  writeFileSync(manifest, `${JSON.stringify({ ...previous, [file]: { ...entry, capturedAt: new Date().toISOString() } }, null, 2)}\n`);
}

async function must(lab: Lab, argv: string[]): Promise<string> {
  const result = await lab.inServer(argv, { timeoutMs: 120_000 });
  if (result.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (${result.exitCode}): ${result.stderr}${result.stdout}`);
  return result.stdout;
}

async function captureInfo(lab: Lab, file: string, daemonJson: string): Promise<void> {
  const dir = join(FIXTURES, 'docker/api/v28-info');
  mkdirSync(dir, { recursive: true });
  const socket = (lab.dockerHost ?? '').replace(/^unix:\/\//, '');
  writeFileSync(join(dir, file), await must(lab, ['curl', '-sS', '--fail', '--unix-socket', socket, 'http://docker/info']));
  record(dir, file, { argv: ['curl', '--unix-socket', '/var/run/docker.sock', 'http://docker/info'], docker: '28.5.2', daemonJson });
}

async function captureAppliedTable(lab: Lab): Promise<void> {
  await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
  await lab.createNetwork({ name: 'v4net' });
  await lab.createNetwork({ name: 'routednet', subnet6: '2001:db8:1234:a1:2::/80', options: { 'com.docker.network.bridge.gateway_mode_ipv6': 'routed' } });
  await lab.runContainer({ name: 'web6', network: 'v6net', ip6: '2001:db8:1234:a1:1:0:abcd:ab53', publish: ['8081:80'] });
  await lab.runContainer({ name: 'exposed-only', network: 'v6net', expose: ['9000'] });
  await lab.runContainer({ name: 'v4only', network: 'v4net', publish: ['8082:80'] });
  await lab.runContainer({ name: 'stopped', network: 'v6net', stopped: true, publish: ['8083:80'] });
  await lab.runContainer({ name: 'routed-web', network: 'routednet', ip6: '2001:db8:1234:a1:2::10', publish: ['8084:80'] });
  const stateDir = join(lab.dir, 'v6wall-capture-state');
  const selection = ['--backend', 'nftables', '--route', 'routed-web:80@2001:db8:abcd::/48', '--publish', 'web6:8081'];
  const applied = await lab.runV6wall(['apply', ...selection, '--yes', '--state-dir', stateDir, '--confirm-timeout', '120']);
  const code = /v6wall confirm (\S+)/.exec(applied.stdout)?.[1];
  if (applied.exitCode !== 0 || code === undefined) throw new Error(`apply failed: ${applied.stderr}${applied.stdout}`);
  await must(lab, [process.execPath, join(REPO_ROOT, 'dist/v6wall.js'), 'confirm', code, '--state-dir', stateDir]);
  const dir = join(FIXTURES, 'nftables/v6wall');
  writeFileSync(join(dir, 'lab-applied.json'), await must(lab, ['nft', '-j', 'list', 'ruleset']));
  record(dir, 'lab-applied.json', {
    argv: ['nft', '-j', 'list', 'ruleset'],
    after: [`v6wall apply ${selection.join(' ')} --yes`, 'v6wall confirm CODE'],
    host: 'Docker 28.5.2 lab, the networks and containers of docker/v28-nat-and-routed, UFW installed and inactive',
    nft: (await must(lab, ['nft', '--version'])).trim(),
  });
}

async function main(): Promise<void> {
  const availability = labAvailable();
  if (!availability.ok) throw new Error(`cannot capture: ${availability.reason}`);
  const unpackedRoot = await docker28Root();
  const lab = await startLab({ docker: { unpackedRoot }, privateDirs: ['/etc'] });
  try {
    await captureInfo(lab, 'api-info.json', 'none (the firewall on, as by default)');
    await captureAppliedTable(lab);
  } finally {
    console.log('teardown problems:', await lab.teardown());
  }
  const off = await startLab({ docker: { unpackedRoot, daemonJson: { iptables: false, ip6tables: false } }, sshd: false });
  try {
    await captureInfo(off, 'api-info-firewall-off.json', '{"iptables": false, "ip6tables": false}');
  } finally {
    console.log('teardown problems:', await off.teardown());
  }
}

await main();
