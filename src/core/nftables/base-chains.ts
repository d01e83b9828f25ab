// Which nftables base chains a packet meets on a hook, in the order the kernel runs them, and
// which tables are iptables-nft's (read from ip6tables-save instead, so they count once).
import type { NftBaseChainSpec } from './ruleset.js';
import type { CompiledNftChain, CompiledNftRuleset } from './walk-chain.js';

/** The tables ip6tables creates; through iptables-nft they are nftables tables of family ip6 too. */
export const IPTABLES_TABLES: readonly string[] = ['raw', 'mangle', 'nat', 'filter', 'security'];

export interface HookChain {
  chain: CompiledNftChain;
  base: NftBaseChainSpec;
}

/**
 * Base chains of the given families on a hook, by priority, then by table creation (at equal
 * priority the kernel runs hooks in registration order). `skipTable` leaves out tables read
 * another way.
 */
export function baseChainsOn(
  compiled: CompiledNftRuleset,
  hook: string,
  families: readonly string[],
  skipTable: (family: string, table: string) => boolean,
): HookChain[] {
  const found: HookChain[] = [];
  for (const table of compiled.ruleset.tables) {
    if (!families.includes(table.family) || skipTable(table.family, table.name)) continue;
    for (const chain of table.chains) {
      if (chain.base === null || chain.base.hook !== hook) continue;
      const c = compiled.chain(table.family, table.name, chain.name);
      if (c !== undefined) found.push({ chain: c, base: chain.base });
    }
  }
  return found.sort((a, b) => a.base.priority - b.base.priority || a.chain.tableHandle - b.chain.tableHandle);
}

/** The priority nftables shows for an iptables-nft built-in chain (e.g. ip6 filter INPUT), or null. */
export function iptablesNftPriority(compiled: CompiledNftRuleset, table: string, chain: string): { priority: number; tableHandle: number } | null {
  const t = compiled.ruleset.tables.find((x) => x.family === 'ip6' && x.name === table);
  const base = t?.chains.find((c) => c.name === chain)?.base;
  return t === undefined || base === undefined || base === null ? null : { priority: base.priority, tableHandle: t.handle };
}
