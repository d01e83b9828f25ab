/**
 * A systemd lab to look around in by hand: `sudo npx tsx test/lab/systemd/try.ts` boots the cached
 * Debian 12 root under systemd-nspawn in a lab namespace, prints how to get in (a shell through
 * nsenter, or SSH from the client namespace), and tears it all down on Ctrl-C, SIGTERM or end of input.
 */
import { cleanupStaleLabs } from '../harness.js';
import { LAB_WEB_PORT, SYSTEMD_LAB_ADDRESS, startSystemdLab, systemdLabUnavailable } from './harness.js';

const unavailable = systemdLabUnavailable();
if (unavailable !== null) {
  console.error(`systemd lab: ${unavailable}`);
  process.exit(1);
}
await cleanupStaleLabs();
const lab = await startSystemdLab();
const boot = lab.bootReports[0];
console.log(
  [
    `systemd lab ${lab.id} is up: boot ${boot?.ms} ms, ${boot?.state}${boot?.failedUnits.length ? ` (failed: ${boot.failedUnits.join(', ')})` : ''}`,
    `  a root shell inside:  nsenter -t ${lab.leader()} -a bash   (the leader changes on reboot)`,
    `  SSH from the client:  nsenter --net=/var/run/netns/${lab.clientNs} ssh -F /dev/null -i ${lab.net.paths.sshClientKey} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@${SYSTEMD_LAB_ADDRESS}`,
    `  probe:                nsenter --net=/var/run/netns/${lab.clientNs} nc -z -w2 ${SYSTEMD_LAB_ADDRESS} ${LAB_WEB_PORT}`,
    `  inside: v6wall ..., systemctl ..., ufw ...; state in the container's /var/lib/v6wall; files under ${lab.dir}/systemd/upper`,
    'Ctrl-C (or SIGTERM, or end of input) tears it down.',
  ].join('\n'),
);
let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  const problems = await lab.teardown();
  console.log(problems.length === 0 ? 'torn down' : `torn down with problems:\n${problems.join('\n')}`);
  process.exit(problems.length === 0 ? 0 : 1);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
