// The planner for hosts where v6wall keeps its own nftables table instead of driving UFW. The
// choices, their validation and each opening's rules come from the same code as UFW's plan
// (openingRules); what differs is the output: one nft script that replaces `table inet v6wall`
// (checked with `nft -c`, then loaded as one transaction), and the files that load it at boot.
import type { ChoiceError, Choices, ExposureChoice } from './types/choices.js';
import type { Facts } from './types/facts.js';
import type { Plan, PlanStep } from './types/plan.js';
import type { Result } from './types/result.js';
import { dockerFirewallMode, type DockerFirewallMode } from './docker-mode.js';
import type { PlanContext } from './plan-docker.js';
import { choiceLabel, openingRules } from './plan-openings.js';
import { closingReason } from './plan-closings.js';
import { openingKey } from './rule-comment.js';
import { sourceContains } from './sources.js';
import { sshPortErrors } from './ssh-ports.js';
import { isValidPort } from './port.js';
import { V6WALL_FAMILY, V6WALL_TABLE, liveTableMatches, liveV6wallTable } from './nftables/v6wall-table.js';
import type { ManagedRule } from './managed-rules.js';
import { tableClosings } from './nftables/table-closings.js';
import { type ContainerOpening, type HostOpening, renderV6wallTable, replaceTableScript } from './nftables/v6wall-script.js';

/** Where the table is kept for the next boot, and the unit that loads it (see README: why not nftables.service). */
export const NFT_PERSIST_PATH = '/etc/v6wall/v6wall.nft';
export const NFT_UNIT_NAME = 'v6wall-nftables.service';
export const NFT_UNIT_PATH = `/etc/systemd/system/${NFT_UNIT_NAME}`;
/** What `systemctl enable` makes for WantedBy=sysinit.target. */
export const NFT_UNIT_WANTS_PATH = `/etc/systemd/system/sysinit.target.wants/${NFT_UNIT_NAME}`;
/** nft limits a rule comment to 128 bytes. */
const NFT_COMMENT_MAX = 128;

/**
 * Loads the persisted table early at boot, before the network and before Docker, without a
 * `flush ruleset`: Debian's /etc/nftables.conf starts with one, and nftables.service's stop and
 * reload run it, which would wipe Docker's rules. The file's absence (a rollback to no table)
 * turns the unit into a no-op.
 */
export const NFT_UNIT = `[Unit]
Description=v6wall firewall (table inet v6wall)
Documentation=man:v6wall(8)
Wants=network-pre.target
Before=network-pre.target docker.service shutdown.target
Conflicts=shutdown.target
DefaultDependencies=no
ConditionPathExists=${NFT_PERSIST_PATH}

[Service]
Type=oneshot
RemainAfterExit=yes
StandardInput=null
ExecStart=/usr/sbin/nft -f ${NFT_PERSIST_PATH}

[Install]
WantedBy=sysinit.target
`;

/**
 * v6wall's table runs before Docker's chains on the same hooks, as the DOCKER-USER chain does for
 * ip6tables: so Docker 20.10-22's ip6tables rules (no DOCKER-USER) are narrowed here as well, and
 * a published port is judged after Docker's DNAT, at the container's address and port.
 */
function modeForOwnTable(mode: DockerFirewallMode): DockerFirewallMode {
  return mode.kind === 'ip6tables-on-no-docker-user' ? { ...mode, kind: 'ip6tables-on-docker-user' } : mode;
}

/** What stays open: the chosen exposures, and unless --exact the table's openings not closed. */
function wantedExposures(facts: Facts, choices: Choices): { kept: ExposureChoice[]; chosen: ExposureChoice[] } {
  const chosen = choices.exposures.filter((choice) => choice.exposure !== 'skip');
  if (choices.scope === 'exact') return { kept: [], chosen };
  const kept = liveV6wallTable(facts.docker.nftRuleset)
    .openings.filter((tag) => closingReason(choices, tag, null) === null)
    .map((tag): ExposureChoice => ({
      container: tag.container,
      port: tag.port,
      proto: tag.proto,
      exposure: tag.kind,
      ...(tag.hostPort === undefined ? {} : { hostPort: tag.hostPort }),
      ...(tag.source === undefined ? {} : { source: tag.source }),
    }));
  return { kept, chosen };
}

/** A source inside another source of the same opening adds nothing. */
function withoutRedundant(exposures: ExposureChoice[], notes: string[]): ExposureChoice[] {
  const key = (c: ExposureChoice) =>
    `${openingKey({ kind: c.exposure === 'publish' ? 'publish' : 'route', container: c.container, port: c.port, proto: c.proto, ...(c.hostPort === undefined ? {} : { hostPort: c.hostPort }) })}`;
  const seen = new Set<string>();
  return exposures.filter((choice) => {
    const id = `${key(choice)} ${choice.source ?? ''}`;
    if (seen.has(id)) return false;
    seen.add(id);
    if (choice.source === undefined) return true;
    const wider = exposures.find(
      (other) => other !== choice && key(other) === key(choice) && other.source !== choice.source && sourceContains(other.source, choice.source as string),
    );
    if (wider === undefined) return true;
    notes.push(`${choiceLabel(choice)} is left out: ${choiceLabel(wider)} already lets ${choice.source} in.`);
    return false;
  });
}

interface TableOpenings {
  host: HostOpening[];
  containers: ContainerOpening[];
}

