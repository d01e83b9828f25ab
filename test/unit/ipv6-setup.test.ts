import { beforeAll, describe, expect, it } from 'vitest';
import { capturedLabFacts } from '../support/captured-facts.js';
import { ipv6SetupWarnings } from '../../src/core/ipv6-setup.js';
import type { Facts } from '../../src/core/types/facts.js';

// The captured lab host: 2001:db8:1234:1::2/64 on eth0, Docker networks 2001:db8:1234:a1:1::/80 and
// a1:2::/80 routed to it (not on its link), forwarding on.
let lab: Facts;
beforeAll(async () => {
  lab = await capturedLabFacts();
});

const withDocker = (facts: Facts, change: Partial<Facts['docker']>): Facts => ({ ...facts, docker: { ...facts.docker, ...change } });
const withHost = (facts: Facts, change: Partial<Facts['host']>): Facts => ({ ...facts, host: { ...facts.host, ...change } });

describe('what the out-of-band design needs, with the fix', () => {
  it('says nothing on the captured lab host (routed global prefix, forwarding on)', () => {
    expect(lab.host.onLinkPrefixes).toEqual(['2001:db8:1234:1::/64']);
    expect(ipv6SetupWarnings(lab)).toEqual([]);
  });

  it('a ULA prefix: unreachable whatever a firewall allows', () => {
    const facts = withDocker(lab, { daemonConfig: { ipv6: true, fixedCidrV6: 'fd00:dead:beef::/64' } });
    expect(ipv6SetupWarnings(facts).join('\n')).toMatch(/fixed-cidr-v6 in \/etc\/docker\/daemon.json uses fd00:dead:beef::\/64, a private \(ULA\) prefix/);
  });

  it('ipv6 without fixed-cidr-v6, and fixed-cidr-v6 without ipv6', () => {
    expect(ipv6SetupWarnings(withDocker(lab, { daemonConfig: { ipv6: true } }))).toEqual([]);
    const onBridge = lab.docker.containers.map((container, index) =>
      index === 0 ? { ...container, networks: [{ name: 'bridge', ipv6: null, ipv4: '172.17.0.2' }] } : container,
    );
    expect(ipv6SetupWarnings(withDocker(lab, { daemonConfig: { ipv6: true }, containers: onBridge })).join('\n')).toMatch(
      /without fixed-cidr-v6, and \S+ use the default bridge/,
    );
    expect(ipv6SetupWarnings(withDocker(lab, { daemonConfig: { fixedCidrV6: '2001:db8:1234:a1:9::/80' } })).join('\n')).toMatch(/not "ipv6": true/);
  });

  it('forwarding off', () => {
    expect(ipv6SetupWarnings(withHost(lab, { ipv6Forwarding: false })).join('\n')).toMatch(/net.ipv6.conf.all.forwarding=1/);
  });

  it("container addresses on the host's own link need NDP proxying, and each address a proxy entry", () => {
    const onLink = withHost(lab, { onLinkPrefixes: ['2001:db8:1234:a1::/64'] });
    expect(ipv6SetupWarnings(onLink).join('\n')).toMatch(/lies inside 2001:db8:1234:a1::\/64[\s\S]*proxy_ndp=1/);
    const proxied = withHost(onLink, { ndpProxy: { enabled: true, proxies: ['2001:db8:1234:a1:1:0:abcd:ab53'] } });
    const text = ipv6SetupWarnings(proxied).join('\n');
    expect(text).toMatch(/no proxy entry answers for 2001:db8:1234:a1:1::2 /);
    expect(text).not.toMatch(/abcd:ab53 \(/);
  });
});
