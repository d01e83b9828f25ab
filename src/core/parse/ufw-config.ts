import type { UfwPolicies, UfwPolicy } from '../types/facts.js';
import { type Parsed, splitLines } from './parsed.js';

/** KEY=value lines as ufw reads them: keys lowercased, values lowercased and unquoted. */
function readAssignments(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of splitLines(text)) {
    const match = /^(\w+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    const [, key = '', value = ''] = match;
    values.set(
      key.toLowerCase(),
      value
        .trim()
        .replace(/^["']|["']$/g, '')
        .toLowerCase(),
    );
  }
  return values;
}

const POLICY_BY_TARGET: Readonly<Record<string, UfwPolicy>> = { accept: 'allow', drop: 'deny', reject: 'reject' };

export interface UfwDefaults {
  /** Policies as configured in the file (ufw's own "disabled (routed)" depends on sysctls, see HostFacts). */
  policies: UfwPolicies;
  /** IPV6=yes (a missing line means no, as for ufw). */
  ipv6: boolean;
}

/**
 * /etc/default/ufw. A missing or unknown policy is read as deny (what ufw
 * itself falls back to) and reported.
 */
export function parseUfwDefaults(text: string): Parsed<UfwDefaults> {
  const values = readAssignments(text);
  const warnings: string[] = [];
  const policy = (key: string, label: string): UfwPolicy => {
    const target = values.get(key);
    const known = target !== undefined && Object.hasOwn(POLICY_BY_TARGET, target) ? POLICY_BY_TARGET[target] : undefined;
    if (known !== undefined) return known;
    warnings.push(
      target === undefined
        ? `/etc/default/ufw has no ${key.toUpperCase()}: ufw refuses to start without it.`
        : `/etc/default/ufw sets ${key.toUpperCase()}="${target}", which ufw does not accept (ACCEPT, DROP or REJECT) for ${label}.`,
    );
    return 'deny';
  };
  const policies: UfwPolicies = {
    incoming: policy('default_input_policy', 'incoming'),
    outgoing: policy('default_output_policy', 'outgoing'),
    routed: policy('default_forward_policy', 'routed'),
  };
  const ipv6Text = values.get('ipv6');
  const ipv6 = ipv6Text === 'yes';
  if (!ipv6) {
    warnings.push(
      `IPV6=${ipv6Text ?? '(missing)'} in /etc/default/ufw: ufw ignores every IPv6 rule, and enabling or reloading it flushes ip6tables (Docker's IPv6 chains too). Set IPV6=yes, then run "ufw disable" and "ufw enable".`,
    );
  }
  return { value: { policies, ipv6 }, warnings };
}

/** /etc/ufw/ufw.conf: the firewall starts at boot (and is active) when ENABLED=yes. */
export function parseUfwConf(text: string): boolean {
  return readAssignments(text).get('enabled') === 'yes';
}

/** `ufw version` prints "ufw 0.36.2" first. */
export function parseUfwVersion(stdout: string): string | null {
  const match = /^ufw\s+(\d+(?:\.\d+)*\S*)/m.exec(stdout);
  return match?.[1] ?? null;
}
