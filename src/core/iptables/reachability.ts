import { IPTABLES_TABLES, baseChainsOn, iptablesNftPriority, type HookChain } from '../nftables/base-chains.js';
import type { NftEnv } from '../nftables/compile-rule.js';
import type { NftRuleset } from '../nftables/ruleset.js';
import { CompiledNftRuleset, FAST_WALK, NftWalker, nftPolicyRef, type NftWalkOptions } from '../nftables/walk-chain.js';
import type { Proto } from '../types/facts.js';
import { addrKey, formatAddr, inCidr, parseAddr, sameAddr, toAddrCidr, type Addr, type AddrCidr } from './address.js';
import type { AddressFacts, Packet } from './compile-rule.js';
import { parseRuleCidr } from './parse-values.js';
import type { Ruleset } from './ruleset.js';
import { ChainWalker, CompiledRuleset, isDockerOwnChain, type DecidingRule, type Outcome } from './walk-chain.js';

export type { DecidingRule } from './walk-chain.js';

/** What the caller knows about the host's routing. */
export interface RoutingContext {
  /** The interface internet traffic arrives on, e.g. "eth0". */
  publicInterface: string;
  /** The host's own addresses, Docker bridge gateways included: traffic to them is delivered locally (INPUT). */
  hostAddresses: string[];
  /** Docker's IPv6 subnets and the bridge each sits on: traffic to them is forwarded out of that bridge. */
  dockerSubnets: { subnet: string; bridge: string }[];
  /**
   * Docker keeps its own rules where ip6tables-save cannot show them (29+ with the nftables
   * backend). A drop seen in ip6tables still stands (every nftables base chain must accept a
   * packet), but an accept cannot be trusted for container addresses and published host ports.
   */
  unreadableDockerRules?: { reason: string; publishedHostPorts: number[] };
}

/** One NEW inbound connection to test. */
export interface Probe {
  address: string;
  port: number;
  proto: Proto;
  /** The client's address; omitted means an arbitrary internet address, inside no prefix a rule names. */
  source?: string;
  /** Where the packet comes in; omitted: the public interface (a connection from the internet). */
  inInterface?: string;
  /** Where the host sends it when the destination is neither local nor in a Docker subnet (e.g. out to the internet). */
  outInterface?: string;
}

export type ReachVerdict = 'open' | 'blocked' | 'unknown';

export interface ReachabilityResult {
  probe: Probe;
  verdict: ReachVerdict;
  /** Open, but only because an ACCEPT in one of Docker's own chains came before UFW's rules. */
  dockerOnly: boolean;
  /** The rule (or policy) that let the connection in or stopped it; null when unknown. */
  decidedBy: DecidingRule | null;
  /** One sentence for a person. */
  reason: string;
  /** The chains walked, in order, with what each did. */
  trail: string[];
  /** Things worth knowing that did not change the verdict (e.g. a rule accepting only some sources). */
  notes: string[];
}

/** A built-in ip6tables chain, at the priority ip6tables registers it with. */
type IptablesStage = { table: string; chain: string; priority: number };

const PREROUTING: IptablesStage[] = [
  { table: 'raw', chain: 'PREROUTING', priority: -300 },
  { table: 'mangle', chain: 'PREROUTING', priority: -150 },
  { table: 'nat', chain: 'PREROUTING', priority: -100 },
];
const LOCAL: IptablesStage[] = [
  { table: 'mangle', chain: 'INPUT', priority: -150 },
  { table: 'filter', chain: 'INPUT', priority: 0 },
  { table: 'security', chain: 'INPUT', priority: 50 },
];
const FORWARDED: IptablesStage[] = [
  { table: 'mangle', chain: 'FORWARD', priority: -150 },
  { table: 'filter', chain: 'FORWARD', priority: 0 },
  { table: 'security', chain: 'FORWARD', priority: 50 },
];

interface Walkers {
  iptables: ChainWalker;
  nft: NftWalker | null;
}

