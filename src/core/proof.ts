// Prove it: what v6wall intends (each chosen opening open from its sources and from nowhere else,
// everything else to the containers closed, the containers' egress working) held against the
// reachability analysis of the live ruleset. Every difference is named in plain words.
import { containerIpv6Addresses } from './container-addresses.js';
import { dockerFirewallMode, type DockerFirewallMode } from './docker-mode.js';
import { backendOf } from './backend.js';
import { desiredEgressRules } from './egress.js';
import { parseIptablesSave } from './iptables/parse-save.js';
import { analyzeReachability, type Probe, type ReachabilityResult } from './iptables/reachability.js';
import { reachabilityInputs, type LabelledProbe } from './iptables/reachability-inputs.js';
import { openingTagsInPlace } from './openings-in-place.js';
import { parseNftJson } from './nftables/parse-json.js';
import { publishGoesThroughForward } from './plan-openings.js';
import { addressInside, sourceContains, sourceHolds } from './sources.js';
import type { Choices } from './types/choices.js';
import type { Facts, Proto } from './types/facts.js';

/** One opening v6wall means to hold; `source` absent: from anywhere. */
export interface IntendedOpening {
  container: string;
  port: number;
  proto: Proto;
  exposure: 'route' | 'publish';
  hostPort?: number;
  source?: string;
}

export type Intent =
  /** Open from these sources (undefined: anywhere), closed to every other address. */
  | { kind: 'open'; sources: (string | undefined)[] }
  | { kind: 'closed' }
  /** Reachable as a side effect of another opening (Docker forwards a published port to this address): not judged. */
  | { kind: 'either'; why: string };

export interface ProofRow {
  label: string;
  kind: LabelledProbe['kind'] | 'egress';
  container: string | null;
  address: string;
  port: number;
  proto: Proto;
  intent: Intent;
  /** What the live ruleset does for a connection from the sources that matter for this row. */
  live: { from: string; verdict: ReachabilityResult['verdict']; dockerOnly: boolean; reason: string }[];
  differences: string[];
}

export interface Proof {
  rows: ProofRow[];
  /** Every difference, in plain words; empty when the live firewall does what v6wall intends. */
  differences: string[];
  /** Why (part of) the proof could not be made; null when it could. */
  note: string | null;
}

/** An address no rule names: "anyone else on the internet". */
const ELSEWHERE = 'anywhere else';

/** The openings the choices mean to hold (skip means closed). */
export function intendedFromChoices(choices: Choices): IntendedOpening[] {
  return choices.exposures.flatMap((choice): IntendedOpening[] => {
    if (choice.exposure === 'skip') return [];
    const opening: IntendedOpening = { container: choice.container, port: choice.port, proto: choice.proto, exposure: choice.exposure };
    if (choice.hostPort !== undefined) opening.hostPort = choice.hostPort;
    if (choice.source !== undefined) opening.source = choice.source;
    return [opening];
  });
}

/** The openings v6wall's rules in place stand for (by their comments). */
export function intendedFromRules(facts: Facts): IntendedOpening[] {
  return openingTagsInPlace(facts).map((tag): IntendedOpening => {
    const opening: IntendedOpening = { container: tag.container, port: tag.port, proto: tag.proto, exposure: tag.kind };
    if (tag.hostPort !== undefined) opening.hostPort = tag.hostPort;
    if (tag.source !== undefined) opening.source = tag.source;
    return opening;
  });
}

function uniqueSources(sources: (string | undefined)[]): (string | undefined)[] {
  if (sources.includes(undefined)) return [undefined];
  return [...new Set(sources)].filter((s) => !sources.some((other) => other !== undefined && other !== s && s !== undefined && sourceContains(other, s)));
}

