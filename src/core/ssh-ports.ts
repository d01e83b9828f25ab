import type { ChoiceError, Choices } from './types/choices.js';
import type { Facts, SshFacts } from './types/facts.js';
import { isValidPort } from './port.js';

export interface RequiredSshPort {
  port: number;
  reason: string;
}

const REASONS = { session: 'your current SSH session', listener: 'sshd listens on it', 'sshd-config': 'sshd config' } as const;

/**
 * The SSH ports a plan must allow: the operator's own session and every port
 * sshd listens on. Config alone counts only when nothing live could be seen
 * (socket activation can make config and listener disagree).
 */
export function requiredSshPorts(ssh: SshFacts): RequiredSshPort[] {
  const live = ssh.evidence.filter((evidence) => evidence.source !== 'sshd-config');
  const chosen = live.length > 0 ? live : ssh.evidence;
  const byPort = new Map<number, string[]>();
  for (const evidence of chosen) {
    const reasons = byPort.get(evidence.port) ?? [];
    const reason = REASONS[evidence.source];
    if (!reasons.includes(reason)) reasons.push(reason);
    byPort.set(evidence.port, reasons);
  }
  if (ssh.sessionPort !== null && !byPort.has(ssh.sessionPort)) byPort.set(ssh.sessionPort, [REASONS.session]);
  return [...byPort.entries()].sort(([a], [b]) => a - b).map(([port, reasons]) => ({ port, reason: reasons.join(', ') }));
}

/** What is wrong with the chosen SSH ports, whatever the firewall: not ports, none, or a port in use left out. */
export function sshPortErrors(facts: Facts, choices: Choices): ChoiceError[] {
  const errors: ChoiceError[] = [];
  for (const port of choices.sshPorts) {
    if (!isValidPort(port)) errors.push({ choice: `--ssh-port ${port}`, message: `${port} is not a port (1-65535)` });
  }
  if (choices.sshPorts.length === 0) {
    errors.push({ choice: '--ssh-port', message: 'no SSH port is known: pass --ssh-port N so the firewall never shuts you out' });
  }
  for (const required of requiredSshPorts(facts.ssh)) {
    if (!choices.sshPorts.includes(required.port)) {
      errors.push({
        choice: '--ssh-port',
        message: `SSH port ${required.port} is in use (${required.reason}) but would not be allowed: add --ssh-port ${required.port}`,
      });
    }
  }
  return errors;
}
