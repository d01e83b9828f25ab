// The host's problems in plain words, for the discovery summary.
import type { Facts } from '../core/types/facts.js';
import { dockerFirewallMode } from '../core/docker-mode.js';
import { backendOf } from '../core/backend.js';
import { ipv6SetupWarnings } from '../core/ipv6-setup.js';

export interface HostWarning {
  text: string;
  /** Something that blocks v6wall or risks a lockout, not just a remark. */
  loud: boolean;
}

export function discoveryWarnings(facts: Facts): HostWarning[] {
  const warnings: HostWarning[] = [];
  const add = (text: string, loud = false): void => void warnings.push({ text, loud });
  if (!facts.host.root) add('You are not root: v6wall can look and preview, but applying needs `sudo v6wall`.', true);
  const ufwDrives = backendOf(facts).kind === 'ufw';
  if (ufwDrives && !facts.ufw.installed)
    add(
      `UFW is not installed, and nft cannot read the ruleset here: ${facts.ufw.installHint ?? 'install the ufw package'} (or the nftables package, for v6wall's own nftables table).`,
      true,
    );
  if (ufwDrives && facts.ufw.ipv6 === false) {
    add("UFW has IPV6=no in /etc/default/ufw: it would ignore every IPv6 rule and wipe Docker's IPv6 chains when enabled. Set IPV6=yes first.", true);
  }
  if (facts.ufw.installed && facts.ufw.ipv6 === null) add('Could not read IPV6= from /etc/default/ufw.');
  if (!facts.docker.available) {
    const reason = (facts.docker.reason ?? 'it could not be reached').replace(/\.$/, '');
    add(`No Docker: ${reason}. Only SSH and the default policies will be set.`);
  } else {
    const mode = dockerFirewallMode(facts.docker, backendOf(facts).kind);
    if (ufwDrives && mode.kind === 'ip6tables-on-no-docker-user') {
      add(
        "Docker's own IPv6 rules let published ports past UFW, and this Docker has no IPv6 DOCKER-USER chain to put UFW in front: UFW cannot close published ports here.",
        true,
      );
    }
    for (const text of mode.warnings) add(text);
  }
  if (facts.ssh.sessionPort === null) add('Could not tell which port your own SSH session uses: check the SSH list on the next screen.');
  for (const text of [...facts.ufw.warnings, ...facts.docker.warnings, ...facts.ssh.warnings, ...ipv6SetupWarnings(facts)]) add(text);
  return warnings;
}
