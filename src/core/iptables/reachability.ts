import type { Proto } from '../types.js';
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

type Stage = { table: string; chain: string };

const PREROUTING: Stage[] = [
  { table: 'raw', chain: 'PREROUTING' },
  { table: 'mangle', chain: 'PREROUTING' },
  { table: 'nat', chain: 'PREROUTING' },
];
const LOCAL: Stage[] = [
  { table: 'mangle', chain: 'INPUT' },
  { table: 'filter', chain: 'INPUT' },
  { table: 'security', chain: 'INPUT' },
];
const FORWARDED: Stage[] = [
  { table: 'mangle', chain: 'FORWARD' },
  { table: 'filter', chain: 'FORWARD' },
  { table: 'security', chain: 'FORWARD' },
];

interface Path {
  pkt: Packet;
  assumptions: string[];
  notes: string[];
  trail: string[];
  /** The filter table's decision, the one a person cares about. */
  filterBy: DecidingRule | null;
}

type PathEnd =
  | { kind: 'open'; path: Path }
  | { kind: 'blocked'; by: DecidingRule; path: Path }
  | { kind: 'unknown'; reason: string; by: DecidingRule | null; path: Path };

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
  return by.line === null ? `the ${by.chain} policy (${by.text})` : `"${by.text}" in ${by.chain}`;
}

function runStage(walker: ChainWalker, stage: Stage, path: Path): { next: Path[]; ends: PathEnd[] } {
  const chain = walker.chain(stage.table, stage.chain);
  if (chain === undefined) return { next: [path], ends: [] };
  if (stage.table === 'nat' && path.pkt.states.includes('UNTRACKED')) return { next: [path], ends: [] };
  const outcomes: Outcome[] = walker.walk(chain, 0, path.pkt, path.assumptions, path.notes, 0);
  const next: Path[] = [];
  const ends: PathEnd[] = [];
  const where = `${stage.table} ${stage.chain}`;
  for (const o of outcomes) {
    const policy = chain.policy ?? 'ACCEPT';
    const by: DecidingRule | null =
      o.kind === 'return' ? { table: stage.table, chain: stage.chain, line: null, text: `policy ${policy}` } : o.by;
    const verdict = o.kind === 'return' ? (policy === 'ACCEPT' ? 'ACCEPT' : 'DROP') : o.kind === 'verdict' ? o.verdict : null;
    const base = { ...path, pkt: o.pkt, assumptions: o.assumptions, notes: o.notes };
    if (verdict === null || by === null) {
      const reason = o.kind === 'unknown' ? o.reason : 'unknown';
      ends.push({ kind: 'unknown', reason, by, path: { ...base, trail: [...path.trail, `${where}: cannot judge (${reason})`] } });
      continue;
    }
    if (verdict !== 'ACCEPT') {
      ends.push({ kind: 'blocked', by, path: { ...base, trail: [...path.trail, `${where}: ${verdict} by ${describeBy(by)}`] } });
      continue;
    }
    const rewritten = !sameAddr(o.pkt.dst, path.pkt.dst) || o.pkt.dport !== path.pkt.dport || o.pkt.redirected !== path.pkt.redirected;
    const step = rewritten
      ? `${where}: destination rewritten to [${o.pkt.dstText}]:${o.pkt.dport} by ${describeBy(by)}`
      : by.line === null && stage.table !== 'filter'
        ? `${where}: passed`
        : `${where}: ACCEPT by ${describeBy(by)}`;
    next.push({ ...base, trail: [...path.trail, step], filterBy: stage.table === 'filter' ? by : path.filterBy });
  }
  return { next, ends };
}

function runStages(walker: ChainWalker, stages: Stage[], paths: Path[], ends: PathEnd[]): Path[] {
  let current = paths;
  for (const stage of stages) {
    const next: Path[] = [];
    for (const p of current) {
      const r = runStage(walker, stage, p);
      next.push(...r.next);
      ends.push(...r.ends);
    }
    current = next;
  }
  return current;
}

