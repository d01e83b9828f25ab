// The v6wall block for /etc/ufw/after6.rules on hosts where Docker writes ip6tables rules
// and has an IPv6 DOCKER-USER chain (Docker 23+). Docker jumps to DOCKER-USER before its own
// accepts, so this is the one place where UFW's route rules can decide first.
//
// How UFW loads the file (ufw-init, `ip6tables-restore -n < after6.rules`, on enable/reload/boot):
// - A ":CHAIN - [0:0]" line flushes CHAIN even with -n (checked with ip6tables 1.8.9), so declaring
//   DOCKER-USER makes every reload replace its rules instead of appending duplicates, and creates the
//   chain when UFW starts before Docker (Docker keeps an existing DOCKER-USER and adds its jump).
// - after6.rules is loaded before user6.rules, so ufw6-user-forward may not exist yet (first start,
//   or after `ufw reload` deleted it): it is declared too. It is empty at that moment either way,
//   and user6.rules fills it right after.
// - `ufw default ...` rewrites "UFW ALLOW"/"UFW BLOCK" in this file: the block never contains them.
import ipaddr from 'ipaddr.js';
import type { Ruleset, SaveRule } from './iptables/ruleset.js';
import type { Result } from './types/result.js';

export const AFTER6_RULES_PATH = '/etc/ufw/after6.rules';

const BEGIN_MARKER = '# BEGIN v6wall DOCKER-USER block (managed by v6wall: edit with v6wall, not by hand)';
const END_MARKER = '# END v6wall DOCKER-USER block';
const isBegin = (line: string): boolean => line.trim().startsWith('# BEGIN v6wall');
const isEnd = (line: string): boolean => line.trim().startsWith('# END v6wall');

/** Linux interface names: at most 15 characters, no spaces, slashes or colons. */
const INTERFACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

/** Validates and normalises one Docker IPv6 subnet ("2001:db8:1::/80"), or says what is wrong. */
export function normaliseIpv6Subnet(text: string): Result<string, string> {
  const trimmed = text.trim();
  if (!trimmed.includes('/') || !ipaddr.IPv6.isValidCIDR(trimmed)) {
    return { ok: false, error: `"${text}" is not an IPv6 subnet (expected e.g. 2001:db8:1::/80)` };
  }
  const [address, prefix] = ipaddr.IPv6.parseCIDR(trimmed);
  if (address.isIPv4MappedAddress()) return { ok: false, error: `"${text}" is an IPv4-mapped range, not a Docker IPv6 subnet` };
  if (prefix < 16) return { ok: false, error: `"${text}" is far too broad for a Docker subnet (/${prefix})` };
  const network = ipaddr.IPv6.networkAddressFromCIDR(trimmed);
  return { ok: true, value: `${network.toString()}/${prefix}` };
}

/**
 * The block: in DOCKER-USER, established/related traffic (ICMPv6 errors among it), echo requests
 * and traffic from Docker's bridges go on to Docker's own chains; everything else is offered to UFW's route rules
 * (ufw6-user-forward, where an ACCEPT ends the walk); what they did not accept and is NEW
 * towards a Docker IPv6 subnet is dropped. Published ports arrive here already DNAT'd
 * (container address, container port), so route rules govern them too.
 */
export function renderDockerUserBlock(subnets: readonly string[], bridges: readonly string[]): Result<string, string[]> {
  const errors: string[] = [];
  const cleanSubnets: string[] = [];
  for (const s of subnets) {
    const r = normaliseIpv6Subnet(s);
    if (!r.ok) errors.push(r.error);
    else if (!cleanSubnets.includes(r.value)) cleanSubnets.push(r.value);
  }
  const cleanBridges: string[] = [];
  for (const b of bridges) {
    if (!INTERFACE_NAME.test(b)) errors.push(`"${b}" is not a valid interface name`);
    else if (!cleanBridges.includes(b)) cleanBridges.push(b);
  }
  if (subnets.length === 0) errors.push('no Docker IPv6 subnet given: there is nothing for the block to protect');
  if (bridges.length === 0) errors.push("no Docker bridge given: containers' own traffic would be sent through UFW's route rules");
  if (errors.length > 0) return { ok: false, errors };

  const lines = [
    BEGIN_MARKER,
    "# New inbound traffic for Docker's IPv6 subnets must pass UFW's route rules (ufw route allow ...).",
    ':DOCKER-USER - [0:0]',
    ':ufw6-user-forward - [0:0]',
    '-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
    // Echo requests go on to Docker's rules, which decide as they would without v6wall (measured:
    // without this, the drop below stopped pings to routed containers that Docker answers).
    '-A DOCKER-USER -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j RETURN',
    ...cleanBridges.map((b) => `-A DOCKER-USER -i ${b} -j RETURN`),
    '-A DOCKER-USER -j ufw6-user-forward',
    ...cleanSubnets.map((s) => `-A DOCKER-USER -d ${s} -m conntrack --ctstate NEW -j DROP`),
    END_MARKER,
  ];
  return { ok: true, value: lines.join('\n') };
}

