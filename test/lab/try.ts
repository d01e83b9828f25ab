/**
 * Try v6wall without a spare server: `sudo npm run lab` (or `sudo npm run lab -- plan --route web:80`).
 * Brings up a lab (a server namespace with real UFW, dockerd, sshd on 2222 and a few containers,
 * and a client namespace playing the internet), runs v6wall inside the server namespace with your
 * terminal, shows what the internet can reach afterwards, and tears everything down on exit.
 * `--shell` opens a shell in the server namespace instead of v6wall.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { LAB_ADDRESSES, LAB_SSH_PORT, V6WALL_JS, cleanupStaleLabs, labAvailable, startLab, type Lab } from './harness.js';
import { run } from './exec.js';

const SAMPLE = {
  web: '2001:db8:1234:a1:1::10',
  api: '2001:db8:1234:a1:1::11',
  db: '2001:db8:1234:a1:1::12',
} as const;

async function addSampleContainers(lab: Lab): Promise<void> {
  await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
  await lab.createNetwork({ name: 'legacy' });
  await lab.runContainer({ name: 'web', network: 'v6net', ip6: SAMPLE.web, publish: ['8081:80'] });
  await lab.runContainer({ name: 'api', network: 'v6net', ip6: SAMPLE.api, publish: ['8082:80'] });
  await lab.runContainer({ name: 'db', network: 'v6net', ip6: SAMPLE.db, expose: ['5432'], command: ['httpd', '-f', '-p', '5432', '-h', '/www'] });
  await lab.runContainer({ name: 'old-app', network: 'legacy', publish: ['8083:80'] });
}

function usage(lab: Lab): string {
  const client = `nsenter --net=/var/run/netns/${lab.clientNs}`;
  return [
    '',
    `v6wall lab ${lab.id} is up (torn down when this command ends).`,
    `  server ${LAB_ADDRESSES.server}: sshd on ${LAB_SSH_PORT}, UFW inactive, Docker with containers:`,
    `    web  ${SAMPLE.web} port 80, published on 8081`,
    `    api  ${SAMPLE.api} port 80, published on 8082`,
    `    db   ${SAMPLE.db} port 5432, not published`,
    '    old-app  IPv4-only network, published on 8083',
    `  the internet is ${LAB_ADDRESSES.client} (namespace ${lab.clientNs}); from another terminal:`,
    `    ${client} curl -6 -m2 http://[${SAMPLE.web}]/`,
    `    ${client} nc -z -w2 ${LAB_ADDRESSES.server} ${LAB_SSH_PORT} && echo ssh open`,
    `    ${client} ssh -i ${lab.paths.sshClientKey} -p ${LAB_SSH_PORT} root@${LAB_ADDRESSES.server}`,
    '  to confirm an apply, from another terminal (a NEW SSH session, as root: no sudo; `v6wall` there is this build):',
    `    ${client} ssh -i ${lab.paths.sshClientKey} -p ${LAB_SSH_PORT} root@${LAB_ADDRESSES.server} v6wall confirm CODE --state-dir ${lab.paths.stateDir}`,
    `  v6wall's state (snapshots, transcripts) lives in ${lab.paths.stateDir}, never in /var/lib/v6wall;`,
    `  UFW's files in ${dirname(lab.paths.ufwEtc)}, never in /etc/ufw. Both go with the lab.`,
    `  a shell on the server: ${lab
      .serverArgv(['bash'])
      .map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`))
      .join(' ')}`,
    `    (with DOCKER_HOST=${lab.dockerHost ?? ''})`,
    '',
  ].join('\n');
}

async function reachabilityReport(lab: Lab): Promise<string> {
  const checks: [string, Promise<string>][] = [
    [`ssh ${LAB_ADDRESSES.server}:${LAB_SSH_PORT}`, lab.probeTcp(LAB_ADDRESSES.server, LAB_SSH_PORT)],
    [`web direct [${SAMPLE.web}]:80`, lab.probeHttp(SAMPLE.web, 80)],
    [`web published [${LAB_ADDRESSES.server}]:8081`, lab.probeHttp(LAB_ADDRESSES.server, 8081)],
    [`api direct [${SAMPLE.api}]:80`, lab.probeHttp(SAMPLE.api, 80)],
    [`api published [${LAB_ADDRESSES.server}]:8082`, lab.probeHttp(LAB_ADDRESSES.server, 8082)],
    [`db direct [${SAMPLE.db}]:5432`, lab.probeTcp(SAMPLE.db, 5432)],
    [`old-app published [${LAB_ADDRESSES.server}]:8083`, lab.probeHttp(LAB_ADDRESSES.server, 8083)],
  ];
  const lines = await Promise.all(checks.map(async ([what, result]) => `  ${(await result).padEnd(8)} ${what}`));
  return ['What the internet (client namespace) reaches now:', ...lines].join('\n');
}

async function main(): Promise<number> {
  const availability = labAvailable();
  if (!availability.ok) {
    console.error(`v6wall lab: ${availability.reason}`);
    return 1;
  }
  const args = process.argv.slice(2);
  const shell = args[0] === '--shell';
  if (!shell && !existsSync(V6WALL_JS)) {
    console.error(`v6wall lab: ${V6WALL_JS} is missing; run \`npm run build\` first (npm run lab does).`);
    return 1;
  }
  const stale = await cleanupStaleLabs();
  if (stale.length > 0) console.error(`(removed ${stale.length} lab(s) left by earlier runs)`);

  const started = performance.now();
  console.error('Bringing the lab up...');
  const lab = await startLab();
  let exitCode = 1;
  const teardown = async () => {
    const problems = await lab.teardown();
    console.error(problems.length === 0 ? `Lab ${lab.id} torn down.` : `Lab ${lab.id} teardown problems:\n${problems.join('\n')}`);
  };
  // While v6wall owns the terminal, Ctrl-C is its business; a kill of this process still tears down.
  const ignore = () => {};
  // A closed terminal (SIGHUP) makes writes fail with EIO; that must not abort the teardown.
  process.stdout.on('error', ignore);
  process.stderr.on('error', ignore);
  process.on('SIGINT', ignore);
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      void teardown().finally(() => process.exit(128 + (signal === 'SIGTERM' ? 15 : 1)));
    });
  }
  try {
    await addSampleContainers(lab);
    console.error(`(lab up in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
    console.error(usage(lab));
    const argv = shell ? lab.serverArgv(['bash']) : lab.v6wallArgv(args);
    // The lab's SSH sessions log in as root: the wizard's confirm line then has no sudo.
    const result = await run(argv, { inherit: true, env: { ...lab.env, SUDO_USER: '', CI: 'false', TERM: process.env.TERM ?? 'xterm-256color' } });
    exitCode = result.exitCode;
    console.error(`\n${shell ? 'shell' : 'v6wall'} exited with ${exitCode}.`);
    console.error(await reachabilityReport(lab));
  } finally {
    await teardown();
    process.off('SIGINT', ignore);
  }
  return exitCode;
}

process.exit(await main());