/**
 * One base chain on the packet's way: an ip6tables built-in chain or an nftables base chain.
 * Every one on a hook must accept the packet for it to go on; a drop in any of them is final.
 */
interface Stage {
  /** For the trail: "filter INPUT", "ip6 docker-bridges filter-FORWARD". */
  where: string;
  priority: number;
  /** Tie-break at equal priority: the order the kernel registered the hooks in. */
  order: number;
  /** A NAT chain: once the packet is NATed (or untracked) the kernel no longer consults it. */
  nat: boolean;
  /** The hook runs before routing (destination NAT) or after (source NAT). */
  natKind: 'DNAT' | 'SNAT';
  /** Its accept is a filtering decision a person cares about (filter chains on INPUT/FORWARD). */
  decides: boolean;
  policy: DecidingRule;
  policyAccepts: boolean;
  /** When its drops cannot be trusted (an ingress chain whose device nft did not list), why. */
  dropsUncertain: string | null;
  run(path: Path, walkers: Walkers): Outcome[];
}

interface Path {
  pkt: Packet;
  assumptions: string[];
  notes: string[];
  trail: string[];
  /** The ip6tables filter table's decision, the one a person cares about. */
  filterBy: DecidingRule | null;
  /** Every filtering accept on the way (ip6tables filter table and nftables filter chains). */
  accepts: DecidingRule[];
}

type PathEnd =
  { kind: 'open'; path: Path } | { kind: 'blocked'; by: DecidingRule; path: Path } | { kind: 'unknown'; reason: string; by: DecidingRule | null; path: Path };

interface Routing {
  facts: AddressFacts;
  bridgeFor(address: Addr): string | null;
}

function buildRouting(context: RoutingContext): Routing | string {
  const local = new Set<string>();
  for (const a of context.hostAddresses) {
    const v = parseAddr(a);
    if (v === null) return `"${a}" in the host addresses is not an IPv6 address`;
    local.add(addrKey(v));
  }
  const subnets: { cidr: AddrCidr; bridge: string; prefix: number }[] = [];
  for (const s of context.dockerSubnets) {
    const rc = parseRuleCidr(s.subnet);
    const cidr = rc === null ? null : toAddrCidr(rc);
    if (rc === null || cidr === null) return `"${s.subnet}" is not an IPv6 subnet`;
    subnets.push({ cidr, bridge: s.bridge, prefix: rc.prefix });
  }
  subnets.sort((a, b) => b.prefix - a.prefix); // longest prefix wins, as in the routing table
  return {
    facts: { isLocal: (a) => local.has(addrKey(a)) },
    bridgeFor: (a) => subnets.find((s) => inCidr(a, s.cidr))?.bridge ?? null,
  };
}

function describeBy(by: DecidingRule): string {
  if (by.family !== undefined) {
    const table = `table ${by.family} ${by.table}`;
    return by.line === null ? `the policy of chain ${by.chain} (${table}: ${by.text})` : `"${by.text}" in chain ${by.chain} (${table})`;
  }
  return by.line === null ? `the ${by.chain} policy (${by.text})` : `"${by.text}" in ${by.chain}`;
}

const notNatted = (stage: Stage, pkt: Packet): boolean => !stage.nat || (!pkt.states.includes('UNTRACKED') && !pkt.states.includes(stage.natKind));

