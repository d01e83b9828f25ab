// Follows one packet through an nftables base chain and the chains it jumps to. In nftables an
// accept ends only the base chain it happens in (the packet still meets every other base chain
// on the hook), a drop is final: this walk answers for one base chain, the caller goes through
// the hook's base chains in priority order.
import { formatAddr } from '../iptables/address.js';
import { buildChainIndex, lowerBound, type ChainIndex } from '../iptables/chain-index.js';
import type { Packet } from '../iptables/compile-rule.js';
import type { DecidingRule, Outcome } from '../iptables/walk-chain.js';
import { NO, UNKNOWN, YES, compileNftRule, indexKeysOf, type CompiledNftRule, type NftEnv, type SetLookup, type Step } from './compile-rule.js';
import { describeRule, describeStatement } from './describe.js';
import type { NftBaseChainSpec, NftChain, NftRule, NftRuleset, NftSet, NftTable, NftVerdict } from './ruleset.js';

export interface CompiledNftChain {
  family: string;
  table: string;
  tableHandle: number;
  name: string;
  base: NftBaseChainSpec | null;
  size: number;
  /** Rule i, compiled the first time a walk visits it (the index spares most rules of long chains). */
  rule(i: number): CompiledNftRule;
  /** Only the rules that could match a packet's destination port or address (long chains). */
  index: ChainIndex | null;
}

interface TableIndex {
  table: NftTable;
  chains: Map<string, NftChain>;
  lookup: SetLookup;
}

const key = (family: string, table: string, chain = ''): string => `${family}\u0000${table}\u0000${chain}`;

/**
 * How the walk finds a packet's rules. The fast walk skips, through a chain index, the rules of a
 * long chain that demand another destination port or address, and tests ports, addresses and
 * interface names directly; the plain walk runs every rule in order through the general path.
 * They give the same answers (a property test holds them to it): the plain one is the reference.
 */
export interface NftWalkOptions {
  chainIndex: boolean;
  directTests: boolean;
}

export const FAST_WALK: NftWalkOptions = { chainIndex: true, directTests: true };

/** The ruleset's chains, each compiled the first time a walk reaches it (and then reused). */
export class CompiledNftRuleset {
  private readonly tables = new Map<string, TableIndex>();
  private readonly compiled = new Map<string, CompiledNftChain>();

  constructor(
    readonly ruleset: NftRuleset,
    private readonly options: NftWalkOptions = FAST_WALK,
  ) {
    for (const table of ruleset.tables) {
      const sets = new Map<string, NftSet>(table.sets.map((s) => [s.name, s]));
      // Read only when a rule looks a named set up (rare): it means reading every rule of the table.
      let filled: Set<string> | null = null;
      const filledByRules = (name: string): boolean => {
        filled ??= new Set(table.chains.flatMap((c) => c.rules.flatMap((r) => r.statements.flatMap((s) => (s.kind === 'set-update' ? [s.set] : [])))));
        return filled.has(name);
      };
      this.tables.set(key(table.family, table.name), {
        table,
        chains: new Map(table.chains.map((c) => [c.name, c])),
        lookup: { set: (name) => sets.get(name), filledByRules },
      });
    }
  }

  chain(family: string, table: string, name: string): CompiledNftChain | undefined {
    const k = key(family, table, name);
    const done = this.compiled.get(k);
    if (done !== undefined) return done;
    const index = this.tables.get(key(family, table));
    const chain = index?.chains.get(name);
    if (index === undefined || chain === undefined) return undefined;
    const rules: (CompiledNftRule | undefined)[] = new Array<CompiledNftRule | undefined>(chain.rules.length);
    const { chainIndex, directTests } = this.options;
    const rule = (i: number): CompiledNftRule => (rules[i] ??= compileNftRule(chain.rules[i] as NftRule, index.lookup, directTests));
    const size = chain.rules.length;
    const keyed = chainIndex ? buildChainIndex(chain.rules.map(indexKeysOf)) : null;
    const compiled: CompiledNftChain = { family, table, tableHandle: index.table.handle, name, base: chain.base, size, rule, index: keyed };
    this.compiled.set(k, compiled);
    return compiled;
  }
}

type StepResult = Outcome | { kind: 'continue'; pkt: Packet; assumptions: string[]; notes: string[] };

const MAX_DEPTH = 64;
const MAX_PATHS = 64;

const ruleTexts = new WeakMap<CompiledNftRule, string>();
function ruleText(rule: CompiledNftRule): string {
  let text = ruleTexts.get(rule);
  if (text === undefined) {
    text = describeRule(rule.rule);
    ruleTexts.set(rule, text);
  }
  return text;
}

