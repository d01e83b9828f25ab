// v6wall's openings already in place, read from the firewall v6wall drives here: UFW's rules, or
// its own nftables table. Every reader of "what is open now" (the re-run's rows, status, the
// proof, the planners, the exports) goes through here, so none of them reads UFW's rules while
// the nftables table is the one in force.
import { backendOf } from './backend.js';
import { type ManagedRule, managedRules } from './managed-rules.js';
import { liveV6wallTable } from './nftables/v6wall-table.js';
import type { OpeningTag } from './rule-comment.js';
import type { Facts } from './types/facts.js';

/** The openings by their rule comments, one per rule (SSH and egress rules are not openings). */
export function openingTagsInPlace(facts: Facts): OpeningTag[] {
  if (backendOf(facts).kind === 'nftables') return liveV6wallTable(facts.docker.nftRuleset).openings;
  return managedRules(facts.ufw.rules).flatMap((managed) => (managed.tag.kind === 'egress' ? [] : [managed.tag]));
}

/** The rules behind them, with what each one allows (UFW's egress rules too). */
export function managedRulesInPlace(facts: Facts): ManagedRule[] {
  if (backendOf(facts).kind === 'nftables') return liveV6wallTable(facts.docker.nftRuleset).rules;
  return managedRules(facts.ufw.rules);
}