function runStage(walkers: Walkers, stage: Stage, path: Path): { next: Path[]; ends: PathEnd[] } {
  if (!notNatted(stage, path.pkt)) return { next: [path], ends: [] };
  const outcomes = stage.run(path, walkers);
  const next: Path[] = [];
  const ends: PathEnd[] = [];
  const { where } = stage;
  for (let k = 0; k < outcomes.length; k++) {
    const o = outcomes[k] as Outcome;
    const by: DecidingRule | null = o.kind === 'return' ? stage.policy : o.by;
    const verdict = o.kind === 'return' ? (stage.policyAccepts ? 'ACCEPT' : 'DROP') : o.kind === 'verdict' ? o.verdict : null;
    const base = { ...path, pkt: o.pkt, assumptions: o.assumptions, notes: o.notes };
    if (verdict === null || by === null) {
      const reason = o.kind === 'unknown' ? o.reason : 'unknown';
      ends.push({ kind: 'unknown', reason, by, path: { ...base, trail: [...path.trail, `${where}: cannot judge (${reason})`] } });
      continue;
    }
    if (verdict !== 'ACCEPT') {
      if (stage.dropsUncertain !== null) {
        const reason = `${describeBy(by)} would ${verdict === 'DROP' ? 'drop' : 'reject'} it, ${stage.dropsUncertain}`;
        ends.push({ kind: 'unknown', reason, by, path: { ...base, trail: [...path.trail, `${where}: cannot judge (${reason})`] } });
        continue;
      }
      ends.push({ kind: 'blocked', by, path: { ...base, trail: [...path.trail, `${where}: ${verdict} by ${describeBy(by)}`] } });
      continue;
    }
    const rewritten = !sameAddr(o.pkt.dst, path.pkt.dst) || o.pkt.dport !== path.pkt.dport || o.pkt.redirected !== path.pkt.redirected;
    const step = rewritten
      ? `${where}: destination rewritten to [${o.pkt.dstText}]:${o.pkt.dport} by ${describeBy(by)}`
      : by.line === null && !stage.decides
        ? `${where}: passed`
        : `${where}: ACCEPT by ${describeBy(by)}`;
    next.push({
      ...base,
      trail: [...path.trail, step],
      filterBy: stage.decides && by.family === undefined ? by : path.filterBy,
      accepts: stage.decides ? [...path.accepts, by] : path.accepts,
    });
  }
  return { next, ends };
}

function runStages(walkers: Walkers, stages: readonly Stage[], paths: Path[], ends: PathEnd[]): Path[] {
  let current = paths;
  for (let s = 0; s < stages.length; s++) {
    const stage = stages[s] as Stage;
    const next: Path[] = [];
    for (let p = 0; p < current.length; p++) {
      const r = runStage(walkers, stage, current[p] as Path);
      for (let k = 0; k < r.next.length; k++) next.push(r.next[k] as Path);
      for (let k = 0; k < r.ends.length; k++) ends.push(r.ends[k] as PathEnd);
    }
    current = next;
  }
  return current;
}

/** The base chains on each stretch of an inbound packet's way, in the order it meets them. */
interface Pipeline {
  ingress: Stage[];
  prerouting: Stage[];
  input: Stage[];
  /** Forward, postrouting, then the bridge's own hooks as the packet leaves through a Docker bridge. */
  forwarded: Stage[];
}

const byPriority = (a: Stage, b: Stage): number => a.priority - b.priority || a.order - b.order;

function iptablesStages(tables: CompiledRuleset, nft: CompiledNftRuleset | null, owned: boolean, list: readonly IptablesStage[]): Stage[] {
  return list.flatMap((s): Stage[] => {
    const chain = tables.chain(s.table, s.chain);
    if (chain === undefined) return [];
    // Through iptables-nft the chain is an nftables base chain too: its real priority and age.
    const live = owned && nft !== null ? iptablesNftPriority(nft, s.table, s.chain) : null;
    const policy = chain.policy ?? 'ACCEPT';
    return [
      {
        where: `${s.table} ${s.chain}`,
        priority: live?.priority ?? s.priority,
        order: live?.tableHandle ?? -1,
        nat: s.table === 'nat',
        natKind: 'DNAT',
        decides: s.table === 'filter',
        policy: { table: s.table, chain: s.chain, line: null, text: `policy ${policy}` },
        policyAccepts: policy === 'ACCEPT',
        dropsUncertain: null,
        run: (path, walkers) => walkers.iptables.walk(chain, 0, path.pkt, path.assumptions, path.notes, 0),
      },
    ];
  });
}