function followProbe(tables: CompiledRuleset, routing: Routing, context: RoutingContext, probe: Probe, withoutDockerFilterChains: boolean): PathEnd[] {
  const walker = new ChainWalker(tables, { facts: routing.facts, withoutDockerFilterChains });
  const dst = parseAddr(probe.address) as Addr;
  const src = probe.source === undefined ? null : parseAddr(probe.source);
  const pkt: Packet = {
    src,
    dst,
    dstText: formatAddr(dst),
    sport: null,
    dport: probe.port,
    proto: probe.proto,
    inIface: context.publicInterface,
    outIface: null,
    origDst: dst,
    origDport: probe.port,
    states: ['NEW'],
    redirected: false,
  };
  const ends: PathEnd[] = [];
  const afterPre = runStages(walker, PREROUTING, [{ pkt, assumptions: [], notes: [], trail: [], filterBy: null }], ends);
  for (const path of afterPre) {
    if (path.pkt.redirected || routing.facts.isLocal(path.pkt.dst)) {
      for (const done of runStages(walker, LOCAL, [path], ends)) ends.push({ kind: 'open', path: done });
      continue;
    }
    const bridge = routing.bridgeFor(path.pkt.dst);
    if (bridge === null) {
      const reason = `no route known to ${path.pkt.dstText}: it is neither a host address nor in a Docker IPv6 subnet`;
      ends.push({ kind: 'unknown', reason, by: null, path: { ...path, trail: [...path.trail, `routing: ${reason}`] } });
      continue;
    }
    const routed: Path = { ...path, pkt: { ...path.pkt, outIface: bridge }, trail: [...path.trail, `routing: forwarded out of ${bridge}`] };
    for (const done of runStages(walker, FORWARDED, [routed], ends)) ends.push({ kind: 'open', path: done });
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
  const by = first.path.filterBy;
  const reason = by === null ? 'Open: no filter rule stops it.' : `Open: accepted by ${describeBy(by)}.`;
  return { probe, verdict: 'open', decidedBy: by, reason, trail: first.path.trail, notes };
}

/**
 * Decides, for each probe, whether a NEW inbound connection from the internet arriving on the
 * public interface gets through the ruleset (raw, mangle, nat PREROUTING; then INPUT or FORWARD).
 */
export function analyzeReachability(ruleset: Ruleset, context: RoutingContext, probes: readonly Probe[]): ReachabilityResult[] {
  const routing = buildRouting(context);
  const tables = new CompiledRuleset(ruleset);
  return probes.map((probe): ReachabilityResult => {
    const bad = typeof routing === 'string' ? routing : probeError(probe);
    if (bad !== null || typeof routing === 'string') {
      return { probe, verdict: 'unknown', dockerOnly: false, decidedBy: null, reason: `Cannot judge: ${bad}.`, trail: [], notes: [] };
    }
    const result = summarise(probe, followProbe(tables, routing, context, probe, false));
    const hidden = context.unreadableDockerRules;
    if (hidden !== undefined && result.verdict === 'open' && touchesDocker(routing, hidden.publishedHostPorts, probe)) {
      return {
        ...result,
        verdict: 'unknown',
        dockerOnly: false,
        reason: `Cannot judge: ip6tables lets it through, but ${hidden.reason}, and v6wall cannot read those rules.`,
      };
    }
    if (result.verdict !== 'open' || result.decidedBy === null || !isDockerOwnChain(result.decidedBy.chain)) {
      return { ...result, dockerOnly: false };
    }
    const withoutDocker = summarise(probe, followProbe(tables, routing, context, probe, true));
    if (withoutDocker.verdict === 'open') return { ...result, dockerOnly: false };
    return {
      ...result,
      dockerOnly: true,
      reason: `Open only because of Docker's own rule "${result.decidedBy.text}" in ${result.decidedBy.chain}; UFW's rules alone would not let it in.`,
    };
  });
}

/** The words the confirm step and `v6wall status` show for a result. */
export function verdictLabel(result: ReachabilityResult): string {
  if (result.verdict === 'open') return result.dockerOnly ? "open only because of Docker's own rules" : 'open';
  return result.verdict === 'blocked' ? 'blocked' : 'cannot judge';
}
