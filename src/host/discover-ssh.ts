import { combineSshFacts, DEFAULT_EPHEMERAL_PORTS, type SourceReading } from '../core/ssh-facts.js';
import type { CommandResult, SshFacts } from '../core/types.js';
import { parsePortRange, parseProcStatParentPid } from '../core/parse/proc.js';
import { parseSsTcpSockets } from '../core/parse/ss-sockets.js';
import { parseSshdEffectiveConfig } from '../core/parse/sshd-config.js';
import type { Parsed } from '../core/parse/parsed.js';
import { type DiscoverDeps, describeFailure, runAdminTool } from './discover-deps.js';

/** The pids from v6wall up to init, read from /proc (bounded, in case of a loop). */
async function ancestorPids(deps: DiscoverDeps): Promise<number[]> {
  const pids: number[] = [];
  let pid: number | null = deps.pid ?? process.pid;
  while (pid !== null && pid > 1 && pids.length < 64 && !pids.includes(pid)) {
    pids.push(pid);
    const stat = await deps.readFile(`/proc/${pid}/stat`);
    pid = stat === null ? null : parseProcStatParentPid(stat);
  }
  return pids;
}

function reading<T>(result: CommandResult, uid: number, parse: (stdout: string) => Parsed<T>, warnings: string[]): SourceReading<T> {
  if (result.notFound || result.exitCode !== 0) return { ok: false, error: describeFailure(result, uid) };
  const parsed = parse(result.stdout);
  warnings.push(...parsed.warnings);
  return { ok: true, value: parsed.value };
}

/** SSH ports from sshd's effective config, sshd's live listeners and the operator's own session. */
export async function discoverSsh(deps: DiscoverDeps): Promise<SshFacts> {
  const [config, listeners, established, ancestors, portRange] = await Promise.all([
    runAdminTool(deps.run, ['sshd', '-T']),
    deps.run(['ss', '-Hltnp']),
    deps.run(['ss', '-Htnp', 'state', 'established']),
    ancestorPids(deps),
    deps.readFile('/proc/sys/net/ipv4/ip_local_port_range'),
  ]);
  const parseWarnings: string[] = [];
  const facts = combineSshFacts({
    config: reading(config, deps.uid, parseSshdEffectiveConfig, parseWarnings),
    listeners: reading(listeners, deps.uid, parseSsTcpSockets, parseWarnings),
    established: reading(established, deps.uid, parseSsTcpSockets, parseWarnings),
    sshConnection: deps.env.SSH_CONNECTION,
    ancestorPids: ancestors,
    underSudo: deps.env.SUDO_USER !== undefined,
    ephemeralPorts: (portRange === null ? null : parsePortRange(portRange)) ?? DEFAULT_EPHEMERAL_PORTS,
  });
  return { ...facts, warnings: [...facts.warnings, ...parseWarnings] };
}