function nftStage({ chain, base }: HookChain, env: NftEnv, decides: boolean, dropsUncertain: string | null): Stage {
  const where = `${chain.family} ${chain.table} ${chain.name}`;
  return {
    where,
    priority: base.priority,
    order: chain.tableHandle,
    nat: base.type === 'nat',
    natKind: base.hook === 'prerouting' || base.hook === 'output' ? 'DNAT' : 'SNAT',
    decides: decides && base.type === 'filter',
    policy: nftPolicyRef(chain),
    policyAccepts: base.policy === 'accept',
    dropsUncertain,
    run: (path, walkers) => {
      if (base.type !== 'filter' && base.type !== 'nat') {
        return [
          {
            kind: 'unknown',
            reason: `v6wall does not model base chains of type "${base.type}"`,
            by: null,
            pkt: path.pkt,
            assumptions: path.assumptions,
            notes: path.notes,
          },
        ];
      }
      return walkers.nft?.walk(chain, 0, path.pkt, path.assumptions, path.notes, 0, env) ?? [];
    },
  };
}

function buildPipeline(tables: CompiledRuleset, ruleset: Ruleset, nft: CompiledNftRuleset | null, routing: Routing, publicInterface: string): Pipeline {
  // Tables iptables-nft made appear in both readings: ip6tables-save decodes their iptables
  // extensions (nft shows them only by name), so it is the one they are judged from.
  const iptablesNft = nft !== null && ruleset.backend !== 'legacy';
  const readThroughIptables = new Set(iptablesNft ? ruleset.tables.map((t) => t.name).filter((n) => IPTABLES_TABLES.includes(n)) : []);
  const skip = (family: string, table: string): boolean => family === 'ip6' && readThroughIptables.has(table);
  const env: NftEnv = { facts: routing.facts, conntrack: true, portsUnknown: false };
  const chains = (hook: string, families: readonly string[], decides: boolean, stageEnv: NftEnv = env): Stage[] =>
    nft === null ? [] : baseChainsOn(nft, hook, families, skip).map((h) => nftStage(h, stageEnv, decides, null));
  const ingress =
    nft === null
      ? []
      : baseChainsOn(nft, 'ingress', ['netdev', 'inet'], skip).flatMap((h) => {
          const devices = h.base.devices;
          if (devices !== null && !devices.includes(publicInterface)) return [];
          const uncertain = devices === null ? 'if the chain is bound to the public interface (nft did not list its device)' : null;
          return [nftStage(h, { ...env, conntrack: false }, false, uncertain)];
        });
  const ip6 = ['ip6', 'inet'];
  const bridgePorts: NftEnv = { ...env, portsUnknown: true };
  return {
    ingress,
    prerouting: [...iptablesStages(tables, nft, iptablesNft, PREROUTING), ...chains('prerouting', ip6, false)].sort(byPriority),
    input: [...iptablesStages(tables, nft, iptablesNft, LOCAL), ...chains('input', ip6, true)].sort(byPriority),
    forwarded: [
      ...[...iptablesStages(tables, nft, iptablesNft, FORWARDED), ...chains('forward', ip6, true)].sort(byPriority),
      ...chains('postrouting', ip6, false),
      ...chains('output', ['bridge'], false, bridgePorts),
      ...chains('postrouting', ['bridge'], false, bridgePorts),
    ],
  };
}

