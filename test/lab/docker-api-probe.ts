// Runs inside the lab's server namespace (started by docker-api.test.ts): discovers Docker twice,
// through the Engine API and through the docker CLI, and prints both with the calls each made.
//   node --import tsx test/lab/docker-api-probe.ts
import { readFile } from 'node:fs/promises';
import type { Runner } from '../../src/core/types/runner.js';
import { discoverDocker } from '../../src/host/discover-docker.js';
import { dockerApiOnSocket, localDockerSocket, type DockerApiGet } from '../../src/host/docker-api.js';
import { runCommand } from '../../src/host/run.js';

const readFileOrNull = (path: string) => readFile(path, 'utf8').catch(() => null);
const local = await localDockerSocket(process.env, readFileOrNull);
if (!('socket' in local)) throw new Error(`the lab daemon should be local: ${local.cliOnly}`);
const api = dockerApiOnSocket(local.socket);

function recording(): { run: Runner; dockerProcesses: string[] } {
  const dockerProcesses: string[] = [];
  const run: Runner = (argv, options) => {
    if (argv[0] === 'docker') dockerProcesses.push(argv.slice(0, 3).join(' '));
    return runCommand(argv, options);
  };
  return { run, dockerProcesses };
}

const apiPaths: string[] = [];
const recordingApi: DockerApiGet = (path) => {
  apiPaths.push(path);
  return api(path);
};
const viaApi = recording();
const apiFacts = await discoverDocker({ run: viaApi.run, readFile: readFileOrNull, uid: 0, dockerApi: recordingApi });
const viaCli = recording();
const cliFacts = await discoverDocker({ run: viaCli.run, readFile: readFileOrNull, uid: 0 });
process.stdout.write(
  `${JSON.stringify({ apiFacts, cliFacts, apiPaths, apiDockerProcesses: viaApi.dockerProcesses, cliDockerProcesses: viaCli.dockerProcesses })}\n`,
);
