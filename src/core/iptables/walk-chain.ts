import { parseAddr } from './address.js';
import { buildChainIndex, lowerBound, type ChainIndex } from './chain-index.js';
import { compileRule, matchRule } from './compile-rule.js';
import type { AddressFacts, CompiledRule, Packet } from './compile-rule.js';
import type { Ruleset, SaveChain, SaveRule } from './ruleset.js';

export interface CompiledChain {
  table: string;
  name: string;
  policy: string | null;
  rules: CompiledRule[];
  index: ChainIndex | null;
}

/** The ruleset's chains, each compiled the first time a walk reaches it (and then reused). */
export class CompiledRuleset {
  private readonly compiled = new Map<string, CompiledChain>();
  private readonly saved = new Map<string, SaveChain>();

  constructor(ruleset: Ruleset) {
    for (const table of ruleset.tables) {
      for (const chain of table.chains) this.saved.set(`${table.name}\u0000${chain.name}`, chain);
    }
  }

  chain(table: string, name: string): CompiledChain | undefined {
    const key = `${table}\u0000${name}`;
    const done = this.compiled.get(key);
    if (done !== undefined) return done;
    const chain = this.saved.get(key);
    if (chain === undefined) return undefined;
    const rules = chain.rules.map(compileRule);
    const compiled: CompiledChain = { table, name, policy: chain.policy, rules, index: buildChainIndex(rules) };
    this.compiled.set(key, compiled);
    return compiled;
  }
}

/** Where a verdict came from: a rule, or a built-in chain's policy (line null). */
export interface DecidingRule {
  table: string;
  chain: string;
  /** The ip6tables-save line, or the nftables rule handle. */
  line: number | null;
  text: string;
  /** An nftables rule's table family (ip6, inet, ...); absent for ip6tables rules. */
  family?: string;
}

export type Outcome =
  | { kind: 'verdict'; verdict: 'ACCEPT' | 'DROP' | 'REJECT'; by: DecidingRule; pkt: Packet; assumptions: string[]; notes: string[] }
  /** Fell off the end of the chain or hit RETURN. */
  | { kind: 'return'; pkt: Packet; assumptions: string[]; notes: string[] }
  | { kind: 'unknown'; reason: string; by: DecidingRule | null; pkt: Packet; assumptions: string[]; notes: string[] };

type StepResult = Outcome | { kind: 'continue'; pkt: Packet; assumptions: string[]; notes: string[] };

export interface WalkOptions {
  facts: AddressFacts;
  /** Never enter Docker's own filter chains: "would UFW's rules alone let it in?" (DNAT still applies.) */
  withoutDockerFilterChains: boolean;
}

const MAX_DEPTH = 64;
const MAX_PATHS = 64;

export const isDockerOwnChain = (chain: string): boolean => chain.startsWith('DOCKER') && chain !== 'DOCKER-USER';

const entersDockerChain = (rule: SaveRule): boolean => (rule.target?.kind === 'jump' || rule.target?.kind === 'goto') && isDockerOwnChain(rule.target.chain);

const ruleRef = (chain: CompiledChain, rule: SaveRule): DecidingRule => ({
  table: chain.table,
  chain: chain.name,
  line: rule.line,
  text: rule.text,
});

const describeRule = (chain: CompiledChain, rule: SaveRule): string => `"${rule.text}" (${chain.table} table, line ${rule.line})`;

/** Follows one packet through chains; branches only where a rule v6wall cannot evaluate could change the result. */
export class ChainWalker {
  private paths = 1;

  constructor(
    private readonly tables: CompiledRuleset,
    private readonly options: WalkOptions,
  ) {}

  chain(table: string, name: string): CompiledChain | undefined {
    return this.tables.chain(table, name);
  }