function followProbe(
  tables: CompiledRuleset,
  nft: CompiledNftRuleset | null,
  pipeline: Pipeline,
  routing: Routing,
  context: RoutingContext,
  probe: Probe,
  withoutDockerFilterChains: boolean,
): PathEnd[] {
  const walkers: Walkers = {
    iptables: new ChainWalker(tables, { facts: routing.facts, withoutDockerFilterChains }),
    nft: nft === null ? null : new NftWalker(nft),
  };
  const dst = parseAddr(probe.address) as Addr;
  const src = probe.source === undefined ? null : parseAddr(probe.source);
  const pkt: Packet = {
    src,
    dst,
    dstText: formatAddr(dst),
    sport: null,
    dport: probe.port,
    proto: probe.proto,
    inIface: probe.inInterface ?? context.publicInterface,
    outIface: null,
    origDst: dst,
    origDport: probe.port,
    states: ['NEW'],
    redirected: false,
  };
  const ends: PathEnd[] = [];
  const start: Path = { pkt, assumptions: [], notes: [], trail: [], filterBy: null, accepts: [] };
  const afterPre = runStages(walkers, pipeline.prerouting, runStages(walkers, pipeline.ingress, [start], ends), ends);
  for (const path of afterPre) {
    if (path.pkt.redirected || routing.facts.isLocal(path.pkt.dst)) {
      for (const done of runStages(walkers, pipeline.input, [path], ends)) ends.push({ kind: 'open', path: done });
      continue;
    }
    const bridge = routing.bridgeFor(path.pkt.dst) ?? probe.outInterface ?? null;
    if (bridge === null) {
      const reason = `no route known to ${path.pkt.dstText}: it is neither a host address nor in a Docker IPv6 subnet`;
      ends.push({ kind: 'unknown', reason, by: null, path: { ...path, trail: [...path.trail, `routing: ${reason}`] } });
      continue;
    }
    const routed: Path = { ...path, pkt: { ...path.pkt, outIface: bridge }, trail: [...path.trail, `routing: forwarded out of ${bridge}`] };
    for (const done of runStages(walkers, pipeline.forwarded, [routed], ends)) ends.push({ kind: 'open', path: done });
  }
  return ends;
}

function touchesDocker(routing: Routing, publishedHostPorts: readonly number[], probe: Probe): boolean {
  const dst = parseAddr(probe.address) as Addr;
  if (routing.bridgeFor(dst) !== null) return true;
  return routing.facts.isLocal(dst) && publishedHostPorts.includes(probe.port);
}

function probeError(probe: Probe): string | null {
  if (parseAddr(probe.address) === null) return `"${probe.address}" is not an IPv6 address`;
  if (probe.source !== undefined && parseAddr(probe.source) === null) return `source "${probe.source}" is not an IPv6 address`;
  for (const name of [probe.inInterface, probe.outInterface]) {
    if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.@-]{0,14}$/.test(name)) return `"${name}" is not an interface name`;
  }
  if (!Number.isInteger(probe.port) || probe.port < 1 || probe.port > 65535) return `port ${probe.port} is not between 1 and 65535`;
  return null;
}

function summarise(probe: Probe, ends: PathEnd[]): Omit<ReachabilityResult, 'dockerOnly'> {
  const notes = [...new Set(ends.flatMap((e) => e.path.notes))];
  const first = ends[0];
  const unknown = ends.find((e) => e.kind === 'unknown');
  if (first === undefined) {
    return { probe, verdict: 'unknown', decidedBy: null, reason: 'no path was followed', trail: [], notes };
  }
  if (unknown !== undefined && unknown.kind === 'unknown') {
    const assumed = unknown.path.assumptions.length > 0 ? ` (assuming ${unknown.path.assumptions.join('; ')})` : '';
    return { probe, verdict: 'unknown', decidedBy: unknown.by, reason: `Cannot judge: ${unknown.reason}${assumed}.`, trail: unknown.path.trail, notes };
  }
  const kinds = new Set(ends.map((e) => e.kind));
  if (kinds.size > 1) {
    const rules = [...new Set(ends.flatMap((e) => e.path.assumptions).map((a) => a.replace(/ (does not match|matches)$/, '')))];
    return {
      probe,
      verdict: 'unknown',
      decidedBy: null,
      reason: `Cannot judge: the answer depends on ${rules.join('; ')}.`,
      trail: first.path.trail,
      notes,
    };
  }
  if (first.kind === 'blocked') {
    return { probe, verdict: 'blocked', decidedBy: first.by, reason: `Blocked by ${describeBy(first.by)}.`, trail: first.path.trail, notes };
  }
  const { accepts } = first.path;
  const explicit = accepts.filter((a) => a.line !== null);
  const by = first.path.filterBy ?? explicit[0] ?? accepts[0] ?? null;
  const reason =
    by === null
      ? 'Open: no filter rule stops it.'
      : explicit.length > 1
        ? `Open: accepted by ${explicit.map(describeBy).join(', and by ')}.`
        : `Open: accepted by ${describeBy(by)}.`;
  return { probe, verdict: 'open', decidedBy: by, reason, trail: first.path.trail, notes };
}

