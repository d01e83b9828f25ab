// Runs inside the lab's server namespace (started by bench/discovery.bench.ts): times v6wall's
// discovery in-process against one `docker ps` plus one `docker inspect` of every container,
// alternating, and counts discovery's docker calls (CLI processes and Engine API requests).
// Prints one JSON line (ProbeReport) on stdout.
//   node --import tsx bench/discovery-probe.ts ROUNDS
import { access, readFile } from 'node:fs/promises';
import type { CommandResult, Runner } from '../src/core/types/runner.js';
import { discoverFacts, discoverHostFacts } from '../src/host/discover.js';
import { discoverDocker } from '../src/host/discover-docker.js';
import { runCommand } from '../src/host/run.js';
import { dockerApiOnSocket, localDockerSocket, type DockerApiGet } from '../src/host/docker-api.js';

export interface TracedCall {
  command: string;
  startMs: number;
  endMs: number;
}

export interface ProbeReport {
  containersSeen: number;
  /** docker CLI processes plus Engine API requests. */
  dockerCalls: number;
  dockerCommands: string[];
  baselineMs: number[];
  discoveryMs: number[];
  /** discoverDocker() alone (its Docker API requests plus ip6tables-save and daemon.json): the Docker part of discovery. */
  dockerPartMs: number[];
  /** One warm discovery with every command's start and end, relative to its start. */
  trace: TracedCall[];
  traceTotalMs: number;
}

const isContainerId = (word: string): boolean => /^[0-9a-f]{64}$/.test(word);

/** A command line with the long id lists folded, e.g. "docker inspect --type container <200 ids>". */
function summarize(argv: readonly string[]): string {
  const ids = argv.filter(isContainerId).length;
  const words = argv.filter((word) => !isContainerId(word));
  return ids === 0 ? words.join(' ') : `${words.join(' ')} <${ids} ids>`;
}

async function readFileOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

async function pathExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function must(argv: readonly string[]): Promise<CommandResult> {
  const result = await runCommand(argv);
  if (result.exitCode !== 0) throw new Error(`${argv.slice(0, 4).join(' ')} failed: ${result.stderr.trim()}`);
  return result;
}

/** The yardstick: one `docker ps`, then one `docker inspect` of every container it listed. */
async function baseline(): Promise<void> {
  const ps = await must(['docker', 'ps', '--no-trunc', '--format', '{{json .}}']);
  const ids = ps.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { ID: string }).ID);
  await must(['docker', 'inspect', '--type', 'container', ...ids]);
}

async function localDockerApi(): Promise<DockerApiGet | undefined> {
  const docker = await localDockerSocket(process.env, readFileOrNull);
  return 'socket' in docker ? dockerApiOnSocket(docker.socket) : undefined;
}

interface RecordedCall {
  argv: readonly string[];
  startMs: number;
  endMs: number;
}

/** discoverFacts with the real runner and Docker API wrapped to record every call. */
async function recordedDiscovery(): Promise<{ calls: RecordedCall[]; totalMs: number; containers: number }> {
  const calls: RecordedCall[] = [];
  const api = await localDockerApi();
  const started = performance.now();
  const recording: Runner = async (argv, options) => {
    const startMs = performance.now() - started;
    const result = await runCommand(argv, options);
    calls.push({ argv, startMs, endMs: performance.now() - started });
    return result;
  };
  const recordingApi: DockerApiGet | undefined =
    api &&
    (async (path) => {
      const startMs = performance.now() - started;
      const response = await api(path);
      calls.push({ argv: ['docker', 'API', 'GET', path], startMs, endMs: performance.now() - started });
      return response;
    });
  const facts = await discoverFacts({
    run: recording,
    readFile: readFileOrNull,
    exists: pathExists,
    env: process.env,
    uid: process.getuid?.() ?? -1,
    ...(recordingApi ? { dockerApi: recordingApi } : {}),
  });
  if (!facts.docker.available) throw new Error(`discovery saw no Docker: ${facts.docker.reason ?? ''}`);
  return { calls, totalMs: performance.now() - started, containers: facts.docker.containers.length };
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const rounds = Number.parseInt(process.argv[2] ?? '7', 10);

  // Warm both paths once (module loading, execa import, page cache), untimed.
  await baseline();
  await discoverHostFacts();

  const recorded = await recordedDiscovery();
  const dockerCalls = recorded.calls.filter((call) => call.argv[0] === 'docker');

  const api = await localDockerApi();
  const realDeps = { run: runCommand, readFile: readFileOrNull, env: process.env, uid: process.getuid?.() ?? -1, ...(api ? { dockerApi: api } : {}) };
  const baselineMs: number[] = [];
  const discoveryMs: number[] = [];
  const dockerPartMs: number[] = [];
  const sides = [
    async () => baselineMs.push(await timed(() => baseline())),
    async () => discoveryMs.push(await timed(() => discoverHostFacts())),
    async () => dockerPartMs.push(await timed(() => discoverDocker(realDeps))),
  ];
  // Alternate the order so drift on a shared machine hits every side alike.
  for (let round = 0; round < rounds; round += 1) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) await side();
  }

  const report: ProbeReport = {
    containersSeen: recorded.containers,
    dockerCalls: dockerCalls.length,
    dockerCommands: dockerCalls.map((call) => summarize(call.argv)).sort(),
    baselineMs,
    discoveryMs,
    dockerPartMs,
    trace: recorded.calls.map((call) => ({ command: summarize(call.argv), startMs: call.startMs, endMs: call.endMs })).sort((a, b) => a.startMs - b.startMs),
    traceTotalMs: recorded.totalMs,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
