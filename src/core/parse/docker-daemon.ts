import type { DaemonConfig } from '../types/facts.js';
import { field, isRecord, parseJson, recordField, stringField } from './json.js';
import { type Parsed, splitLines } from './parsed.js';

const BOOLEAN_KEYS = {
  ipv6: 'ipv6',
  ip6tables: 'ip6tables',
  iptables: 'iptables',
  'userland-proxy': 'userlandProxy',
  experimental: 'experimental',
  'allow-direct-routing': 'allowDirectRouting',
} as const satisfies Record<string, keyof DaemonConfig>;

const STRING_KEYS = {
  'fixed-cidr-v6': 'fixedCidrV6',
  'firewall-backend': 'firewallBackend',
} as const satisfies Record<string, keyof DaemonConfig>;

export interface DaemonConfigReading {
  config: DaemonConfig;
  /** Why the file could not be used; null when it parsed. */
  error: string | null;
}

/** /etc/docker/daemon.json: only the keys that decide who filters IPv6 traffic. */
export function parseDaemonJson(text: string, path = '/etc/docker/daemon.json'): Parsed<DaemonConfigReading> {
  const warnings: string[] = [];
  // dockerd accepts an empty file as "no settings".
  if (text.trim() === '') return { value: { config: {}, error: null }, warnings };
  const parsed = parseJson(text);
  if (!parsed.ok) return { value: { config: {}, error: `${path} is not valid JSON (${parsed.error}); dockerd refuses to start with it.` }, warnings };
  if (!isRecord(parsed.value)) return { value: { config: {}, error: `${path} is not a JSON object; dockerd refuses to start with it.` }, warnings };
  const config: DaemonConfig = {};
  for (const [key, target] of Object.entries(BOOLEAN_KEYS)) {
    const value = field(parsed.value, key);
    if (typeof value === 'boolean') config[target] = value;
    else if (value !== undefined) warnings.push(`${path}: "${key}" should be true or false.`);
  }
  for (const [key, target] of Object.entries(STRING_KEYS)) {
    const value = field(parsed.value, key);
    if (typeof value === 'string') config[target] = value;
    else if (value !== undefined) warnings.push(`${path}: "${key}" should be a string.`);
  }
  return { value: { config, error: null }, warnings };
}

/** `docker version --format '{{json .}}'`: the server version, null when the daemon did not answer. */
/** The body of the Engine API's GET /version: the server's own fields, without the CLI's Client/Server wrapper. */
export function parseDockerApiVersion(body: string): string | null {
  const parsed = parseJson(body.trim());
  if (!parsed.ok) return null;
  const version = stringField(parsed.value, 'Version');
  return version === null || version === '' ? null : version;
}

/** The body of GET /info: FirewallBackend.Driver, or null when the daemon names none (before 28.1, or its firewall off). */
export function parseDockerApiFirewallBackend(body: string): string | null {
  const parsed = parseJson(body.trim());
  if (!parsed.ok) return null;
  const driver = stringField(recordField(parsed.value, 'FirewallBackend'), 'Driver');
  return driver === null || driver === '' ? null : driver;
}

export function parseDockerVersion(stdout: string): string | null {
  const parsed = parseJson(stdout.trim());
  if (!parsed.ok) return null;
  const version = stringField(recordField(parsed.value, 'Server'), 'Version');
  return version === null || version === '' ? null : version;
}

export interface Ip6tablesDockerChains {
  /** Any chain Docker creates (DOCKER, DOCKER-FORWARD, DOCKER-ISOLATION-*, ...). */
  dockerChains: boolean;
  dockerUser: boolean;
}

/**
 * `ip6tables-save -t filter` (":CHAIN policy" lines) or `ip6tables -S`
 * ("-N CHAIN" lines): which of Docker's chains exist in the filter table now.
 */
export function parseIp6tablesChains(stdout: string): Ip6tablesDockerChains {
  const chains: string[] = [];
  let table = 'filter';
  for (const line of splitLines(stdout)) {
    const trimmed = line.trim();
    if (trimmed.startsWith('*')) table = trimmed.slice(1);
    const name = /^(?::|-N\s+)([^\s]+)/.exec(trimmed)?.[1];
    if (table === 'filter' && name !== undefined) chains.push(name);
  }
  return {
    dockerChains: chains.some((name) => name === 'DOCKER' || (name.startsWith('DOCKER-') && name !== 'DOCKER-USER')),
    dockerUser: chains.includes('DOCKER-USER'),
  };
}