interface BlockSpan {
  begin: number;
  end: number;
}

function findBlock(lines: readonly string[]): Result<BlockSpan | null, string> {
  const begins = lines.flatMap((l, i) => (isBegin(l) ? [i] : []));
  const ends = lines.flatMap((l, i) => (isEnd(l) ? [i] : []));
  if (begins.length === 0 && ends.length === 0) return { ok: true, value: null };
  const begin = begins[0];
  const end = ends[0];
  if (begins.length !== 1 || ends.length !== 1 || begin === undefined || end === undefined || end < begin) {
    return {
      ok: false,
      error: `${AFTER6_RULES_PATH} has a damaged v6wall block (${begins.length} BEGIN and ${ends.length} END lines): fix or remove the lines between the v6wall markers by hand`,
    };
  }
  return { ok: true, value: { begin, end } };
}

/** Whether after6.rules already holds a v6wall block (even a damaged one). */
export function hasBlock(after6Text: string): boolean {
  return after6Text.split('\n').some((l) => isBegin(l) || isEnd(l));
}

/** Where a new block goes: after the last rule of the *filter section, before its closing comments and COMMIT. */
function insertionPoint(lines: readonly string[]): number | null {
  const filter = lines.findIndex((l) => l.trim() === '*filter');
  if (filter === -1) return null;
  let commit = -1;
  for (let i = filter + 1; i < lines.length; i++) {
    const t = (lines[i] as string).trim();
    if (t === 'COMMIT') {
      commit = i;
      break;
    }
    if (t.startsWith('*')) return null;
  }
  if (commit === -1) return null;
  let at = commit;
  while (at > filter + 1) {
    const t = (lines[at - 1] as string).trim();
    if (t !== '' && !t.startsWith('#')) break;
    at--;
  }
  return at;
}

/** Puts the block into after6.rules, replacing an earlier v6wall block in place; installing twice changes nothing. */
export function installBlock(after6Text: string, block: string): Result<string, string> {
  const lines = after6Text.split('\n');
  const found = findBlock(lines);
  if (!found.ok) return found;
  const blockLines = block.split('\n');
  if (found.value !== null) {
    const { begin, end } = found.value;
    return { ok: true, value: [...lines.slice(0, begin), ...blockLines, ...lines.slice(end + 1)].join('\n') };
  }
  const at = insertionPoint(lines);
  if (at === null) {
    return {
      ok: false,
      error: `${AFTER6_RULES_PATH} has no "*filter" section ending in "COMMIT"; UFW's own copy is /usr/share/ufw/after6.rules`,
    };
  }
  return { ok: true, value: [...lines.slice(0, at), '', ...blockLines, ...lines.slice(at)].join('\n') };
}

/** Takes the v6wall block out again, with the blank line installBlock put before it. */
export function removeBlock(after6Text: string): Result<string, string> {
  const lines = after6Text.split('\n');
  const found = findBlock(lines);
  if (!found.ok) return found;
  if (found.value === null) return { ok: true, value: after6Text };
  const { begin, end } = found.value;
  const from = begin > 0 && (lines[begin - 1] as string).trim() === '' ? begin - 1 : begin;
  return { ok: true, value: [...lines.slice(0, from), ...lines.slice(end + 1)].join('\n') };
}

const OWN_RULES = [
  /^-A DOCKER-USER -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN$/,
  /^-A DOCKER-USER -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j RETURN$/,
  /^-A DOCKER-USER -i [A-Za-z0-9][A-Za-z0-9_.-]{0,14} -j RETURN$/,
  /^-A DOCKER-USER -j ufw6-user-forward$/,
  /^-A DOCKER-USER -d [0-9a-f:]+\/\d{1,3} -m conntrack --ctstate NEW -j DROP$/,
  // Docker before 28 put this one there itself.
  /^-A DOCKER-USER -j RETURN$/,
];

/**
 * Live IPv6 DOCKER-USER rules that are neither v6wall's nor Docker's default RETURN. With the
 * block installed, every `ufw reload` flushes DOCKER-USER, so these would silently vanish:
 * the plan should show them and ask before installing.
 */
export function foreignDockerUserRules(ruleset: Ruleset): SaveRule[] {
  const chain = ruleset.tables.find((t) => t.name === 'filter')?.chains.find((c) => c.name === 'DOCKER-USER');
  return (chain?.rules ?? []).filter((rule) => !OWN_RULES.some((own) => own.test(rule.text)));
}