function intentFor(probe: LabelledProbe, sshPorts: readonly number[], intended: readonly IntendedOpening[], mode: DockerFirewallMode, facts: Facts): Intent {
  if (probe.kind === 'ssh') return sshPorts.includes(probe.port) ? { kind: 'open', sources: [undefined] } : { kind: 'closed' };
  const forward = publishGoesThroughForward(mode);
  const container = facts.docker.containers.find((c) => c.name === probe.container);
  const samePort = intended.filter((o) => o.container === probe.container && o.proto === probe.proto);
  if (probe.kind === 'container') {
    const route = samePort.filter((o) => o.exposure === 'route' && o.port === probe.port);
    if (route.length > 0) return { kind: 'open', sources: uniqueSources(route.map((o) => o.source)) };
    if (forward && samePort.some((o) => o.exposure === 'publish' && o.port === probe.port)) {
      return { kind: 'either', why: 'Docker forwards the published port to this address, and one route rule decides both' };
    }
    return { kind: 'closed' };
  }
  // A published host port: which container port it leads to.
  const target = container?.ports.find((p) => p.proto === probe.proto && p.published.some((b) => b.hostPort === probe.port));
  const publish = samePort.filter((o) => o.exposure === 'publish' && o.hostPort === probe.port);
  if (publish.length > 0) return { kind: 'open', sources: uniqueSources(publish.map((o) => o.source)) };
  if (forward && target !== undefined && samePort.some((o) => o.exposure === 'route' && o.port === target.port)) {
    return { kind: 'either', why: "Docker forwards this host port to the container's routed port, and one route rule decides both" };
  }
  return { kind: 'closed' };
}

/** The sources this row is asked about: each intended source (a network by one address inside it), and anywhere else. */
function askedSources(intent: Intent, extra: readonly string[]): (string | undefined)[] {
  const asked: (string | undefined)[] = [undefined];
  if (intent.kind === 'open') for (const s of intent.sources) if (s !== undefined) asked.push(s);
  for (const s of extra) if (!asked.includes(s)) asked.push(s);
  return asked;
}

const sourceWords = (source: string | undefined): string => (source === undefined ? ELSEWHERE : source);

function verdictWords(result: ReachabilityResult): string {
  if (result.verdict === 'open') return result.dockerOnly ? "only Docker's own rules let it in" : 'the live firewall lets it in';
  return result.verdict === 'blocked' ? 'the live firewall blocks it' : 'it cannot be judged';
}

function differencesOf(row: Omit<ProofRow, 'differences'>, results: Map<string | undefined, ReachabilityResult>): string[] {
  const found: string[] = [];
  const { intent } = row;
  if (intent.kind === 'either') return found;
  for (const [source, result] of results) {
    const reason = result.reason.replace(/\.$/, '');
    if (result.verdict === 'unknown') {
      found.push(`${row.label}: from ${sourceWords(source)} ${verdictWords(result)} (${reason}).`);
      continue;
    }
    const open = result.verdict === 'open';
    if (intent.kind === 'closed') {
      if (open) found.push(`${row.label} was not chosen, but from ${sourceWords(source)} ${verdictWords(result)} (${reason}).`);
      continue;
    }
    const everyone = intent.sources.includes(undefined);
    const allowed = everyone || (source !== undefined && intent.sources.some((s) => s !== undefined && sourceHolds(s, addressInside(source))));
    if (allowed && !open)
      found.push(`${row.label} should be open from ${sourceWords(source === undefined ? 'anywhere' : source)}, but ${verdictWords(result)} (${reason}).`);
    if (!allowed && open)
      found.push(`${row.label} should be open only from ${intent.sources.join(', ')}, but from ${sourceWords(source)} ${verdictWords(result)} (${reason}).`);
  }
  return found;
}

/** Containers' new connections out: one probe per Docker IPv6 network with a running container. */
function egressProbes(facts: Facts, mode: DockerFirewallMode, publicInterface: string): { probe: Probe; network: string }[] {
  return mode.networks.flatMap((network) => {
    if (network.bridge === null) return [];
    const member = facts.docker.containers.find((c) => c.state === 'running' && c.networks.some((n) => n.name === network.name && n.ipv6 !== null));
    const address =
      member === undefined ? undefined : containerIpv6Addresses({ ...member, networks: member.networks.filter((n) => n.name === network.name) })[0];
    if (address === undefined) return [];
    // A documentation address stands for "somewhere on the internet".
    return [
      {
        network: network.name,
        probe: {
          address: '2001:db8:ffff:ffff::1',
          port: 443,
          proto: 'tcp' as const,
          source: address,
          inInterface: network.bridge,
          outInterface: publicInterface,
        },
      },
    ];
  });
}

