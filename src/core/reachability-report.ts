// What a stranger on the internet can reach right now, judged from the live rulesets discovery
// read (ip6tables-save and nft -j list ruleset): one row per SSH port, container port and
// published IPv6 host port.
// Shared by `v6wall status` and the wizard's confirm step.
import { dockerFirewallMode } from './docker-mode.js';
import { backendOf } from './backend.js';
import { parseIptablesSave } from './iptables/parse-save.js';
import { analyzeReachability, verdictLabel, type ReachVerdict } from './iptables/reachability.js';
import { reachabilityInputs, type LabelledProbe } from './iptables/reachability-inputs.js';
import { parseNftJson } from './nftables/parse-json.js';
import type { Facts, Proto } from './types/facts.js';

export interface ReachabilityRow {
  /** e.g. "web 80/tcp at [2001:db8::10]:80". */
  label: string;
  kind: LabelledProbe['kind'];
  container: string | null;
  address: string;
  port: number;
  proto: Proto;
  verdict: ReachVerdict;
  /** Open only because an ACCEPT in Docker's own chains comes before UFW's rules. */
  dockerOnly: boolean;
  /** "open", "blocked", "open only because of Docker's own rules" or "cannot judge". */
  words: string;
  /** One sentence: the rule or policy that decided, or why it cannot be judged. */
  reason: string;
}

export interface ReachabilityReport {
  rows: ReachabilityRow[];
  /** Plain words when (part of) the report cannot be trusted or is incomplete; null when all is well. */
  note: string | null;
}

/** When a ruleset was not read: the reason, in words the operator can act on. */
function missingRulesetNote(facts: Facts): string {
  if (!facts.host.root) return 'Cannot judge what is reachable: reading the live ruleset (ip6tables-save) needs root. Run v6wall as root (sudo).';
  return 'Cannot judge what is reachable: ip6tables-save could not be read (is the iptables package installed?).';
}

export function reachabilityReport(facts: Facts): ReachabilityReport {
  const mode = dockerFirewallMode(facts.docker, backendOf(facts).kind);
  const { context, probes } = reachabilityInputs(facts, mode, facts.host.publicInterface ?? 'eth0');
  const notes: string[] = [];
  if (facts.host.globalIpv6.length === 0) {
    notes.push('The host has no global IPv6 address: its own ports (SSH, published ports) were not checked.');
  }
  const save = facts.docker.ip6tablesSave;
  const nftText = facts.docker.nftRuleset;
  if (save === null && nftText === null) {
    const rows = probes.map((probe): ReachabilityRow => ({
      ...rowBase(probe),
      verdict: 'unknown',
      dockerOnly: false,
      words: 'cannot judge',
      reason: 'The live ruleset was not read.',
    }));
    return { rows, note: [missingRulesetNote(facts), ...notes].join(' ') };
  }
  if (save === null)
    notes.push('ip6tables-save could not be read: judged from the nftables ruleset alone (rules loaded with iptables-legacy would not be seen).');
  const ruleset = parseIptablesSave(save ?? '');
  if (ruleset.warnings.length > 0) {
    const first = ruleset.warnings[0];
    notes.push(
      `${ruleset.warnings.length} line(s) of ip6tables-save were not understood (first: line ${first?.line}: ${first?.message}); ` +
        'verdicts that depend on them say "cannot judge".',
    );
  }
  if (context.unreadableDockerRules !== undefined) {
    notes.push(
      `${context.unreadableDockerRules.reason}, which ip6tables-save cannot show: connections to containers and published ports that ip6tables lets through cannot be judged, nor published ports it drops on the host (Docker may forward them first); other drops stand.`,
    );
  }
  const nft = nftText === null ? null : parseNftJson(nftText);
  if (nft !== null && nft.warnings.length > 0) {
    notes.push(
      `${nft.warnings.length} part(s) of the nftables ruleset were not understood (first: ${nft.warnings[0]}); verdicts that depend on them say "cannot judge".`,
    );
  }
  const results = analyzeReachability(ruleset, context, probes, nft);
  const rows = results.map((result, index): ReachabilityRow => ({
    ...rowBase(probes[index] as LabelledProbe),
    verdict: result.verdict,
    dockerOnly: result.dockerOnly,
    words: verdictLabel(result),
    reason: result.reason,
  }));
  return { rows, note: notes.length === 0 ? null : notes.join(' ') };
}

function rowBase(probe: LabelledProbe): Pick<ReachabilityRow, 'label' | 'kind' | 'container' | 'address' | 'port' | 'proto'> {
  return { label: probe.label, kind: probe.kind, container: probe.container, address: probe.address, port: probe.port, proto: probe.proto };
}
