// The flags `v6wall plan` and `v6wall apply` share to say what to open and close.
import type { SelectionFlags } from '../core/choices.js';
import { parseSshPortFlag } from '../core/choices.js';

export interface SelectionValues {
  'ssh-port'?: string[];
  route?: string[];
  publish?: string[];
  close?: string[];
  exact?: boolean;
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
  return {
    sshPorts,
    route: values.route ?? [],
    publish: values.publish ?? [],
    close: values.close ?? [],
    exact: values.exact ?? false,
    removeStale: values['remove-stale'] ?? false,
  };
}