/**
 * Decides, for each probe, whether a NEW inbound connection from the internet arriving on the
 * public interface gets through the ruleset: every base chain on its way, ip6tables' built-in
 * chains (raw, mangle, nat PREROUTING; then INPUT or FORWARD) and, when `nftables` is given,
 * the nftables base chains on the ingress, prerouting, input, forward and postrouting hooks,
 * all in priority order. Tables iptables-nft made are judged once, from ip6tables-save.
 * `nftWalk`: the fast walk by default; the plain one is the reference the tests hold it to.
 */
export function analyzeReachability(
  ruleset: Ruleset,
  context: RoutingContext,
  probes: readonly Probe[],
  nftables?: NftRuleset | null,
  nftWalk: NftWalkOptions = FAST_WALK,
): ReachabilityResult[] {
  const routing = buildRouting(context);
  const tables = new CompiledRuleset(ruleset);
  const nft = nftables === undefined || nftables === null ? null : new CompiledNftRuleset(nftables, nftWalk);
  const pipeline = typeof routing === 'string' ? null : buildPipeline(tables, ruleset, nft, routing, context.publicInterface);
  return probes.map((probe): ReachabilityResult => {
    const bad = typeof routing === 'string' ? routing : probeError(probe);
    if (bad !== null || typeof routing === 'string' || pipeline === null) {
      return { probe, verdict: 'unknown', dockerOnly: false, decidedBy: null, reason: `Cannot judge: ${bad}.`, trail: [], notes: [] };
    }
    const result = summarise(probe, followProbe(tables, nft, pipeline, routing, context, probe, false));
    const hidden = context.unreadableDockerRules;
    if (hidden !== undefined && result.verdict === 'open' && touchesDocker(routing, hidden.publishedHostPorts, probe)) {
      return {
        ...result,
        verdict: 'unknown',
        dockerOnly: false,
        reason: `Cannot judge: ip6tables lets it through, but ${hidden.reason}, and v6wall cannot read those rules.`,
      };
    }
    // Docker forwards a published host port to its container before INPUT sees it: a drop there proves nothing.
    const published = routing.facts.isLocal(parseAddr(probe.address) as Addr) && hidden?.publishedHostPorts.includes(probe.port) === true;
    if (hidden !== undefined && published && result.verdict === 'blocked' && result.decidedBy?.chain !== 'PREROUTING') {
      return {
        ...result,
        verdict: 'unknown',
        dockerOnly: false,
        reason: `Cannot judge: ip6tables drops it on the host, but Docker may forward this published port to a container first (${hidden.reason}), and v6wall cannot read those rules.`,
      };
    }
    if (result.verdict !== 'open' || result.decidedBy === null || result.decidedBy.family !== undefined || !isDockerOwnChain(result.decidedBy.chain)) {
      return { ...result, dockerOnly: false };
    }
    const withoutDocker = summarise(probe, followProbe(tables, nft, pipeline, routing, context, probe, true));
    if (withoutDocker.verdict === 'open') return { ...result, dockerOnly: false };
    return {
      ...result,
      dockerOnly: true,
      reason: `Open only because of Docker's own rule "${result.decidedBy.text}" in ${result.decidedBy.chain}; without Docker's rules it would be blocked.`,
    };
  });
}

/** The words the confirm step and `v6wall status` show for a result. */
export function verdictLabel(result: ReachabilityResult): string {
  if (result.verdict === 'open') return result.dockerOnly ? "open only because of Docker's own rules" : 'open';
  return result.verdict === 'blocked' ? 'blocked' : 'cannot judge';
}
