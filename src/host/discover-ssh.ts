import { combineSshFacts, DEFAULT_EPHEMERAL_PORTS, type SourceReading } from '../core/ssh-facts.js';
import type { SshFacts } from '../core/types/facts.js';
import type { CommandResult } from '../core/types/runner.js';
import { parsePortRange, parseProcStatParentPid } from '../core/parse/proc.js';
import { type ListeningAndEstablished, parseSsListeningAndEstablished } from '../core/parse/ss-sockets.js';
import { parseSshdEffectiveConfig } from '../core/parse/sshd-config.js';
import type { Parsed } from '../core/parse/parsed.js';
import { type DiscoverDeps, describeFailure, runAdminTool } from './discover-deps.js';

/** One ss call for both states: `-p` scans every process's fds in /proc, a cost worth paying once. */
const SS_LISTENING_AND_ESTABLISHED = ['ss', '-Htnp', 'state', 'listening', 'state', 'established'];

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

function pick<K extends keyof ListeningAndEstablished>(sockets: SourceReading<ListeningAndEstablished>, key: K): SourceReading<ListeningAndEstablished[K]> {
  return sockets.ok ? { ok: true, value: sockets.value[key] } : sockets;
}

/** SSH ports from sshd's effective config, sshd's live listeners and the operator's own session. */
export async function discoverSsh(deps: DiscoverDeps): Promise<SshFacts> {
  const [config, ss, ancestors, portRange] = await Promise.all([
    runAdminTool(deps.run, ['sshd', '-T']),
    deps.run(SS_LISTENING_AND_ESTABLISHED),
    ancestorPids(deps),
    deps.readFile('/proc/sys/net/ipv4/ip_local_port_range'),
  ]);
  const parseWarnings: string[] = [];
  const sockets = reading(ss, deps.uid, parseSsListeningAndEstablished, parseWarnings);
  const facts = combineSshFacts({
    config: reading(config, deps.uid, parseSshdEffectiveConfig, parseWarnings),
    listeners: pick(sockets, 'listening'),
    established: pick(sockets, 'established'),
    sshConnection: deps.env.SSH_CONNECTION,
    ancestorPids: ancestors,
    underSudo: deps.env.SUDO_USER !== undefined,
    ephemeralPorts: (portRange === null ? null : parsePortRange(portRange)) ?? DEFAULT_EPHEMERAL_PORTS,
  });
  return { ...facts, warnings: [...facts.warnings, ...parseWarnings] };
}
