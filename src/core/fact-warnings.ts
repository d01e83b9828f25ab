import type { Facts } from './types/facts.js';
import { ipv6SetupWarnings } from './ipv6-setup.js';

/** Every plain-words warning discovery produced, SSH first. */
export function factWarnings(facts: Facts): string[] {
  return [...facts.ssh.warnings, ...facts.ufw.warnings, ...facts.docker.warnings, ...ipv6SetupWarnings(facts)];
}