export interface ProveOptions {
  /** Ask about this one source address only (`v6wall status --from ADDR`). */
  from?: string;
}

/**
 * Holds the intended openings against the live ruleset. Needs the facts of a fresh discovery
 * (after the apply); the SSH ports kept open; the openings v6wall means to hold.
 */
export function proveIntended(facts: Facts, sshPorts: readonly number[], intended: readonly IntendedOpening[], options: ProveOptions = {}): Proof {
  const mode = dockerFirewallMode(facts.docker, backendOf(facts).kind);
  const publicInterface = facts.host.publicInterface ?? 'eth0';
  const { context, probes } = reachabilityInputs(facts, mode, publicInterface);
  const save = facts.docker.ip6tablesSave;
  const nftText = facts.docker.nftRuleset;
  if (save === null && nftText === null) {
    return {
      rows: [],
      differences: [],
      note: facts.host.root
        ? 'Cannot check the live firewall: ip6tables-save could not be read.'
        : 'Cannot check the live firewall: reading it (ip6tables-save) needs root.',
    };
  }
  const ruleset = parseIptablesSave(save ?? '');
  const nft = nftText === null ? null : parseNftJson(nftText);
  const chosenSources = [...new Set(intended.flatMap((o) => (o.source === undefined ? [] : [o.source])))];
  const rows: ProofRow[] = [];
  for (const probe of probes) {
    const intent = intentFor(probe, sshPorts, intended, mode, facts);
    const asked = options.from !== undefined ? [options.from] : askedSources(intent, intent.kind === 'closed' ? chosenSources : []);
    const results = new Map<string | undefined, ReachabilityResult>();
    const analysed = analyzeReachability(
      ruleset,
      context,
      asked.map((source) => ({
        address: probe.address,
        port: probe.port,
        proto: probe.proto,
        ...(source === undefined ? {} : { source: source.includes('/') ? addressInside(source) : source }),
      })),
      nft,
    );
    asked.forEach((source, index) => results.set(source, analysed[index] as ReachabilityResult));
    const base = {
      label: probe.label,
      kind: probe.kind,
      container: probe.container,
      address: probe.address,
      port: probe.port,
      proto: probe.proto,
      intent,
      live: [...results].map(([source, result]) => ({
        from: sourceWords(source),
        verdict: result.verdict,
        dockerOnly: result.dockerOnly,
        reason: result.reason,
      })),
    };
    rows.push({ ...base, differences: differencesOf(base, results) });
  }
  for (const { probe, network } of egressProbes(facts, mode, publicInterface)) {
    const [result] = analyzeReachability(ruleset, context, [probe], nft);
    if (result === undefined) continue;
    const label = `containers of ${network} starting connections out`;
    const needed = desiredEgressRules(mode).some((rule) => rule.network === network);
    const differences =
      result.verdict === 'open'
        ? []
        : [
            `Containers on Docker network ${network} ${result.verdict === 'blocked' ? 'cannot' : 'may not be able to'} start new connections out (${result.reason.replace(/\.$/, '')})${needed ? ": v6wall's egress rule for it is missing" : ''}.`,
          ];
    rows.push({
      label,
      kind: 'egress',
      container: null,
      address: probe.address,
      port: probe.port,
      proto: probe.proto,
      intent: { kind: 'open', sources: [probe.source] },
      live: [{ from: probe.source ?? '', verdict: result.verdict, dockerOnly: result.dockerOnly, reason: result.reason }],
      differences,
    });
  }
  const unread = ruleset.warnings.length + (nft?.warnings.length ?? 0);
  const note = unread > 0 ? `${unread} part(s) of the live rulesets were not understood; verdicts that depend on them say "cannot be judged".` : null;
  return { rows, differences: rows.flatMap((row) => row.differences), note };
}
