// The policies of the built-in chains, as a saved ruleset had them: `ufw disable` sets every one
// of them to ACCEPT, which is not what the host had when Docker (or the operator) had set one to
// DROP, so a rollback to "UFW disabled" puts them back.
import { parseIptablesSave } from './parse-save.js';

/** `TOOL -t TABLE -P CHAIN POLICY` for each built-in chain of the saved text whose policy is not ACCEPT. */
export function policyCommands(tool: 'ip6tables' | 'iptables', saved: string): string[][] {
  return parseIptablesSave(saved).tables.flatMap((table) =>
    table.chains.flatMap((chain) => (chain.policy === null || chain.policy === 'ACCEPT' ? [] : [[tool, '-t', table.name, '-P', chain.name, chain.policy]])),
  );
}