  walk(chain: CompiledChain, start: number, pkt0: Packet, assumptions0: string[], notes0: string[], depth: number): Outcome[] {
    let pkt = pkt0;
    let assumptions = assumptions0;
    let notes = notes0;
    // Only the rules that could match (see chain-index.ts); DNAT/REDIRECT end the walk, so dport and dst stay put.
    const candidates = chain.index?.candidates(pkt) ?? null;
    const end = candidates === null ? chain.rules.length : candidates.length;
    for (let k = candidates === null ? start : lowerBound(candidates, start); k < end; k++) {
      const i = candidates === null ? k : (candidates[k] as number);
      const compiled = chain.rules[i] as CompiledRule;
      const { rule } = compiled;
      if (this.options.withoutDockerFilterChains && chain.table === 'filter' && entersDockerChain(rule)) continue;
      const match = matchRule(compiled, pkt, this.options.facts);
      if (match === 'no') continue;
      if (match === 'only-source-differs') {
        if (rule.target?.kind === 'ACCEPT') notes = [...notes, `${describeRule(chain, rule)} accepts only some source addresses`];
        continue;
      }
      const undecided = match === 'yes' ? null : match;
      if (undecided !== null && (rule.target === null || rule.target.kind === 'non-terminating')) continue;

      let results: StepResult[];
      if (undecided !== null) {
        if (this.paths >= MAX_PATHS) {
          return [{ kind: 'unknown', reason: 'too many rules v6wall cannot evaluate', by: ruleRef(chain, rule), pkt, assumptions, notes }];
        }
        this.paths++;
        const what = `${describeRule(chain, rule)} (v6wall cannot evaluate ${undecided.join(', ')})`;
        results = [
          ...this.apply(chain, compiled, pkt, [...assumptions, `${what} matches`], notes, depth),
          { kind: 'continue', pkt, assumptions: [...assumptions, `${what} does not match`], notes },
        ];
      } else {
        results = this.apply(chain, compiled, pkt, assumptions, notes, depth);
      }

      const only = results[0];
      if (results.length === 1 && only !== undefined && only.kind === 'continue') {
        pkt = only.pkt;
        assumptions = only.assumptions;
        notes = only.notes;
        continue;
      }
      return results.flatMap((r) => (r.kind === 'continue' ? this.walk(chain, i + 1, r.pkt, r.assumptions, r.notes, depth) : [r]));
    }
    return [{ kind: 'return', pkt, assumptions, notes }];
  }

  private apply(chain: CompiledChain, compiled: CompiledRule, pkt: Packet, assumptions: string[], notes: string[], depth: number): StepResult[] {
    const { rule } = compiled;
    const target = rule.target;
    const by = ruleRef(chain, rule);
    if (target === null) return [{ kind: 'continue', pkt, assumptions, notes }];
    switch (target.kind) {
      case 'ACCEPT':
      case 'DROP':
      case 'REJECT':
        return [{ kind: 'verdict', verdict: target.kind, by, pkt, assumptions, notes }];
      case 'RETURN':
        return [{ kind: 'return', pkt, assumptions, notes }];
      case 'non-terminating':
        return [{ kind: 'continue', pkt, assumptions, notes }];
      case 'NOTRACK':
        return [{ kind: 'continue', pkt: { ...pkt, states: ['UNTRACKED'] }, assumptions, notes }];
      case 'DNAT': {
        const dst = target.address === null ? pkt.dst : parseAddr(target.address);
        if (dst === null) {
          return [{ kind: 'unknown', reason: `DNAT to an IPv4 address ${target.address ?? ''}`, by, pkt, assumptions, notes }];
        }
        const dnatted: Packet = {
          ...pkt,
          dst,
          dstText: target.address ?? pkt.dstText,
          dport: target.ports?.from ?? pkt.dport,
          states: [...pkt.states, 'DNAT'],
        };
        return [{ kind: 'verdict', verdict: 'ACCEPT', by, pkt: dnatted, assumptions, notes }];
      }
      case 'REDIRECT': {
        const redirected: Packet = { ...pkt, dport: target.ports?.from ?? pkt.dport, redirected: true, states: [...pkt.states, 'DNAT'] };
        return [{ kind: 'verdict', verdict: 'ACCEPT', by, pkt: redirected, assumptions, notes }];
      }
      case 'MASQUERADE':
      case 'SNAT':
        return [{ kind: 'verdict', verdict: 'ACCEPT', by, pkt, assumptions, notes }];
      case 'other':
        return [{ kind: 'unknown', reason: `v6wall does not model the target ${target.name}`, by, pkt, assumptions, notes }];
      case 'jump':
      case 'goto': {
        const next = this.chain(chain.table, target.chain);
        if (next === undefined) {
          return [
            {
              kind: 'unknown',
              reason: `${target.chain} is neither a chain of the ${chain.table} table nor a target v6wall knows`,
              by,
              pkt,
              assumptions,
              notes,
            },
          ];
        }
        if (depth >= MAX_DEPTH) {
          return [{ kind: 'unknown', reason: `chains nest deeper than ${MAX_DEPTH} (a loop?)`, by, pkt, assumptions, notes }];
        }
        const sub = this.walk(next, 0, pkt, assumptions, notes, depth + 1);
        // RETURN from a jumped-to chain carries on after the jump; from a goto'd chain it leaves this chain too.
        if (target.kind === 'goto') return sub;
        return sub.map((o) => (o.kind === 'return' ? { ...o, kind: 'continue' as const } : o));
      }
    }
  }
}