export const nftRuleRef = (chain: CompiledNftChain, rule: CompiledNftRule): DecidingRule => ({
  family: chain.family,
  table: chain.table,
  chain: chain.name,
  line: rule.rule.handle,
  text: ruleText(rule),
});

export const nftPolicyRef = (chain: CompiledNftChain): DecidingRule => ({
  family: chain.family,
  table: chain.table,
  chain: chain.name,
  line: null,
  text: `policy ${chain.base?.policy ?? 'accept'}`,
});

const where = (chain: CompiledNftChain, rule: CompiledNftRule): string => `"${ruleText(rule)}" (chain ${chain.name} of table ${chain.family} ${chain.table})`;

/** Follows one packet through nftables chains; branches only where a part v6wall cannot evaluate could change the result. */
export class NftWalker {
  private paths = 1;

  constructor(private readonly rulesets: CompiledNftRuleset) {}

  walk(chain: CompiledNftChain, start: number, pkt0: Packet, assumptions0: string[], notes0: string[], depth: number, env: NftEnv): Outcome[] {
    let pkt = pkt0;
    let assumptions = assumptions0;
    let notes = notes0;
    // Only the rules that could match (see chain-index.ts): a DNAT ends the walk, so dport and dst stay put.
    const candidates = chain.index?.candidates(pkt) ?? null;
    const end = candidates === null ? chain.size : candidates.length;
    for (let k = candidates === null ? start : lowerBound(candidates, start); k < end; k++) {
      const i = candidates === null ? k : (candidates[k] as number);
      const results = this.runRule(chain, chain.rule(i), pkt, assumptions, notes, depth, env);
      if (results === null) continue;
      const only = results[0];
      if (results.length === 1 && only !== undefined && only.kind === 'continue') {
        ({ pkt, assumptions, notes } = only);
        continue;
      }
      return results.flatMap((r) => (r.kind === 'continue' ? this.walk(chain, i + 1, r.pkt, r.assumptions, r.notes, depth, env) : [r]));
    }
    return [{ kind: 'return', pkt, assumptions, notes }];
  }

  /** null: the rule does not match and changed nothing (the common case, so nothing is allocated). */
  private runRule(
    chain: CompiledNftChain,
    rule: CompiledNftRule,
    pkt: Packet,
    assumptions: string[],
    notes: string[],
    depth: number,
    env: NftEnv,
  ): StepResult[] | null {
    const skip = null;
    // Known conditions first: a rule that fails one of them does not match, whatever its unknown parts say.
    let unknown: string[] | null = null;
    let sourceFailed = false;
    const { leading } = rule;
    for (let t = 0; t < leading.length; t++) {
      const test = leading[t] as (typeof leading)[number];
      const r = test.test(pkt, env);
      if (r === YES) continue;
      if (r === UNKNOWN) {
        (unknown ??= []).push(describeStatement(test.stmt));
        continue;
      }
      if (test.source && pkt.src === null) {
        sourceFailed = true;
        continue;
      }
      return skip;
    }
    if (sourceFailed) {
      if (rule.accepts && unknown === null)
        return [{ kind: 'continue', pkt, assumptions, notes: [...notes, `${where(chain, rule)} accepts only some source addresses`] }];
      return skip;
    }
    if (rule.rest.length === 0) return skip;
    if (unknown !== null) {
      return this.branch(chain, rule, unknown.join(', '), pkt, assumptions, notes, (a) => this.runRest(chain, rule, 0, pkt, a, notes, depth, env));
    }
    return this.runRest(chain, rule, 0, pkt, assumptions, notes, depth, env);
  }

  /** Both ways: the part matches (go on with `matches`), or it does not (the rule ends). */
  private branch(
    chain: CompiledNftChain,
    rule: CompiledNftRule,
    what: string,
    pkt: Packet,
    assumptions: string[],
    notes: string[],
    matches: (assumptions: string[]) => StepResult[],
  ): StepResult[] {
    if (this.paths >= MAX_PATHS) {
      return [{ kind: 'unknown', reason: 'too many rules v6wall cannot evaluate', by: nftRuleRef(chain, rule), pkt, assumptions, notes }];
    }
    this.paths++;
    const described = `${where(chain, rule)} (v6wall cannot evaluate ${what})`;
    return [
      ...matches([...assumptions, `${described} matches`]),
      { kind: 'continue', pkt, assumptions: [...assumptions, `${described} does not match`], notes },
    ];
  }

