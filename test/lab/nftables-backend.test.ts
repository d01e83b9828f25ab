// The nftables backend on a real host (the lab): `--backend nftables` with Docker 20.10 (its IPv6
// rules off, docker-proxy serves published ports) and Docker 28.5 (its own ip6tables rules, nat
// network): SSH stays open, each opening is reachable from its source only, everything else to
// the host and the containers is refused, containers still connect out, and a rollback gives
// back the ruleset from before the apply exactly (`nft -s list ruleset`, counters aside). The
// lab's /etc is a private overlay, so /etc/v6wall and the unit land in the lab's folder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_ADDRESSES, LAB_SSH_PORT, skipLab, startLab, type Lab, type LabOptions } from './harness.js';
import { DOCKER28_ROOT, skipDocker28 } from './docker28.js';
import { confirmOverNewLogin } from './steps.js';

const server = LAB_ADDRESSES.server;
const client = LAB_ADDRESSES.client;
const address = { web: '2001:db8:1234:a1:1::10', api: '2001:db8:1234:a1:1::11', db: '2001:db8:1234:a1:1::12' };
/** A source the client is not in. */
const ELSEWHERE = '2001:db8:ffff::/48';
const EGRESS_PORT = 9000;

interface Variant {
  name: string;
  docker: LabOptions['docker'];
  skip: boolean;
  /** How api's published port 8082 is opened: the host port (docker-proxy) or, where Docker DNATs it, its container port. */
  publishedAtHost: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'Docker 20.10 (IPv6 rules off, docker-proxy)', docker: {}, skip: skipLab(), publishedAtHost: true },
  {
    name: 'Docker 28.5 (its own ip6tables rules, nat network)',
    docker: { unpackedRoot: DOCKER28_ROOT },
    skip: skipLab() || skipDocker28(),
    publishedAtHost: false,
  },
];

