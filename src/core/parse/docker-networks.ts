import type { DockerNetwork, GatewayMode } from '../types/facts.js';
import ipaddr from 'ipaddr.js';
import { arrayField, booleanField, parseJson, recordField, stringField } from './json.js';
import type { Parsed } from './parsed.js';

const GATEWAY_MODES: readonly GatewayMode[] = ['nat', 'routed', 'nat-unprotected', 'isolated'];
const GATEWAY_MODE_OPTION = 'com.docker.network.bridge.gateway_mode_ipv6';
const BRIDGE_NAME_OPTION = 'com.docker.network.bridge.name';

/** The array `docker network inspect ID...` prints. */
export function parseDockerNetworks(text: string): Parsed<DockerNetwork[]> {
  const warnings: string[] = [];
  const parsed = parseJson(text);
  if (!parsed.ok || !Array.isArray(parsed.value)) {
    return { value: [], warnings: [`docker network inspect printed something other than a JSON array${parsed.ok ? '' : ` (${parsed.error})`}.`] };
  }
  const networks: DockerNetwork[] = [];
  for (const item of parsed.value) {
    const id = stringField(item, 'Id') ?? stringField(item, 'ID');
    const name = stringField(item, 'Name');
    if (id === null || name === null) {
      warnings.push('docker network inspect returned an entry without an Id or Name; it was skipped.');
      continue;
    }
    const driver = stringField(item, 'Driver') ?? '';
    const options = recordField(item, 'Options');
    networks.push({
      id,
      name,
      driver,
      ipv6: booleanField(item, 'EnableIPv6') ?? false,
      subnets: readSubnets(arrayField(recordField(item, 'IPAM'), 'Config') ?? [], name, warnings),
      gatewayModeIpv6: readGatewayMode(stringField(options, GATEWAY_MODE_OPTION), name, warnings),
      bridge: driver === 'bridge' ? (stringField(options, BRIDGE_NAME_OPTION) ?? (name === 'bridge' ? 'docker0' : `br-${id.slice(0, 12)}`)) : null,
    });
  }
  return { value: networks.sort((a, b) => a.name.localeCompare(b.name)), warnings };
}

function readSubnets(configs: unknown[], network: string, warnings: string[]): string[] {
  const subnets: string[] = [];
  for (const config of configs) {
    const subnet = stringField(config, 'Subnet');
    if (subnet === null || subnet === '') continue;
    if (ipaddr.isValidCIDR(subnet)) subnets.push(subnet);
    else warnings.push(`Network ${network} has a subnet v6wall cannot read: "${subnet.slice(0, 60)}".`);
  }
  return subnets;
}

function readGatewayMode(value: string | null, network: string, warnings: string[]): GatewayMode {
  if (value === null || value === '') return 'nat';
  const mode = GATEWAY_MODES.find((candidate) => candidate === value);
  if (mode !== undefined) return mode;
  warnings.push(`Network ${network} uses IPv6 gateway mode "${value.slice(0, 40)}", which v6wall does not know; it is treated as nat.`);
  return 'nat';
}