  private runRest(
    chain: CompiledNftChain,
    rule: CompiledNftRule,
    from: number,
    pkt0: Packet,
    assumptions: string[],
    notes: string[],
    depth: number,
    env: NftEnv,
  ): StepResult[] {
    let pkt = pkt0;
    const by = nftRuleRef(chain, rule);
    for (let k = from; k < rule.rest.length; k++) {
      const step = rule.rest[k] as Step;
      switch (step.kind) {
        case 'test': {
          const r = step.test(pkt, env);
          if (r === NO) return [{ kind: 'continue', pkt, assumptions, notes }];
          if (r === UNKNOWN) {
            const here = pkt;
            return this.branch(chain, rule, describeStatement(step.stmt), here, assumptions, notes, (a) =>
              this.runRest(chain, rule, k + 1, here, a, notes, depth, env),
            );
          }
          continue;
        }
        case 'uncertain': {
          const here = pkt;
          return this.branch(chain, rule, step.text, here, assumptions, notes, (a) => this.runRest(chain, rule, k + 1, here, a, notes, depth, env));
        }
        case 'mark':
          pkt = { ...pkt, mark: step.value };
          continue;
        case 'notrack':
          pkt = { ...pkt, states: ['UNTRACKED'] };
          continue;
        case 'verdict':
          return this.verdict(chain, step.verdict, by, pkt, assumptions, notes, depth, env);
        case 'vmap': {
          const found = step.lookup(pkt, env);
          if (found === null) return [{ kind: 'continue', pkt, assumptions, notes }];
          if (found === 'unknown')
            return [{ kind: 'unknown', reason: `v6wall cannot tell which entry of "${describeStatement(step.stmt)}" applies`, by, pkt, assumptions, notes }];
          return this.verdict(chain, found, by, pkt, assumptions, notes, depth, env);
        }
        case 'dnat': {
          const dst = step.addr ?? pkt.dst;
          const dnatted: Packet = {
            ...pkt,
            dst,
            dstText: step.addr === null ? pkt.dstText : formatAddr(dst),
            dport: step.port ?? pkt.dport,
            states: [...pkt.states, 'DNAT'],
          };
          return [{ kind: 'verdict', verdict: 'ACCEPT', by, pkt: dnatted, assumptions, notes }];
        }
        case 'redirect': {
          const redirected: Packet = { ...pkt, dport: step.port ?? pkt.dport, redirected: true, states: [...pkt.states, 'DNAT'] };
          return [{ kind: 'verdict', verdict: 'ACCEPT', by, pkt: redirected, assumptions, notes }];
        }
        case 'snat':
          return [{ kind: 'verdict', verdict: 'ACCEPT', by, pkt: { ...pkt, states: [...pkt.states, 'SNAT'] }, assumptions, notes }];
        case 'unsupported':
          return [{ kind: 'unknown', reason: `v6wall does not model "${step.text}"`, by, pkt, assumptions, notes }];
      }
    }
    return [{ kind: 'continue', pkt, assumptions, notes }];
  }

  private verdict(
    chain: CompiledNftChain,
    verdict: NftVerdict,
    by: DecidingRule,
    pkt: Packet,
    assumptions: string[],
    notes: string[],
    depth: number,
    env: NftEnv,
  ): StepResult[] {
    switch (verdict.kind) {
      case 'accept':
        return [{ kind: 'verdict', verdict: 'ACCEPT', by, pkt, assumptions, notes }];
      case 'drop':
        return [{ kind: 'verdict', verdict: 'DROP', by, pkt, assumptions, notes }];
      case 'reject':
        return [{ kind: 'verdict', verdict: 'REJECT', by, pkt, assumptions, notes }];
      case 'return':
        return [{ kind: 'return', pkt, assumptions, notes }];
      case 'continue':
        return [{ kind: 'continue', pkt, assumptions, notes }];
      case 'jump':
      case 'goto': {
        const next = this.rulesets.chain(chain.family, chain.table, verdict.target);
        if (next === undefined) {
          return [{ kind: 'unknown', reason: `${verdict.target} is not a chain of table ${chain.family} ${chain.table}`, by, pkt, assumptions, notes }];
        }
        if (depth >= MAX_DEPTH) return [{ kind: 'unknown', reason: `chains nest deeper than ${MAX_DEPTH} (a loop?)`, by, pkt, assumptions, notes }];
        const sub = this.walk(next, 0, pkt, assumptions, notes, depth + 1, env);
        // The end of a jumped-to chain carries on after the jump; of a goto'd one, it leaves this chain too.
        if (verdict.kind === 'goto') return sub;
        return sub.map((o) => (o.kind === 'return' ? { ...o, kind: 'continue' as const } : o));
      }
    }
  }
}