for (const variant of VARIANTS) {
  describe.skipIf(variant.skip)(`--backend nftables on ${variant.name}`, () => {
    let lab: Lab;
    let stateDir: string;
    let before: string;
    let listener: ChildProcess | undefined;

    const ruleset = async (): Promise<string> => (await lab.inServer(['nft', '-s', 'list', 'ruleset'])).stdout;
    const egress = async (): Promise<'open' | 'blocked'> =>
      (await lab.docker(['exec', 'web', 'nc', '-w', '2', client, String(EGRESS_PORT)], { timeoutMs: 15_000 })).exitCode === 0 ? 'open' : 'blocked';

    beforeAll(async () => {
      lab = await startLab({ docker: variant.docker, privateDirs: ['/etc'] });
      stateDir = join(lab.dir, 'v6wall-state');
      await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
      await lab.runContainer({ name: 'web', network: 'v6net', ip6: address.web, publish: ['8081:80'] });
      await lab.runContainer({ name: 'api', network: 'v6net', ip6: address.api, publish: ['8082:80'] });
      await lab.runContainer({ name: 'db', network: 'v6net', ip6: address.db, publish: ['8083:80'] });
      listener = spawn('nsenter', [`--net=/var/run/netns/${lab.clientNs}`, 'nc', '-6', '-lk', String(EGRESS_PORT)], { stdio: 'ignore' });
      before = await ruleset();
    }, 180_000);
    afterAll(async () => {
      listener?.kill();
      await lab?.teardown();
    });

    it('applies one nft script, confirmed from a new SSH session: SSH, each opening from its source only, nothing else; egress kept', async () => {
      const openings = variant.publishedAtHost
        ? ['--route', `web:80@${client}`, '--route', `db:80@${ELSEWHERE}`, '--publish', 'api:8082']
        : ['--publish', `web:8081@${client}`, '--publish', `db:8083@${ELSEWHERE}`, '--publish', 'api:8082'];
      const applied = await lab.runV6wall(['apply', '--backend', 'nftables', ...openings, '--yes', '--state-dir', stateDir, '--confirm-timeout', '120']);
      expect(applied.stderr).toBe('');
      expect(applied.exitCode, applied.stdout).toBe(0);
      expect(applied.stdout).toContain('nft -f /dev/stdin');
      const code = /v6wall confirm (\S+)/.exec(applied.stdout)?.[1];
      await confirmOverNewLogin(lab, code ?? 'none', stateDir);

      expect(await lab.probeTcp(server, LAB_SSH_PORT)).toBe('open');
      if (variant.publishedAtHost) {
        expect(await lab.probeHttp(address.web, 80)).toBe('open'); // route from the client's own address
        expect(await lab.probeTcp(address.db, 80)).toBe('blocked'); // route from elsewhere only
        expect(await lab.probeHttp(server, 8082)).toBe('open'); // published (docker-proxy), from anywhere
        expect(await lab.probeTcp(server, 8081)).toBe('blocked'); // published, not chosen
        expect(await lab.probeTcp(address.api, 80)).toBe('blocked'); // api only through its host port
      } else {
        expect(await lab.probeHttp(server, 8081)).toBe('open'); // published, from the client's own address
        expect(await lab.probeTcp(server, 8083)).toBe('blocked'); // published, from elsewhere only
        expect(await lab.probeHttp(server, 8082)).toBe('open'); // published, from anywhere
        expect(await lab.probeTcp(address.api, 80)).toBe('blocked'); // not straight to the container
      }
      expect(await lab.probeTcp(server, 8084)).toBe('blocked');
      expect(await egress()).toBe('open');

      // Docker's own tables are untouched: only table inet v6wall was added.
      const after = await ruleset();
      expect(after).toContain('table inet v6wall {');
      expect(after.replace(/table inet v6wall \{[\s\S]*?\n\}\n/, '')).toBe(before);
      const persisted = join(lab.paths.private['/etc'] ?? '', 'v6wall/v6wall.nft');
      expect(existsSync(persisted)).toBe(true);
      expect(readFileSync(persisted, 'utf8')).toContain('table inet v6wall {');
      // The unit is written; systemctl enable links it only where systemd runs (not in this lab).
      expect(readFileSync(join(lab.paths.private['/etc'] ?? '', 'systemd/system/v6wall-nftables.service'), 'utf8')).toContain(
        'ExecStart=/usr/sbin/nft -f /etc/v6wall/v6wall.nft',
      );
    }, 240_000);

    it('a second run reads the openings in the live table (UFW installed, no --backend): it keeps them, and with nothing new has nothing to do', async () => {
      const planned = await lab.runV6wall(['plan']);
      expect(planned.stderr).toBe('');
      expect(planned.exitCode, planned.stdout).toBe(0);
      expect(planned.stdout).toContain('Nothing to do: every step is already in place.');
      const open = planned.stdout.slice(planned.stdout.indexOf('Open after this plan'));
      if (variant.publishedAtHost) {
        expect(open).toContain(`web 80/tcp (route) from ${client}`);
        expect(open).toContain(`db 80/tcp (route) from ${ELSEWHERE}`);
        expect(open).toContain('api 8082/tcp (publish) from any');
      } else {
        expect(open).toContain(`web 8081/tcp (publish) from ${client}`);
        expect(open).toContain(`db 8083/tcp (publish) from ${ELSEWHERE}`);
        expect(open).toContain('api 8082/tcp (publish) from any');
      }
      // Named again, an opening in place is neither added twice nor closed; the guided re-run starts from them all.
      const again = await lab.runV6wall([
        'plan',
        '--json',
        '--exact',
        ...(variant.publishedAtHost ? ['--route', `web:80@${client}`] : ['--publish', `web:8081@${client}`]),
      ]);
      const steps = (JSON.parse(again.stdout) as { steps: { satisfied: boolean; input?: string }[] }).steps;
      expect(steps.filter((step) => !step.satisfied).length).toBeGreaterThan(0);
      const script = steps.find((step) => step.input !== undefined)?.input ?? '';
      expect(script.match(/comment "v6wall (route|publish) web /g)?.length).toBe(1);
      expect(script).not.toContain('v6wall publish api');
      const status = (await lab.runV6wall(['status'])).stdout;
      expect(status).toContain("Firewall: v6wall's own nftables table (table inet v6wall), loaded");
      expect(status).toContain('# v6wall publish api 80/tcp host 8082');
    }, 120_000);

    it('rollback restores the ruleset before the apply exactly', async () => {
      const status = await lab.runV6wall(['rollback', '--state-dir', stateDir]);
      expect(status.stderr).toBe('');
      expect(status.exitCode).toBe(0);
      expect(await ruleset()).toBe(before);
      expect(existsSync(join(lab.paths.private['/etc'] ?? '', 'v6wall/v6wall.nft'))).toBe(false);
      expect(await lab.probeTcp(server, LAB_SSH_PORT)).toBe('open');
      expect(await egress()).toBe('open');
    }, 120_000);
  });
}
