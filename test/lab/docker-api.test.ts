// Discovery reads Docker through the Engine API on the daemon's socket, and the docker CLI is the
// fallback: against a live lab daemon (Docker 20.10 and 28.5.2) both ways must find the same facts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { DockerFacts } from '../../src/core/types/facts.js';
import { docker28Root, skipDocker28 } from './docker28.js';
import { LAB_ADDRESSES, REPO_ROOT, skipLab, startLab, type Lab, type LabOptions } from './harness.js';

const skip = skipLab();

interface ProbeOutput {
  apiFacts: DockerFacts;
  cliFacts: DockerFacts;
  apiPaths: string[];
  apiDockerProcesses: string[];
  cliDockerProcesses: string[];
}

async function probe(lab: Lab): Promise<ProbeOutput> {
  const result = await lab.inServer([process.execPath, '--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'test/lab/docker-api-probe.ts')], {
    timeoutMs: 120_000,
  });
  if (result.exitCode !== 0) throw new Error(`docker-api probe failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as ProbeOutput;
}

/** ip6tables-save stamps its output with the time it ran: everything else must match exactly. */
const withoutSaveTime = (facts: DockerFacts) => ({ ...facts, ip6tablesSave: facts.ip6tablesSave?.replace(/^# (Generated|Completed) .*$/gm, '') });

function scenario(title: string, options: () => Promise<LabOptions>, routed: boolean, skipIt: boolean): void {
  describe.skipIf(skipIt)(title, () => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await startLab(await options());
      await lab.createNetwork({ name: 'v6net', subnet6: LAB_ADDRESSES.containerSubnet });
      await lab.runContainer({ name: 'web', network: 'v6net', ip6: '2001:db8:1234:a1:1::10', publish: ['8081:80'] });
      await lab.runContainer({ name: 'plain', network: 'v6net', expose: ['9000'] });
      await lab.runContainer({ name: 'udp', network: 'v6net', publish: ['5353:53/udp'] });
      // Stopped, not removed: both readings must list it with its ports (the API needs all=1 for it).
      await lab.runContainer({ name: 'idle', network: 'v6net', publish: ['8082:80'], stopped: true });
      if (routed) {
        await lab.createNetwork({
          name: 'routednet',
          subnet6: '2001:db8:1234:a1:2::/80',
          options: { 'com.docker.network.bridge.gateway_mode_ipv6': 'routed' },
        });
        await lab.runContainer({ name: 'routed-web', network: 'routednet', ip6: '2001:db8:1234:a1:2::10', publish: ['80'] });
      }
    }, 240_000);
    afterAll(async () => {
      await lab?.teardown();
    }, 120_000);

    it("finds the same containers (stopped ones too), ports, listeners, networks and version through the API as through the docker CLI, with four requests (the fourth, /info, gives the daemon's firewall backend, which the CLI's calls do not), one inspect per running container and no docker process", async () => {
      const { apiFacts, cliFacts, apiPaths, apiDockerProcesses, cliDockerProcesses } = await probe(lab);
      expect(apiFacts.available).toBe(true);
      expect(apiFacts.containers.map((c) => c.name)).toEqual(routed ? ['idle', 'plain', 'routed-web', 'udp', 'web'] : ['idle', 'plain', 'udp', 'web']);
      expect(apiFacts.containers.find((c) => c.name === 'idle')?.state).not.toBe('running');
      const { firewallBackendInfo, ...sameAsCli } = apiFacts;
      // Docker 28.5 names its firewall backend in /info; 20.10 (before 28.1) answers without the field.
      expect(firewallBackendInfo).toBe(routed ? 'iptables' : null);
      expect(withoutSaveTime(sameAsCli)).toEqual(withoutSaveTime(cliFacts));
      // Both read what listens: web's httpd on 80, seen as listening.
      expect(apiFacts.containers.find((c) => c.name === 'web')?.ports.find((p) => p.port === 80)?.listening).toBe(true);
      // What listens inside a running container is read through its main process, which only
      // the container's own inspect names: one request each, none for a stopped container.
      const running = apiFacts.containers.filter((c) => c.state === 'running');
      const inspects = running.map((c) => `/containers/${c.id}/json`);
      expect(apiPaths.sort()).toEqual(['/containers/json?all=1', '/info', '/networks', '/version', ...inspects].sort());
      expect(apiDockerProcesses).toEqual([]);
      expect(cliDockerProcesses.length).toBe(5);
    });
  });
}

scenario('Docker 20.10, ip6tables on', async () => ({ docker: { experimental: true, ip6tables: true } }), false, skip);
scenario('Docker 28.5.2, nat and routed networks', async () => ({ docker: { unpackedRoot: await docker28Root() } }), true, skip || skipDocker28());
