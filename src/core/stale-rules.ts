// Rules v6wall added earlier whose container is gone or was recreated with
// another address: the guided re-run offers to remove them.
import type { Facts } from './types/facts.js';
import { managedRules, staleReason, type ManagedRule } from './managed-rules.js';
import { backendOf } from './backend.js';

export interface StaleRule extends ManagedRule {
  reason: string;
}

/**
 * Stale v6wall rules, one entry per ufw command (a dual-stack rule is one entry). None on the
 * nftables backend: its table is written whole on every apply from the openings that still
 * fit, so a gone container's rule is not carried over and a recreated one's names its new
 * address; there is nothing to choose.
 */
export function staleRules(facts: Facts): StaleRule[] {
  if (!facts.docker.available || backendOf(facts).kind === 'nftables') return [];
  return managedRules(facts.ufw.rules).flatMap((managed) => {
    const reason = staleReason(facts, managed);
    return reason === null ? [] : [{ ...managed, reason }];
  });
}
