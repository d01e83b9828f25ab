// The flags `v6wall plan` and `v6wall apply` share to say what to open.
import type { SelectionFlags } from '../core/choices.js';
import { parseSshPortFlag } from '../core/choices.js';

export const selectionOptions = {
  'ssh-port': { type: 'string', multiple: true },
  route: { type: 'string', multiple: true },
  publish: { type: 'string', multiple: true },
  'remove-stale': { type: 'boolean' },
} as const;

export const selectionHelp = `Selection:
  --ssh-port N|auto         SSH port to keep open (repeatable; default: auto = every detected port)
  --route NAME:PORT[/tcp|/udp]
                            open the container's own IPv6 address on its port (repeatable)
  --publish NAME:HOSTPORT[/tcp|/udp]
                            open a host port the container publishes (repeatable)
  --remove-stale            remove v6wall's rules for containers that are gone or have a new address`;

export interface SelectionValues {
  'ssh-port'?: string[];
  route?: string[];
  publish?: string[];
  'remove-stale'?: boolean;
}

/** Turns parsed option values into SelectionFlags, or a message naming the bad value. */
export function toSelectionFlags(values: SelectionValues): SelectionFlags | string {
  const sshPorts: (number | 'auto')[] = [];
  for (const text of values['ssh-port'] ?? []) {
    const port = parseSshPortFlag(text);
    if (port === null) return `--ssh-port ${text}: expected a port (1-65535) or "auto"`;
    sshPorts.push(port);
  }
  return { sshPorts, route: values.route ?? [], publish: values.publish ?? [], removeStale: values['remove-stale'] ?? false };
}