function tableOpenings(context: PlanContext, exposures: ExposureChoice[], kept: Set<ExposureChoice>, inPlace: readonly ManagedRule[]): TableOpenings {
  const host: HostOpening[] = [];
  const containers: ContainerOpening[] = [];
  for (const choice of exposures) {
    const errors: ChoiceError[] = [];
    const rules = openingRules({ ...context, errors }, choice, inPlace);
    if (errors.length > 0) {
      if (!kept.has(choice)) context.errors.push(...errors);
      else context.notes.push(`${choiceLabel(choice)}, open until now, is closed: ${errors.map((e) => e.message).join('; ')} (open it again once it can be).`);
      continue;
    }
    for (const rule of rules) {
      const comment = rule.spec.comment ?? '';
      if (Buffer.byteLength(comment) > NFT_COMMENT_MAX) {
        context.errors.push({
          choice: choiceLabel(choice),
          message: `the rule's comment "${comment}" is longer than nftables allows (128 bytes): a shorter container name fits`,
        });
        continue;
      }
      const source = rule.spec.from === undefined ? {} : { source: rule.spec.from };
      if (rule.spec.port === null || rule.spec.proto === 'any') continue;
      if (rule.spec.route) {
        const via = rule.kind === 'publish' && choice.hostPort !== undefined ? { viaHostPort: choice.hostPort } : {};
        containers.push({ proto: rule.spec.proto, address: rule.spec.to, port: rule.spec.port, ...source, ...via, comment });
      } else {
        host.push({ proto: rule.spec.proto, port: rule.spec.port, ...source, comment });
      }
    }
  }
  return { host, containers };
}

function refusals(facts: Facts): ChoiceError[] {
  if (facts.docker.nftRuleset === null) {
    return [
      {
        choice: '--backend nftables',
        message: 'nft cannot be run or cannot read the ruleset here: install the nftables package (apt-get install nftables) and run v6wall as root',
      },
    ];
  }
  return [];
}

/** The nftables plan: check, load (one transaction), keep for the next boot. */
export function buildNftablesPlan(facts: Facts, choices: Choices): Result<Plan> {
  const errors: ChoiceError[] = [...refusals(facts)];
  if (errors.length > 0) return { ok: false, errors };
  errors.push(...sshPortErrors(facts, choices));
  const mode = modeForOwnTable(dockerFirewallMode(facts.docker, 'nftables'));
  const context: PlanContext = { facts, mode, errors, notes: [] };
  const { kept, chosen } = wantedExposures(facts, choices);
  const exposures = withoutRedundant([...chosen, ...kept], context.notes);
  const live = liveV6wallTable(facts.docker.nftRuleset);
  const openings = tableOpenings(context, exposures, new Set(kept), live.rules);
  if (errors.length > 0) return { ok: false, errors };

  const table = renderV6wallTable({
    sshPorts: [...new Set(choices.sshPorts)].filter(isValidPort),
    hostOpenings: openings.host,
    containerOpenings: openings.containers,
    containerSubnets: mode.networks.flatMap((network) => network.subnets),
  });
  const script = replaceTableScript(table);
  const boot = facts.nftBoot;
  const inPlace = liveTableMatches(live, table);
  const steps: PlanStep[] = [
    {
      kind: 'integration',
      why: `Check the new table ${V6WALL_FAMILY} ${V6WALL_TABLE} with nft -c (changes nothing)`,
      argv: ['nft', '-c', '-f', '/dev/stdin'],
      input: script,
      undoArgv: null,
      satisfied: inPlace,
    },
    {
      kind: 'enable',
      why: `Replace v6wall's table ${V6WALL_FAMILY} ${V6WALL_TABLE} in one transaction: SSH first, then the openings; new connections to the host and to the containers' IPv6 subnets are dropped (no other table is touched)`,
      argv: ['nft', '-f', '/dev/stdin'],
      input: script,
      undoArgv: live.present ? null : ['nft', 'delete', 'table', V6WALL_FAMILY, V6WALL_TABLE],
      satisfied: inPlace,
    },
    {
      kind: 'integration',
      why: `Keep the table for the next boot in ${NFT_PERSIST_PATH}`,
      argv: ['install', '-D', '-m', '0600', '/dev/stdin', NFT_PERSIST_PATH],
      input: script,
      undoArgv: null,
      satisfied: boot.script === script,
    },
    {
      kind: 'integration',
      why: `Install ${NFT_UNIT_NAME}, which loads ${NFT_PERSIST_PATH} at boot before Docker starts, without flushing anyone else's rules`,
      argv: ['install', '-D', '-m', '0644', '/dev/stdin', NFT_UNIT_PATH],
      input: NFT_UNIT,
      undoArgv: null,
      satisfied: boot.unit === NFT_UNIT,
    },
    {
      kind: 'integration',
      why: `Enable ${NFT_UNIT_NAME} for the next boot`,
      argv: ['systemctl', 'enable', '--quiet', NFT_UNIT_NAME],
      undoArgv: null,
      satisfied: boot.enabled && boot.unit === NFT_UNIT,
    },
  ];
  const notes = [
    `v6wall keeps its rules in its own table ${V6WALL_FAMILY} ${V6WALL_TABLE} (input and forward chains at priority filter - 10, before Docker's); Docker's tables and every other table are left as they are.`,
    ...(facts.ufw.enabled ? ["UFW is enabled as well: a packet must pass both UFW and v6wall's table."] : []),
    ...new Set(context.notes),
    ...tableClosings(facts, choices).map((closing) => `Closes ${closing.what}: ${closing.reason} (the new table leaves it out).`),
  ];
  return { ok: true, value: { steps, notes } };
}
